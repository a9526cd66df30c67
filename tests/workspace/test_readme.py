"""The README's Quickstart is exactly two one-line commands, and CI runs both."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    return [block.strip() for block in blocks]


def test_quickstart_has_two_single_line_commands() -> None:
    commands = _quickstart_commands()
    assert len(commands) == 2
    assert all("\n" not in command for command in commands)
    for command in commands:
        install, _, _ = command.partition(" && ")
        assert install == "python3 -m pip install uv nox"


def test_quickstart_runs_the_demo_and_the_tests() -> None:
    demo, tests = _quickstart_commands()
    assert demo.endswith("&& nox -s demo")
    assert tests.endswith("&& nox -s tests")


def test_ci_runs_the_readme_commands_and_the_quick_benchmarks() -> None:
    """Neither the README's commands nor the benchmarks can rot: CI runs each of them."""
    demo, tests = _quickstart_commands()
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line.strip() for line in run.splitlines() if not line.lstrip().startswith("#")]
    assert demo.split(" && ", 1)[1] in lines
    assert tests.split(" && ", 1)[1] in lines
    assert "nox -s lint typecheck core_isolated" in lines
    assert "nox -s bench -- --quick" in lines
    assert any("pip install" in line and "uv nox" in line for line in lines)


def test_the_core_isolated_session_has_tests_to_run() -> None:
    """pytest exits 5 when it collects nothing; the path nox gives it must hold tests."""
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    assert '"tests/unit",' in noxfile
    assert sorted((ROOT / "tests" / "unit").rglob("test_*.py"))
