"""Moves and batches as pure functions, against naive oracles.

``move_of`` against folding images; ``settle`` against applying moves one at a time;
``node_deltas`` against summing every applied move's own deltas; and ``groups``, written
atomically by a naive store through crashes, retries, duplicates and stale reads, against a
tree built from the final entries.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from itertools import pairwise
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tap_core.leaderboard import Entry, Held, Move, PageId, encode_sort_key, move_of
from tap_core.leaderboard.counts import LEVELS, build, deltas, node_partition, path
from tap_core.leaderboard.index import NOTHING_HELD
from tap_core.leaderboard.moves import (
    TRANSACTION_ITEMS,
    advance,
    groups,
    node_deltas,
    settle,
    supersedes,
)
from tests.unit.leaderboard.strategies import (
    NOW,
    ORDERS,
    PAGES,
    VERSIONS,
    History,
    deliveries,
    final_keys,
    histories,
    history_moves,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tap_core.leaderboard.counts import Counts, Node
    from tap_core.leaderboard.models import Order
    from tap_core.leaderboard.moves import Slot

PAGE = PageId("board", "all")

# Moves of a few players, any order, with duplicates: what one batch may hold.
BATCHES = histories().flatmap(
    lambda history: st.permutations(
        [move for stream in history_moves(history).values() for move in stream]
    )
)
# What an index may hold before a batch: for some players, an older (or newer) version.
HELD = histories().map(
    lambda history: {
        slot: Held(keys[0], revision) for revision, (slot, keys) in enumerate(history.items(), 1)
    }
)


def _one_by_one(held: dict[Slot, Held], moves: Iterable[Move]) -> Counter[tuple[PageId, Node, str]]:
    """Apply ``moves`` to ``held`` one at a time by the revision rule, written out again;
    return the sum of each applied move's own count changes (from the key then held)."""
    total: Counter[tuple[PageId, Node, str]] = Counter()
    for move in moves:
        was = held.get((move.page, move.player_id), NOTHING_HELD)
        if move.revision > was.revision:
            for (node, child), change in deltas(was.key, move.new_key).items():
                total[move.page, node, child] += change
            held[move.page, move.player_id] = Held(move.new_key, move.revision)
    return total


def _flat(pages: dict[PageId, dict[Node, Counts]]) -> Counter[tuple[PageId, Node, str]]:
    return Counter(
        {
            (page, node, child): change
            for page, nodes in pages.items()
            for node, children in nodes.items()
            for child, change in children.items()
        }
    )


@given(order=ORDERS, versions=st.lists(VERSIONS, min_size=1, max_size=6))
def test_the_moves_of_an_entrys_images_end_at_its_last_image(
    order: Order, versions: list[tuple[int, object] | None]
) -> None:
    """Folding ``move_of`` over an entry's successive images (None: removed) leaves an index
    holding the last image's key at its revision; a move exists exactly when the key changes."""
    images: list[Entry | None] = [None]
    for revision, version in enumerate(versions, 1):
        images.append(
            None
            if version is None
            else Entry("p1", version[0], version[1], f"s{revision}", revision=revision)  # type: ignore[arg-type]
        )
    held = NOTHING_HELD
    for old, new in pairwise(images):
        move = move_of(PAGE, order, old, new)
        key = None if new is None else encode_sort_key(order, new.score, new.achieved_at, "p1")
        was = None if old is None else encode_sort_key(order, old.score, old.achieved_at, "p1")
        assert (move is None) == (key == was)
        if move is not None:
            assert (move.page, move.player_id, move.old_key, move.new_key) == (PAGE, "p1", was, key)
            assert supersedes(move, held)
            held = Held(move.new_key, move.revision)
    last = images[-1]
    expected = None if last is None else encode_sort_key(order, last.score, last.achieved_at, "p1")
    assert held.key == expected


