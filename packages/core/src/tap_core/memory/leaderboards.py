"""``InMemoryLeaderboards``: the ``Leaderboards`` port on sorted lists.

Each (board, period) page keeps its players' sort keys in a ``SortedList``, so a submit costs a
remove and an add (O(log n)) and every read is a bisect and a slice: no sort per query.
"""

from __future__ import annotations

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
    Entry,
    SortKey,
    decode_sort_key,
    encode_sort_key,
    micros,
    oriented,
    sort_key,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tap_core.clock import Clock
    from tap_core.leaderboard.decisions import Outcome
    from tap_core.leaderboard.models import LeaderboardSpec, ScoreSubmission


@dataclass(slots=True)
class _Standings:
    """One page (a board in one period): the players' entries and their keys in rank order."""

    keys: SortedList = field(default_factory=SortedList)
    entries: dict[str, tuple[Entry, SortKey]] = field(default_factory=dict)
    counted: dict[str, set[str]] = field(default_factory=dict)  # increment boards only

    def ranked(self, start: int, stop: int) -> list[RankedEntry]:
        """Entries at 0-based positions ``start`` .. ``stop - 1`` with their ranks."""
        keys = self.keys
        window = list(keys.islice(start, stop))
        if not window:
            return []
        # Competition rank: 1 + the number of entries with a strictly better score.
        rank = keys.bisect_left((window[0][0],)) + 1
        previous = window[0][0]
        ranked: list[RankedEntry] = []
        for offset, key in enumerate(window):
            position = start + offset + 1
            if key[0] != previous:
                rank, previous = position, key[0]
            entry = self.entries[key[2]][0]
            ranked.append(
                RankedEntry(
                    rank=rank,
                    position=position,
                    player_id=entry.player_id,
                    score=entry.score,
                    achieved_at=entry.achieved_at,
                    metadata=entry.metadata,
                )
            )
        return ranked


class InMemoryLeaderboards:
    """The ``Leaderboards`` port held in memory.

    ``specs`` define the boards (a duplicate id raises ValueError); ``clock`` returns the
    current time as an aware datetime and decides the default period and what is "future".
    """

    def __init__(self, specs: Iterable[LeaderboardSpec], clock: Clock) -> None:
        self._specs: dict[str, LeaderboardSpec] = {}
        for spec in specs:
            if spec.id in self._specs:
                raise ValueError(f"leaderboard {spec.id!r} is defined twice")
            self._specs[spec.id] = spec
        self._clock = clock
        self._pages: dict[tuple[str, str], _Standings] = {}

    def submit(self, submission: ScoreSubmission) -> Outcome:
        spec = self._specs.get(submission.leaderboard_id)
        if spec is None:
            return unknown_board(submission.leaderboard_id)
        page_id = (spec.id, period_key(spec.reset, submission.achieved_at))
        page = self._pages.get(page_id)
        player = submission.player_id
        held = page.entries.get(player) if page is not None else None
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
            page = self._pages[page_id] = _Standings()
        key = sort_key(spec.order, entry)
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
        spec = self._spec(board_id)
        start = 0
        if cursor is not None:
            resume = Cursor.decode(cursor)
            resume.check(board_id, period)
            period = check_period(spec.reset, resume.period)
            score, achieved_at, player = decode_sort_key(spec.order, resume.after)
            after: SortKey = (oriented(spec.order, score), micros(achieved_at), player)
        key, page = self._page(spec, period)
        entries: list[RankedEntry] = []
        next_cursor = None
        if page is not None:
            if cursor is not None:
                start = page.keys.bisect_right(after)
            entries = page.ranked(start, start + limit + 1)
            if len(entries) > limit:
                del entries[limit:]
                last = entries[-1]
                next_cursor = Cursor(
                    board_id,
                    key,
                    encode_sort_key(spec.order, last.score, last.achieved_at, last.player_id),
                ).encode()
        return Page(entries, next_cursor, key, resets_at(spec.reset, key))

    def rank_of(
        self, board_id: str, player_id: str, period: str | None = None
    ) -> RankedEntry | None:
        _, page = self._page(self._spec(board_id), period)
        held = page.entries.get(player_id) if page is not None else None
        if page is None or held is None:
            return None
        entry, key = held
        keys = page.keys
        return RankedEntry(
            rank=keys.bisect_left((key[0],)) + 1,
            position=keys.bisect_left(key) + 1,
            player_id=entry.player_id,
            score=entry.score,
            achieved_at=entry.achieved_at,
            metadata=entry.metadata,
        )

    def around(
        self,
        board_id: str,
        player_id: str,
        before: int = 5,
        after: int = 5,
        period: str | None = None,
    ) -> list[RankedEntry]:
        check_window(before, after)
        _, page = self._page(self._spec(board_id), period)
        held = page.entries.get(player_id) if page is not None else None
        if page is None or held is None:
            return []
        index = page.keys.bisect_left(held[1])
        return page.ranked(max(0, index - before), index + after + 1)

    def count(self, board_id: str, period: str | None = None) -> int:
        _, page = self._page(self._spec(board_id), period)
        return 0 if page is None else len(page.keys)

    def _spec(self, board_id: str) -> LeaderboardSpec:
        spec = self._specs.get(board_id)
        if spec is None:
            raise UnknownLeaderboard(board_id)
        return spec

    def _page(self, spec: LeaderboardSpec, period: str | None) -> tuple[str, _Standings | None]:
        """The period key (``period``, checked, or the current one) and its standings."""
        if period is None:
            period = period_key(spec.reset, self._clock())
        else:
            check_period(spec.reset, period)
        return period, self._pages.get((spec.id, period))
