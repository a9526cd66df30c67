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
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

from tap_aws.adapters.leaderboards import DynamoLeaderboards, DynamoRankIndex
from tap_aws.adapters.leaderboards.rank_index import stream_record
from tap_aws.adapters.leaderboards.store import page_items
from tap_aws.functions import rank_index
from tap_aws.functions.bootstrap import RankIndexDependencies
from tap_aws.resources import RANK_INDEX_STREAM
from tap_core.leaderboard import (
    BoardSpecs,
    Entry,
    LeaderboardSpec,
    Move,
    PageId,
    ScoreSubmission,
    encode_sort_key,
)
from tap_tools.capacity import item_size, write_units
from tap_tools.testing import AwsClients, RequestCounter, put_items

if TYPE_CHECKING:
    from collections.abc import Iterable

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
    moves: tuple[Move, ...] = field(default=(), repr=False, compare=False)
    """The accepted submits' moves as the stream delivered them (the stream design)."""
    board: tuple[Entry, ...] = field(default=(), repr=False, compare=False)
    """The entries loaded before the submits."""


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
    """Every record of the table's stream, shard by shard from its start, entries only (the
    mapping's filter, ``RANK_INDEX_STREAM.admits``), each with the ``eventSourceARN`` Lambda's
    event carries."""
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
    return [{**r, "eventSourceARN": arn} for r in records if RANK_INDEX_STREAM.admits(r)]


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
    moves: list[Move] = []
    writes = Writes(table, client)
    writes.attach()
    accepted = 0
    for submission in submissions(entries, rng, tied=case.tied):
        accepted += store.submit(submission).status == "accepted"
    if design == "stream":
        records = stream_records(client, aws.dynamodbstreams(), table)
        boards = BoardSpecs([SPEC])
        moves = [one.move for r in records if (one := stream_record(r, boards)) is not None]
        index = DynamoRankIndex(table, client, count_shards=case.count_shards)
        dependencies = RankIndexDependencies(index, boards)
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
    found = _figures(writes.writes, accepted, counter.total_requests)
    return replace(found, moves=tuple(moves), board=tuple(entries))


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


# -- the Valkey index -------------------------------------------------------------------------

PAGE: Final = PageId(SPEC.id, "all")
_NOT_COUNTED: Final = frozenset({"cmdstat_info", "cmdstat_config"})


@dataclass(frozen=True)
class ValkeyMeasured:
    """The Valkey path per accepted submit: DynamoDB holds the entries only, the index is a
    sorted set on a server (see `measure_valkey`)."""

    entry_wcu_per_accepted_submit: float
    commands_per_accepted_submit: float
    index_updates_per_second: float
    rank_of_round_trips: int
    """Client-side sends of one ``rank_of`` (`RoundTrips`); the commands are counted on the
    server, those a script runs included."""
    ecpus_per_move: float
    """An estimate: a move's server time over a small GET's (ECPUs are billed by vCPU time
    beyond a simple command's), both from the server's own ``INFO commandstats``."""


class RoundTrips:
    """Round trips a redis-py client makes (a pipeline's commands go in one), counted on its
    connections: `client` is a ``Redis`` on ``url`` whose every send adds one to `count`."""

    def __init__(self, url: str) -> None:
        from redis import ConnectionPool, Redis  # noqa: PLC0415 - the Valkey bench's only
        from redis.connection import Connection  # noqa: PLC0415

        trips = self

        class Counting(Connection):
            def send_packed_command(self, command: Any, check_health: bool = True) -> None:
                trips.count += 1
                super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]

        self.count = 0
        self.client = Redis(connection_pool=ConnectionPool.from_url(url, connection_class=Counting))


