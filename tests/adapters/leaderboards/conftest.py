"""DynamoLeaderboards plugged into the core's leaderboard contract suites.

``leaderboards_factory`` is overridden here (see ``tests/unit/leaderboard/factories.py``):
each call creates a fresh table on the session's moto server, so the core's tests, imported
unchanged by ``test_contract.py``, run against DynamoDB over real HTTP.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from tap_aws.adapters.leaderboards import DynamoLeaderboards, DynamoRankIndex
from tap_tools.testing import AwsClients, MotoServer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tap_core.clock import Clock
    from tap_core.leaderboard import Leaderboards, LeaderboardSpec, RankIndex
    from tests.unit.leaderboard.factories import LeaderboardsFactory, RankIndexFactory


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


@pytest.fixture(scope="session", params=[1, 3], ids=["one-partition", "nodes-on-3-keys"])
def rank_index_factory(
    request: pytest.FixtureRequest, moto_server: MotoServer, fast_transactions: None
) -> RankIndexFactory:
    """Builds a DynamoRankIndex on a new table, its nodes under 1 or 3 partition keys."""
    client = AwsClients(moto_server.endpoint).dynamodb()

    def make() -> RankIndex:
        index = DynamoRankIndex(
            f"tap-ri-{uuid.uuid4().hex[:12]}", client=client, node_partitions=request.param
        )
        index.ensure_table()
        return index

    return make
