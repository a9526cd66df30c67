"""DynamoLeaderboards over a ValkeyRankIndex (``rank_index=``) beyond the contract: what each
read and submit costs (index round trips counted on the connection, DynamoDB requests through
botocore's hooks), a lost index repaired from the entries, and what a read shows while the
index lags the entries (stream mode)."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_aws.adapters.valkey_index import ValkeyRankIndex
from tap_core.leaderboard import (
    LeaderboardSpec,
    PageId,
    RankedEntry,
    RankIndexUnavailable,
    ScoreSubmission,
)
from tap_core.memory import InMemoryLeaderboards
from tap_tools.testing import AwsClients, RequestCounter
from tap_tools.valkey_server import free_port
from tests.unit.leaderboard.strategies import NOW

if TYPE_CHECKING:
    from collections.abc import Callable

    from redis import Redis

    from tap_aws.adapters.leaderboards.store import IndexMode
    from tap_tools.testing import MotoServer

SPEC = LeaderboardSpec(id="b", order="desc")
PAGE = PageId("b", "all")


def _store(
    moto_server: MotoServer, client: Redis, mode: IndexMode = "inline"
) -> tuple[DynamoLeaderboards, RequestCounter, ValkeyRankIndex]:
    dynamodb = AwsClients(moto_server.endpoint).dynamodb()
    index = ValkeyRankIndex(client=client, namespace=f"t{uuid.uuid4().hex[:12]}")
    store = DynamoLeaderboards(
        f"tap-lb-{uuid.uuid4().hex[:12]}",
        [SPEC],
        dynamodb,
        lambda: NOW,
        index=mode,
        rank_index=index,
    )
    store.ensure_table()
    return store, RequestCounter.attach(dynamodb), index


def _sub(player: str, score: int, sid: str, *, minutes: int = 0, tag: int = 0) -> ScoreSubmission:
    return ScoreSubmission(
        submission_id=sid,
        leaderboard_id="b",
        player_id=player,
        score=score,
        achieved_at=NOW - timedelta(minutes=minutes),
        metadata={"tag": tag},
    )


def test_each_read_is_one_index_round_trip_and_at_most_one_dynamodb_request(
    moto_server: MotoServer, counted: tuple[Redis, Callable[[], int]]
) -> None:
    """An accepted submit: the entry read and written (2 requests) and one index round trip.
    rank_of, ranks_of(100), top(100): one round trip and one BatchGetItem; count: one round
    trip, no request; around(50, 50) (101 rows): one round trip, two BatchGetItems of <= 100.
    Every answer equals InMemoryLeaderboards fed the same submissions. (Each is counted on
    its second run: a server meeting a script for the first time costs one round trip more.)"""
    client, since = counted
    store, counter, _ = _store(moto_server, client)
    memory = InMemoryLeaderboards([SPEC], lambda: NOW)
    warm = _sub("warm", 0, "w")
    assert store.submit(warm) == memory.submit(warm)
    rng = random.Random(5)
    players = [f"p{n:03d}" for n in range(150)]
    for number, player in enumerate(players):
        submission = _sub(player, rng.randrange(40), f"s{number}", minutes=number, tag=number)
        counter.reset()
        since()
        assert store.submit(submission) == memory.submit(submission)
        assert dict(counter.requests) == {"BatchGetItem": 1, "PutItem": 1}
        assert since() == 1

    def cost(read: Callable[[DynamoLeaderboards | InMemoryLeaderboards], object]) -> object:
        read(store)
        counter.reset()
        since()
        answer = read(store)
        assert answer == read(memory)
        return since(), dict(counter.requests)

    middle = memory.top("b", limit=100).entries[75].player_id  # 75 above, 75 below
    one_get = (1, {"BatchGetItem": 1})
    assert cost(lambda lb: lb.rank_of("b", middle)) == one_get
    assert cost(lambda lb: lb.ranks_of("b", players[:100])) == one_get
    assert cost(lambda lb: lb.top("b", limit=100)) == one_get
    assert cost(lambda lb: lb.count("b")) == (1, {})
    assert cost(lambda lb: lb.around("b", middle, 50, 50)) == (1, {"BatchGetItem": 2})
    assert cost(lambda lb: lb.rank_of("b", "nobody")) == (1, {})


def test_a_lost_index_repaired_from_the_entries_reads_as_the_oracle(
    moto_server: MotoServer, valkey_client: Redis
) -> None:
    """Mid-workload the server loses everything (FLUSHALL) while submits carry on; after
    ``repair`` every read equals InMemoryLeaderboards fed the whole workload."""
    store, _, _ = _store(moto_server, valkey_client)
    memory = InMemoryLeaderboards([SPEC], lambda: NOW)
    rng = random.Random(11)
    players = [f"p{n}" for n in range(40)]
    for number in range(160):
        if number == 80:
            valkey_client.flushall()
        player = rng.choice(players)
        submission = _sub(player, rng.randrange(25), f"s{number}", minutes=number, tag=number)
        assert store.submit(submission) == memory.submit(submission)
    assert store.count("b") < memory.count("b")  # the flush lost players not seen since
    store.repair("b", "all")
    assert store.count("b") == memory.count("b")
    assert store.top("b", limit=100) == memory.top("b", limit=100)
    assert store.ranks_of("b", players) == memory.ranks_of("b", players)
    for player in players[::7]:
        assert store.around("b", player, 3, 3) == memory.around("b", player, 3, 3)
    store.repair("b", "all")  # again: changes nothing
    assert store.top("b", limit=100) == memory.top("b", limit=100)


def test_a_lagging_index_shows_the_standings_it_holds_with_the_entries_metadata(
    moto_server: MotoServer, valkey_client: Redis
) -> None:
    """Stream mode: submits write entries only. Until the index has the moves, reads show
    what it holds: nothing at first; after a repair the entries then; after a further
    improvement of p2 (entry 50) not yet applied, p2 at the score and rank the index holds
    (10, below p1's 20), once, with the newer entry's metadata."""
    store, _, _ = _store(moto_server, valkey_client, "stream")
    assert store.submit(_sub("p1", 20, "a", tag=1)).status == "accepted"
    assert store.submit(_sub("p2", 10, "b", tag=2)).status == "accepted"
    assert (store.count("b"), store.top("b").entries, store.rank_of("b", "p1")) == (0, [], None)
    store.repair("b", "all")
    assert store.submit(_sub("p2", 50, "c", tag=3)).status == "accepted"
    rows = store.top("b").entries
    assert [(r.player_id, r.score, r.rank, r.metadata) for r in rows] == [
        ("p1", 20, 1, {"tag": 1}),
        ("p2", 10, 2, {"tag": 3}),
    ]
    assert store.rank_of("b", "p2") == rows[1]
    store.repair("b", "all")
    assert [(r.player_id, r.score, r.rank) for r in store.top("b").entries] == [
        ("p2", 50, 1),
        ("p1", 20, 2),
    ]


def test_a_submit_while_the_index_is_down_keeps_its_entry_and_its_retry_catches_up(
    moto_server: MotoServer, valkey_client: Redis
) -> None:
    """Inline: the entry is written, then the index cannot be reached: the submit raises
    RankIndexUnavailable (the scores function's queue delivers the message again). The
    redelivered submission is a duplicate (unchanged) and still brings the index up to the
    entry, so nothing is lost and nothing counted twice."""
    store, _, index = _store(moto_server, valkey_client)
    dynamodb = AwsClients(moto_server.endpoint).dynamodb()
    down = ValkeyRankIndex(f"redis://127.0.0.1:{free_port()}", timeout=0.2)
    failing = DynamoLeaderboards(store.table_name, [SPEC], dynamodb, lambda: NOW, rank_index=down)
    assert store.submit(_sub("p1", 10, "a")).status == "accepted"
    with pytest.raises(RankIndexUnavailable):
        failing.submit(_sub("p1", 30, "b", tag=7))
    assert store.rank_of("b", "p1") == RankedEntry(1, 1, "p1", 10, NOW, {"tag": 7})
    outcome = store.submit(_sub("p1", 30, "b", tag=7))
    assert outcome.status == "unchanged"
    assert store.rank_of("b", "p1") == RankedEntry(1, 1, "p1", 30, NOW, {"tag": 7})
    assert index.count(PAGE) == 1