class Commands:
    """Commands a Valkey or Redis server ran, from ``INFO commandstats`` (server-side)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def reset(self) -> None:
        self.client.config_resetstat()

    def stats(self) -> dict[str, dict[str, float]]:
        found: dict[str, dict[str, float]] = self.client.info("commandstats")
        return {name: stat for name, stat in found.items() if name not in _NOT_COUNTED}

    def calls(self) -> int:
        return sum(int(stat["calls"]) for stat in self.stats().values())


def loading_moves(entries: Iterable[Entry]) -> list[Move]:
    """The moves that index ``entries`` as loaded (each new, at its revision)."""
    return [
        Move(
            PAGE,
            e.player_id,
            None,
            encode_sort_key(SPEC.order, e.score, e.achieved_at, e.player_id),
            e.revision,
        )
        for e in entries
    ]


def measure_valkey(
    url: str, stream: Measured, batch: int, updates_per_second: float
) -> ValkeyMeasured:
    """The stream design's moves (``stream.moves``, the same submits) applied to a Valkey rank
    index on the server at ``url``, over the same board, in batches of ``batch`` as the
    mapping hands them over: the commands the server ran per accepted submit (those inside
    the scripts included), and the round trips of one ``rank_of``. The entries' DynamoDB
    writes are the stream design's entry writes (``P``): with a Valkey index nothing else is
    written."""
    from tap_aws.adapters.valkey_index import ValkeyRankIndex  # noqa: PLC0415

    trips = RoundTrips(url)
    client = trips.client
    index = ValkeyRankIndex(client=client, namespace=f"scale{uuid.uuid4().hex[:12]}")
    commands = Commands(client)
    board = loading_moves(stream.board)
    for start in range(0, len(board), batch):
        index.apply(board[start : start + batch])
    commands.reset()
    for start in range(0, len(stream.moves), batch):
        index.apply(stream.moves[start : start + batch])
    applied = commands.calls()
    moved = commands.stats()
    script_usec = sum(
        float(stat["usec"]) for name, stat in moved.items() if name.startswith("cmdstat_eval")
    )
    player = stream.board[len(stream.board) // 2].player_id
    index.ranks_of(PAGE, [player])  # the read's script loaded once, as a warm function has it
    before = trips.count
    if not index.ranks_of(PAGE, [player]):
        raise RuntimeError("a loaded player has no rank")
    rank_of = trips.count - before
    client.set("tap:probe", "x")
    commands.reset()
    for _ in range(1000):
        client.get("tap:probe")
    get_usec = float(commands.stats()["cmdstat_get"]["usec_per_call"])
    return ValkeyMeasured(
        entry_wcu_per_accepted_submit=stream.wcu_by_item.get("P", 0.0),
        commands_per_accepted_submit=applied / stream.accepted,
        index_updates_per_second=updates_per_second,
        rank_of_round_trips=rank_of,
        ecpus_per_move=max(1.0, script_usec / max(len(stream.moves), 1) / max(get_usec, 0.01)),
    )


def updates_per_second(index: Any, players: int, batch: int, batches: int) -> float:
    """Moves a Valkey rank index applies per second (wall clock) over ``batches`` batches of
    ``batch`` random players moving to a new score at their next revision, on a page first
    filled with ``players`` new entries."""
    rng = random.Random(7)  # noqa: S311 - a reproducible workload
    page = PageId("updates", "all")
    revisions = dict.fromkeys(range(players), 1)

    def key(player: int) -> str:
        return encode_sort_key("desc", rng.randrange(10**6), NOW, f"player-{player}")

    for start in range(0, players, batch):
        stop = min(players, start + batch)
        index.apply(Move(page, f"player-{n}", None, key(n), 1) for n in range(start, stop))
    work: list[list[Move]] = []
    for _ in range(batches):
        moves = []
        for player in rng.sample(range(players), batch):
            revisions[player] += 1
            moves.append(Move(page, f"player-{player}", None, key(player), revisions[player]))
        work.append(moves)
    started = time.perf_counter()
    for batch_moves in work:
        index.apply(batch_moves)
    elapsed = time.perf_counter() - started
    if index.count(page) != players:
        raise RuntimeError(f"the page holds {index.count(page)} players, not {players}")
    return batch * batches / elapsed
