"""The Lambda bundle: deterministic, complete (seed 9: dependencies missing from the package),
and importable under the Lambda runtime's Python.

The bundles are built as ``nox -s bundle`` builds them: uv fetches the locked wheels from the
package registry (or its cache), so the tests need no session run before them and a fresh
machine with an empty cache runs them whole. uv is in the ``tests`` dependency group. On a
machine without the runtime's Python, the import check builds the bundle for the Python
running the tests instead, so it still runs (and says which Python it used).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tap_aws.resources import FUNCTIONS
from tap_infra.bundle import (
    PLATFORMS,
    PYTHON_VERSION,
    build,
    requirements,
    workspace_files,
)
from tap_infra.functions import ARCHITECTURES

if TYPE_CHECKING:
    from collections.abc import Callable

    from tap_aws.resources import FunctionSpec
    from tap_infra.functions import Architecture

WORKSPACE = Path(__file__).resolve().parents[2]
HOST_ARCHITECTURE: Architecture = (
    "arm64" if platform.machine() in {"aarch64", "arm64"} else "x86_64"
)
TOOL_TOPS = frozenset({"tap_tools", "tap_infra", "moto", "werkzeug", "flask", "pulumi"})
"""Top-level packages that never belong in the Lambda bundle: the tools (CLI, local stack,
harness), the Pulumi program, moto and its server's web stack."""
TOOL_PARTS = frozenset({"cli", "local", "testing", "testing.py", "capacity.py"})
"""Names of tool code wherever it sits (``tap_aws/cli/``, ``tap_aws/testing.py``, ...)."""
WORKSPACE_BUDGET = 512 * 1024
"""The bundle's own code (tap_core + tap_aws sources), ~370 kB after tap-tools moved out."""


def _tool_code(names: list[str]) -> list[str]:
    """The names among ``names`` that are CLI, local-stack, harness or moto code."""
    return [
        name
        for name in names
        if name.split("/", 1)[0] in TOOL_TOPS
        or (name.startswith(("tap_core/", "tap_aws/")) and TOOL_PARTS.intersection(name.split("/")))
    ]


def test_the_tool_check_sees_tool_code() -> None:
    """The check below would catch each kind of tool code were it copied in."""
    planted = [
        "tap_tools/cli/__init__.py",
        "tap_aws/cli/__init__.py",
        "tap_aws/local/stack.py",
        "tap_aws/testing.py",
        "tap_aws/capacity.py",
        "moto/__init__.py",
    ]
    assert _tool_code([*planted, "tap_aws/functions/scores.py", "boto3/__init__.py"]) == planted


def test_the_bundle_takes_only_deployable_code_from_the_workspace(
    record_property: Callable[[str, object], None],
) -> None:
    """What the bundle copies from the workspace sources (the same listing ``build`` zips):
    every handler's module, and no CLI, local stack, harness or capacity code. Its size is
    reported (``-rP`` or the junit property) and held under a budget."""
    files = workspace_files(WORKSPACE)
    names = [name for name, _ in files]
    for spec in FUNCTIONS:
        assert spec.handler.rpartition(".")[0].replace(".", "/") + ".py" in names, spec.handler
    assert "tap_aws/resources.py" in names
    assert "tap_core/leaderboard/models.py" in names
    assert _tool_code(names) == []
    size = sum(path.stat().st_size for _, path in files)
    record_property("bundle_workspace_files", len(files))
    record_property("bundle_workspace_bytes", size)
    print(f"bundle: {len(files)} files, {size:,} bytes from the workspace")  # noqa: T201
    assert 0 < size < WORKSPACE_BUDGET


def test_the_bundle_installs_no_moto_nor_tools() -> None:
    """The third-party side: the locked requirements the bundle installs (tap-aws's)."""
    assert shutil.which("uv"), "uv is not on PATH: it is in the tests group"
    pinned = {line.split("==")[0].lower() for line in requirements(WORKSPACE).splitlines()}
    assert {"boto3", "pydantic", "aws-lambda-powertools"} <= pinned
    assert not pinned & {"moto", "werkzeug", "flask", "pulumi", "pulumi-aws", "tap-tools"}


def _output(*arguments: str) -> str | None:
    found = subprocess.run(arguments, capture_output=True, text=True, check=False)  # noqa: S603
    return found.stdout.strip() or None if found.returncode == 0 else None


def _lambda_python() -> str | None:
    """An interpreter of the Lambda runtime's version: uv's pick, else pyenv's (whose shims
    only answer for the globally selected versions)."""
    uv, pyenv = shutil.which("uv"), shutil.which("pyenv")
    if uv and (found := _output(uv, "python", "find", "--no-project", PYTHON_VERSION)):
        return found
    if pyenv is None:
        return None
    versions = (_output(pyenv, "versions", "--bare") or "").split()
    matching = sorted(v for v in versions if v.startswith(f"{PYTHON_VERSION}."))
    prefix = _output(pyenv, "prefix", matching[-1]) if matching else None
    return str(Path(prefix) / "bin" / f"python{PYTHON_VERSION}") if prefix else None


