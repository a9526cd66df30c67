"""ValkeyRankIndex beyond the port's contract, on a real server: the revision rule in its Lua
script against the core's ``supersedes``, round trips per read and per batch, a server that is
stopped or failing, a flush repaired from the entries, and the keys of a page in one slot.
"""

from __future__ import annotations

import random
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis import Redis, RedisCluster
from redis.crc import key_slot

from tap_aws.adapters.valkey_index import RETRIES, ValkeyRankIndex
from tap_core.leaderboard import Held, Move, PageId, Placed, RankIndexUnavailable, encode_sort_key
from tap_core.leaderboard.index import NOTHING_HELD
from tap_core.leaderboard.moves import advance, supersedes
from tap_core.memory import InMemoryRankIndex
from tap_tools.scale import updates_per_second
from tap_tools.valkey_server import INSTALL, ServerMissing, ValkeyServer, find_binary
from tests.unit.leaderboard.strategies import NOW

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tap_core.leaderboard import RankIndex

PAGE = PageId("board", "all")
PLAYERS = [f"p{n}" for n in range(3)]


def _key(score: int, player: str, minutes: int = 0) -> str:
    return encode_sort_key("desc", score, NOW - timedelta(minutes=minutes), player)


def _index(client: Redis) -> ValkeyRankIndex:
    return ValkeyRankIndex(client=client, namespace=f"t{uuid.uuid4().hex[:12]}")


# -- the revision rule: one home (supersedes), mirrored in Lua -------------------------------

# A move of one of a few players: a key among a few scores (or removed) at a revision among a
# few, so equal, older and newer revisions and repeated keys all occur.
MOVES = st.builds(
    lambda player, score, revision: Move(
        PAGE, player, None, None if score is None else _key(score, player), revision
    ),
    st.sampled_from(PLAYERS),
    st.none() | st.integers(0, 3),
    st.integers(0, 4),
)


@given(moves=st.lists(MOVES, max_size=12))
def test_the_script_applies_a_move_exactly_when_supersedes_says(
    valkey_client: Redis, moves: list[Move]
) -> None:
    """Moves applied one by one: after each, the index holds what the core's rule gives
    (``supersedes``, through ``advance``), and reads as the in-memory index does; a change to
    the rule in either home alone fails here."""
    index, oracle = _index(valkey_client), InMemoryRankIndex()
    expected: dict[tuple[PageId, str], Held] = {}
    for move in moves:
        was = expected.get((PAGE, move.player_id), NOTHING_HELD)
        expected |= advance(expected, [move])
        index.apply([move])
        oracle.apply([move])
        held = index.held(PAGE, [move.player_id])[move.player_id]
        assert held == expected[PAGE, move.player_id]
        assert (held != was) <= supersedes(move, was)  # applied only when it supersedes
        assert index.top(PAGE, 10) == oracle.top(PAGE, 10)


@given(moves=st.lists(MOVES, max_size=12))
def test_a_batch_holds_what_the_core_advances_to(valkey_client: Redis, moves: list[Move]) -> None:
    """A whole batch (duplicates, older revisions) leaves held what ``advance`` gives."""
    index = _index(valkey_client)
    index.apply(moves)
    expected = advance({}, moves)
    assert index.held(PAGE, PLAYERS) == {
        player: expected.get((PAGE, player), NOTHING_HELD) for player in PLAYERS
    }


# -- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("players", [10, 5_000])
def test_a_batch_is_one_round_trip_and_every_read_one_at_any_size(
    counted: tuple[Redis, Callable[[], int]], players: int
) -> None:
    client, since = counted
    index = _index(client)
    moves = [Move(PAGE, f"p{n}", None, _key(n % 97, f"p{n}"), 1) for n in range(players)]
    index.apply(moves)
    assert since() == 1
    index.apply(
        move._replace(new_key=_key(n % 13, move.player_id), revision=2)
        for n, move in enumerate(moves[:1_000])
    )
    assert since() == 1
    middle = f"p{players // 2}"
    reads: dict[str, Callable[[], object]] = {
        "count": lambda: index.count(PAGE),
        "count_below": lambda: index.count_below(PAGE, _key(5, "")[:16]),
        "top": lambda: index.top(PAGE, 100),
        "top after": lambda: index.top(PAGE, 100, _key(40, "p0")),
        "around": lambda: index.around(PAGE, middle, 10, 10),
        "ranks_of": lambda: index.ranks_of(PAGE, [f"p{n}" for n in range(0, players, 7)][:100]),
        "held": lambda: index.held(PAGE, ["p1", middle]),
    }
    first, then = {}, {}
    for name, read in reads.items():
        assert read()
        first[name] = since()  # 2 when the server has not run the read's script yet
        assert read()
        then[name] = since()
    assert max(first.values()) <= 2
    assert then == dict.fromkeys(reads, 1)


