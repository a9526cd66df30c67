"""What a leaderboard's write path costs per accepted submit, counted (not timed) on moto.

A board of ``entries`` players (uniform scores, or heavily tied ones) is loaded as ``repair``
leaves it (straight into the emulator's backend: no stream records); then `SUBMITS` submits
(half new players, half improvements of loaded ones) go through ``DynamoLeaderboards.submit``
with a client whose every item write is recorded through botocore's hooks:

- ``stream`` (the deployed path): a submit writes the entry only; the table's stream records
  are then read back and applied by the ``rank_index`` function's record logic
  (``apply_records``) in batches of ``batch`` records, as the event source mapping hands them;
- ``inline`` (the library's synchronous path, the design before the stream): each submit
  applies its move to the index in its own transaction.

Per accepted submit: write capacity (``tap_tools.capacity``: AWS's item-size rules,
transactions 2x; a node's update costs the node's size, read back afterwards), the writes the
most-written item takes, the share of the board's write capacity on its busiest partition key,
and the ceiling that follows: `PARTITION_WCU` divided by the write capacity per accepted submit
landing on the busiest item or partition key. Then the requests one ``rank_of`` costs on the
board the writes built. Deterministic counts, for tests (bounds) and ``python -m bench
leaderboard_scale`` (figures).
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

from tap_aws.adapters.leaderboards import DynamoLeaderboards, DynamoRankIndex
from tap_aws.adapters.leaderboards.store import page_items
from tap_aws.functions import rank_index
from tap_aws.functions.bootstrap import RankIndexDependencies
from tap_core.leaderboard import BoardSpecs, Entry, LeaderboardSpec, ScoreSubmission
from tap_tools.capacity import item_size, write_units
from tap_tools.testing import AwsClients, RequestCounter, put_items

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

NOW: Final = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SPEC: Final = LeaderboardSpec(id="b", order="desc")
SUBMITS: Final = 400
"""Submits measured per case: half new players, half improvements."""
PARTITION_WCU: Final = 1_000
"""What one partition (and so one item) takes per second."""

Design = Literal["stream", "inline"]


@dataclass(frozen=True)
class Case:
    """A board and how its writes are applied."""

    entries: int
    tied: bool
    batch: int
    """Stream records per ``rank_index`` batch (the stream design only)."""
    count_shards: int = 1

    @property
    def name(self) -> str:
        shape = "tied" if self.tied else "uniform"
        return f"{self.entries} {shape}, batch {self.batch}, count shards {self.count_shards}"


@dataclass(frozen=True)
class Measured:
    """Per accepted submit (see the module); ``wcu_by_item`` by sort-key kind (``P``: entries,
    ``H``: held rows, ``R``: rank rows, ``N``: the tree's nodes)."""

    accepted: int
    wcu_per_accepted_submit: float
    hot_item_writes_per_accepted_submit: float
    max_partition_share: float
    ceiling_submits_per_second: float
    rank_of_requests: int
    wcu_by_item: dict[str, float]


class Writes:
    """Every item write a client sends: (partition key, sort key, WCU)."""

    def __init__(self, table: str, client: DynamoDBClient) -> None:
        self.table, self.client = table, client
        self.writes: list[tuple[str, str, int]] = []

    def attach(self) -> None:
        events = self.client.meta.events
        events.register("provide-client-params.dynamodb.PutItem", self._put_item)
        events.register("provide-client-params.dynamodb.TransactWriteItems", self._transact)

    def _put_item(self, params: dict[str, Any], **_: Any) -> None:
        item = params["Item"]
        self.writes.append((item["pk"]["S"], item["sk"]["S"], write_units(item_size(item))))

    def _transact(self, params: dict[str, Any], **_: Any) -> None:
        for action in params["TransactItems"]:
            ((kind, body),) = action.items()
            key = body.get("Item") or body["Key"]
            pk, sk = key["pk"]["S"], key["sk"]["S"]
            if kind == "Update":  # a node: its size once written (`settle_sizes`)
                self.writes.append((pk, sk, -1))
            else:
                size = item_size(body["Item"]) if kind == "Put" else 0
                self.writes.append((pk, sk, write_units(size, transactional=True)))

    def settle_sizes(self) -> None:
        """Node updates cost the node item's size (read back now: nodes only grow here)."""
        sizes = {}
        for pk, sk in {(pk, sk) for pk, sk, wcu in self.writes if wcu < 0}:
            key = {"pk": {"S": pk}, "sk": {"S": sk}}
            item = self.client.get_item(TableName=self.table, Key=key).get("Item", key)
            sizes[pk, sk] = write_units(item_size(item), transactional=True)
        self.writes = [(pk, sk, sizes[pk, sk] if w < 0 else w) for pk, sk, w in self.writes]


def board(size: int, rng: random.Random, *, tied: bool) -> list[Entry]:
    """``size`` entries: uniform scores below 10^9, or Pareto-tied small ones."""
    found = []
    for number in range(size):
        at = NOW - timedelta(microseconds=rng.randrange(1, 30 * 86_400 * 10**6))
        found.append(Entry(f"p{number:06d}", _score(rng, tied=tied), at, f"s{number}"))
    return found


def _score(rng: random.Random, *, tied: bool) -> int:
    return int(rng.paretovariate(1.2)) if tied else rng.randrange(10**9)


def submissions(entries: list[Entry], rng: random.Random, *, tied: bool) -> list[ScoreSubmission]:
    """`SUBMITS` submissions: even ones new players, odd ones improvements of loaded ones."""
    found = []
    for number in range(SUBMITS):
        if number % 2:
            old = entries[rng.randrange(len(entries))]
            player, score = old.player_id, old.score + (1 if tied else rng.randrange(1, 10**7))
        else:
            player, score = f"n{number:06d}", _score(rng, tied=tied)
        found.append(
            ScoreSubmission(
                submission_id=f"x{number}",
                leaderboard_id=SPEC.id,
                player_id=player,
                score=score,
                achieved_at=NOW - timedelta(microseconds=rng.randrange(1, 10**9)),
            )
        )
    return found


def stream_records(
    client: DynamoDBClient, streams: DynamoDBStreamsClient, table: str
) -> list[dict[str, Any]]:
    """Every record of the table's stream, shard by shard, entries only (the mapping's
    filter)."""
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator: str | None = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            answer = streams.get_records(ShardIterator=iterator, Limit=1000)
            records += answer["Records"]  # type: ignore[arg-type]
            iterator = answer.get("NextShardIterator") if answer["Records"] else None
    return [r for r in records if r["dynamodb"]["Keys"]["sk"]["S"].startswith("P#")]


def measure(endpoint: str, case: Case, design: Design) -> Measured:
    """The case's write path on the emulator at ``endpoint`` (see the module). The moto
    shims ``journal_transactions`` and ``query_sorted_partitions`` keep it fast at 10^4."""
    rng = random.Random(case.entries + case.tied)  # noqa: S311 - a reproducible workload
    aws = AwsClients(endpoint)
    client = aws.dynamodb()
    table = f"tap-scale-{uuid.uuid4().hex[:12]}"
    store = DynamoLeaderboards(
        table, [SPEC], client, lambda: NOW, index=design, count_shards=case.count_shards
    )
    store.ensure_table()
    entries = board(case.entries, rng, tied=case.tied)
    put_items(table, page_items(SPEC, "all", entries))
    writes = Writes(table, client)
    writes.attach()
    accepted = 0
    for submission in submissions(entries, rng, tied=case.tied):
        accepted += store.submit(submission).status == "accepted"
    if design == "stream":
        records = stream_records(client, aws.dynamodbstreams(), table)
        index = DynamoRankIndex(table, client, count_shards=case.count_shards)
        dependencies = RankIndexDependencies(index, BoardSpecs([SPEC]))
        for start in range(0, len(records), case.batch):
            response = rank_index.apply_records(records[start : start + case.batch], dependencies)
            rank_index.metrics.clear_metrics()
            if response["batchItemFailures"]:
                raise RuntimeError(f"the rank_index batch at {start} failed: {response}")
    writes.settle_sizes()
    reader_client = aws.dynamodb()
    reader = DynamoLeaderboards(
        table, [SPEC], reader_client, lambda: NOW, count_shards=case.count_shards
    )
    counter = RequestCounter.attach(reader_client)
    if reader.rank_of(SPEC.id, entries[len(entries) // 2].player_id) is None:
        raise RuntimeError("a loaded player has no rank")
    return _figures(writes.writes, accepted, counter.total_requests)


def _figures(writes: list[tuple[str, str, int]], accepted: int, rank_of: int) -> Measured:
    total = sum(w for _, _, w in writes)
    per_item: Counter[tuple[str, str]] = Counter()
    wcu_item: Counter[tuple[str, str]] = Counter()
    per_pk: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for pk, sk, wcu in writes:
        per_item[pk, sk] += 1
        wcu_item[pk, sk] += wcu
        per_pk[pk] += wcu
        kinds[sk[0]] += wcu
    busiest = max(*per_pk.values(), *wcu_item.values())
    return Measured(
        accepted=accepted,
        wcu_per_accepted_submit=total / accepted,
        hot_item_writes_per_accepted_submit=max(per_item.values()) / accepted,
        max_partition_share=max(per_pk.values()) / total,
        ceiling_submits_per_second=PARTITION_WCU / (busiest / accepted),
        rank_of_requests=rank_of,
        wcu_by_item={kind: wcu / accepted for kind, wcu in sorted(kinds.items())},
    )
