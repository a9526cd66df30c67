"""Hypothesis profiles: ``ci`` (the default under nox and .ci/run) and ``dev`` (quicker)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

from tests.unit.leaderboard.factories import FACTORIES, RANK_INDEX_FACTORIES

if TYPE_CHECKING:
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
