"""Repository rules that must hold everywhere, checked on the source itself.

Each guards a mistake an earlier attempt made (see ../shared/seeds): path hacks instead of
installed packages, a core that quietly depends on AWS, lint rules that let bare excepts,
empty f-strings, f-strings in log calls and over-long lines through.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path
from typing import TypeGuard

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", ".nox", ".git", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".ci"}
PACKAGES = {
    "core": "tap_core",
    "aws_adapter": "tap_aws",
    "infra": "tap_infra",
    "tools": "tap_tools",
}
CORE_ALLOWED = {"pydantic", "sortedcontainers", "tap_core"}


def _python_files(under: Path = ROOT) -> list[Path]:
    return sorted(
        path for path in under.rglob("*.py") if not SKIP.intersection(path.relative_to(ROOT).parts)
    )


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_scan_sees_the_code() -> None:
    files = {path.relative_to(ROOT).as_posix() for path in _python_files()}
    assert "packages/core/src/tap_core/leaderboard/models.py" in files
    assert "noxfile.py" in files


def test_no_file_edits_sys_path() -> None:
    """Packages are installed into the venv; nothing may reach around that."""
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "path"
                and isinstance(node.value, ast.Name)
                and node.value.id == "sys"
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_core_imports_only_the_stdlib_pydantic_and_sortedcontainers() -> None:
    core = ROOT / "packages/core/src/tap_core"
    foreign = {
        f"{path.relative_to(core)}: {name}"
        for path in _python_files(core)
        for name in _imported_roots(path)
        if name not in CORE_ALLOWED and name not in sys.stdlib_module_names
    }
    assert foreign == set()


def test_the_core_declares_only_its_two_dependencies() -> None:
    project = tomllib.loads((ROOT / "packages/core/pyproject.toml").read_text())["project"]
    names = {
        spec.split(">")[0].split("<")[0].split("=")[0].strip() for spec in project["dependencies"]
    }
    assert names == {"pydantic", "sortedcontainers"}


def test_the_core_reads_no_environment_and_no_clock() -> None:
    """Time and configuration come in as parameters; the core never reaches for them."""
    core = ROOT / "packages/core/src/tap_core"
    forbidden = {"environ", "getenv", "now", "utcnow", "today", "time_ns", "monotonic"}
    offenders = []
    for path in _python_files(core):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in forbidden:
                offenders.append(f"{path.relative_to(core)}:{node.lineno} .{node.attr}")
    assert offenders == []


@pytest.mark.parametrize(("directory", "module"), sorted(PACKAGES.items()))
def test_every_package_is_src_laid_out_and_typed(directory: str, module: str) -> None:
    package = ROOT / "packages" / directory
    assert (package / "src" / module / "__init__.py").is_file()
    assert (package / "src" / module / "py.typed").is_file()
    project = tomllib.loads((package / "pyproject.toml").read_text())["project"]
    assert project["name"] == module.replace("_", "-")


def test_lint_rules_cover_the_seed_mistakes() -> None:
    """Bare except (E722), f-string without placeholders (F541), f-strings in logging calls
    (G004), long lines (E501) are all selected, and sys.path is a banned API."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]
    selected = set(config["lint"]["select"])
    ignored = set(config["lint"].get("ignore", []))
    for code in ("E722", "F541", "G004", "E501"):
        family = code.rstrip("0123456789")
        assert code in selected or family in selected or code[:2] in selected or code[0] in selected
        assert code not in ignored
    banned = config["lint"]["flake8-tidy-imports"]["banned-api"]
    assert "sys.path" in banned


def test_mypy_is_strict_and_skips_following_pulumi_aws() -> None:
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert mypy["strict"] is True
    skipped = [o for o in mypy["overrides"] if "pulumi_aws" in o["module"]]
    assert skipped
    assert skipped[0]["follow_imports"] == "skip"


CLIENT_FACTORY = ROOT / "packages/aws_adapter/src/tap_aws/clients.py"


def _builds_a_client(node: ast.AST) -> TypeGuard[ast.Call]:
    """A call that makes a boto3 session or client: ``boto3.client(...)``,
    ``boto3.resource(...)``, ``...Session(...)`` or ``anything.client("service", ...)``."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    name = node.func.attr
    if name == "Session":
        return True
    first = node.args[0] if node.args else None
    named = isinstance(first, ast.Constant) and isinstance(first.value, str)
    return name in {"client", "resource"} and named


def test_every_boto3_client_is_built_by_the_one_factory() -> None:
    """Functions, CLI and local stack build their clients through ``tap_aws.clients``
    (``ClientFactory``), so retries, timeouts and endpoints are set in one place."""
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _python_files(ROOT / "packages")
        if path != CLIENT_FACTORY
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if _builds_a_client(node)
    ]
    assert offenders == []
    factory = ast.parse(CLIENT_FACTORY.read_text(encoding="utf-8"))
    assert any(_builds_a_client(node) for node in ast.walk(factory))  # the check sees them
