"""``tap`` itself: help written for users, ``--version``, usage errors, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from typing import TYPE_CHECKING

import pytest

from tap_tools.cli import build_parser, main

if TYPE_CHECKING:
    from pathlib import Path

HELP_PAGES: tuple[list[str], ...] = (
    [],
    ["demo"],
    ["inventory"],
    ["inventory", "validate"],
    ["inventory", "summarize"],
)
DEVELOPER_MARKUP = ("``", ":mod:", ":class:", ":func:", ":data:", "noqa", "tap_core", "tap_aws")


def _help(capsys: pytest.CaptureFixture[str], words: list[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*words, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("words", HELP_PAGES, ids=lambda words: " ".join(["tap", *words]))
def test_every_help_page_is_for_users(capsys: pytest.CaptureFixture[str], words: list[str]) -> None:
    """Given any command, when asked for --help, then the page has an example and the exit
    statuses (usage error 2 among them), and no reST markup or developer notes."""
    page = _help(capsys, words)
    assert "examples:\n  tap " in page
    assert "exit status:" in page
    assert "  2  usage error" in page
    assert [markup for markup in DEVELOPER_MARKUP if markup in page] == []
    assert "summarise" not in page


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"tap {version('tap-tools')}\n"


@pytest.mark.parametrize("players", ["0", "-3", "many"])
def test_demo_with_no_players_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], players: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--players", players])
    assert exited.value.code == 2
    assert f"argument --players: {players!r} is not a whole number >= 1" in capsys.readouterr().err


def test_demo_with_no_submissions_is_an_empty_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--submissions", "0", "--players", "1"]) == 0
    out = capsys.readouterr().out
    assert "tap demo: 0 messages received" in out
    assert "ERROR" not in out


def test_a_command_module_registers_itself() -> None:
    """Every subcommand module adds its own parser: the top-level parser lists them all."""
    parser = build_parser()
    assert parser.parse_args(["demo"]).command == "demo"
    assert parser.parse_args(["inventory", "validate", "f.csv"]).inventory_command == "validate"


def _modules_loaded_by(argv: list[str]) -> set[str]:
    """The modules a fresh interpreter holds after ``tap argv`` (exit status ignored)."""
    code = (
        "import json, sys\n"
        "from tap_tools.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(result.stderr.splitlines()[-1])
    return set(loaded)


def _under(modules: set[str], *packages: str) -> set[str]:
    return {m for m in modules if any(m == p or m.startswith(f"{p}.") for p in packages)}


def test_validating_a_csv_loads_neither_the_demo_nor_the_leaderboard_core(
    tmp_path: Path,
) -> None:
    path = tmp_path / "inventory.csv"
    path.write_text("sku,warehouse,name,quantity,unit_price\nA-1,north,Hammer,3,12.50\n")
    loaded = _modules_loaded_by(["inventory", "validate", str(path)])
    assert "tap_core.inventory" in loaded  # the scan sees the command's own imports
    unused = ("tap_core.leaderboard", "tap_core.memory", "tap_tools.cli.demo_leaderboards")
    assert _under(loaded, *unused, "tap_tools.cli.demo_inventory", "boto3", "botocore") == set()


def test_help_and_version_load_no_pydantic() -> None:
    for argv in (["--help"], ["--version"], ["inventory", "validate", "--help"]):
        loaded = _modules_loaded_by(argv)
        assert "tap_tools.cli.inventory" in loaded
        assert _under(loaded, "pydantic", "tap_core") == set(), argv
