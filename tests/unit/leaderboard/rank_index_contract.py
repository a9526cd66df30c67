"""The contract of the ``RankIndex`` port: every test takes ``rank_index_factory``.

An adapter runs this module whole: ``from tests.unit.leaderboard.rank_index_contract import *``
in a module whose ``conftest.py`` overrides ``rank_index_factory`` (see ``factories.py``).
Reads are compared with a naive oracle (sort every key, count the better scores) and the
index fed by a stream (duplicates, retries, crashes, reordering) with a rebuild from the final
entries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hypothesis import given
from hypothesis import strategies as st

from tap_core.leaderboard import Move, PageId, Placed, encode_sort_key
from tests.unit.leaderboard import oracle
from tests.unit.leaderboard.strategies import (
    NOW,
    PAGES,
    History,
    deliveries,
    final_keys,
    histories,
    shuffled_deliveries,
)

if TYPE_CHECKING:
    from tap_core.leaderboard import RankIndex
    from tests.unit.leaderboard.factories import RankIndexFactory

PAGE = PageId("board", "all")
ABSENT = "nobody"


def _key(score: int, player: str) -> str:
    return encode_sort_key("desc", score, NOW, player)


def _new(player: str, score: int) -> Move:
    """The move of a new entry (revision 1) of ``player`` with ``score``."""
    return Move(PAGE, player, None, _key(score, player), 1)


def _expected(keys: list[str]) -> list[Placed]:
    return [Placed(*row) for row in oracle.placed(keys)]


def _check_reads(index: RankIndex, page: PageId, keys: list[str]) -> None:
    """Every read of ``page`` equals the oracle's over ``keys`` (what the page should hold)."""
    expected = _expected(keys)
    assert index.count(page) == len(keys)
    assert index.top(page, len(keys) + 1) == expected
    for limit in (1, 2, 3):  # paging by the last key seen lists everything once, in order
        seen: list[Placed] = []
        while True:
            chunk = index.top(page, limit, seen[-1].key if seen else None)
            assert len(chunk) <= limit
            seen += chunk
            if len(chunk) < limit:
                break
        assert seen == expected
    probes = [*keys, *(key[:16] for key in keys), _key(0, "~"), "", "~"]
    for probe in probes:
        assert index.count_below(page, probe) == sum(1 for key in keys if key < probe)
        assert index.top(page, 2, probe) == [row for row in expected if row.key > probe][:2]
    for at, row in enumerate(expected):
        for before, after in ((0, 0), (1, 2), (3, 1), (50, 50)):
            window = expected[max(0, at - before) : at + after + 1]
            assert index.around(page, row.player_id, before, after) == window
    assert index.around(page, ABSENT, 5, 5) == []
    players = [row.player_id for row in expected]
    assert index.ranks_of(page, [ABSENT, *reversed(players), *players]) == expected
    assert index.ranks_of(page, players[1::2]) == expected[1::2]


def _rebuilt(make: RankIndexFactory, history: History) -> RankIndex:
    """A fresh index given each final entry once, as a repair from the entries does."""
    index = make()
    index.apply(
        Move(page, player, None, keys[-1], len(keys))
        for (page, player), keys in history.items()
        if keys[-1] is not None
    )
    return index


@given(history=histories().flatmap(lambda h: st.tuples(st.just(h), deliveries(h))))
def test_a_stream_delivered_at_least_once_converges_to_a_rebuild(
    rank_index_factory: RankIndexFactory, history: tuple[History, list[list[Move]]]
) -> None:
    """After any delivery of the entries' moves (batches of shards interleaved, retried,
    crashed halfway then redelivered, or delivered again late), every read equals the oracle
    over the final entries and the same read of an index rebuilt from them."""
    entries, batches = history
    index = rank_index_factory()
    for batch in batches:
        index.apply(batch)
    rebuilt = _rebuilt(rank_index_factory, entries)
    for page in PAGES:
        _check_reads(index, page, final_keys(entries, page))
        players = [player for on, player in entries if on == page]
        assert index.ranks_of(page, players) == rebuilt.ranks_of(page, players)
        assert index.top(page, 100) == rebuilt.top(page, 100)


@given(history=histories().flatmap(lambda h: st.tuples(st.just(h), shuffled_deliveries(h))))
def test_a_move_never_undoes_a_newer_one(
    rank_index_factory: RankIndexFactory, history: tuple[History, list[list[Move]]]
) -> None:
    """Moves applied in any order at all, with duplicates, leave every entry at its newest
    revision: the index reads as the oracle over the final entries."""
    entries, batches = history
    index = rank_index_factory()
    for batch in batches:
        index.apply(batch)
    for page in PAGES:
        _check_reads(index, page, final_keys(entries, page))


