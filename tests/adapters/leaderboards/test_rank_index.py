"""The core's RankIndex contract suite, run whole against DynamoRankIndex on moto; and the
stream path: entries written alone, their stream delivered to the ``rank_index`` function's
record logic through duplicates, crashes at any write, retried and bisected batches, ending
equal to a rebuild (``repair``).

``conftest.py`` here gives the suite a factory of DynamoRankIndex (nodes under one partition
key, or spread over three). Hypothesis examples are capped: each costs hundreds of requests.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from tap_aws.adapters.leaderboards import DynamoLeaderboards, DynamoRankIndex
from tap_aws.adapters.leaderboards.rank_index import stream_record
from tap_aws.functions import rank_index
from tap_aws.functions.bootstrap import RankIndexDependencies
from tap_core.leaderboard import (
    BoardSpecs,
    Held,
    LeaderboardSpec,
    Move,
    PageId,
    ScoreSubmission,
    encode_sort_key,
)
from tap_tools.testing import AwsClients, MotoServer, RequestCounter
from tests.unit.leaderboard.rank_index_contract import *  # noqa: F403
from tests.unit.leaderboard.strategies import NOW

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_EXAMPLES = 5
PAGE = PageId("board", "all")
SPEC = LeaderboardSpec(id="board", operator="latest")


def _key(score: int, player: str) -> str:
    return encode_sort_key("desc", score, NOW, player)


class _Crashing:
    """A DynamoDB client whose writes fail after ``writes`` of them: a function that dies
    (``crash``: RuntimeError) or a table that throttles (a ClientError the index does not
    retry)."""

    def __init__(self, client: DynamoDBClient, writes: int, *, throttle: bool = False) -> None:
        self._client, self._left, self._throttle = client, writes, throttle

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._client, name)
        if name not in {"update_item", "transact_write_items", "put_item"}:
            return call

        def counted(**kwargs: Any) -> Any:
            if self._left == 0:
                if self._throttle:
                    error = {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}
                    raise ClientError(error, name)  # type: ignore[arg-type]
                raise RuntimeError("crash")
            self._left -= 1
            return call(**kwargs)

        return counted


def _table(
    moto_server: MotoServer, players: int = 25
) -> tuple[DynamoDBClient, str, list[dict[str, Any]]]:
    """A leaderboard table (with its stream) holding a workload submitted entries-only, and
    the stream's entry records in order."""
    aws = AwsClients(moto_server.endpoint)
    client = aws.dynamodb()
    name = f"tap-lb-{uuid.uuid4().hex[:12]}"
    boards = DynamoLeaderboards(name, [SPEC], client=client, clock=lambda: NOW, index="stream")
    boards.ensure_table()
    rng = random.Random(7)
    for number in range(60 + players):
        boards.submit(
            ScoreSubmission(
                submission_id=f"s{number}",
                leaderboard_id="board",
                player_id=f"p{rng.randrange(players)}",
                score=rng.randrange(6),
                achieved_at=NOW - timedelta(minutes=rng.randrange(3)),
            )
        )
    streams = aws.dynamodbstreams()
    arn = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records += streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]  # type: ignore[arg-type]
    return client, name, [r for r in records if r["dynamodb"]["Keys"]["sk"]["S"].startswith("P#")]


def _index_items(client: DynamoDBClient, name: str) -> dict[str, Any]:
    """The index's state: held rows, rank rows, and every node's counts summed over shards."""
    held: dict[str, Any] = {}
    ranks: dict[str, Any] = {}
    nodes: dict[str, dict[str, int]] = {}
    for item in client.scan(TableName=name, ConsistentRead=True)["Items"]:
        sk = item["sk"]["S"]
        if sk.startswith("H#"):
            held[sk] = (item.get("k", {}).get("S"), item["rev"]["N"])
        elif sk.startswith("R#"):
            ranks[sk] = item.get("m", {}).get("S")
        elif sk.startswith("N#"):
            counted = nodes.setdefault(sk.split("!")[0], {})
            for attribute, value in item.items():
                if attribute.startswith("c"):
                    counted[attribute] = counted.get(attribute, 0) + int(value["N"])
    kept = {n: {c: v for c, v in cs.items() if v} for n, cs in nodes.items()}
    return {"held": held, "ranks": ranks, "nodes": {n: cs for n, cs in kept.items() if cs}}


def _deliver(records: list[dict[str, Any]], dependencies: RankIndexDependencies) -> int:
    """One delivery; the index of the first record to deliver again (len: all done)."""
    try:
        response = rank_index.apply_records(records, dependencies)
    except RuntimeError:
        return 0  # the function died: the batch is delivered again whole
    finally:
        rank_index.metrics.clear_metrics()
    sequences = [record["dynamodb"]["SequenceNumber"] for record in records]
    failed = [sequences.index(f["itemIdentifier"]) for f in response["batchItemFailures"]]
    return min(failed, default=len(records))


