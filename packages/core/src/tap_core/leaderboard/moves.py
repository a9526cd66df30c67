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
- `Batch`: a stream shard's records in sequence order, and what to write to a node that
  already holds part of the batch (a crash or a retry), from the node's checkpoint: the last
  sequence number of the shard it has counted. ``ADD`` is not idempotent; this guard makes it so.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, NamedTuple

from tap_core.leaderboard import counts
from tap_core.leaderboard.index import NOTHING_HELD, Held, Move, PageId
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

    None when the key does not change (a rewrite that keeps score and time moves nothing).
    A removal's revision is one past the removed entry's, so it supersedes it. Raises
    ValueError when the images belong to two players.
    """
    if old is not None and new is not None and old.player_id != new.player_id:
        raise ValueError(f"images of two players: {old.player_id!r} and {new.player_id!r}")
    old_key = None if old is None else _key(order, old)
    new_key = None if new is None else _key(order, new)
    if old_key == new_key:
        return None
    if new is not None:
        return Move(page, new.player_id, old_key, new_key, new.revision)
    if old is None:  # unreachable: both absent have equal keys (None)
        return None
    return Move(page, old.player_id, old_key, None, old.revision + 1)


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
    """One stream record of a shard: its sequence number (increasing within the shard) and the
    move it carries."""

    sequence: int
    move: Move


@dataclass(frozen=True, slots=True)
class Batch:
    """Records of one stream shard, delivered together (perhaps again, or in part again).

    ``ADD`` on a node is not idempotent, and a batch's node and player writes do not fit one
    transaction, so a store applies a batch so that a retry, even after a crash halfway,
    counts every change once:

    1. read what the index holds for `slots` (``held``);
    2. write every node of `nodes` once: ``ADD`` its changes of ``node_deltas(held)``
       (maybe none) and set its checkpoint for ``shard`` to `last`, on the condition
       that the checkpoint is absent or below `first`. When the condition fails, read
       the checkpoint ``mark``: at `last` or beyond, the node has counted the batch
       (skip it); otherwise (an earlier attempt of part of these records) ``ADD`` its changes
       of ``node_deltas(held, mark)`` on the condition that the checkpoint is still ``mark``;
    3. only when every node is written, write the players' held keys of `net`, each on
       the condition that its revision is newer than the stored one. A partial batch failure
       reports the first record of a player not written: every record before it is done.

    Why it converges: a node's checkpoint says it has counted, for every player, the change
    from the start of the batch to that record; a player written by an earlier attempt moved
    only along the paths of that attempt's keys, whose nodes that attempt wrote before it,
    and `nodes` holds the path of every key the batch names, so no cut is missed.
    """

    shard: str
    """The checkpoint's name: the same for every attempt that may overlap this one (a stream
    shard's id, as the local pump and a KCL consumer know it; Lambda's DynamoDB stream events
    carry none, see the stream function)."""
    records: tuple[Record, ...]

    def __post_init__(self) -> None:
        sequences = [record.sequence for record in self.records]
        if not sequences or any(b <= a for a, b in pairwise(sequences)):
            raise ValueError("a batch holds one or more records in increasing sequence order")

    @property
    def first(self) -> int:
        """The batch's first sequence number: a checkpoint below it has counted none of it."""
        return self.records[0].sequence

    @property
    def last(self) -> int:
        """The checkpoint a node takes once it has counted the batch."""
        return self.records[-1].sequence

    def slots(self) -> set[Slot]:
        """The players whose held keys the batch needs read."""
        return {(record.move.page, record.move.player_id) for record in self.records}

    def nodes(self, held: Mapping[Slot, Held]) -> dict[PageId, set[counts.Node]]:
        """Per page, every node on the path of a key the batch holds or moves to: the nodes
        an attempt writes, each once (with its changes, or its checkpoint alone)."""
        keys: dict[PageId, set[str | None]] = {}
        for record in self.records:
            move = record.move
            kept = held.get((move.page, move.player_id), NOTHING_HELD).key
            keys.setdefault(move.page, set()).update((kept, move.new_key))
        return {
            page: {node for key in named if key is not None for node, _ in counts.path(key)}
            for page, named in keys.items()
        }

    def net(self, held: Mapping[Slot, Held], mark: int | None = None) -> list[Move]:
        """The net moves from where the records up to ``mark`` (None: none) left ``held``."""
        done = [r.move for r in self.records if mark is not None and r.sequence <= mark]
        todo = [r.move for r in self.records if mark is None or r.sequence > mark]
        return settle({**held, **advance(held, done)}, todo)

    def node_deltas(
        self, held: Mapping[Slot, Held], mark: int | None = None
    ) -> dict[PageId, NodeDeltas]:
        """What to add to nodes whose checkpoint for this shard is ``mark`` (None: older than
        the batch): nothing once ``mark`` reaches `last`."""
        return node_deltas(self.net(held, mark))
