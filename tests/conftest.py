"""Hypothesis profiles: ``ci`` (the default under nox and .ci/run) and ``dev`` (quicker)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Final

import pytest
from hypothesis import HealthCheck, settings

from tests.unit.leaderboard.factories import FACTORIES, RANK_INDEX_FACTORIES

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.unit.leaderboard.factories import LeaderboardsFactory, RankIndexFactory

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session", params=sorted(FACTORIES))
def leaderboards_factory(request: pytest.FixtureRequest) -> LeaderboardsFactory:
    """Builds a fresh ``Leaderboards`` store; see ``tests/unit/leaderboard/factories.py``.

    Session-scoped (a factory holds no state), so Hypothesis tests may take it.
    """
    return FACTORIES[request.param]


@pytest.fixture(scope="session", params=sorted(RANK_INDEX_FACTORIES))
def rank_index_factory(request: pytest.FixtureRequest) -> RankIndexFactory:
    """Builds a fresh, empty ``RankIndex``; see ``tests/unit/leaderboard/factories.py``."""
    return RANK_INDEX_FACTORIES[request.param]


REPOSITORY: Final = Path(__file__).resolve().parent.parent


def _unignored(names: set[str]) -> set[str]:
    """Those of ``names`` (in the repository root) that git does not ignore."""
    if not names or not (REPOSITORY / ".git").exists():
        return set()
    done = subprocess.run(
        ["git", "check-ignore", "--stdin"],  # noqa: S607 - git from the PATH
        input="\n".join(sorted(names)),
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        check=False,
    )
    return names - set(done.stdout.split())


@pytest.fixture(scope="session", autouse=True)
def nothing_written_into_the_repository_root() -> Iterator[None]:
    """No test leaves a file in the repository root that git would see (an ``outputs.json``
    written beside the README once did): tests write under ``tmp_path``."""
    before = {path.name for path in REPOSITORY.iterdir()}
    yield
    left = _unignored({path.name for path in REPOSITORY.iterdir()} - before)
    assert not left, f"tests wrote into the repository root: {sorted(left)}"
