"""DynamoLeaderboards' request budgets, counted through botocore's event hooks (not timed)."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tap_aws.leaderboards import DynamoLeaderboards
from tap_aws.leaderboards.store import MAX_COUNT_SHARDS, entry_item, page_key
from tap_aws.testing import AwsClients, RequestCounter
from tap_core.leaderboard import Entry, LeaderboardSpec, ScoreSubmission, encode_sort_key
from tap_core.memory import InMemoryLeaderboards

if TYPE_CHECKING:
    from collections.abc import Callable

    from tap_aws.testing import MotoServer

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SPEC = LeaderboardSpec(id="b", order="desc")
WRITES = {"TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}


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


def _bulk_load(
    store: DynamoLeaderboards, client_store: InMemoryLeaderboards, size: int, *, tied: bool
) -> None:
    """``size`` entries written with BatchWriteItem, then ``repair``: moto transactions are slow.

    ``tied``: Zipf-like scores (a few scores held by thousands), else uniform.
    """
    rng = random.Random(size)
    pk = page_key("b", "all")
    requests = []
    for number in range(size):
        score = int(rng.paretovariate(1.2)) if tied else rng.randrange(10**9)
        minutes = rng.randrange(3) if tied else rng.randrange(10**5)
        sub = _sub(f"p{number:06d}", score, f"s{number}", minutes)
        client_store.submit(sub)
        entry = Entry(sub.player_id, score, sub.achieved_at, sub.submission_id)
        key = encode_sort_key("desc", score, sub.achieved_at, sub.player_id)
        requests.append({"PutRequest": {"Item": entry_item(pk, entry, key)}})
    for start in range(0, len(requests), 25):
        store._client.batch_write_item(  # noqa: SLF001 - a test's bulk load
            RequestItems={store.table_name: requests[start : start + 25]}  # type: ignore[dict-item]
        )
    store.repair("b", "all")


def test_submit_budgets(moto_server: MotoServer, fast_transactions: None) -> None:
    store, counter = _store(moto_server)
    # An accepted submit: one read, one transaction
    counter.reset()
    assert store.submit(_sub("a", 5, "s1")).status == "accepted"
    assert counter.calls == {"GetItem": 1, "TransactWriteItems": 1}
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


@pytest.mark.parametrize("tied", [False, True], ids=["uniform", "zipf"])
def test_read_budgets_do_not_grow_with_the_board(
    moto_server: MotoServer, fast_transactions: None, tied: bool
) -> None:
    """top 1, count 1, rank_of <= 3, around <= 4 requests (5 when more than ``before`` players
    tie the player exactly on score and microsecond, as the Zipf load makes hundreds do), and
    flat items, at 10^3 and 10^4 entries (10^5 is out of moto's reach: see the README)."""
    seen: list[tuple[dict[str, int], int]] = []
    for size in (1_000, 10_000):
        store, counter = _store(moto_server)
        memory = InMemoryLeaderboards([SPEC], lambda: NOW)
        _bulk_load(store, memory, size, tied=tied)
        players = [f"p{number:06d}" for number in random.Random(1).sample(range(size), 5)]
        counter.reset()
        assert store.top("b", limit=100) == memory.top("b", limit=100)
        top_requests = counter.total_requests
        counter.reset()
        assert store.count("b") == size
        assert counter.total_requests == 1
        worst: dict[str, int] = {"rank_of": 0, "around": 0}
        for player in players:
            counter.reset()
            assert store.rank_of("b", player) == memory.rank_of("b", player)
            worst["rank_of"] = max(worst["rank_of"], counter.total_requests)
            counter.reset()
            assert store.around("b", player) == memory.around("b", player)
            worst["around"] = max(worst["around"], counter.total_requests)
        assert top_requests == 1
        assert worst["rank_of"] <= 3
        assert worst["around"] <= (5 if tied else 4)
        counter.reset()
        store.rank_of("b", players[0])
        seen.append((worst, counter.items_returned))
    (small, small_items), (large, large_items) = seen
    assert small == large  # the same request counts at both sizes
    assert large_items <= small_items + 2  # items read stay flat (a node or so more)


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
        assert counter.calls == {"GetItem": 1, "TransactWriteItems": 1}
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
