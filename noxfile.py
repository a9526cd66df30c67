"""Sessions for tests, lint, type checks, the demo and benchmarks.

Every session installs from the committed ``uv.lock`` (``uv sync --frozen``) into its own
virtualenv, built from the interpreter that runs nox, so a fresh clone needs only Python 3.11+,
uv and nox.
"""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_external_run = True
nox.options.sessions = ["lint", "typecheck", "core_isolated", "tests"]

# uv cannot download interpreters on the machines this runs on; use the one running nox.
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")


def _sync(session: nox.Session, *args: str) -> None:
    """Install the locked workspace (or the slice ``args`` selects) into the session's venv."""
    session.run_install(
        "uv",
        "sync",
        "--frozen",
        "--no-default-groups",
        *args,
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
        external=True,
    )


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite: core, adapters, CLI, infra."""
    _sync(session, "--all-packages", "--group", "tests")
    args = session.posargs or ["-p", "no:cacheprovider", "-q"]
    session.run(
        "pytest", *args, env={"HYPOTHESIS_PROFILE": os.environ.get("HYPOTHESIS_PROFILE", "ci")}
    )


@nox.session
def core_isolated(session: nox.Session) -> None:
    """Install only packages/core (pydantic, sortedcontainers) and run only its tests.

    Proves the core needs nothing else: an import of boto3 or pulumi anywhere in the core or its
    tests fails here.
    """
    _sync(session, "--package", "tap-core", "--group", "tests")
    session.run(
        "pytest",
        "tests/unit",
        *(session.posargs or ["-p", "no:cacheprovider", "-q"]),
        env={"HYPOTHESIS_PROFILE": os.environ.get("HYPOTHESIS_PROFILE", "ci")},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole repository."""
    _sync(session, "--only-group", "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the packages, the tests, the benchmarks and this file."""
    _sync(session, "--all-packages", "--group", "typing")
    session.run("mypy", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """The main job on one machine: `tap local demo`, the functions against an AWS emulator.

    Installs every workspace package, tap-tools among them (the ``tap`` command and moto's
    server). ``nox -s demo -- --submissions 1000`` passes options on; the core-only, in-memory
    demo is ``tap demo``.
    """
    _sync(session, "--all-packages")
    session.run("tap", "local", "demo", *session.posargs)


@nox.session
def bundle(session: nox.Session) -> None:
    """Build the Lambda bundle zips (arm64 and x86_64) into dist/, fetching their wheels.

    The tests need no run of it first: the bundle tests build their own bundles the same way.
    """
    _sync(session, "--all-packages")
    for architecture in ("arm64", "x86_64"):
        session.run(
            "python",
            "-m",
            "tap_infra.bundle",
            "--architecture",
            architecture,
            "--out",
            f"dist/tap-lambda-{architecture}.zip",
        )


@nox.session
def bench(session: nox.Session) -> None:
    """Throughput and memory benchmarks (figures, not pass/fail tests)."""
    # moto (tests group) serves the AWS benchmarks.
    _sync(session, "--all-packages", "--group", "bench", "--group", "tests")
    session.run("python", "-m", "bench", *session.posargs)