def _build(
    directory: Path, name: str, architecture: Architecture, python_version: str = PYTHON_VERSION
) -> Path:
    assert shutil.which("uv"), "uv is not on PATH: it is in the tests group and builds the bundle"
    return build(WORKSPACE, directory / name, architecture, python_version=python_version)


@pytest.fixture(scope="session")
def arm64_bundles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The arm64 bundle, built twice from two separate installs."""
    directory = tmp_path_factory.mktemp("arm64")
    return _build(directory, "a.zip", "arm64"), _build(directory, "b.zip", "arm64")


@pytest.fixture(scope="session")
def host_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The bundle for this machine's architecture, unpacked, and the interpreter to import it
    with: the Lambda runtime's Python when the machine has it, else the one running the tests
    (the bundle then built for that version, so its native wheels match)."""
    directory = tmp_path_factory.mktemp("host")
    interpreter = _lambda_python()
    version = PYTHON_VERSION if interpreter else f"{sys.version_info[0]}.{sys.version_info[1]}"
    archive = _build(directory, "bundle.zip", HOST_ARCHITECTURE, version)
    unpacked = directory / "unpacked"
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(unpacked)
    return unpacked, interpreter or sys.executable


def test_bundle_is_byte_identical_across_installs(arm64_bundles: tuple[Path, Path]) -> None:
    first, second = arm64_bundles
    assert first.read_bytes() == second.read_bytes()


def test_bundle_holds_its_dependencies(arm64_bundles: tuple[Path, Path]) -> None:
    with zipfile.ZipFile(arm64_bundles[0]) as bundle:
        infos = bundle.infolist()
    names = [info.filename for info in infos]
    tops = {name.split("/", 1)[0] for name in names}
    for package in (
        "tap_core", "tap_aws", "pydantic", "pydantic_core", "pydantic_settings",
        "sortedcontainers", "aws_lambda_powertools", "aws_xray_sdk", "boto3", "botocore", "redis",
    ):  # fmt: skip
        assert package in tops, package
    assert "tap_aws/resources.py" in names
    assert _tool_code(names) == []
    size = arm64_bundles[0].stat().st_size
    print(f"bundle: {len(names)} files, {size / 1e6:.1f} MB zipped")  # noqa: T201
    assert size < 40 * 10**6  # 21.3 MB with the tracer extra when tap-tools moved out
    native = [n for n in names if n.startswith("pydantic_core/") and n.endswith(".so")]
    assert native == ["pydantic_core/_pydantic_core.cpython-313-aarch64-linux-gnu.so"]
    assert names == sorted(names)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert ".lock" not in tops
    assert "bin" not in tops
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def _import_in_bundle(bundle: tuple[Path, str], code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` under the bundle's Python seeing only the bundle and the stdlib (``-S``: no
    site-packages; the bundle comes in through PYTHONPATH, as Lambda's /var/task does)."""
    unpacked, interpreter = bundle
    return subprocess.run(  # noqa: S603 (an interpreter path and a fixed snippet)
        [interpreter, "-S", "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(unpacked), "PATH": os.environ.get("PATH", "")},
    )


def test_bundle_imports_under_the_lambda_python(host_bundle: tuple[Path, str]) -> None:
    result = _import_in_bundle(
        host_bundle,
        "import tap_core.leaderboard, tap_core.inventory, tap_aws.resources, boto3, pydantic_core\n"
        "from aws_lambda_powertools import Logger, Metrics, Tracer\n"
        "from aws_lambda_powertools.metrics import MetricUnit\n"
        "print(MetricUnit.Count.value, pydantic_core.__file__)",
    )
    assert result.returncode == 0, result.stderr
    unit, native = result.stdout.split()
    assert unit == "Count"
    assert Path(native).is_relative_to(host_bundle[0])  # the bundle's, not this machine's


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.stem)
def test_each_handler_imports_from_the_bundle(
    host_bundle: tuple[Path, str], spec: FunctionSpec
) -> None:
    module, _, attribute = spec.handler.rpartition(".")
    result = _import_in_bundle(
        host_bundle, f"import {module} as m\nassert callable(m.{attribute}), 'not callable'"
    )
    assert result.returncode == 0, result.stderr


def test_every_architecture_has_a_wheel_platform() -> None:
    """The program accepts exactly the architectures the bundle can be built for."""
    assert set(PLATFORMS) == set(ARCHITECTURES)
    assert PYTHON_VERSION == "3.13"  # python3.13, the Lambda runtime the functions declare