@given(history=histories())
def test_each_batch_reads_as_the_entries_so_far(
    rank_index_factory: RankIndexFactory, history: History
) -> None:
    """Applied one version at a time, the index reads after every apply as the oracle over the
    versions applied so far (a synchronous store's submit-then-read)."""
    index = rank_index_factory()
    current: dict[tuple[PageId, str], str | None] = {}
    for (page, player), keys in history.items():
        for revision, key in enumerate(keys, 1):
            old = current.get((page, player))
            if old != key:
                index.apply([Move(page, player, old, key, revision)])
            current[page, player] = key
        held = [key for (on, _), key in current.items() if on == page and key is not None]
        _check_reads(index, page, held)


def test_an_empty_page_reads_as_empty(rank_index_factory: RankIndexFactory) -> None:
    index = rank_index_factory()
    index.apply([Move(PageId("board", "other"), "p1", None, _key(1, "p1"), 1)])
    assert index.count(PAGE) == 0
    assert index.count_below(PAGE, "~") == 0
    assert index.top(PAGE, 10) == []
    assert index.top(PAGE, 10, _key(1, "p1")) == []
    assert index.around(PAGE, "p1", 5, 5) == []
    assert index.ranks_of(PAGE, ["p1"]) == []
    index.apply([])
    assert index.count(PAGE) == 0


def test_a_move_not_newer_than_the_held_one_changes_nothing(
    rank_index_factory: RankIndexFactory,
) -> None:
    index = rank_index_factory()
    index.apply([_new("p1", 1), _new("p2", 5)])
    index.apply([Move(PAGE, "p1", _key(1, "p1"), _key(9, "p1"), 3)])
    index.apply([Move(PAGE, "p1", _key(1, "p1"), _key(2, "p1"), 2)])  # late: older
    index.apply([Move(PAGE, "p1", _key(1, "p1"), _key(7, "p1"), 3)])  # same revision
    assert index.ranks_of(PAGE, ["p1", "p2"]) == [
        Placed(_key(9, "p1"), 1, 1),
        Placed(_key(5, "p2"), 2, 2),
    ]
    assert index.count(PAGE) == 2


def test_the_newest_move_of_a_batch_wins_whatever_its_place(
    rank_index_factory: RankIndexFactory,
) -> None:
    index = rank_index_factory()
    index.apply(
        [
            Move(PAGE, "p1", None, _key(1, "p1"), 1),
            Move(PAGE, "p1", _key(2, "p1"), _key(3, "p1"), 3),
            Move(PAGE, "p1", _key(1, "p1"), _key(2, "p1"), 2),
            Move(PAGE, "p1", None, _key(1, "p1"), 1),
        ]
    )
    assert index.top(PAGE, 10) == [Placed(_key(3, "p1"), 1, 1)]


def test_a_removal_stays_removed_when_an_older_move_arrives(
    rank_index_factory: RankIndexFactory,
) -> None:
    index = rank_index_factory()
    index.apply([_new("p1", 1), _new("p2", 1)])
    index.apply([Move(PAGE, "p1", _key(1, "p1"), None, 2)])
    index.apply([Move(PAGE, "p1", None, _key(1, "p1"), 1)])  # redelivered after the removal
    assert index.count(PAGE) == 1
    assert index.around(PAGE, "p1", 1, 1) == []
    assert index.top(PAGE, 10) == [Placed(_key(1, "p2"), 1, 1)]
    index.apply([Move(PAGE, "p1", None, _key(4, "p1"), 3)])  # back, newer
    assert index.ranks_of(PAGE, ["p1"]) == [Placed(_key(4, "p1"), 1, 1)]


def test_ties_share_a_rank_and_positions_follow_the_key(
    rank_index_factory: RankIndexFactory,
) -> None:
    index = rank_index_factory()
    players = ["a", "b", "c", "d"]
    scores = {"a": 5, "b": 7, "c": 5, "d": 1}
    index.apply(Move(PAGE, p, None, _key(scores[p], p), 1) for p in players)
    assert [(row.player_id, row.rank, row.position) for row in index.top(PAGE, 10)] == [
        ("b", 1, 1),
        ("a", 2, 2),
        ("c", 2, 3),
        ("d", 4, 4),
    ]
    assert index.count_below(PAGE, _key(5, "a")[:16]) == 1
    assert index.around(PAGE, "c", 1, 0) == [Placed(_key(5, "a"), 2, 2), Placed(_key(5, "c"), 2, 3)]
