"""``leaderboards_factory`` once more: entries written alone (``index="stream"``) and read
through a ValkeyRankIndex on the session's real server, which only the ``rank_index`` function
feeds, through the local stack's stream pump drained after every submit (as the deployed
stack with ``rankIndex: valkey`` runs)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_aws.adapters.valkey_index import ValkeyRankIndex
from tap_aws.functions.bootstrap import RankIndexDependencies
from tap_core.leaderboard import BoardSpecs
from tap_tools.local.journal import Journal
from tap_tools.local.pumps import StreamPump
from tap_tools.testing import AwsClients, MotoServer
from tests.adapters.leaderboards.stream.conftest import Handler, StreamFed

if TYPE_CHECKING:
    from collections.abc import Sequence

    from redis import Redis

    from tap_core.clock import Clock
    from tap_core.leaderboard import Leaderboards, LeaderboardSpec
    from tests.unit.leaderboard.factories import LeaderboardsFactory


@pytest.fixture(scope="session")
def leaderboards_factory(moto_server: MotoServer, valkey_client: Redis) -> LeaderboardsFactory:
    aws = AwsClients(moto_server.endpoint)
    client, streams = aws.dynamodb(), aws.dynamodbstreams()

    def make(specs: Sequence[LeaderboardSpec], clock: Clock) -> Leaderboards:
        name = f"tap-lb-{uuid.uuid4().hex[:12]}"
        index = ValkeyRankIndex(client=valkey_client, namespace=f"t{uuid.uuid4().hex[:12]}")
        store = DynamoLeaderboards(
            name, specs, client=client, clock=clock, index="stream", rank_index=index
        )
        store.ensure_table()
        arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        handler = Handler(RankIndexDependencies(index, BoardSpecs(specs)))
        pump = StreamPump(Journal(None), streams, arn, handler)
        return StreamFed(store, pump)

    return make