def test_a_server_without_the_scripts_costs_one_more_round_trip_once(
    counted: tuple[Redis, Callable[[], int]],
) -> None:
    """After SCRIPT FLUSH (a restart, a failover), a call sent by digest is refused and sent
    whole once; then digests work again."""
    client, since = counted
    index = _index(client)
    client.script_flush()
    since()
    index.apply([Move(PAGE, "a", None, _key(1, "a"), 1), Move(PAGE, "b", None, _key(2, "b"), 1)])
    assert since() == 2  # EVALSHA refused (NOSCRIPT), then EVAL
    index.apply([Move(PAGE, "a", None, _key(3, "a"), 2)])
    assert since() == 1
    client.script_flush()
    since()
    assert index.top(PAGE, 10) == [Placed(_key(3, "a"), 1, 1), Placed(_key(2, "b"), 2, 2)]
    assert since() == 2
    assert index.around(PAGE, "b", 1, 1) == index.top(PAGE, 10)
    assert since() == 3  # around's script was flushed too; top's is back


def test_a_cluster_without_the_scripts_sends_them_again(valkey_cluster: ValkeyServer) -> None:
    client = RedisCluster.from_url(valkey_cluster.url)
    index = ValkeyRankIndex(client=client, namespace=f"t{uuid.uuid4().hex[:12]}")
    client.script_flush()
    index.apply([Move(PAGE, "a", None, _key(1, "a"), 1), Move(PAGE, "b", None, _key(2, "b"), 1)])
    client.script_flush()
    assert index.ranks_of(PAGE, ["a", "b"]) == [
        Placed(_key(2, "b"), 1, 1),
        Placed(_key(1, "a"), 2, 2),
    ]
    client.close()


# -- a server that cannot answer -------------------------------------------------------------


def _every_call(index: RankIndex) -> dict[str, Callable[[], object]]:
    return {
        "apply": lambda: index.apply([Move(PAGE, "p1", None, _key(1, "p1"), 2)]),
        "count": lambda: index.count(PAGE),
        "count_below": lambda: index.count_below(PAGE, "~"),
        "top": lambda: index.top(PAGE, 10),
        "around": lambda: index.around(PAGE, "p1", 1, 1),
        "ranks_of": lambda: index.ranks_of(PAGE, ["p1"]),
    }


@pytest.mark.parametrize("cluster", [False, True], ids=["standalone", "cluster"])
def test_a_stopped_server_raises_unavailable_naming_it_quickly(cluster: bool) -> None:
    server = ValkeyServer(cluster=cluster)
    server.start()
    try:
        index = ValkeyRankIndex(server.url, cluster=cluster)  # built from the url, on first use
        index.apply([Move(PAGE, "p1", None, _key(1, "p1"), 1)])
        assert index.count(PAGE) == 1
    finally:
        server.stop()
    for name, call in _every_call(index).items():
        started = time.monotonic()
        with pytest.raises(RankIndexUnavailable, match=f"redis://127.0.0.1:{server.port}"):
            call()
        assert time.monotonic() - started < 5, name  # bounded retries, short timeouts


def test_tls_verifies_the_server_and_carries_the_index() -> None:
    """Over TLS (a ``rediss://`` url, as ElastiCache's encryption in transit needs) the index
    works when the server's certificate is trusted, and is unavailable when it is not."""
    server = ValkeyServer(tls=True)
    server.start()
    try:
        trusted = ValkeyRankIndex(server.url, ca_file=server.certificate)
        trusted.apply([Move(PAGE, "p1", None, _key(1, "p1"), 1)])
        assert trusted.ranks_of(PAGE, ["p1"]) == [Placed(_key(1, "p1"), 1, 1)]
        with pytest.raises(RankIndexUnavailable, match="certificate verify failed"):
            ValkeyRankIndex(server.url).count(PAGE)
    finally:
        server.stop()


