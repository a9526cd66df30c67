"""Moves of entries, and batches of them, as pure functions: what a rank index does with them.

- `move_of`: the move a change of an entry makes, from its two images (old and new, as a
  DynamoDB stream record carries them).
- `supersedes`: the one rule of `tap_core.leaderboard.index`: a move applies only
  when its revision is newer than what the index holds for the player.
- `settle`: a batch's net moves, one per player, from what the index holds: duplicates,
  retries and successive revisions of a player fold into one move from the held key to the
  newest one.
- `node_deltas`: the net changes of a tree of counts (`tap_core.leaderboard.counts`)
  for net moves, one entry per node, so a store writes each node at most once per batch (the
  root once per batch, not once per submission).
- `groups`: net moves cut into groups that each fit one transaction (held rows, rank rows and
  the group's merged node changes). ``ADD`` is not idempotent; a group is written atomically,
  on the condition that every held row it names still holds what it was settled against, so a
  duplicate, retried, bisected or reordered delivery finds the held rows moved and changes
  nothing (it is read and settled again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, NamedTuple

from tap_core.leaderboard import counts
from tap_core.leaderboard.index import NOTHING_HELD, Held, Move, PageId
from tap_core.leaderboard.models import compact_json
from tap_core.leaderboard.ranking import encode_sort_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from tap_core.leaderboard.models import Order
    from tap_core.leaderboard.ranking import Entry

Slot = tuple[PageId, str]
"""One player of one page: where an index holds a `Held`."""
NodeDeltas = dict[counts.Node, counts.Counts]
"""Per node, per child, the (nonzero) change of its count."""


def move_of(page: PageId, order: Order, old: Entry | None, new: Entry | None) -> Move | None:
    """The move an entry of ``page`` makes from image ``old`` to image ``new`` (None: absent).

    None when neither the key nor what an index shows beside it (``row``: the metadata)
    changes; a rewrite that keeps the key but changes the metadata is a move from the key to
    itself, which changes no count. A removal's revision is one past the removed entry's, so
    it supersedes it. Raises ValueError when the images belong to two players.
    """
    if old is not None and new is not None and old.player_id != new.player_id:
        raise ValueError(f"images of two players: {old.player_id!r} and {new.player_id!r}")
    old_key = None if old is None else _key(order, old)
    new_key = None if new is None else _key(order, new)
    if new is not None:
        row = row_of(new)
        if old_key == new_key and old is not None and row_of(old) == row:
            return None
        return Move(page, new.player_id, old_key, new_key, new.revision, row)
    if old is None:  # both absent
        return None
    return Move(page, old.player_id, old_key, None, old.revision + 1)


def row_of(entry: Entry) -> str | None:
    """What an index may show beside an entry's key: its metadata as compact JSON."""
    return None if entry.metadata is None else compact_json(entry.metadata)


def _key(order: Order, entry: Entry) -> str:
    return encode_sort_key(order, entry.score, entry.achieved_at, entry.player_id)


def supersedes(move: Move, held: Held) -> bool:
    """True when ``move`` is newer than what an index holds for its player: it applies."""
    return move.revision > held.revision


def settle(held: Mapping[Slot, Held], moves: Iterable[Move]) -> list[Move]:
    """The batch's net moves: for each player whose newest move supersedes ``held``, one move
    from the held key to that move's key, at its revision, in first-seen order.

    ``held`` holds what the index holds for the batch's players (a missing one: nothing). A
    net move may keep the key (its revision must still be written: a late older move must not
    apply after it); it then changes no count.
    """
    newest: dict[Slot, Move] = {}
    for move in moves:
        slot = (move.page, move.player_id)
        current = newest.get(slot)
        if current is None or move.revision > current.revision:
            newest[slot] = move
    net = []
    for slot, move in newest.items():
        was = held.get(slot, NOTHING_HELD)
        if supersedes(move, was):
            net.append(move._replace(old_key=was.key))
    return net


def advance(held: Mapping[Slot, Held], moves: Iterable[Move]) -> dict[Slot, Held]:
    """``held`` after applying ``moves`` (only the players they name are returned)."""
    moves = list(moves)
    after = {(m.page, m.player_id): held.get((m.page, m.player_id), NOTHING_HELD) for m in moves}
    for move in settle(held, moves):
        after[move.page, move.player_id] = Held(move.new_key, move.revision)
    return after


def node_deltas(net: Iterable[Move]) -> dict[PageId, NodeDeltas]:
    """Per page, every node of the tree of counts whose counts ``net`` changes, with its net
    change: one entry per node, so a store writes each node at most once per batch (the root
    once per batch, not once per submission).

    Changes that cancel (one player leaves a child as another enters it) are left out; a node
    left with none is absent.
    """
    pages: dict[PageId, NodeDeltas] = {}
    for move in net:
        nodes = pages.setdefault(move.page, {})
        for (node, child), change in counts.deltas(move.old_key, move.new_key).items():
            children = nodes.setdefault(node, {})
            total = children.get(child, 0) + change
            if total:
                children[child] = total
            else:
                del children[child]
    changed = {page: {n: c for n, c in nodes.items() if c} for page, nodes in pages.items()}
    return {page: nodes for page, nodes in changed.items() if nodes}


class Record(NamedTuple):
    """One stream record: its sequence number (increasing per entry: a stream keeps an item's
    changes in order) and the move it carries."""

    sequence: int
    move: Move


TRANSACTION_ITEMS: Final = 100
"""DynamoDB's most items per TransactWriteItems (one operation per item)."""


class Group(NamedTuple):
    """Net moves applied together, atomically: each player's held row (on the condition that
    it still holds what the moves were settled against), its rank rows, and the group's
    merged node changes, each node once."""

    moves: tuple[Move, ...]
    nodes: dict[PageId, NodeDeltas]

    def items(self) -> int:
        """The items the group writes: held rows, rank rows, changed nodes."""
        nodes = sum(len(changed) for changed in self.nodes.values())
        return sum(row_writes(move) for move in self.moves) + nodes


def row_writes(move: Move) -> int:
    """The items one net move writes besides nodes: its held row and the rank rows it moves
    (the old one deleted, the new one put)."""
    moved = move.old_key != move.new_key
    return 1 + (moved and move.old_key is not None) + (moved and move.new_key is not None)


def groups(net: Iterable[Move], limit: int = TRANSACTION_ITEMS) -> list[Group]:
    """``net`` (one move per player, as `settle` gives) cut into groups of at most ``limit``
    items, in order, as many moves per group as fit: the upper nodes (the root above all) are
    then written once per group, not once per move.

    A move's nodes are counted before changes cancel, so a group never passes ``limit``.
    Raises ValueError when one move alone needs more than ``limit`` items.
    """
    found: list[Group] = []
    taken: list[Move] = []
    nodes: set[tuple[PageId, counts.Node]] = set()
    rows = 0
    for move in net:
        own = {(move.page, node) for node, _ in counts.deltas(move.old_key, move.new_key)}
        needed = row_writes(move) + len(own)
        if needed > limit:
            raise ValueError(f"a move needs {needed} items, more than a group's {limit}")
        if taken and rows + row_writes(move) + len(nodes | own) > limit:
            found.append(Group(tuple(taken), node_deltas(taken)))
            taken, nodes, rows = [], set(), 0
        taken.append(move)
        rows += row_writes(move)
        nodes |= own
    if taken:
        found.append(Group(tuple(taken), node_deltas(taken)))
    return found