def test_a_removal_supersedes_the_removed_entry_and_images_of_two_players_are_refused() -> None:
    entry = Entry("p1", 5, NOW, "s1", revision=4)
    removal = move_of(PAGE, "desc", entry, None)
    assert removal == Move(PAGE, "p1", encode_sort_key("desc", 5, NOW, "p1"), None, 5)
    assert move_of(PAGE, "desc", None, None) is None
    assert move_of(PAGE, "desc", entry, entry._replace(revision=5, submission_id="s2")) is None
    with pytest.raises(ValueError, match="two players"):
        move_of(PAGE, "desc", entry, entry._replace(player_id="p2"))
    assert advance({}, iter([removal])) == {(PAGE, "p1"): Held(None, 5)}  # any iterable


@given(held=HELD, moves=BATCHES)
def test_settling_a_batch_equals_applying_its_moves_one_by_one(
    held: dict[Slot, Held], moves: list[Move]
) -> None:
    """A batch's net moves (one per player at most) take the held state where applying every
    move one at a time by the revision rule takes it; each starts from the held key."""
    net = settle(held, moves)
    assert len({(move.page, move.player_id) for move in net}) == len(net)
    settled = dict(held)
    for move in net:
        assert move.old_key == held.get((move.page, move.player_id), NOTHING_HELD).key
        settled[move.page, move.player_id] = Held(move.new_key, move.revision)
    naive = dict(held)
    _one_by_one(naive, moves)
    assert settled == naive


@given(held=HELD, moves=BATCHES)
def test_merged_node_deltas_equal_the_sum_of_every_moves_deltas(
    held: dict[Slot, Held], moves: list[Move]
) -> None:
    """Merging a batch gives, per node and child, the sum of the deltas of every move applied
    one at a time (zero sums left out), each node once; added to the tree of the held keys
    they give the tree of the keys after the batch."""
    merged = node_deltas(settle(held, moves))
    naive = dict(held)
    total = _one_by_one(naive, moves)
    assert _flat(merged) == Counter({place: change for place, change in total.items() if change})
    for page in PAGES:
        tree = build(key for (on, _), (key, _) in held.items() if on == page and key is not None)
        for node, children in merged.get(page, {}).items():
            assert children  # a node listed has a change to write
            for child, change in children.items():
                tree.setdefault(node, {})[child] = tree.get(node, {}).get(child, 0) + change
        after = [key for (on, _), (key, _) in naive.items() if on == page and key is not None]
        assert _nonzero(tree) == build(after)


def test_a_batch_of_new_entries_writes_the_root_once() -> None:
    keys = [encode_sort_key("desc", n, NOW - timedelta(seconds=n), f"p{n}") for n in range(50)]
    moves = [Move(PAGE, f"p{n}", None, key, 1) for n, key in enumerate(keys)]
    merged = node_deltas(settle({}, moves))[PAGE]
    assert merged[""] == dict(Counter(key[:2] for key in keys))
    per_move = sum(len(path(key)) for key in keys)
    assert len(merged) < per_move  # shared upper nodes merge


def _nonzero(tree: dict[Node, Counts]) -> dict[Node, Counts]:
    cleaned = {node: {c: n for c, n in children.items() if n} for node, children in tree.items()}
    return {node: children for node, children in cleaned.items() if children}


# -- groups: a naive store that writes them atomically, through crashes and stale reads ------


class _Crash(Exception):
    """The store stopped after a number of groups."""


LIMIT = 30
"""A small group limit, so batches cut into several groups."""


