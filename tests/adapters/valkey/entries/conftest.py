"""``leaderboards_factory`` once more: entries in DynamoDB on moto (``DynamoLeaderboards``)
ranked by a ``ValkeyRankIndex`` on the session's real server (``rank_index=``, a namespace of
its own per store), as the deployed stack with ``rankIndex: valkey`` serves reads."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_aws.adapters.valkey_index import ValkeyRankIndex
from tap_tools.testing import AwsClients, MotoServer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from redis import Redis

    from tap_core.clock import Clock
    from tap_core.leaderboard import Leaderboards, LeaderboardSpec
    from tests.unit.leaderboard.factories import LeaderboardsFactory


@pytest.fixture(scope="session")
def leaderboards_factory(moto_server: MotoServer, valkey_client: Redis) -> LeaderboardsFactory:
    """Builds a DynamoLeaderboards on a new table over a ValkeyRankIndex in a new namespace."""
    client = AwsClients(moto_server.endpoint).dynamodb()

    def make(specs: Sequence[LeaderboardSpec], clock: Clock) -> Leaderboards:
        index = ValkeyRankIndex(client=valkey_client, namespace=f"t{uuid.uuid4().hex[:12]}")
        name = f"tap-lb-{uuid.uuid4().hex[:12]}"
        store = DynamoLeaderboards(name, specs, client=client, clock=clock, rank_index=index)
        store.ensure_table()
        return store

    return make
