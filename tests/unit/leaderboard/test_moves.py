"""Moves and batches as pure functions, against naive oracles.

``move_of`` against folding images; ``settle`` against applying moves one at a time;
``node_deltas`` against summing every applied move's own deltas; and ``Batch``'s checkpoint
protocol, run by a naive checkpointed store through crashes, retries, bisected and extended
batches and late duplicates, against a tree built from the final entries.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from functools import partial
from itertools import pairwise
from typing import TYPE_CHECKING, NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tap_core.leaderboard import Entry, Held, Move, PageId, encode_sort_key, move_of
from tap_core.leaderboard.counts import LEVELS, build, deltas, node_partition, path
from tap_core.leaderboard.index import NOTHING_HELD
from tap_core.leaderboard.moves import (
    Batch,
    Record,
    advance,
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
    final_keys,
    histories,
    history_moves,
    shard_streams,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

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


# -- Batch: a naive store that follows its docstring, and a stream consumer that crashes ------


class _Crash(Exception):
    """The store stopped after a number of writes."""


class _CheckpointedTree:
    """A tree of counts store as ``Batch`` says to write one: nodes with a checkpoint per
    shard, then players' held keys; ``attempt`` stops after ``crash_after`` writes."""

    def __init__(self) -> None:
        self.counts: dict[tuple[PageId, Node], dict[str, int]] = {}
        self.marks: dict[tuple[PageId, Node], dict[str, int]] = {}
        self.held: dict[Slot, Held] = {}

    def attempt(self, batch: Batch, crash_after: int | None) -> None:
        held = {slot: self.held[slot] for slot in batch.slots() if slot in self.held}
        changes = batch.node_deltas(held)
        writes: list[Callable[[], None]] = [
            partial(self._node, batch, held, page, node, changes.get(page, {}).get(node, {}))
            for page, nodes in sorted(batch.nodes(held).items())
            for node in sorted(nodes)
        ]
        writes += [partial(self._player, move) for move in batch.net(held)]
        for done, write in enumerate(writes):
            if done == crash_after:
                raise _Crash
            write()

    def _node(
        self,
        batch: Batch,
        held: dict[Slot, Held],
        page: PageId,
        node: Node,
        changes: dict[str, int],
    ) -> None:
        marks = self.marks.setdefault((page, node), {})
        mark = marks.get(batch.shard)
        if mark is not None and mark >= batch.last:
            return  # counted the batch already
        if mark is not None and mark >= batch.first:
            changes = batch.node_deltas(held, mark).get(page, {}).get(node, {})
        children = self.counts.setdefault((page, node), {})
        for child, change in changes.items():
            children[child] = children.get(child, 0) + change
        marks[batch.shard] = batch.last

    def _player(self, move: Move) -> None:
        slot = (move.page, move.player_id)
        if supersedes(move, self.held.get(slot, NOTHING_HELD)):
            self.held[slot] = Held(move.new_key, move.revision)

    def done(self, record: Record) -> bool:
        slot = (record.move.page, record.move.player_id)
        return self.held.get(slot, NOTHING_HELD).revision >= record.move.revision

    def tree(self, page: PageId) -> dict[Node, Counts]:
        return _nonzero({node: c for (on, node), c in self.counts.items() if on == page})


class Attempt(NamedTuple):
    size: int  # records from the shard's checkpoint
    crash_after: int | None  # writes before a crash; None: it completes
    partial_report: bool  # after a crash, the function reports its first record not done
    duplicate: int | None  # after a success, records before the checkpoint sent again


ATTEMPTS = st.lists(
    st.builds(
        Attempt,
        st.integers(1, 8),
        st.none() | st.integers(0, 40),
        st.booleans(),
        st.none() | st.integers(1, 6),
    ),
    max_size=30,
)


@given(
    history=histories().flatmap(lambda h: st.tuples(st.just(h), shard_streams(h))),
    attempts=ATTEMPTS,
    turns=st.lists(st.integers(0, 2), max_size=30),
)
def test_batches_through_crashes_and_retries_count_every_change_once(
    history: tuple[History, list[list[Move]]], attempts: list[Attempt], turns: list[int]
) -> None:
    """Shards' streams applied as a Lambda event source mapping delivers them (batches from
    the checkpoint, crashes at any write, retries that are shorter (bisected) or longer,
    partial batch responses, late duplicates), by a store that follows ``Batch``: the tree
    equals the tree built from the final entries, and each player is held at its newest
    version."""
    entries, streams = history
    store = _CheckpointedTree()
    records = [
        [Record(sequence, move) for sequence, move in enumerate(stream, 1)] for stream in streams
    ]
    checkpoints = [0] * len(streams)
    plan = iter(attempts)
    # The drawn turns (one attempt each), then every shard to its end.
    schedule = [(turn, True) for turn in turns] + [(n, False) for n in range(len(streams))]
    for turn, drawn in schedule:
        shard = turn % len(streams)
        while checkpoints[shard] < len(records[shard]):
            attempt = next(plan, Attempt(len(records[shard]), None, False, None))
            start = checkpoints[shard]
            batch = Batch(str(shard), tuple(records[shard][start : start + attempt.size]))
            try:
                store.attempt(batch, attempt.crash_after)
            except _Crash:
                if attempt.partial_report:
                    done = [store.done(record) for record in batch.records] + [False]
                    checkpoints[shard] = start + done.index(False)
            else:
                checkpoints[shard] = start + len(batch.records)
                if attempt.duplicate is not None:  # records before the checkpoint, again
                    end = checkpoints[shard]
                    again = records[shard][max(0, end - attempt.duplicate) : end]
                    store.attempt(Batch(str(shard), tuple(again)), None)
            if drawn:
                break
    for page in PAGES:
        assert store.tree(page) == build(final_keys(entries, page))
    for (page, player), keys in entries.items():
        moves = history_moves({(page, player): keys})[page, player]
        if moves:
            assert store.held[page, player] == Held(keys[-1], moves[-1].revision)


def test_a_batch_needs_records_in_increasing_order() -> None:
    move = Move(PAGE, "p1", None, None, 1)
    with pytest.raises(ValueError, match="increasing"):
        Batch("s", ())
    with pytest.raises(ValueError, match="increasing"):
        Batch("s", (Record(2, move), Record(2, move)))


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
