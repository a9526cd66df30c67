"""The ``rank_index`` function on a ValkeyRankIndex, fed the records moto's stream of the
leaderboard table really holds: a batch applies in one go; an unreachable server fails the
whole batch (Lambda retries it from its first record) and the retry catches the index up;
a redelivered batch changes nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_aws.adapters.valkey_index import ValkeyRankIndex
from tap_aws.functions import rank_index
from tap_aws.functions.bootstrap import RankIndexDependencies
from tap_core.leaderboard import BoardSpecs, LeaderboardSpec, RankIndexUnavailable, ScoreSubmission
from tap_core.memory import InMemoryLeaderboards
from tap_tools.scale import stream_records
from tap_tools.testing import AwsClients
from tap_tools.valkey_server import free_port
from tests.unit.leaderboard.strategies import NOW

if TYPE_CHECKING:
    from redis import Redis

    from tap_tools.testing import MotoServer

SPEC = LeaderboardSpec(id="b", order="desc")


def test_a_batch_fails_whole_while_the_server_is_down_and_applies_once_it_is_back(
    moto_server: MotoServer, valkey_client: Redis
) -> None:
    # Given entries written alone (stream mode), improvements included, and their records
    aws = AwsClients(moto_server.endpoint)
    client = aws.dynamodb()
    name = f"tap-lb-{uuid.uuid4().hex[:12]}"
    index = ValkeyRankIndex(client=valkey_client, namespace=f"t{uuid.uuid4().hex[:12]}")
    store = DynamoLeaderboards(
        name, [SPEC], client=client, clock=lambda: NOW, index="stream", rank_index=index
    )
    store.ensure_table()
    memory = InMemoryLeaderboards([SPEC], lambda: NOW)
    for number in range(12):
        submission = ScoreSubmission(
            submission_id=f"s{number}",
            leaderboard_id="b",
            player_id=f"p{number % 5}",
            score=(number * 7) % 11,
            achieved_at=NOW - timedelta(minutes=number),
        )
        assert store.submit(submission) == memory.submit(submission)
    records = stream_records(client, aws.dynamodbstreams(), name)
    boards = BoardSpecs([SPEC])
    # When the server cannot be reached, the whole batch fails (nothing reported partially)
    down = ValkeyRankIndex(f"redis://127.0.0.1:{free_port()}", timeout=0.2)
    with pytest.raises(RankIndexUnavailable):
        rank_index.apply_records(records, RankIndexDependencies(down, boards))
    # Then its retry on a reachable server applies it all, and a redelivery changes nothing
    for _ in range(2):
        answer = rank_index.apply_records(records, RankIndexDependencies(index, boards))
        assert answer == {"batchItemFailures": []}
        assert store.top("b", limit=100) == memory.top("b", limit=100)
        assert store.count("b") == memory.count("b") == 5
    rank_index.metrics.clear_metrics()
