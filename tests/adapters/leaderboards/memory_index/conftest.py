"""``leaderboards_factory`` once more: entries in DynamoDB (``DynamoLeaderboards``) ranked by
an ``InMemoryRankIndex`` handed in as ``rank_index``: the store's path over any other index
(the port's reads, metadata from the entries) without a server."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_core.memory import InMemoryRankIndex
from tap_tools.testing import AwsClients, MotoServer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tap_core.clock import Clock
    from tap_core.leaderboard import Leaderboards, LeaderboardSpec
    from tests.unit.leaderboard.factories import LeaderboardsFactory


@pytest.fixture(scope="session")
def leaderboards_factory(moto_server: MotoServer) -> LeaderboardsFactory:
    """Builds a DynamoLeaderboards on a new table over a fresh InMemoryRankIndex."""
    client = AwsClients(moto_server.endpoint).dynamodb()

    def make(specs: Sequence[LeaderboardSpec], clock: Clock) -> Leaderboards:
        name = f"tap-lb-{uuid.uuid4().hex[:12]}"
        store = DynamoLeaderboards(
            name, specs, client=client, clock=clock, rank_index=InMemoryRankIndex()
        )
        store.ensure_table()
        return store

    return make
