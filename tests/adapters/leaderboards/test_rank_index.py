"""The core's RankIndex contract suite, run whole against DynamoRankIndex on moto; and a
stream batch applied through a crash at every write, then again, on the same table.

``conftest.py`` here gives the suite a factory of DynamoRankIndex (nodes under one partition
key, or spread over three). Hypothesis examples are capped: each costs hundreds of requests.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_aws.adapters.leaderboards.store import DynamoRankIndex, stream_record
from tap_core.leaderboard import (
    BoardSpecs,
    LeaderboardSpec,
    Move,
    PageId,
    ScoreSubmission,
    encode_sort_key,
)
from tap_core.leaderboard.moves import Batch, Record
from tap_tools.testing import AwsClients, MotoServer, RequestCounter
from tests.unit.leaderboard import oracle
from tests.unit.leaderboard.rank_index_contract import *  # noqa: F403
from tests.unit.leaderboard.strategies import NOW

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_EXAMPLES = 5
PAGE = PageId("board", "all")


def _key(score: int, player: str) -> str:
    return encode_sort_key("desc", score, NOW, player)


class _Crashing:
    """A DynamoDB client that raises after ``writes`` write requests (a function that dies)."""

    def __init__(self, client: DynamoDBClient, writes: int) -> None:
        self._client, self._left = client, writes

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._client, name)
        if name not in {"update_item", "transact_write_items", "put_item"}:
            return call

        def counted(**kwargs: Any) -> Any:
            if self._left == 0:
                raise RuntimeError("crash")
            self._left -= 1
            return call(**kwargs)

        return counted


def _stream() -> list[Record]:
    """Ten players' moves on one shard: new entries, improvements, a removal, ties."""
    moves = [Move(PAGE, f"p{n}", None, _key(n % 4, f"p{n}"), 1) for n in range(10)]
    moves += [
        Move(PAGE, "p1", _key(1, "p1"), _key(9, "p1"), 2),
        Move(PAGE, "p2", _key(2, "p2"), None, 2),
        Move(PAGE, "p1", _key(9, "p1"), _key(3, "p1"), 3),
        Move(PAGE, "p11", None, _key(3, "p11"), 1),
    ]
    return [Record(sequence, move) for sequence, move in enumerate(moves, 100)]


@pytest.mark.parametrize("crash_after", [0, 3, 11, 20, 40])
@pytest.mark.parametrize("crashed", ["whole", "half"])
def test_a_batch_crashed_at_any_write_then_retried_counts_once(
    moto_server: MotoServer, fast_transactions: None, crash_after: int, crashed: str
) -> None:
    """A shard's batch (or its first half) whose apply dies after some writes, then the first
    half and the whole delivered (a bisected, then a longer retry), then the whole again,
    leaves the index reading as the oracle over the final entries; the last delivery is
    refused by every node and player."""
    client = AwsClients(moto_server.endpoint).dynamodb()
    name = f"tap-ri-{uuid.uuid4().hex[:12]}"
    index = DynamoRankIndex(name, client=client, node_partitions=3)
    index.ensure_table()
    records = _stream()
    half = Batch("shard-1", tuple(records[:6]))
    batch = Batch("shard-1", tuple(records))
    dying = _Crashing(client, crash_after)
    crashing = DynamoRankIndex(name, client=dying, node_partitions=3)  # type: ignore[arg-type]
    with contextlib.suppress(RuntimeError):  # past the batch's writes: it completes
        crashing.apply_batch(batch if crashed == "whole" else half)
    if crashed == "whole":
        index.apply_batch(half)  # bisected: the first half alone
    index.apply_batch(batch)
    counter = RequestCounter.attach(client)
    index.apply_batch(batch)  # delivered again: every node and player refuses it
    assert counter.calls["TransactWriteItems"] == 0
    assert counter.calls["UpdateItem"] == len(batch.nodes({})[PAGE])  # final keys were moved to
    final = {"p1": _key(3, "p1"), "p11": _key(3, "p11")}
    final |= {f"p{n}": _key(n % 4, f"p{n}") for n in range(10) if n not in {1, 2}}
    expected = [tuple(row) for row in oracle.placed(final.values())]
    assert [tuple(row) for row in index.top(PAGE, 100)] == expected
    assert index.count(PAGE) == len(final)


def test_a_batch_writes_the_root_once_not_once_per_move(
    moto_server: MotoServer, fast_transactions: None
) -> None:
    client = AwsClients(moto_server.endpoint).dynamodb()
    index = DynamoRankIndex(f"tap-ri-{uuid.uuid4().hex[:12]}", client=client)
    index.ensure_table()
    writes: list[str] = []
    original = client.update_item

    def update_item(**kwargs: Any) -> Any:
        writes.append(kwargs["Key"]["sk"]["S"])
        return original(**kwargs)

    client.update_item = update_item  # type: ignore[method-assign]
    index.apply_batch(Batch("shard-1", tuple(_stream())))
    assert writes.count("N#") == 1
    assert len(writes) == len(set(writes))  # every node once


def test_entries_streamed_into_the_index_rank_as_the_synchronous_store_does(
    moto_server: MotoServer, fast_transactions: None
) -> None:
    """Submissions written by DynamoLeaderboards to a table with a stream (new and old
    images), read back from moto's stream, turned into moves by ``stream_record`` and applied
    in batches (one delivered twice) to a DynamoRankIndex on another table: the index ranks
    every player as the synchronous store does."""
    aws = AwsClients(moto_server.endpoint)
    client = aws.dynamodb()
    entries = f"tap-lb-{uuid.uuid4().hex[:12]}"
    client.create_table(
        TableName=entries,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    spec = LeaderboardSpec(id="arena", operator="latest")
    boards = DynamoLeaderboards(entries, [spec], client=client, clock=lambda: NOW)
    for number in range(24):
        boards.submit(
            ScoreSubmission(
                submission_id=f"s{number}",
                leaderboard_id="arena",
                player_id=f"p{number % 7}",
                score=(number * 5) % 4,
                achieved_at=NOW - timedelta(minutes=number % 3),
            )
        )
    streams = AwsClients(moto_server.endpoint).dynamodbstreams()
    arn = client.describe_table(TableName=entries)["Table"]["LatestStreamArn"]
    index = DynamoRankIndex(f"tap-ri-{uuid.uuid4().hex[:12]}", client=client, node_partitions=2)
    index.ensure_table()
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        raw = streams.get_records(ShardIterator=iterator)["Records"]
        records = [
            found
            for found in (stream_record(item, BoardSpecs([spec])) for item in raw)
            if found is not None
        ]
        cuts = range(0, len(records), 5)
        batches = [Batch(shard["ShardId"], tuple(records[at : at + 5])) for at in cuts]
        for batch in [*batches, batches[0]]:
            index.apply_batch(batch)
    page = boards.top("arena", limit=100)
    placed = index.top(PageId("arena", page.period), 100)
    assert [(row.rank, row.position, row.player_id) for row in placed] == [
        (entry.rank, entry.position, entry.player_id) for entry in page.entries
    ]
    assert len(placed) == 7
