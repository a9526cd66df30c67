"""The package's public adapters, and the product's independence from the test support."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tap_aws
from tap_aws.adapters.deadletters import SqsDeadLetters
from tap_aws.adapters.inventory import DynamoInventoryStore
from tap_aws.adapters.objects import S3Objects

SOURCE = Path(tap_aws.__file__).parent
LOCAL_EMULATOR = SOURCE / "local" / "emulator.py"
"""The local stack's emulator: moto's server (the ``tap-aws[local]`` extra), imported when the
stack starts; nothing the functions import reaches it."""


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
        if path.name == "testing.py" or path == LOCAL_EMULATOR:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] == "moto" or n == "tap_aws.testing"
            ]
    assert offenders == []


def test_importing_the_functions_imports_no_moto_nor_the_local_stack() -> None:
    code = (
        "import sys, tap_aws.functions.scores, tap_aws.functions.api, "
        "tap_aws.functions.inventory_import, tap_aws.functions.inventory_summary; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'moto' "
        "or m.startswith('tap_aws.local') or m == 'tap_aws.testing'))"
    )
    out = subprocess.run(  # noqa: S603 - our interpreter, our code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