@pytest.mark.parametrize("seed", range(6))
def test_the_stream_delivered_through_crashes_duplicates_and_bisection_equals_a_rebuild(
    moto_server: MotoServer, fast_transactions: None, seed: int
) -> None:
    """An entries-only workload's stream delivered as Lambda would on a bad day: batches of
    any size, functions that die or are throttled after any write (then the batch again, or
    its first half: bisected), partial batch responses resumed from the reported record,
    delivered batches sent again later, and a slow invocation's moves settled on held rows
    read long before (its groups are cancelled and settled again). The index ends equal, item
    for item (held rows, rank rows, node counts), to ``repair``'s rebuild from the entries."""
    client, name, records = _table(moto_server)
    boards = BoardSpecs([SPEC])
    rng = random.Random(seed)
    slots = {
        (r.move.page, r.move.player_id)
        for r in map(partial(stream_record, boards=boards), records)
        if r
    }
    read_long_ago: dict[tuple[PageId, str], Held] = {}
    done = 0
    while done < len(records):
        size = rng.randint(1, 30)
        batch = records[done : done + size]
        if rng.random() < 0.5:  # this attempt dies or is throttled after some writes
            crashing = _Crashing(client, rng.randrange(4), throttle=rng.random() < 0.5)
            index = DynamoRankIndex(name, crashing, sleep=lambda _: None)  # type: ignore[arg-type]
            if rng.random() < 0.5:
                batch = batch[: max(1, len(batch) // 2)]  # bisected
        else:
            index = DynamoRankIndex(name, client, sleep=lambda _: None)
        done += _deliver(batch, RankIndexDependencies(index, boards))
        if rng.random() < 0.3 and done:  # an earlier stretch delivered again
            start = rng.randrange(done)
            again = records[start : min(done, start + 20)]
            healthy = RankIndexDependencies(DynamoRankIndex(name, client), boards)
            assert _deliver(again, healthy) == len(again)
        if rng.random() < 0.3 and done:  # a slow invocation: settled on rows read long ago
            start = rng.randrange(done)
            late = [
                m.move for m in map(partial(stream_record, boards=boards), records[start:done]) if m
            ]
            assert DynamoRankIndex(name, client).try_apply(late, held=read_long_ago) is None
        if rng.random() < 0.3:
            read_long_ago = DynamoRankIndex(name, client).held(slots)
    streamed = _index_items(client, name)
    DynamoLeaderboards(name, [SPEC], client=client, clock=lambda: NOW).repair("board", "all")
    assert streamed == _index_items(client, name)
    assert len(streamed["held"]) == len({r["dynamodb"]["Keys"]["sk"]["S"] for r in records})


def test_a_throttled_group_is_reported_at_the_first_record_of_its_players(
    moto_server: MotoServer, fast_transactions: None
) -> None:
    """A batch whose second transaction group is throttled reports one failure: the first
    record of a player not written; the records before it are applied."""
    client, name, records = _table(moto_server, players=80)
    boards = BoardSpecs([SPEC])
    crashing = _Crashing(client, 1, throttle=True)
    index = DynamoRankIndex(name, crashing, sleep=lambda _: None)  # type: ignore[arg-type]
    slots = [
        (r.move.page, r.move.player_id) if r else None
        for r in (stream_record(one, boards) for one in records)
    ]
    # Given more players than one group holds, so the batch needs two transactions
    response = rank_index.apply_records(records, RankIndexDependencies(index, boards))
    rank_index.metrics.clear_metrics()
    failed = [f["itemIdentifier"] for f in response["batchItemFailures"]]
    assert len(failed) == 1
    at = [r["dynamodb"]["SequenceNumber"] for r in records].index(failed[0])
    written = DynamoRankIndex(name, client).held({slot for slot in slots if slot})
    assert all(slot in written for slot in slots[:at] if slot)
    assert slots[at] not in written


def test_a_batch_writes_the_root_once_per_transaction_group(
    moto_server: MotoServer, fast_transactions: None
) -> None:
    client = AwsClients(moto_server.endpoint).dynamodb()
    index = DynamoRankIndex(f"tap-ri-{uuid.uuid4().hex[:12]}", client=client)
    index.ensure_table()
    roots: list[int] = []
    original = client.transact_write_items

    def transact_write_items(**kwargs: Any) -> Any:
        updates = [a["Update"]["Key"]["sk"]["S"] for a in kwargs["TransactItems"] if "Update" in a]
        assert len(updates) == len(set(updates))  # every node once per group
        roots.append(updates.count("N#"))
        return original(**kwargs)

    client.transact_write_items = transact_write_items  # type: ignore[method-assign]
    moves = [Move(PAGE, f"p{n}", None, _key(n * 7919, f"p{n}"), 1) for n in range(100)]
    counter = RequestCounter.attach(client)
    index.apply(moves)
    assert roots == [1] * len(roots)
    assert len(roots) <= 100 // 4  # several new players per transaction
    assert counter.calls == {"BatchGetItem": 1, "TransactWriteItems": len(roots)}
    counter.reset()
    index.apply(moves)  # delivered again: settled to nothing, nothing written
    assert counter.calls == {"BatchGetItem": 1}
    assert index.count(PAGE) == 100
