"""The package's public adapters, and the product's independence from the test support."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import tap_aws
from tap_aws.adapters.deadletters import SqsDeadLetters
from tap_aws.adapters.inventory import DynamoInventoryStore
from tap_aws.adapters.objects import S3Objects

SOURCE = Path(tap_aws.__file__).parent
"""tap_aws holds only what the Lambda bundle needs; the local stack, its emulator (moto's
server) and the test support live in tap_tools, which nothing here imports."""


def test_the_adapters_are_exported_from_the_package() -> None:
    assert tap_aws.SqsDeadLetters is SqsDeadLetters
    assert tap_aws.DynamoInventoryStore is DynamoInventoryStore
    assert tap_aws.S3Objects is S3Objects


def test_importing_the_package_imports_no_boto3() -> None:
    code = "import sys, tap_aws; print('boto3' in sys.modules, 'botocore' in sys.modules)"
    out = subprocess.run(  # noqa: S603 - our interpreter, our code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]


def test_no_product_module_imports_moto_or_the_test_support() -> None:
    offenders = []
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in {"moto", "tap_tools"}
            ]
    assert offenders == []


def test_importing_the_functions_imports_no_moto_nor_the_tools() -> None:
    code = (
        "import sys, tap_aws.functions.scores, tap_aws.functions.api, "
        "tap_aws.functions.inventory_import, tap_aws.functions.inventory_summary; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('moto', 'tap_tools')))"
    )
    out = subprocess.run(  # noqa: S603 - our interpreter, our code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_installing_tap_aws_pulls_in_neither_moto_nor_the_cli() -> None:
    """``pip install tap-aws`` (what the Lambda bundle installs) brings no moto, no tools and no
    console script: the ``tap`` command is tap-tools'."""
    requires = metadata.requires("tap-aws") or []
    names = {re.split(r"[\s\[<>=;!~]", spec, maxsplit=1)[0].lower() for spec in requires}
    assert "boto3" in names  # the parse sees the real requirements
    assert not names & {"moto", "tap-tools", "tap-infra"}
    assert not [spec for spec in requires if "extra ==" in spec]  # no extras at all
    scripts = metadata.distribution("tap-aws").entry_points.select(group="console_scripts")
    assert list(scripts) == []
    tools = metadata.distribution("tap-tools").entry_points.select(group="console_scripts")
    assert [(e.name, e.value) for e in tools] == [("tap", "tap_tools.cli:main")]
