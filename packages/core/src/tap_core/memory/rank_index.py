"""``InMemoryRankIndex``: the ``RankIndex`` port on sorted lists.

Each page keeps its players' encoded sort keys in a ``SortedList`` (a move costs a remove and
an add, O(log n); every read is a bisect and a slice, never a sort) and, per player, the key and
revision of the newest move applied (`tap_core.leaderboard.index.Held`), which is what
makes applying moves idempotent and monotone.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING

from sortedcontainers import SortedList

from tap_core.leaderboard.index import NOTHING_HELD, Held, Placed
from tap_core.leaderboard.moves import supersedes
from tap_core.leaderboard.ranking import SCORE_PREFIX_LENGTH

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tap_core.leaderboard.index import Move, PageId

_TIE_STEPS = 8
_POSITION = itemgetter(2)  # a Placed's position


@dataclass(slots=True)
class _Ranks:
    """One page: its keys in rank order and what is held for each player seen."""

    keys: SortedList = field(default_factory=SortedList)
    held: dict[str, Held] = field(default_factory=dict)

    def move(self, move: Move) -> None:
        held = self.held.get(move.player_id, NOTHING_HELD)
        if not supersedes(move, held):
            return
        if held.key != move.new_key:
            if held.key is not None:
                self.keys.remove(held.key)
            if move.new_key is not None:
                self.keys.add(move.new_key)
        self.held[move.player_id] = Held(move.new_key, move.revision)

    def place(self, key: str) -> Placed:
        """``key`` (held by the page) with its rank and position.

        Both come from one walk down the list's position index where possible: the rank is
        the number of keys below the key's 16-character score prefix, plus one. A key with the
        same score is greater than the prefix, one with a better score is smaller. This reads
        ``SortedList`` internals (``_maxes``, ``_lists``, ``_loc``: unchanged since 2.0, and the
        dependency is pinned to 2.4.x) because two public bisects cost twice as much at 10^6
        players. The tests compare both branches, across many blocks, with a naive count.
        """
        keys = self.keys
        floor = key[:SCORE_PREFIX_LENGTH]
        block = bisect_left(keys._maxes, key)  # noqa: SLF001
        items = keys._lists[block]  # noqa: SLF001
        index = bisect_left(items, key)
        position = keys._loc(block, index)  # noqa: SLF001
        # Entries tied on the score sit just before the key: step back over a few of them
        # (touching neighbours is cheaper than a second bisect), bisect if there are many.
        first, stop = index, max(0, index - _TIE_STEPS)
        while first > stop and items[first - 1] > floor:  # > floor: the same score
            first -= 1
        if (first and items[first - 1] < floor) or (first == 0 and block == 0):
            return Placed(key, position - index + first + 1, position + 1)
        if items[0] < floor:  # a better score opens this block: the prefix falls inside it
            rank = position - index + bisect_left(items, floor, 0, first) + 1
            return Placed(key, rank, position + 1)
        return Placed(key, keys.bisect_left(floor) + 1, position + 1)

    def window(self, start: int, stop: int) -> list[Placed]:
        """Keys at 0-based positions ``start`` .. ``stop - 1`` with their places."""
        window = list(self.keys.islice(start, stop))
        if not window:
            return []
        previous = window[0][:SCORE_PREFIX_LENGTH]
        # Competition rank: 1 + the number of keys with a strictly better score.
        rank = self.keys.bisect_left(previous) + 1
        placed: list[Placed] = []
        for position, key in enumerate(window, start + 1):
            if not key.startswith(previous):
                rank, previous = position, key[:SCORE_PREFIX_LENGTH]
            placed.append(Placed(key, rank, position))
        return placed


_EMPTY = _Ranks()  # what a page nothing was applied to reads as; never written


class InMemoryRankIndex:
    """The ``RankIndex`` port held in memory (see the module docstring)."""

    def __init__(self) -> None:
        self._pages: dict[PageId, _Ranks] = {}

    def apply(self, moves: Iterable[Move]) -> None:
        pages = self._pages
        for move in moves:
            page = pages.get(move.page)
            if page is None:
                page = pages[move.page] = _Ranks()
            page.move(move)

    def count_below(self, page: PageId, key: str) -> int:
        return int(self._pages.get(page, _EMPTY).keys.bisect_left(key))

    def top(self, page: PageId, limit: int, after: str | None = None) -> list[Placed]:
        ranks = self._pages.get(page, _EMPTY)
        start = 0 if after is None else ranks.keys.bisect_right(after)
        return ranks.window(start, start + limit)

    def around(self, page: PageId, player_id: str, before: int, after: int) -> list[Placed]:
        ranks = self._pages.get(page, _EMPTY)
        key = ranks.held.get(player_id, NOTHING_HELD).key
        if key is None:
            return []
        index = ranks.keys.bisect_left(key)
        return ranks.window(max(0, index - before), index + after + 1)

    def ranks_of(self, page: PageId, player_ids: Iterable[str]) -> list[Placed]:
        ranks = self._pages.get(page)
        if ranks is None:
            return []
        held = ranks.held
        found = []
        for player_id in dict.fromkeys(player_ids):
            key = held.get(player_id, NOTHING_HELD).key
            if key is not None:
                found.append(ranks.place(key))
        if len(found) > 1:
            found.sort(key=_POSITION)
        return found

    def count(self, page: PageId) -> int:
        return len(self._pages.get(page, _EMPTY).keys)
