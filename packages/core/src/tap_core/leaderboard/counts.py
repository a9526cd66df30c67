"""A tree of counts over encoded sort keys: exact rank and position from a few small nodes.

Pure counting math for a store that cannot count a range cheaply (DynamoDB). The tree's shape
is fixed and data-independent: a node is named by a prefix of an encoded sort key
(`tap_core.leaderboard.ranking.encode_sort_key`) whose length is one of
`LEVELS`, and it counts, per next-level child digit string, how many keys of the page
start with that child prefix. Score digits are split two hex digits at a time (at most 256
children per node), then the 15 time digits three at a time (at most 4,096). Because the shape
never depends on the data, there are no splits or rebalancing: adding or removing a key is a
``+1``/``-1`` on one child of each node on its path, and such additions commute, so concurrent
writers never conflict on the tree's shape.

- ``rank - 1`` = the keys below the key's 16-digit score prefix = `count_below` of it,
  read from the 8 nodes on the score prefix's path;
- ``position - 1`` = the keys below the 31-digit score+time prefix (from the 13 nodes on its
  path) plus the keys that tie on score and microsecond with a smaller player id (which only
  the store can count, and which are rare);
- the page's size is the sum of the root's children.
"""

from __future__ import annotations

import zlib
from itertools import pairwise
from typing import TYPE_CHECKING, Final

from tap_core.leaderboard.ranking import PLAYER_OFFSET, SCORE_PREFIX_LENGTH

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

# Prefix lengths of the tree's levels: 0 (the root) .. 16 (the score) in steps of 2, then the
# 15 time digits in steps of 3, ending at 31 (score and time, just before "#player").
LEVELS: Final = (0, 2, 4, 6, 8, 10, 12, 14, 16, 19, 22, 25, 28, 31)
TIME_PREFIX_LENGTH: Final = PLAYER_OFFSET - 1  # 31: score and time digits
ROOT: Final = ""

Node = str  # a node's name: a key prefix of a LEVELS length below the last
Counts = dict[str, int]  # child digits -> keys under that child


def path(key: str) -> list[tuple[Node, str]]:
    """The (node, child) pairs a key is counted under, root first (one per level)."""
    return [(key[:low], key[low:high]) for low, high in pairwise(LEVELS)]


def deltas(old_key: str | None, new_key: str | None) -> dict[tuple[Node, str], int]:
    """The count changes that move an entry from ``old_key`` to ``new_key`` (None: absent).

    Nodes where both paths agree cancel out and are left out, so a score that moves little
    touches few nodes.
    """
    changes: dict[tuple[Node, str], int] = {}
    for key, step in ((old_key, -1), (new_key, 1)):
        if key is None:
            continue
        for place in path(key):
            changes[place] = changes.get(place, 0) + step
    return {place: change for place, change in changes.items() if change}


def nodes_for(target: str) -> list[Node]:
    """The nodes `count_below` reads for ``target`` (a prefix of a LEVELS length)."""
    if len(target) not in LEVELS:
        raise ValueError(f"a count target has one of the lengths {LEVELS}, got {len(target)}")
    return [target[:low] for low in LEVELS if low < len(target)]


def count_below(target: str, nodes: Mapping[Node, Mapping[str, int]]) -> int:
    """How many counted keys sort before every key starting with ``target``.

    ``nodes`` holds at least `nodes_for` ``(target)`` (a missing node counts nothing).
    """
    total = 0
    for low, high in pairwise(LEVELS):
        if low >= len(target):
            break
        digit = target[low:high]
        children = nodes.get(target[:low], {})
        total += sum(count for child, count in children.items() if child < digit)
    return total


def rank_nodes(key: str) -> list[Node]:
    """The nodes that give a key's rank and position: those on its score+time path."""
    return nodes_for(key[:TIME_PREFIX_LENGTH])


def counted(key: str, nodes: Mapping[Node, Mapping[str, int]]) -> int:
    """How many keys the nodes count with ``key``'s score and time (its 31-character prefix):
    0 when ``key`` is not among them (it moved before the nodes were read). ``nodes`` holds
    `rank_nodes` of the key."""
    prefix = key[:TIME_PREFIX_LENGTH]
    return nodes.get(prefix[: LEVELS[-2]], {}).get(prefix[LEVELS[-2] :], 0)


def rank_from(key: str, nodes: Mapping[Node, Mapping[str, int]]) -> int:
    """The competition rank of ``key``: 1 + the keys with a strictly better score."""
    return count_below(key[:SCORE_PREFIX_LENGTH], nodes) + 1


def position_from(key: str, nodes: Mapping[Node, Mapping[str, int]], tied_before: int) -> int:
    """The position of ``key``: 1 + the keys before its score and time + ``tied_before``.

    ``tied_before`` is how many keys share the key's 31-digit score and time prefix and sort
    before it (a smaller player id): the store counts those itself.
    """
    return count_below(key[:TIME_PREFIX_LENGTH], nodes) + tied_before + 1


def size(root: Mapping[str, int]) -> int:
    """How many keys the tree counts: the sum of the root's children."""
    return sum(root.values())


def build(keys: Iterable[str]) -> dict[Node, Counts]:
    """Every node's counts for ``keys``, from scratch: what a repair writes."""
    nodes: dict[Node, Counts] = {}
    for key in keys:
        for node, child in path(key):
            children = nodes.setdefault(node, {})
            children[child] = children.get(child, 0) + 1
    return nodes


def node_partition(node: Node, partitions: int) -> int:
    """Which of a page's ``partitions`` partition keys holds ``node`` (0 .. partitions - 1).

    Stable (CRC-32 of the name, the same in every process and release), so writers and
    readers agree without coordination. Nodes spread evenly over the keys, so the node writes
    of a batch (and the partition throughput they use) spread too, while a read still fetches
    the nodes it needs by key, in one BatchGetItem across partition keys.
    """
    if partitions < 1:
        raise ValueError(f"a page's nodes live under 1 or more partition keys, got {partitions}")
    return zlib.crc32(node.encode()) % partitions
