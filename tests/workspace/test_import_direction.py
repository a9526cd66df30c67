"""Imports point one way, tools -> infra -> aws_adapter -> core, and never in a circle.

Every module under ``packages/*/src`` is parsed with :mod:`ast` and every import statement in it
counts: at module scope, under ``if TYPE_CHECKING:`` and inside functions alike, because each is
an arrow a reader and a type checker follow, and a type-only cycle is still a cycle. The rules:

- ``tap_core`` imports no other workspace package and no AWS or Pulumi library;
- ``tap_aws`` imports neither ``tap_infra`` nor ``tap_tools``, nor moto or Pulumi;
- ``tap_infra`` imports no ``tap_tools`` and, of ``tap_aws``, only ``tap_aws.resources``;
- ``tap_tools`` may import all of them;
- no import cycle between modules of the workspace (the cycle is reported, module by module).

The last tests plant each kind of violation in a throwaway tree and check the scan reports it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parents[2]
PACKAGES: Final = ROOT / "packages"

FORBIDDEN: Final[dict[str, frozenset[str]]] = {
    "tap_core": frozenset(
        {"tap_aws", "tap_infra", "tap_tools", "boto3", "botocore", "moto", "pulumi", "pulumi_aws"}
    ),
    "tap_aws": frozenset({"tap_infra", "tap_tools", "moto", "pulumi", "pulumi_aws"}),
    "tap_infra": frozenset({"tap_tools", "moto"}),
    "tap_tools": frozenset(),
}
"""Per workspace package, the top-level names it must not import (itself aside)."""
INFRA_MAY_READ: Final = frozenset({"tap_aws.resources"})
"""The only modules of ``tap_aws`` that ``tap_infra`` may import."""
STUB_PREFIXES: Final = {"tap_core": ("mypy_boto3_",)}
"""Top-level prefixes forbidden too (boto3's stub packages, ``mypy_boto3_dynamodb``, ...)."""


@dataclass(frozen=True)
class Import:
    """One imported name: ``module`` as written (absolute), in ``source`` at ``line``."""

    source: str
    line: int
    module: str


def modules_of(packages: Path) -> dict[str, Path]:
    """Every module under ``packages/*/src``, by its dotted name (a package by its own)."""
    found: dict[str, Path] = {}
    for path in sorted(packages.glob("*/src/*/**/*.py")):
        src = next(parent for parent in path.parents if parent.name == "src")
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path) -> list[Import]:
    """Every import in the module ``name`` (at ``path``), wherever in the file it stands."""
    is_package = path.name == "__init__.py"
    found: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [Import(name, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against this module's package
                package = name.split(".")
                package = package if is_package else package[:-1]
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            # ``from a import b``: a's submodule b when there is one, else a itself
            found += [Import(name, node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _target(module: str, known: dict[str, Path]) -> str | None:
    """The workspace module an import of ``module`` loads: its longest known prefix."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def upward_arrows(known: dict[str, Path]) -> list[str]:
    """Each import that breaks the direction rules, as ``source:line -> module``."""
    offenders: list[str] = []
    for name, path in known.items():
        package = name.split(".")[0]
        forbidden = FORBIDDEN.get(package, frozenset())
        prefixes = STUB_PREFIXES.get(package, ())
        for found in imports_of(name, path):
            # ``from a import b`` was recorded as ``a.b``; judge what it really names
            target = _target(found.module, known) or found.module
            top = target.split(".")[0]
            if top == package:
                continue
            wrong = top in forbidden or top.startswith(prefixes)
            if package == "tap_infra" and top == "tap_aws":
                wrong = target not in INFRA_MAY_READ
            if wrong:
                offenders.append(f"{name}:{found.line} -> {target}")
    return sorted(offenders)


def import_graph(known: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the workspace modules it imports (itself excluded)."""
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for found in imports_of(name, path):
            target = _target(found.module, known)
            if target is not None and target != name:
                graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected group of modules, as the modules along it
    (``[a, b, a]``: a imports b, b imports a); empty when the graph has none (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(start: str) -> None:
        # iterative Tarjan: deep chains of imports must not hit the recursion limit
        work: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, pending = work[-1]
            if pending:
                child = pending.pop()
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, sorted(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(_cycle_through(group, graph) for group in groups)


def _cycle_through(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A path from the group's first module back to itself, within the group (BFS: short)."""
    first = min(group)
    came_from: dict[str, str] = {}
    frontier = [first]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for child in sorted(graph[node] & group):
                if child == first:
                    path = [node]
                    while path[-1] != first:
                        path.append(came_from[path[-1]])
                    return [first, *reversed(path[:-1]), first]
                if child not in came_from:
                    came_from[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle through {sorted(group)}")  # a group always has one


@pytest.fixture(scope="module")
def workspace() -> dict[str, Path]:
    return modules_of(PACKAGES)


def test_the_scan_sees_every_package_and_their_imports(workspace: dict[str, Path]) -> None:
    assert {name.split(".")[0] for name in workspace} == set(FORBIDDEN)
    assert "tap_core.leaderboard.port" in workspace
    assert "tap_tools.cli" in workspace
    graph = import_graph(workspace)
    # a module-scope import, a TYPE_CHECKING one and a function-level one are all seen
    assert "tap_aws.resources" in graph["tap_infra.stack"]
    assert "tap_core.leaderboard.port" in graph["tap_core.leaderboard"]
    assert "tap_infra.plan" in graph["tap_tools.cli.infra"]


def test_no_package_imports_upward(workspace: dict[str, Path]) -> None:
    assert upward_arrows(workspace) == []


def test_no_import_cycle_between_workspace_modules(workspace: dict[str, Path]) -> None:
    found = cycles(import_graph(workspace))
    assert [" -> ".join(cycle) for cycle in found] == []


def _plant(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    """A throwaway workspace: ``files`` maps ``package/module.py`` paths to their source."""
    for relative, source in files.items():
        package, _, rest = relative.partition("/")
        path = tmp_path / package.removeprefix("tap_") / "src" / package / rest
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        (path.parent / "__init__.py").touch()
    return modules_of(tmp_path)


@pytest.mark.parametrize(
    ("relative", "source", "arrow"),
    [
        ("tap_core/a.py", "import boto3\n", "tap_core.a:1 -> boto3"),
        (
            "tap_core/a.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from tap_aws import x\n",
            "tap_core.a:3 -> tap_aws.x",
        ),
        ("tap_core/a.py", "def f():\n    import mypy_boto3_s3\n", "tap_core.a:2 -> mypy_boto3_s3"),
        (
            "tap_aws/a.py",
            "def f():\n    from tap_tools.cli import main\n",
            "tap_aws.a:2 -> tap_tools.cli",
        ),
        ("tap_aws/a.py", "from tap_infra.stack import Stack\n", "tap_aws.a:1 -> tap_infra.stack"),
        ("tap_aws/a.py", "import moto\n", "tap_aws.a:1 -> moto"),
        ("tap_infra/a.py", "from tap_aws.events import X\n", "tap_infra.a:1 -> tap_aws.events"),
        ("tap_infra/a.py", "import tap_aws\n", "tap_infra.a:1 -> tap_aws"),
        ("tap_infra/a.py", "from tap_tools import testing\n", "tap_infra.a:1 -> tap_tools.testing"),
    ],
)
def test_a_planted_upward_arrow_is_reported(
    tmp_path: Path, relative: str, source: str, arrow: str
) -> None:
    known = _plant(
        tmp_path,
        {
            relative: source,
            "tap_aws/resources.py": "",
            "tap_aws/events.py": "",
            "tap_aws/x.py": "",
            "tap_tools/cli/__init__.py": "",
            "tap_tools/testing.py": "",
            "tap_infra/stack.py": "",
        },
    )
    assert upward_arrows(known) == [arrow]


def test_the_allowed_arrows_are_not_reported(tmp_path: Path) -> None:
    known = _plant(
        tmp_path,
        {
            "tap_infra/a.py": "from tap_aws.resources import X\nfrom tap_aws import resources\n",
            "tap_aws/resources.py": "import tap_core.b\n",
            "tap_core/b.py": "import pydantic\n",
            "tap_tools/c.py": "import moto, tap_infra.a, tap_aws.resources, boto3\n",
        },
    )
    assert upward_arrows(known) == []
    assert cycles(import_graph(known)) == []


def test_a_planted_cycle_is_reported_module_by_module(tmp_path: Path) -> None:
    known = _plant(
        tmp_path,
        {
            "tap_core/a.py": "from tap_core.b import B\n",
            "tap_core/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from tap_core import c\n",
            "tap_core/c.py": "def f():\n    from tap_core.a import A\n",
            "tap_core/d.py": "from tap_core.a import A\n",  # into the cycle, not on it
            "tap_core/e.py": "from .f import F\n",  # relative, resolved
            "tap_core/f.py": "from tap_core import e\n",
        },
    )
    assert cycles(import_graph(known)) == [
        ["tap_core.a", "tap_core.b", "tap_core.c", "tap_core.a"],
        ["tap_core.e", "tap_core.f", "tap_core.e"],
    ]