def test_a_server_that_never_answers_times_out_boundedly() -> None:
    """A server that takes connections and never replies (hung, or a black hole behind a
    load balancer): each call gives up after its few timed-out attempts."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel completes connections; nothing ever reads them
        port = silent.getsockname()[1]
        index = ValkeyRankIndex(f"redis://127.0.0.1:{port}", timeout=0.1)
        for name, call in _every_call(index).items():
            started = time.monotonic()
            with pytest.raises(RankIndexUnavailable, match=f"127.0.0.1:{port}.*Timeout"):
                call()
            assert time.monotonic() - started < (RETRIES + 1) ** 2 * 0.1 + 1, name


def test_an_index_never_used_never_connects() -> None:
    """Built from a url, the index connects on first use: nothing listens on port 1."""
    index = ValkeyRankIndex("rediss://user:secret@127.0.0.1:1/0", cluster=True)
    assert index.endpoint == "rediss://127.0.0.1:1"  # no credentials in messages
    with pytest.raises(RankIndexUnavailable) as raised:
        index.count(PAGE)
    assert "secret" not in str(raised.value)


def test_a_failing_server_raises_unavailable() -> None:
    """A server out of memory refuses writes: the index says it is unavailable (503), it
    does not fail as a bug would (500); its reads (scripts flagged no-writes) still answer."""
    server = ValkeyServer()
    server.start()
    try:
        client = Redis.from_url(server.url)
        index = _index(client)
        client.config_set("maxmemory-policy", "noeviction")
        client.config_set("maxmemory", 1)
        with pytest.raises(RankIndexUnavailable, match="maxmemory"):
            index.apply([Move(PAGE, "p1", None, _key(1, "p1"), 1)])
        for name, call in _every_call(index).items():  # reads still answer
            if name != "apply":
                call()
        client.close()
    finally:
        server.stop()


# -- durability: flushed mid-workload, repaired from the entries -----------------------------


def _workload(rng: random.Random, players: int, steps: int) -> Iterator[list[Move]]:
    """Batches of moves of entries (new, improved, removed, back), delivered in order, one
    batch in ten delivered again; the truth is what the last move of each player says."""
    current: dict[str, tuple[str | None, int]] = {}
    batch: list[Move] = []
    for _ in range(steps):
        player = f"p{rng.randrange(players)}"
        old, revision = current.get(player, (None, 0))
        new = None if old is not None and rng.random() < 0.1 else _key(rng.randrange(40), player)
        move = Move(PAGE, player, old, new, revision + 1)
        current[player] = (new, revision + 1)
        batch.append(move)
        if len(batch) == 50:
            yield batch
            if rng.random() < 0.1:
                yield batch
            batch = []
    if batch:
        yield batch


def _assert_reads_equal(index: RankIndex, oracle: RankIndex, players: list[str]) -> None:
    keys = [row.key for row in oracle.top(PAGE, 10**6)]
    assert index.count(PAGE) == oracle.count(PAGE) == len(keys)
    assert index.top(PAGE, 10**6) == oracle.top(PAGE, 10**6)
    for probe in [*keys[::7], *(key[:16] for key in keys[::5]), "", "~"]:
        assert index.count_below(PAGE, probe) == oracle.count_below(PAGE, probe)
        assert index.top(PAGE, 5, probe) == oracle.top(PAGE, 5, probe)
    for player in players:
        assert index.around(PAGE, player, 3, 2) == oracle.around(PAGE, player, 3, 2)
    assert index.ranks_of(PAGE, players) == oracle.ranks_of(PAGE, players)


def test_a_flushed_server_repaired_from_the_entries_reads_as_the_oracle(
    valkey_client: Redis,
) -> None:
    """Mid-workload the server loses everything (FLUSHALL); the stream carries on; a repair
    applies every entry at its revision. Every read then equals the in-memory index fed the
    whole workload, and the stream's later batches keep them equal."""
    index, oracle = _index(valkey_client), InMemoryRankIndex()
    batches = list(_workload(random.Random(17), players=300, steps=3_000))
    cut, repair_at = len(batches) // 2, len(batches) * 3 // 4
    truth: dict[str, tuple[str | None, int]] = {}
    for number, batch in enumerate(batches):
        if number == cut:
            valkey_client.flushall()
            assert index.count(PAGE) == 0
        if number == repair_at:  # read the entries (the truth so far), apply each once
            index.apply(
                Move(PAGE, player, None, key, revision)
                for player, (key, revision) in truth.items()
                if key is not None
            )
            _assert_reads_equal(index, oracle, sorted(truth))
        index.apply(batch)
        oracle.apply(batch)
        for move in batch:
            truth[move.player_id] = (move.new_key, move.revision)
    _assert_reads_equal(index, oracle, [*sorted(truth), "nobody"])


# -- keys and the server helper -----------------------------------------------------------------


def test_a_pages_keys_share_one_slot_and_pages_do_not_share_keys() -> None:
    index = ValkeyRankIndex("redis://127.0.0.1:1")
    pages = [PageId("arena", "all"), PageId("arena", "2026-11-24"), PageId("a-b", "all")]
    keys = [index.keys_of(page) for page in pages]
    assert all(key_slot(a.encode()) == key_slot(b.encode()) for a, b in keys)
    assert len({key for pair in keys for key in pair}) == 2 * len(pages)


def test_without_a_server_binary_the_helper_says_how_to_install_one(tmp_path: Path) -> None:
    with pytest.raises(ServerMissing, match=INSTALL):
        find_binary(path=str(tmp_path))


def test_importing_the_adapter_imports_no_redis() -> None:
    """The module loads redis on first use (a Lambda without the index never pays for it)."""
    code = (
        "import sys, tap_aws.adapters.valkey_index; "
        "print(any(m.split('.')[0] == 'redis' for m in sys.modules))"
    )
    out = subprocess.run(  # noqa: S603 - our interpreter, our code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False"]


def test_the_bench_applies_and_times_batches(valkey_server: ValkeyServer) -> None:
    """``python -m bench leaderboard_scale``'s update rate: it moves the players it loaded."""
    index = ValkeyRankIndex(valkey_server.url, namespace=f"t{uuid.uuid4().hex[:12]}")
    assert updates_per_second(index, players=300, batch=100, batches=2) > 0
    assert index.count(PageId("updates", "all")) == 300
