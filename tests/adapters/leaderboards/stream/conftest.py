"""``leaderboards_factory`` once more: entries written alone (``index="stream"``), and after
every submit the table's stream pumped into the ``rank_index`` function as its event source
mapping would (``tap_tools.local.pumps.StreamPump``, drained), so every read sees the index
the stream built."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest

from tap_aws.adapters.leaderboards import DynamoLeaderboards, DynamoRankIndex
from tap_aws.functions import rank_index
from tap_aws.functions.bootstrap import RankIndexDependencies
from tap_core.leaderboard import BoardSpecs
from tap_tools.local.journal import Journal
from tap_tools.local.pumps import StreamPump
from tap_tools.testing import AwsClients, MotoServer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tap_core.clock import Clock
    from tap_core.leaderboard import Leaderboards, LeaderboardSpec, Outcome, ScoreSubmission
    from tests.unit.leaderboard.factories import LeaderboardsFactory


class Handler:
    """The ``rank_index`` handler's record logic on given dependencies (no Lambda context)."""

    def __init__(self, dependencies: RankIndexDependencies) -> None:
        self.dependencies = dependencies

    def invoke(self, event: dict[str, Any]) -> Any:
        response = rank_index.apply_records(event["Records"], self.dependencies)
        rank_index.metrics.clear_metrics()
        return response


class StreamFed:
    """A ``Leaderboards`` whose submits are followed by draining the stream into the index."""

    def __init__(self, store: DynamoLeaderboards, pump: StreamPump) -> None:
        self._store = store
        self._pump = pump

    def submit(self, submission: ScoreSubmission) -> Outcome:
        outcome = self._store.submit(submission)
        self._pump.drain()
        assert self._pump.pending == 0
        return outcome

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.fixture(scope="session")
def leaderboards_factory(moto_server: MotoServer, fast_transactions: None) -> LeaderboardsFactory:
    aws = AwsClients(moto_server.endpoint)
    client, streams = aws.dynamodb(), aws.dynamodbstreams()

    def make(specs: Sequence[LeaderboardSpec], clock: Clock) -> Leaderboards:
        name = f"tap-lb-{uuid.uuid4().hex[:12]}"
        store = DynamoLeaderboards(name, specs, client=client, clock=clock, index="stream")
        store.ensure_table()
        arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        index = DynamoRankIndex(name, client)
        handler = Handler(RankIndexDependencies(index, BoardSpecs(specs)))
        pump = StreamPump(Journal(None), streams, arn, handler)
        return StreamFed(store, pump)

    return make
