"""Every adapter runs its port's whole contract: no contract test is listed by name.

A contract module holds one port's tests, each taking the fixture an adapter provides (a fresh
port or a factory of them). An adapter's test module defines that fixture, or has it from its
``conftest.py``, and star-imports the contract, so a test added to the contract runs on every
adapter. Listing tests by name drifted once: two leaderboard properties never ran on DynamoDB.
These checks read the contract modules' source and what pytest collects.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Contract:
    fixture: str
    """What every test of the contract takes, directly or through a fixture of the contract."""
    adapters: tuple[str, ...]
    """The test modules that run it, one per adapter (in memory first)."""


CONTRACTS = {
    "tests/unit/deadletters_contract.py": Contract(
        "dead_letters",
        ("tests/unit/test_deadletters.py", "tests/adapters/test_sqs_deadletters.py"),
    ),
    "tests/unit/leaderboard/contract.py": Contract(
        "leaderboards_factory",
        (
            "tests/unit/leaderboard/test_contract.py",
            "tests/adapters/leaderboards/test_contract.py",
            "tests/adapters/leaderboards/sharded/test_contract.py",
            "tests/adapters/valkey/test_leaderboards.py",
            "tests/adapters/leaderboards/stream/test_contract.py",
            "tests/adapters/leaderboards/memory_index/test_contract.py",
            "tests/adapters/valkey/entries/test_contract.py",
            "tests/adapters/valkey/entries/stream/test_contract.py",
        ),
    ),
    "tests/unit/leaderboard/rank_index_contract.py": Contract(
        "rank_index_factory",
        (
            "tests/unit/leaderboard/test_rank_index.py",
            "tests/adapters/leaderboards/test_rank_index.py",
            "tests/adapters/valkey/test_rank_index.py",
        ),
    ),
    "tests/unit/inventory/contract.py": Contract(
        "make_store",
        ("tests/unit/inventory/test_store.py", "tests/adapters/test_dynamo_inventory.py"),
    ),
}


def _module_name(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def _is_fixture(node: ast.FunctionDef) -> bool:
    return any("fixture" in ast.unparse(decorator) for decorator in node.decorator_list)


def _arguments(node: ast.FunctionDef) -> set[str]:
    every = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
    return {argument.arg for argument in every}


def _functions(path: str) -> list[ast.FunctionDef]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return [node for node in tree.body if isinstance(node, ast.FunctionDef)]


def _tests(path: str) -> set[str]:
    return {node.name for node in _functions(path) if node.name.startswith("test_")}


@cache
def _collected() -> dict[str, set[str]]:
    """Test module path -> the names of the test functions pytest collects in it."""
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    found: dict[str, set[str]] = defaultdict(set)
    for line in run.stdout.splitlines():
        if "::" in line:
            path, name = line.split("::")[:2]
            found[path].add(name.split("[")[0])
    return found


@pytest.mark.parametrize("path", sorted(CONTRACTS))
def test_every_contract_test_takes_the_adapter_fixture(path: str) -> None:
    contract = CONTRACTS[path]
    functions = _functions(path)
    fixtures = {
        node.name
        for node in functions
        if _is_fixture(node) and contract.fixture in _arguments(node)
    }
    assert contract.fixture not in {node.name for node in functions if _is_fixture(node)}, (
        f"{path} defines {contract.fixture}: each adapter module provides its own"
    )
    tests = [node for node in functions if node.name.startswith("test_")]
    assert tests, f"{path} holds no test"
    without = [
        node.name for node in tests if not ({contract.fixture} | fixtures) & _arguments(node)
    ]
    assert without == [], f"{path}: these take no {contract.fixture} (not a contract test)"


def test_contract_tests_are_never_imported_by_name() -> None:
    """An adapter star-imports its contract; naming its tests is how the list drifted."""
    modules = {_module_name(path) for path in CONTRACTS}
    named = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in modules:
                named += [
                    f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("test_")
                ]
    assert named == []


@pytest.mark.parametrize("path", sorted(CONTRACTS))
def test_every_adapter_module_collects_its_whole_contract(path: str) -> None:
    contract, tests = CONTRACTS[path], _tests(path)
    collected = _collected()
    for adapter in contract.adapters:
        missing = sorted(tests - collected.get(adapter, set()))
        assert missing == [], f"{adapter} does not run these tests of {path}"
    # A module that runs part of a contract is an adapter too: it must run all of it.
    partial = {
        module: sorted(tests - names)
        for module, names in collected.items()
        if names & tests and module not in contract.adapters
    }
    assert partial == {}, f"add these modules to CONTRACTS[{path!r}] and run {path} whole"
