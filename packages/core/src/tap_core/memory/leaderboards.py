"""``InMemoryLeaderboards``: the ``Leaderboards`` port on sorted lists.

Each (board, period) page keeps its players' encoded sort keys (the same strings the DynamoDB
index sorts by) in a ``SortedList``: a submit costs a remove and an add, O(log n), and every
read is a bisect and a slice, never a sort.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sortedcontainers import SortedList

from tap_core.leaderboard.decisions import decide, unknown_board
from tap_core.leaderboard.models import as_utc, compact_json
from tap_core.leaderboard.periods import period_key
from tap_core.leaderboard.port import Page, RankedEntry
from tap_core.leaderboard.ranking import PLAYER_OFFSET, SCORE_PREFIX_LENGTH, Entry, encode_sort_key
from tap_core.leaderboard.reads import (
    BoardSpecs,
    plan_around,
    plan_page,
    plan_ranks_of,
    plan_top,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tap_core.clock import Clock
    from tap_core.leaderboard.decisions import Outcome
    from tap_core.leaderboard.models import LeaderboardSpec, Metadata, ScoreSubmission

_TIE_STEPS = 8


def _copy(metadata: Metadata | None) -> Metadata | None:
    """A fresh copy of ``metadata``: callers never hold the dict the store keeps.

    A JSON round trip (C code) copies a nested JSON object faster than ``copy.deepcopy``.
    """
    if metadata is None:
        return None
    copied: Metadata = json.loads(compact_json(metadata))
    return copied


def _ranked(entry: Entry, rank: int, position: int) -> RankedEntry:
    return RankedEntry(
        rank, position, entry.player_id, entry.score, entry.achieved_at, _copy(entry.metadata)
    )


@dataclass(slots=True)
class _Standings:
    """One page (a board in one period): the players' entries and their keys in rank order."""

    keys: SortedList = field(default_factory=SortedList)
    entries: dict[str, tuple[Entry, str]] = field(default_factory=dict)

    def place(self, key: str) -> tuple[int, int]:
        """(rank, position) of the entry whose key is ``key``.

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
            return position - index + first + 1, position + 1
        if items[0] < floor:  # a better score opens this block: the prefix falls inside it
            return position - index + bisect_left(items, floor, 0, first) + 1, position + 1
        return keys.bisect_left(floor) + 1, position + 1

    def ranked(self, start: int, stop: int) -> list[RankedEntry]:
        """Entries at 0-based positions ``start`` .. ``stop - 1`` with their ranks."""
        window = list(self.keys.islice(start, stop))
        if not window:
            return []
        previous = window[0][:SCORE_PREFIX_LENGTH]
        # Competition rank: 1 + the number of entries with a strictly better score.
        rank = self.keys.bisect_left(previous) + 1
        ranked: list[RankedEntry] = []
        for position, key in enumerate(window, start + 1):
            if not key.startswith(previous):
                rank, previous = position, key[:SCORE_PREFIX_LENGTH]
            ranked.append(_ranked(self.entries[key[PLAYER_OFFSET:]][0], rank, position))
        return ranked


class InMemoryLeaderboards:
    """The ``Leaderboards`` port held in memory.

    ``specs`` define the boards (a duplicate id raises ValueError); ``clock`` returns the
    current time as an aware datetime (naive is read as UTC) and decides the default period
    and what counts as the future. Reads are planned by ``tap_core.leaderboard.reads`` and
    writes decided by ``decide``, as in every adapter.
    """

    def __init__(self, specs: Iterable[LeaderboardSpec], clock: Clock) -> None:
        self._specs = BoardSpecs(specs)
        # board id -> period key -> standings
        self._pages: dict[str, dict[str, _Standings]] = {spec.id: {} for spec in self._specs}
        self._clock = clock

    def submit(self, submission: ScoreSubmission) -> Outcome:
        spec = self._specs.get(submission.leaderboard_id)
        if spec is None:
            return unknown_board(submission.leaderboard_id)
        pages = self._pages[spec.id]
        period = period_key(spec.reset, submission.achieved_at)
        page = pages.get(period)
        player = submission.player_id
        held = None if page is None else page.entries.get(player)
        now = as_utc(self._clock())
        decision = decide(spec, held[0] if held else None, submission, now)
        entry = decision.entry
        if entry is None:
            return decision.outcome
        # decision.expected_revision (the condition a DynamoDB write carries) holds here by
        # construction: one thread reads and writes the page.
        if entry.metadata is not None:
            entry = entry._replace(metadata=_copy(entry.metadata))  # not the caller's dict
        if page is None:
            page = pages[period] = _Standings()
        key = encode_sort_key(spec.order, entry.score, entry.achieved_at, player)
        if held is None:
            page.keys.add(key)
        elif held[1] != key:
            page.keys.remove(held[1])
            page.keys.add(key)
        page.entries[player] = (entry, key)
        return decision.outcome

    def top(
        self,
        board_id: str,
        limit: int = 10,
        cursor: str | None = None,
        period: str | None = None,
    ) -> Page:
        plan = plan_top(
            self._specs, board_id, limit=limit, cursor=cursor, period=period, clock=self._clock
        )
        page = self._pages[board_id].get(plan.period)
        entries: list[RankedEntry] = []
        next_cursor = None
        if page is not None:
            start = 0 if plan.after is None else page.keys.bisect_right(plan.after)
            entries = page.ranked(start, start + plan.limit + 1)
            if len(entries) > plan.limit:
                del entries[plan.limit :]
                next_cursor = plan.next_cursor(page.entries[entries[-1].player_id][1])
        return Page(entries, next_cursor, plan.period, plan.resets_at)

    def rank_of(
        self, board_id: str, player_id: str, period: str | None = None
    ) -> RankedEntry | None:
        plan = plan_page(self._specs, board_id, period=period, clock=self._clock)
        page = self._pages[board_id].get(plan.period)
        held = None if page is None else page.entries.get(player_id)
        if page is None or held is None:
            return None
        rank, position = page.place(held[1])
        return _ranked(held[0], rank, position)

    def ranks_of(
        self, board_id: str, player_ids: Iterable[str], period: str | None = None
    ) -> list[RankedEntry]:
        plan, players = plan_ranks_of(
            self._specs, board_id, player_ids, period=period, clock=self._clock
        )
        page = self._pages[board_id].get(plan.period)
        if page is None:
            return []
        found = []
        for player_id in players:
            held = page.entries.get(player_id)
            if held is not None:
                rank, position = page.place(held[1])
                found.append(_ranked(held[0], rank, position))
        found.sort(key=lambda entry: entry.position)
        return found

    def around(
        self,
        board_id: str,
        player_id: str,
        before: int = 5,
        after: int = 5,
        period: str | None = None,
    ) -> list[RankedEntry]:
        plan = plan_around(
            self._specs, board_id, before=before, after=after, period=period, clock=self._clock
        )
        page = self._pages[board_id].get(plan.period)
        held = None if page is None else page.entries.get(player_id)
        if page is None or held is None:
            return []
        index = page.keys.bisect_left(held[1])
        return page.ranked(max(0, index - before), index + after + 1)

    def count(self, board_id: str, period: str | None = None) -> int:
        plan = plan_page(self._specs, board_id, period=period, clock=self._clock)
        page = self._pages[board_id].get(plan.period)
        return 0 if page is None else len(page.keys)
