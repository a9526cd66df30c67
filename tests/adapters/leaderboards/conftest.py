"""DynamoLeaderboards plugged into the core's leaderboard contract suites.

``leaderboards_factory`` is overridden here (see ``tests/unit/leaderboard/factories.py``):
each call creates a fresh table on the session's moto server, so the core's tests, imported
unchanged by ``test_contract.py``, run against DynamoDB over real HTTP.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_aws.testing import AwsClients, MotoServer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tap_core.clock import Clock
    from tap_core.leaderboard import Leaderboards, LeaderboardSpec
    from tests.unit.leaderboard.factories import LeaderboardsFactory


@pytest.fixture(scope="session")
def leaderboards_factory(moto_server: MotoServer, fast_transactions: None) -> LeaderboardsFactory:
    """Builds a DynamoLeaderboards on a new table; session-scoped, as Hypothesis needs."""
    client = AwsClients(moto_server.endpoint).dynamodb()

    def make(specs: Sequence[LeaderboardSpec], clock: Clock) -> Leaderboards:
        store = DynamoLeaderboards(
            f"tap-lb-{uuid.uuid4().hex[:12]}", specs, client=client, clock=clock
        )
        store.ensure_table()
        return store

    return make
