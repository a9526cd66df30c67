"""The README's Quickstart is exactly two one-line commands, and CI starts with both."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Nothing but Python: uv and nox go into the clone's own venv, never into a system Python that
# refuses `pip install` (PEP 668, as stock Debian and Ubuntu do).
INSTALL = "python3 -m venv .venv && .venv/bin/pip install uv nox"


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
        assert command.startswith(f"{INSTALL} && ")
        assert "pip install --user" not in command
        assert "--break-system-packages" not in command


def test_quickstart_runs_the_demo_and_the_tests() -> None:
    demo, tests = _quickstart_commands()
    assert demo == f"{INSTALL} && .venv/bin/nox -s demo"
    assert tests == f"{INSTALL} && .venv/bin/nox -s tests"


def _ci_commands() -> list[str]:
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    return [
        line.strip()
        for line in run.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_ci_starts_with_the_readme_commands_on_an_empty_cache() -> None:
    """CI runs the README's two commands exactly as written, before anything else installs,
    builds or caches, with uv's cache in a new, empty folder: what a new user meets."""
    demo, tests = _quickstart_commands()
    lines = _ci_commands()
    first = next(i for i, line in enumerate(lines) if "pip install" in line or "nox" in line)
    assert lines[first : first + 2] == [demo, tests]
    before = lines[:first]
    assert 'UV_CACHE_DIR="$(mktemp -d)"' in before
    assert "export UV_CACHE_DIR" in before
    assert not [line for line in before if line.startswith(("uv ", "nox ", "python3 -m pip"))]


def test_ci_runs_the_other_sessions_and_the_quick_benchmarks() -> None:
    """Neither the sessions the README names nor the benchmarks can rot: CI runs each."""
    lines = _ci_commands()
    assert "nox -s lint typecheck core_isolated" in lines
    assert "nox -s bundle" in lines
    assert "nox -s bench -- --quick" in lines


def test_the_core_isolated_session_has_tests_to_run() -> None:
    """pytest exits 5 when it collects nothing; the path nox gives it must hold tests."""
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    assert '"tests/unit",' in noxfile
    assert sorted((ROOT / "tests" / "unit").rglob("test_*.py"))
