"""The local stack's leaderboards: the defaults, or a JSON or YAML list of LeaderboardSpec."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from tap_core.errors import describe
from tap_core.leaderboard import LeaderboardSpec

if TYPE_CHECKING:
    from pathlib import Path

DEFAULT_BOARDS = (
    LeaderboardSpec(id="global", order="desc", operator="best", reset="never"),
    LeaderboardSpec(id="weekly", order="desc", operator="best", reset="weekly"),
)


class BoardsFileError(ValueError):
    """The leaderboards file cannot be read or is not a list of leaderboard specs."""


def load_boards(path: Path) -> tuple[LeaderboardSpec, ...]:
    """The specs in ``path``: JSON, or YAML when it ends ``.yaml``/``.yml`` (needs PyYAML)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise BoardsFileError(f"cannot read the leaderboards file {path}: {error}") from None
    data: Any
    if path.suffix.lower() in {".yaml", ".yml"}:
        try:
            import yaml  # type: ignore[import-untyped]  # noqa: PLC0415 - only for YAML
        except ImportError:
            raise BoardsFileError(
                f"{path} is YAML, but PyYAML is not installed: use JSON, or install PyYAML"
            ) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise BoardsFileError(f"{path} is not valid YAML: {error}") from None
    else:
        try:
            data = json.loads(text)
        except ValueError as error:
            raise BoardsFileError(f"{path} is not valid JSON: {error}") from None
    try:
        boards = TypeAdapter(tuple[LeaderboardSpec, ...]).validate_python(data)
    except ValidationError as error:
        raise BoardsFileError(
            f"{path} is not a list of leaderboard specs: {describe(error)}"
        ) from None
    if not boards:
        raise BoardsFileError(f"{path} lists no leaderboards")
    ids = [board.id for board in boards]
    duplicates = sorted({board_id for board_id in ids if ids.count(board_id) > 1})
    if duplicates:
        raise BoardsFileError(f"{path} defines {', '.join(duplicates)} more than once")
    return boards
