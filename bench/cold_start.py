"""Cold start: the import time of each function module, as a ratio to an in-run baseline.

Each figure is the CPU time of a fresh interpreter importing one function module, the median
of several interleaved runs (:func:`bench.timing.interleaved`). Each function has its own
baseline: what any function on these libraries would pay, ``import boto3`` and the Powertools
pieces that module uses, built as it builds them at module scope (a Tracer imports the X-Ray
SDK when built). Both are read from the module's source (:func:`baseline_code`), so the
baseline follows the module. Goal (issue 8): each <= 1.15x its baseline. A function module
imports no boto3 itself: its first invocation does, when it builds clients.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

from bench.timing import interleaved, options
from tap_aws.resources import FUNCTIONS

if TYPE_CHECKING:
    from collections.abc import Sequence

GOAL: Final = 1.15
POWERTOOLS: Final = "aws_lambda_powertools"


def _source(module: str) -> str:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ValueError(f"no source for {module}")
    return Path(spec.origin).read_text(encoding="utf-8")


class _Constants(ast.NodeTransformer):
    """A call's arguments with the module's own names (``SERVICE``) made plain strings."""

    def visit_Call(self, node: ast.Call) -> ast.Call:
        node.args = [_constant(arg) for arg in node.args]
        for keyword in node.keywords:
            keyword.value = _constant(keyword.value)
        return node


def _constant(node: ast.expr) -> ast.expr:
    return ast.Constant("bench") if isinstance(node, ast.Name) else node


def baseline_code(module: str) -> str:
    """``import boto3``, the module's Powertools imports and its module-scope constructions of
    what they import (``logger = Logger(...)``), as the module writes them."""
    tree = ast.parse(_source(module))
    lines = ["import boto3"]
    imported: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(POWERTOOLS):
            lines.append(ast.unparse(node))
            imported.update(alias.asname or alias.name for alias in node.names)
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        call = value.func if isinstance(value, ast.Call) else None
        if isinstance(value, ast.Call) and isinstance(call, ast.Name) and call.id in imported:
            lines.append(ast.unparse(_Constants().visit(value)))
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str]) -> None:
    quick = options(__doc__, argv).quick
    repeats = 3 if quick else 9
    modules = [spec.handler.rpartition(".")[0] for spec in FUNCTIONS]
    commands: dict[str, list[str]] = {}
    for module in modules:
        commands[f"baseline of {module}"] = [sys.executable, "-c", baseline_code(module)]
        commands[module] = [sys.executable, "-c", f"import {module}"]
    samples = interleaved(commands, repeats)
    print(
        f"cold start: CPU time of a fresh interpreter, median of {repeats} interleaved runs; "
        f"each function's ratio to its baseline (boto3 + the Powertools pieces it builds); "
        f"goal <= {GOAL}x"
    )
    for module in modules:
        base, sample = samples[f"baseline of {module}"], samples[module]
        ratio = sample.median / base.median
        verdict = "meets the goal" if ratio <= GOAL else "OVER"
        print(
            f"  {module:<38} {1000 * sample.median:6.0f} ms vs {1000 * base.median:6.0f} ms "
            f"{ratio:5.2f}x  (spread {sample.spread:4.2f}/{base.spread:4.2f})  {verdict}"
        )
