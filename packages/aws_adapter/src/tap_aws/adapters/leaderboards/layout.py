"""Where a leaderboard's items live in the table: the one home of its keys.

A page (a board in one period) is ``LB#{board}#{period}``, the page key. Its items:

- entries ``P#{player}`` (the truth) and held rows ``H#{player}`` (what the rank index holds for
  the player: key and revision) under one of `ENTRY_SHARDS` entry partitions
  ``LB#{board}#{period}#E{s}``, ``s`` a stable hash of the player. An entry write lands on
  1/`ENTRY_SHARDS` of a board's entry keys, and ``repair`` reads a page's entries by querying
  the shards in turn (a key per player would need a scan or an index to list a page).
- rank rows ``R#{key}`` under the page key (``top`` and ``around`` are Queries of them);
- the tree of counts' nodes ``N#{prefix}`` (count shard ``s`` > 0: ``N#{prefix}!{s}``) under
  the page key, or spread over ``{page}#N{i}`` for ``i = counts.node_partition(prefix, k)``.

Only entry items start ``P#``: the stream's event source mapping filters on that prefix, so the
index's own writes never feed back into it.
"""

from __future__ import annotations

import zlib
from typing import Any, Final

from tap_core.leaderboard import counts

ENTRY_SHARDS: Final = 16
"""Entry partitions per page: a board's entry writes spread over this many keys (each takes
1/16 of them), and ``repair`` lists a page in this many Queries."""
NODE_PARTITIONS: Final = 16
"""Partition keys a page's tree nodes spread over (``node_partitions``) unless told otherwise."""
ENTRY_PREFIX: Final = "P#"
"""The sort key prefix of entry items, and of nothing else (the stream's filter)."""
_SHARD_MARK: Final = "!"


def page_key(board_id: str, period: str) -> str:
    """The page key of a board's page in one period (rank rows, the tree's first nodes)."""
    return f"LB#{board_id}#{period}"


def entry_partition(page: str, player_id: str) -> str:
    """The partition key of a player's entry and held row on page ``page``."""
    return f"{page}#E{zlib.crc32(player_id.encode()) % ENTRY_SHARDS}"


def entry_partitions(page: str) -> list[str]:
    """Every entry partition of ``page`` (what ``repair`` reads)."""
    return [f"{page}#E{shard}" for shard in range(ENTRY_SHARDS)]


def entry_key(page: str, player_id: str) -> dict[str, Any]:
    return {"pk": {"S": entry_partition(page, player_id)}, "sk": {"S": f"P#{player_id}"}}


def held_key(page: str, player_id: str) -> dict[str, Any]:
    return {"pk": {"S": entry_partition(page, player_id)}, "sk": {"S": f"H#{player_id}"}}


def page_of_entry(pk: str) -> tuple[str, str] | None:
    """``(board, period)`` of an entry partition key, None for any other key."""
    parts = pk.split("#")
    if len(parts) != 4 or parts[0] != "LB" or not parts[3].startswith("E"):
        return None
    return parts[1], parts[2]


def node_partition_key(page: str, node: str, partitions: int) -> str:
    if partitions == 1:
        return page
    return f"{page}#N{counts.node_partition(node, partitions)}"


def node_key(page: str, node: str, shard: int, partitions: int) -> dict[str, Any]:
    """The key of count shard ``shard`` of ``node`` (shard 0: the node's whole item)."""
    sk = f"N#{node}" if shard == 0 else f"N#{node}{_SHARD_MARK}{shard}"
    return {"pk": {"S": node_partition_key(page, node, partitions)}, "sk": {"S": sk}}


def node_partition_keys(page: str, partitions: int) -> list[str]:
    """Every partition key a page's nodes may live under (``repair`` reads them all)."""
    if partitions == 1:
        return [page]
    return [f"{page}#N{i}" for i in range(partitions)]


def node_of(sk: str) -> str:
    """The node a node item (of any shard) counts for."""
    return sk[2:].split(_SHARD_MARK, 1)[0]
