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
    ["dlq"],
    ["dlq", "list"],
    ["dlq", "show"],
    ["dlq", "redrive"],
    ["local"],
    ["local", "up"],
    ["local", "invoke"],
    ["local", "demo"],
)
SUBCOMMANDS: tuple[list[str], ...] = tuple(words for words in HELP_PAGES if len(words) == 2)
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


@pytest.mark.parametrize("words", SUBCOMMANDS, ids=lambda words: " ".join(["tap", *words]))
def test_a_subcommands_help_says_what_it_does_not_its_groups_text(
    capsys: pytest.CaptureFixture[str], words: list[str]
) -> None:
    """Given a subcommand, its --help page is its own: not its group's, and its examples run
    that subcommand."""
    group = _help(capsys, words[:1])
    page = _help(capsys, words)
    description = page.split("\n\n", 1)[1].split("options:")[0]
    assert description not in group
    assert f"examples:\n  tap {' '.join(words)}" in page


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_prints_the_installed_version(
    capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([flag])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"tap {version('tap-tools')}\n"


@pytest.mark.parametrize(
    "argv",
    [["--nosuch"], ["dlq", "--nosuch"], ["inventory", "--nosuch=1"], ["dlq", "list", "--nosuch"]],
)
def test_an_unknown_option_is_named_as_such(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"error: unrecognized arguments: {argv[-1]}" in err
    assert "required" not in err


def test_a_missing_command_is_still_said_to_be_required(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # (an abbreviated known option is no unknown option)
    for argv in ([], ["dlq", "show", "--vis", "3"]):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2
        assert "the following arguments are required" in capsys.readouterr().err


@pytest.mark.parametrize("words", HELP_PAGES, ids=lambda words: " ".join(["tap", *words]))
def test_every_help_page_lists_the_closed_pipe_status(
    capsys: pytest.CaptureFixture[str], words: list[str]
) -> None:
    assert "  141  the reader closed the pipe early" in _help(capsys, words)


@pytest.mark.parametrize("players", ["0", "-3", "many"])
def test_demo_with_no_players_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], players: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--players", players])
    assert exited.value.code == 2
    assert f'argument --players: "{players}" is not a whole number >= 1' in capsys.readouterr().err


def test_a_usage_error_does_not_echo_an_argument_of_any_length(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--players", "9x" * 50_000])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert '"9x9x' in err
    assert len(err.splitlines()[-1]) < 200


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
