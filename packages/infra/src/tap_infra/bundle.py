"""The Lambda bundle: tap-core, tap-aws and their locked dependencies, as a deterministic zip.

Only those two packages: the CLI, the local stack and the moto harness are tap-tools', which is
never deployed (``tests/infra/test_bundle.py`` fails if any of it, or moto, gets in).

Dependencies come from ``uv.lock`` (``uv export``) and are installed as platform wheels for the
Lambda runtime's Python and the chosen architecture (``--only-binary=:all:``, nothing compiled
here). The workspace packages are pure Python and are copied from their ``src`` directories.
The zip holds sorted entries with fixed timestamps and permissions, so the same inputs give the
same bytes and ``pulumi preview`` shows no spurious diff. uv's ``.lock`` file, console scripts
(``bin/``, whose shebangs name this machine's interpreter) and ``__pycache__`` stay out.

    python -m tap_infra.bundle --architecture arm64 --out build/lambda-arm64.zip
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Final

from tap_infra.functions import RUNTIME, Architecture

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

PLATFORMS: Final[dict[Architecture, str]] = {
    "arm64": "aarch64-manylinux2014",
    "x86_64": "x86_64-manylinux2014",
}
PYTHON_VERSION: Final = RUNTIME.removeprefix("python")
"""The Lambda runtime's Python (``python3.13`` -> ``3.13``), the one home of the version."""
WORKSPACE_SOURCES: Final = ("packages/core/src", "packages/aws_adapter/src")
ENTRY_PACKAGE: Final = "tap-aws"
EXCLUDED_TOP: Final = frozenset({".lock", "bin"})
EXCLUDED_PARTS: Final = frozenset({"__pycache__"})
ZIP_EPOCH: Final = (1980, 1, 1, 0, 0, 0)
FILE_MODE: Final = 0o644 << 16


class BundleError(RuntimeError):
    """uv is missing, or could not export or install the dependencies."""


def _uv() -> str:
    found = shutil.which("uv")
    if found is None:
        raise BundleError("uv is not on PATH; it builds the Lambda bundle")
    return found


def _run(arguments: list[str], what: str) -> str:
    # Arguments are built here from constants and paths, never from a shell string.
    result = subprocess.run(arguments, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BundleError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")
    return result.stdout


def requirements(workspace: Path) -> str:
    """The locked third-party dependencies of tap-aws, one pinned requirement a line."""
    return _run(
        [
            _uv(), "export", "--project", str(workspace), "--frozen", "--package", ENTRY_PACKAGE,
            "--no-dev", "--no-emit-workspace", "--no-hashes", "--no-header", "--no-annotate",
        ],
        "uv export",
    )  # fmt: skip


def workspace_files(workspace: Path) -> list[tuple[str, Path]]:
    """The files the bundle takes from `WORKSPACE_SOURCES`, by their name in the zip."""
    return sorted(entry for source in WORKSPACE_SOURCES for entry in _entries(workspace / source))


def install(
    workspace: Path,
    target: Path,
    architecture: Architecture,
    *,
    offline: bool,
    python_version: str = PYTHON_VERSION,
) -> None:
    """Install the locked dependencies of tap-aws into ``target`` as platform wheels.

    ``python_version`` is the Lambda runtime's unless a test asks for another (to import the
    bundle under the Python a machine has when it lacks the runtime's).
    """
    uv = _uv()
    listed = target.parent / "requirements.txt"
    listed.write_text(requirements(workspace), encoding="utf-8")
    _run(
        [
            uv, "pip", "install", "--target", str(target), "--requirements", str(listed),
            "--python-platform", PLATFORMS[architecture], "--python-version", python_version,
            "--only-binary", ":all:", "--no-deps", "--quiet",
            *(["--offline"] if offline else []),
        ],
        "uv pip install",
    )  # fmt: skip
    for source in WORKSPACE_SOURCES:
        shutil.copytree(workspace / source, target, dirs_exist_ok=True)


def _entries(root: Path) -> Iterator[tuple[str, Path]]:
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if not path.is_file() or relative.parts[0] in EXCLUDED_TOP:
            continue
        if EXCLUDED_PARTS.intersection(relative.parts) or path.suffix == ".pyc":
            continue
        yield relative.as_posix(), path


def write_zip(root: Path, out: Path) -> Path:
    """Zip ``root`` deterministically: sorted names, fixed time and mode, no directories."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, path in sorted(_entries(root)):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.external_attr = FILE_MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return out


def build(
    workspace: Path,
    out: Path,
    architecture: Architecture,
    *,
    offline: bool = False,
    python_version: str = PYTHON_VERSION,
) -> Path:
    """Build the bundle for ``architecture`` from the workspace at ``workspace`` into ``out``."""
    with tempfile.TemporaryDirectory(prefix="tap-bundle-") as scratch:
        target = Path(scratch) / "site"
        install(workspace, target, architecture, offline=offline, python_version=python_version)
        return write_zip(target, out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tap_infra.bundle",
        description="Build the Lambda bundle zip from the workspace (deterministic).",
    )
    parser.add_argument("--architecture", choices=sorted(PLATFORMS), default="arm64")
    parser.add_argument("--out", type=Path, required=True, help="where to write the zip")
    parser.add_argument("--workspace", type=Path, default=Path.cwd(), help="workspace root")
    parser.add_argument("--offline", action="store_true", help="use only uv's cache")
    options = parser.parse_args(argv)
    try:
        build(options.workspace, options.out, options.architecture, offline=options.offline)
    except BundleError as error:
        parser.exit(1, f"{parser.prog}: {error}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
