"""``InMemoryLeaderboards``: the ``Leaderboards`` port on sorted lists.

Each (board, period) page keeps its players' encoded sort keys (the same strings the DynamoDB
index sorts by) in a ``SortedList``: a submit costs a remove and an add, O(log n), and every
read is a bisect and a slice, never a sort.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sortedcontainers import SortedList

from tap_core.leaderboard.cursor import Cursor
from tap_core.leaderboard.decisions import decide, unknown_board
from tap_core.leaderboard.models import as_utc
from tap_core.leaderboard.periods import check_period, period_key, resets_at
from tap_core.leaderboard.port import (
    Page,
    RankedEntry,
    UnknownLeaderboard,
    check_limit,
    check_window,
)
from tap_core.leaderboard.ranking import (
    PLAYER_OFFSET,
    SCORE_PREFIX_LENGTH,
    Entry,
    decode_sort_key,
    encode_sort_key,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tap_core.clock import Clock
    from tap_core.leaderboard.decisions import Outcome
    from tap_core.leaderboard.models import LeaderboardSpec, ScoreSubmission

_TIE_STEPS = 8


def _ranked(entry: Entry, rank: int, position: int) -> RankedEntry:
    return RankedEntry(
        rank, position, entry.player_id, entry.score, entry.achieved_at, entry.metadata
    )


@dataclass(slots=True)
class _Standings:
    """One page (a board in one period): the players' entries and their keys in rank order."""

    keys: SortedList = field(default_factory=SortedList)
    entries: dict[str, tuple[Entry, str]] = field(default_factory=dict)
    counted: dict[str, set[str]] = field(default_factory=dict)  # increment boards only

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
    and what counts as the future.
    """

    def __init__(self, specs: Iterable[LeaderboardSpec], clock: Clock) -> None:
        # board id -> (spec, period key -> standings): one lookup finds both.
        self._boards: dict[str, tuple[LeaderboardSpec, dict[str, _Standings]]] = {}
        for spec in specs:
            if spec.id in self._boards:
                raise ValueError(f"leaderboard {spec.id!r} is defined twice")
            self._boards[spec.id] = (spec, {})
        self._clock = clock

    def submit(self, submission: ScoreSubmission) -> Outcome:
        board = self._boards.get(submission.leaderboard_id)
        if board is None:
            return unknown_board(submission.leaderboard_id)
        spec, pages = board
        period = period_key(spec.reset, submission.achieved_at)
        page = pages.get(period)
        player = submission.player_id
        held = None if page is None else page.entries.get(player)
        counted = (
            page is not None
            and spec.operator == "increment"
            and submission.submission_id in page.counted.get(player, ())
        )
        now = as_utc(self._clock())
        decision = decide(spec, held[0] if held else None, submission, now, counted=counted)
        entry = decision.entry
        if entry is None:
            return decision.outcome
        if page is None:
            page = pages[period] = _Standings()
        key = encode_sort_key(spec.order, entry.score, entry.achieved_at, player)
        if held is None:
            page.keys.add(key)
        elif held[1] != key:
            page.keys.remove(held[1])
            page.keys.add(key)
        page.entries[player] = (entry, key)
        if spec.operator == "increment":
            page.counted.setdefault(player, set()).add(submission.submission_id)
        return decision.outcome

    def top(
        self,
        board_id: str,
        limit: int = 10,
        cursor: str | None = None,
        period: str | None = None,
    ) -> Page:
        check_limit(limit)
        spec, _ = self._board(board_id)
        after = None
        if cursor is not None:
            resume = Cursor.decode(cursor)
            resume.check(board_id, period)
            decode_sort_key(spec.order, resume.after)  # refuses a forged key
            period, after = resume.period, resume.after
        period, page = self._page(board_id, period)
        entries: list[RankedEntry] = []
        next_cursor = None
        if page is not None:
            start = 0 if after is None else page.keys.bisect_right(after)
            entries = page.ranked(start, start + limit + 1)
            if len(entries) > limit:
                del entries[limit:]
                last = page.entries[entries[-1].player_id][1]
                next_cursor = Cursor(board_id, period, last).encode()
        return Page(entries, next_cursor, period, resets_at(spec.reset, period))

    def rank_of(
        self, board_id: str, player_id: str, period: str | None = None
    ) -> RankedEntry | None:
        _, page = self._page(board_id, period)
        held = None if page is None else page.entries.get(player_id)
        if page is None or held is None:
            return None
        rank, position = page.place(held[1])
        return _ranked(held[0], rank, position)

    def around(
        self,
        board_id: str,
        player_id: str,
        before: int = 5,
        after: int = 5,
        period: str | None = None,
    ) -> list[RankedEntry]:
        check_window(before, after)
        _, page = self._page(board_id, period)
        held = None if page is None else page.entries.get(player_id)
        if page is None or held is None:
            return []
        index = page.keys.bisect_left(held[1])
        return page.ranked(max(0, index - before), index + after + 1)

    def count(self, board_id: str, period: str | None = None) -> int:
        _, page = self._page(board_id, period)
        return 0 if page is None else len(page.keys)

    def _board(self, board_id: str) -> tuple[LeaderboardSpec, dict[str, _Standings]]:
        board = self._boards.get(board_id)
        if board is None:
            raise UnknownLeaderboard(board_id)
        return board

    def _page(self, board_id: str, period: str | None) -> tuple[str, _Standings | None]:
        """The period key (``period``, checked, or the current one) and its standings.

        Raises UnknownLeaderboard for a board no spec defines, ValueError for a period key of
        the wrong kind.
        """
        spec, pages = self._board(board_id)
        if period is None:
            period = period_key(spec.reset, self._clock())
        page = pages.get(period)
        if page is None:  # pages exist only under valid keys: check the others
            check_period(spec.reset, period)
        return period, page
