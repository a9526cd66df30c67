"""Read planning: everything a read decides before it touches storage, as pure functions.

Each ``plan_*`` function takes the board registry (`BoardSpecs`), the read's arguments
and the clock, checks them in one fixed order and returns what to fetch: the board's spec, the
period key (the clock's period by default), and for ``top`` where to resume. Every adapter
calls these, so two adapters refuse the same reads with the same errors and read the same page,
by construction. The clock is called only when a read names no period.

Checks, in order: the argument ranges (``limit`` 1..100, ``before``/``after`` 0..50, at most
100 player ids), the board (UnknownLeaderboard), the cursor (malformed, another board or period,
a forged key), then the period key's kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tap_core.errors import show
from tap_core.leaderboard.cursor import Cursor
from tap_core.leaderboard.models import PLAYER_ID, as_utc
from tap_core.leaderboard.periods import check_period, period_key, resets_at
from tap_core.leaderboard.port import AROUND_MAX, RANKS_OF_MAX, TOP_LIMIT_MAX, UnknownLeaderboard
from tap_core.leaderboard.ranking import decode_sort_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import datetime

    from tap_core.clock import Clock
    from tap_core.leaderboard.models import LeaderboardSpec


def _is_int(value: object) -> bool:
    """True for an int that is not a bool (a float such as 5.0 is not a count)."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_limit(limit: object) -> int:
    """``limit`` when it is an integer 1..100; else ValueError."""
    if not _is_int(limit) or not 1 <= limit <= TOP_LIMIT_MAX:  # type: ignore[operator]
        raise ValueError(f"limit must be an integer from 1 to {TOP_LIMIT_MAX}, got {show(limit)}")
    return limit  # type: ignore[return-value]


def check_window(before: object, after: object) -> None:
    """ValueError unless ``before`` and ``after`` are each an integer 0..50."""
    for name, value in (("before", before), ("after", after)):
        if not _is_int(value) or not 0 <= value <= AROUND_MAX:  # type: ignore[operator]
            raise ValueError(f"{name} must be an integer from 0 to {AROUND_MAX}, got {show(value)}")


def check_player_ids(player_ids: Iterable[str]) -> list[str]:
    """The distinct ids of ``player_ids`` in first-seen order; ValueError past 100 of them.

    A bare string is refused (it would read as one player per character), as is an id that is
    not a player id (`PLAYER_ID`: no entry can have it, and a store may refuse its key).
    """
    if isinstance(player_ids, str):
        raise ValueError("player_ids must be a list of player ids, not one string")
    distinct = list(dict.fromkeys(player_ids))
    if len(distinct) > RANKS_OF_MAX:
        raise ValueError(
            f"at most {RANKS_OF_MAX} distinct player ids per read, got {len(distinct)}"
        )
    for player_id in distinct:
        PLAYER_ID.check(player_id)
    return distinct


class BoardSpecs:
    """The boards an adapter serves, by id; a duplicate id raises ValueError."""

    __slots__ = ("_specs",)

    def __init__(self, specs: Iterable[LeaderboardSpec]) -> None:
        self._specs: dict[str, LeaderboardSpec] = {}
        for spec in specs:
            if spec.id in self._specs:
                raise ValueError(f"leaderboard {spec.id!r} is defined twice")
            self._specs[spec.id] = spec

    def get(self, board_id: str) -> LeaderboardSpec | None:
        """The spec of ``board_id``, or None (submissions to it are rejected, not raised)."""
        return self._specs.get(board_id)

    def spec(self, board_id: str) -> LeaderboardSpec:
        """The spec of ``board_id``; UnknownLeaderboard when no spec defines it."""
        spec = self._specs.get(board_id)
        if spec is None:
            raise UnknownLeaderboard(board_id)
        return spec

    def __iter__(self) -> Iterator[LeaderboardSpec]:
        return iter(self._specs.values())


@dataclass(frozen=True, slots=True)
class PagePlan:
    """A read of one page: the board's spec and the period key, checked."""

    spec: LeaderboardSpec
    period: str


@dataclass(frozen=True, slots=True)
class TopPlan:
    """A ``top`` read: its page, how many entries, and the encoded key to resume after."""

    spec: LeaderboardSpec
    period: str
    limit: int
    after: str | None
    resets_at: datetime | None

    def next_cursor(self, last_key: str) -> str:
        """The cursor of a page of this read whose last entry has the encoded key ``last_key``."""
        return Cursor(self.spec.id, self.period, last_key).encode()


def _period(spec: LeaderboardSpec, period: str | None, clock: Clock) -> str:
    if period is None:
        return period_key(spec.reset, as_utc(clock()))
    if not isinstance(period, str):
        raise ValueError(f"period must be a period key string, got {show(period)}")
    return check_period(spec.reset, period)


def plan_page(boards: BoardSpecs, board_id: str, period: str | None, clock: Clock) -> PagePlan:
    """The page a ``rank_of`` or ``count`` reads (``period`` None: the clock's period)."""
    spec = boards.spec(board_id)
    return PagePlan(spec, _period(spec, period, clock))


def plan_around(
    boards: BoardSpecs,
    board_id: str,
    *,
    before: object,
    after: object,
    period: str | None,
    clock: Clock,
) -> PagePlan:
    """The page an ``around`` reads, after checking its window."""
    check_window(before, after)
    return plan_page(boards, board_id, period=period, clock=clock)


def plan_ranks_of(
    boards: BoardSpecs,
    board_id: str,
    player_ids: Iterable[str],
    *,
    period: str | None,
    clock: Clock,
) -> tuple[PagePlan, list[str]]:
    """The page a ``ranks_of`` reads and the distinct player ids to look up."""
    distinct = check_player_ids(player_ids)
    return plan_page(boards, board_id, period=period, clock=clock), distinct


def plan_top(
    boards: BoardSpecs,
    board_id: str,
    *,
    limit: object,
    cursor: str | None,
    period: str | None,
    clock: Clock,
) -> TopPlan:
    """What a ``top`` read fetches.

    A cursor names its board and period: it must match ``board_id`` and, when given,
    ``period``; without ``period`` the cursor's own period continues. Its key must decode as an
    encoded sort key of this board's order (a forged one is refused).
    """
    checked = check_limit(limit)
    spec = boards.spec(board_id)
    after = None
    if cursor is not None:
        if not isinstance(cursor, str):
            raise ValueError(f"cursor must be a string, got {show(cursor)}")
        resume = Cursor.decode(cursor)
        resume.check(board_id, period)
        try:
            decode_sort_key(spec.order, resume.after)
        except ValueError as error:  # a forged key
            raise ValueError(f"cursor {show(cursor)}: {error}") from None
        period, after = resume.period, resume.after
    key = _period(spec, period, clock)
    return TopPlan(spec, key, checked, after, resets_at(spec.reset, key))
