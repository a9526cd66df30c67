"""DynamoLeaderboards' request budgets, counted through botocore's event hooks (not timed)."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_aws.adapters.leaderboards.store import page_items
from tap_aws.resources import MAX_COUNT_SHARDS
from tap_core.leaderboard import Entry, LeaderboardSpec, ScoreSubmission, counts
from tap_core.memory import InMemoryLeaderboards
from tap_tools.testing import AwsClients, RequestCounter, put_items

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tap_tools.testing import MotoServer

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SPEC = LeaderboardSpec(id="b", order="desc")
WRITES = {"TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}
ACCEPTED = {"BatchGetItem": 1, "PutItem": 1, "TransactWriteItems": 1}
"""An accepted submit, inline: entry and held row read, entry written, index transaction."""


def _store(moto_server: MotoServer) -> tuple[DynamoLeaderboards, RequestCounter]:
    client = AwsClients(moto_server.endpoint).dynamodb()
    store = DynamoLeaderboards(f"tap-lb-{uuid.uuid4().hex[:12]}", [SPEC], client, lambda: NOW)
    store.ensure_table()
    return store, RequestCounter.attach(client)


def _sub(player: str, score: int, sid: str, minutes: int = 0) -> ScoreSubmission:
    return ScoreSubmission(
        submission_id=sid,
        leaderboard_id="b",
        player_id=player,
        score=score,
        achieved_at=NOW - timedelta(minutes=minutes),
    )


SIZES = (1_000, 100_000)
"""The two board sizes whose read budgets must be the same."""
SAMPLED = 5
"""Players whose rank and neighbours each size measures."""
SPREAD = timedelta(days=30)
"""Zipf loads spread times over this span to the microsecond: equal scores, distinct times."""


def _entries(size: int, *, tied: bool, seed: int) -> list[Entry]:
    """``size`` entries: uniform scores and times, or Zipf-like scores (a few scores held by
    thousands: over half the board on score 1) at distinct microseconds."""
    rng = random.Random(seed)
    micros = int(SPREAD / timedelta(microseconds=1))
    entries = []
    for number in range(size):
        if tied:
            score = int(rng.paretovariate(1.2))
            at = NOW - timedelta(microseconds=rng.randrange(1, micros))
        else:
            score = rng.randrange(10**9)
            at = NOW - timedelta(minutes=rng.randrange(1, 10**5))
        entries.append(Entry(f"p{number:06d}", score, at, f"s{number}"))
    return entries


@dataclass
class Loaded:
    """A board bulk-loaded on moto, beside the in-memory adapter holding the same entries."""

    store: DynamoLeaderboards
    counter: RequestCounter
    memory: InMemoryLeaderboards
    players: list[str]


def _load(moto_server: MotoServer, entries: list[Entry]) -> Loaded:
    """The page's items written straight into moto's backend (``put_items``, built by the
    store's own ``page_items``); the same entries submitted to the in-memory adapter."""
    store, counter = _store(moto_server)
    put_items(store.table_name, page_items(SPEC, "all", entries))
    memory = InMemoryLeaderboards([SPEC], lambda: NOW)
    for entry in entries:
        outcome = memory.submit(
            ScoreSubmission(
                submission_id=entry.submission_id,
                leaderboard_id="b",
                player_id=entry.player_id,
                score=entry.score,
                achieved_at=entry.achieved_at,
            )
        )
        assert outcome.status == "accepted"
    picked = random.Random(len(entries)).sample(range(len(entries)), SAMPLED)
    return Loaded(store, counter, memory, [entries[number].player_id for number in picked])


@pytest.fixture(scope="module")
def boards(moto_server: MotoServer, fast_queries: None) -> Iterator[dict[tuple[bool, int], Loaded]]:
    """Uniform and Zipf boards at each of :data:`SIZES`, loaded once for the module."""
    loaded = {
        (tied, size): _load(moto_server, _entries(size, tied=tied, seed=size))
        for tied in (False, True)
        for size in SIZES
    }
    yield loaded
    for board in loaded.values():  # moto's memory back for the rest of the session
        board.store._client.delete_table(TableName=board.store.table_name)  # noqa: SLF001


@dataclass
class Cost:
    """The most requests and items one kind of read took over the sampled players."""

    requests: int = 0
    returned: int = 0
    scanned: int = 0

    def add(self, counter: RequestCounter) -> None:
        self.requests = max(self.requests, counter.total_requests)
        self.returned = max(self.returned, counter.items_returned)
        self.scanned = max(self.scanned, counter.items_scanned)


def _costs(board: Loaded) -> dict[str, Cost]:
    """Each read's answer checked against the in-memory adapter, and its worst cost."""
    store, counter, memory = board.store, board.counter, board.memory
    costs = {name: Cost() for name in ("top", "count", "rank_of", "around")}
    counter.reset()
    assert store.top("b", limit=100) == memory.top("b", limit=100)
    costs["top"].add(counter)
    counter.reset()
    assert store.count("b") == memory.count("b")
    costs["count"].add(counter)
    for player in board.players:
        counter.reset()
        assert store.rank_of("b", player) == memory.rank_of("b", player)
        costs["rank_of"].add(counter)
        counter.reset()
        assert store.around("b", player) == memory.around("b", player)
        costs["around"].add(counter)
    return costs


@pytest.mark.parametrize("tied", [False, True], ids=["uniform", "zipf"])
def test_read_budgets_do_not_grow_with_the_board(
    boards: dict[tuple[bool, int], Loaded], tied: bool
) -> None:
    """top(100) 1 request, count 1, rank_of <= 3, around <= 4, the same at 10^3 and 10^5
    entries; items read (returned and scanned) flat: at most the entry, the rows asked for
    and the tree's nodes on two paths, whatever the size; no COUNT query scans ties, since
    equal scores have distinct times (exact ties: the test below)."""
    # Given boards of 10^3 and 10^5 entries (uniform, or over half of them on one score)
    small, large = (_costs(boards[tied, size]) for size in SIZES)
    # Then the request budgets hold, at both sizes alike
    for costs in (small, large):
        assert costs["top"].requests == 1
        assert costs["count"].requests == 1
        assert costs["rank_of"].requests <= 3
        assert costs["around"].requests <= 4
    assert {name: cost.requests for name, cost in small.items()} == {
        name: cost.requests for name, cost in large.items()
    }
    # And the items read stay within the same bound at both sizes, none scanned and not
    # returned: top 101 rows, count the root, rank_of the entry, its held row and one path of
    # nodes, around the 10 rows, the entry, its held row and two paths
    depth = len(counts.LEVELS) - 1
    bounds = {"top": 101, "count": 1, "rank_of": 2 + depth, "around": 12 + 2 * depth}
    for costs in (small, large):
        for name, cost in costs.items():
            assert cost.returned <= bounds[name], name
            assert cost.scanned == cost.returned, name
    assert large["rank_of"].returned <= small["rank_of"].returned + depth // 2


@pytest.mark.parametrize(
    ("ties", "tied_before"), [(300, 0), (300, 150), (300, 299), (30_000, 29_999)]
)
def test_exact_ties_cost_a_count_query_over_the_ties_before_the_player(
    moto_server: MotoServer, fast_queries: None, ties: int, tied_before: int
) -> None:
    """The documented exception: players tied exactly (score and microsecond) are ordered by
    player id, and a player's position among them is one ``Select=COUNT`` query that scans
    the tied rows before it and its own row (``tied_before + 1`` items), in one request per
    1 MB page of them (30,000 rows of ~55 bytes are two pages)."""
    # Given 1,000 uniform entries and `ties` more tied exactly on one score and microsecond
    entries = _entries(1_000, tied=False, seed=7)
    at = NOW - timedelta(hours=1)
    entries += [Entry(f"t{number:05d}", 500, at, f"st{number}") for number in range(ties)]
    board = _load(moto_server, entries)
    player = f"t{tied_before:05d}"
    # When the tied player asks for their rank
    board.counter.reset()
    found = board.store.rank_of("b", player)
    # Then it is the in-memory answer: the entry and held row, its nodes, and a COUNT (paged
    # past 1 MB) that scanned exactly the ties before the player and the player's own row
    assert found == board.memory.rank_of("b", player)
    pages = 1 if ties < 10_000 else 2
    assert board.counter.calls == {"BatchGetItem": 2, "Query": pages}
    assert board.counter.items_scanned - board.counter.items_returned == tied_before + 1


def test_submit_budgets(moto_server: MotoServer, fast_transactions: None) -> None:
    store, counter = _store(moto_server)
    # An accepted submit: one read (entry and held row), the entry's PutItem, the index's
    # transaction: two write requests
    counter.reset()
    assert store.submit(_sub("a", 5, "s1")).status == "accepted"
    assert counter.calls == ACCEPTED
    assert sum(counter.calls[name] for name in WRITES) == 2
    # An unchanged one: no write
    counter.reset()
    assert store.submit(_sub("a", 5, "s1")).code == "duplicate"
    assert store.submit(_sub("a", 4, "s2")).code == "not_better"
    assert not set(counter.calls) & WRITES
    # A rejected one (bounds, future, unknown board): no request at all
    counter.reset()
    future = _sub("a", 9, "s3", minutes=-10)
    assert store.submit(future).code == "achieved_at_in_future"
    assert store.submit(future.model_copy(update={"leaderboard_id": "zz"})).status == "rejected"
    assert counter.total_requests == 0


@pytest.mark.parametrize(("before", "requests"), [(5, 4), (2, 5), (0, 4)])  # 0: no rows above
def test_around_reads_ties_off_the_rows_above_when_they_reach_past_the_tie_group(
    moto_server: MotoServer, fast_transactions: None, before: int, requests: int
) -> None:
    # Given two players above a group of four tied exactly (score and microsecond)
    store, counter = _store(moto_server)
    memory = InMemoryLeaderboards([SPEC], lambda: NOW)
    subs = [_sub("a", 90, "s-a", 1), _sub("b", 80, "s-b", 1)]
    subs += [_sub(f"t{n}", 50, f"s-t{n}", 2) for n in range(4)]
    for sub in subs:
        assert store.submit(sub) == memory.submit(sub)
    # When the last of the tied players asks for the rows around them
    counter.reset()
    found = store.around("b", "t3", before=before, after=1)
    # Then the answer is the in-memory one, with a COUNT query only when every row read above
    # is in the tie group (it may go on further up)
    assert found == memory.around("b", "t3", before=before, after=1)
    assert counter.total_requests == requests


class _NodeWrites:
    """Counts, from the transactions a client sends, the updates each node item receives."""

    def __init__(self) -> None:
        self.updates: Counter[str] = Counter()

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        for action in params["TransactItems"]:
            if "Update" in action:
                self.updates[action["Update"]["Key"]["sk"]["S"]] += 1


@pytest.mark.parametrize("shards", [1, 3])
def test_sharded_counts_spread_the_root_writes_and_keep_the_read_requests(
    moto_server: MotoServer, fast_transactions: None, shards: int
) -> None:
    # Given a board whose counts are split into `shards` items per node
    client = AwsClients(moto_server.endpoint).dynamodb()
    name = f"tap-lb-{uuid.uuid4().hex[:12]}"
    store = DynamoLeaderboards(name, [SPEC], client, lambda: NOW, count_shards=shards)
    store.ensure_table()
    memory = InMemoryLeaderboards([SPEC], lambda: NOW)
    writes = _NodeWrites()
    client.meta.events.register("provide-client-params.dynamodb.TransactWriteItems", writes)
    counter = RequestCounter.attach(client)
    # When 12 new players submit
    submits = 12
    for number in range(submits):
        counter.reset()
        sub = _sub(f"p{number}", 100 + number, f"s{number}", number)
        assert store.submit(sub) == memory.submit(sub)
        assert counter.calls == ACCEPTED
    # Then each new entry added 1 to the root once, in one of its shards, so no root item
    # takes every write once there are shards
    roots = {sk: times for sk, times in writes.updates.items() if sk in {"N#", "N#!1", "N#!2"}}
    assert sum(roots.values()) == submits
    assert len(roots) == shards
    assert max(roots.values()) == submits if shards == 1 else max(roots.values()) < submits
    # And reads sum the shards in the same number of requests as without them
    reads: list[tuple[Callable[[], bool], int]] = [
        (lambda: store.count("b") == memory.count("b"), 1),
        (lambda: store.top("b", limit=5) == memory.top("b", limit=5), 1),
        (lambda: store.rank_of("b", "p3") == memory.rank_of("b", "p3"), 2),
        (lambda: store.around("b", "p3", 2, 2) == memory.around("b", "p3", 2, 2), 4),
    ]
    for read, requests in reads:
        counter.reset()
        assert read()
        assert counter.total_requests == requests
    # And a cursor page (which places its first row through the nodes) agrees too
    first = store.top("b", limit=5)
    assert first.next_cursor is not None
    assert store.top("b", limit=5, cursor=first.next_cursor).entries == (
        memory.top("b", limit=5, cursor=memory.top("b", limit=5).next_cursor).entries
    )


@pytest.mark.parametrize("shards", [0, MAX_COUNT_SHARDS + 1])
def test_count_shards_out_of_range_is_refused(moto_server: MotoServer, shards: int) -> None:
    client = AwsClients(moto_server.endpoint).dynamodb()
    with pytest.raises(ValueError, match=f"count_shards is 1 to {MAX_COUNT_SHARDS}, got {shards}"):
        DynamoLeaderboards("t", [SPEC], client, lambda: NOW, count_shards=shards)