class _GroupStore:
    """A tree of counts written as ``groups`` says: a group applies whole, only when every
    held row it names still holds the revision it was settled against (a cancelled group's
    players are read and settled again), else not at all."""

    def __init__(self) -> None:
        self.counts: dict[tuple[PageId, Node], dict[str, int]] = {}
        self.held: dict[Slot, Held] = {}

    def attempt(
        self, moves: list[Move], read: dict[Slot, Held] | None, crash_after: int | None
    ) -> None:
        written = 0
        pending = moves
        while pending:
            held = dict(self.held) if read is None else read
            read, retry = None, set()
            for group in groups(settle(held, pending), LIMIT):
                assert group.items() <= LIMIT
                if written == crash_after:
                    raise _Crash
                written += 1
                slots = [(move.page, move.player_id) for move in group.moves]
                if any(self.held.get(s, NOTHING_HELD) != held.get(s, NOTHING_HELD) for s in slots):
                    retry |= set(slots)  # cancelled whole
                    continue
                for move in group.moves:
                    self.held[move.page, move.player_id] = Held(move.new_key, move.revision)
                for page, nodes in group.nodes.items():
                    for node, children in nodes.items():
                        counted = self.counts.setdefault((page, node), {})
                        for child, change in children.items():
                            counted[child] = counted.get(child, 0) + change
            pending = [move for move in pending if (move.page, move.player_id) in retry]

    def tree(self, page: PageId) -> dict[Node, Counts]:
        return _nonzero({node: c for (on, node), c in self.counts.items() if on == page})


@given(data=st.data(), history=histories())
def test_groups_through_crashes_duplicates_and_stale_reads_count_every_change_once(
    data: st.DataObject, history: History
) -> None:
    """Batches as an at-least-once stream delivers them (retried, crashed after any group
    then delivered again, old batches again), each settled against what was held then or at
    some earlier moment (a concurrent or slow invocation), written as atomic groups: the tree
    equals the tree built from the final entries, and each player is held at its newest
    revision."""
    store = _GroupStore()
    seen: list[dict[Slot, Held]] = [{}]
    for batch in data.draw(deliveries(history)):
        stale = data.draw(st.none() | st.sampled_from(seen))
        crash = data.draw(st.none() | st.integers(0, 3))
        try:
            store.attempt(batch, stale, crash)
        except _Crash:
            store.attempt(batch, None, None)  # the batch delivered again
        seen.append(dict(store.held))
    for page in PAGES:
        assert store.tree(page) == build(final_keys(history, page))
    for (page, player), keys in history.items():
        moves = history_moves({(page, player): keys})[page, player]
        if moves:
            assert store.held[page, player] == Held(keys[-1], moves[-1].revision)


@given(moves=BATCHES)
def test_groups_keep_the_moves_in_order_within_the_limit_and_merge_their_nodes(
    moves: list[Move],
) -> None:
    """Groups hold the net moves in order, each group within the limit, and their nodes'
    changes sum to the batch's merged changes."""
    net = settle({}, moves)
    cut = groups(net, LIMIT)
    assert [move for group in cut for move in group.moves] == net
    assert all(0 < group.items() <= LIMIT for group in cut)
    assert sum((_flat(group.nodes) for group in cut), Counter()) == _flat(node_deltas(net))


def test_as_many_moves_as_fit_share_a_group_so_the_root_is_written_once_per_group() -> None:
    keys = [
        encode_sort_key("desc", n * 7919, NOW - timedelta(seconds=n), f"p{n}") for n in range(200)
    ]
    cut = groups(settle({}, [Move(PAGE, f"p{n}", None, k, 1) for n, k in enumerate(keys)]))
    assert all(group.items() <= TRANSACTION_ITEMS for group in cut)
    assert len(cut) < 200 // 4  # several new entries per transaction
    assert sum(1 for group in cut if "" in group.nodes[PAGE]) == len(cut)
    with pytest.raises(ValueError, match="more than a group's 5"):
        groups(settle({}, [Move(PAGE, "p", None, keys[0], 1)]), 5)


def test_node_partitions_are_stable_and_spread() -> None:
    keys = [encode_sort_key("desc", n * 7919, NOW, f"p{n}") for n in range(300)]
    nodes = list(build(keys))
    assert all(node_partition(node, 1) == 0 for node in nodes)
    used = Counter(node_partition(node, 4) for node in nodes)
    assert set(used) == {0, 1, 2, 3}
    assert max(used.values()) < 2 * min(used.values())
    assert node_partition("", 4) == node_partition("", 4)
    assert {len(node) for node in nodes} <= set(LEVELS)
    with pytest.raises(ValueError, match="1 or more"):
        node_partition("", 0)
