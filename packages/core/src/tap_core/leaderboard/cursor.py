"""Opaque page cursors: which board and period a page came from, and its last entry.

A cursor is URL-safe base64 of a small JSON object. It names its board and period so a cursor
from another board or period is refused, and it holds the last entry's encoded sort key so the
next page resumes strictly after it, whatever has moved since.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Final

from tap_core.errors import show
from tap_core.leaderboard.models import compact_json

_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page of ``board_id``/``period`` ended: the encoded sort key of its last entry."""

    board_id: str
    period: str
    after: str

    def encode(self) -> str:
        """The opaque text handed to clients."""
        payload = compact_json(
            {"v": _VERSION, "b": self.board_id, "p": self.period, "k": self.after}
        )
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """The cursor ``text`` encodes; ValueError when it is not one this library made."""
        try:
            payload = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        except (binascii.Error, ValueError, TypeError, RecursionError):
            # RecursionError: deeply nested JSON (base64 of a thousand '[') is no cursor either.
            raise ValueError(f"malformed cursor {show(text)}") from None
        if (
            not isinstance(payload, dict)
            or payload.get("v") != _VERSION
            or set(payload) != {"v", "b", "p", "k"}
            or not all(isinstance(payload[name], str) for name in ("b", "p", "k"))
        ):
            raise ValueError(f"malformed cursor {show(text)}")
        return cls(board_id=payload["b"], period=payload["p"], after=payload["k"])

    def check(self, board_id: str, period: str | None) -> None:
        """ValueError unless this cursor belongs to ``board_id`` and (if given) ``period``."""
        if self.board_id != board_id:
            raise ValueError(f"cursor belongs to leaderboard {self.board_id!r}, not {board_id!r}")
        if period is not None and self.period != period:
            raise ValueError(f"cursor belongs to period {self.period!r}, not {period!r}")
