"""Leaderboard periods: which page a moment belongs to, and when that page resets.

Keys are ``all`` (reset ``never``), ``YYYY-MM-DD`` (daily), the ISO week ``YYYY-Www`` (weekly,
zero-padded, e.g. ``2026-W48``) and ``YYYY-MM`` (monthly), all in UTC. A submission belongs to the
period of its own ``achieved_at``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from tap_core.errors import show

if TYPE_CHECKING:
    from tap_core.leaderboard.models import Reset

ALL_TIME: Final = "all"
# Periods that end after 9999-12-31 report this as their (clamped) exclusive end.
LAST_INSTANT: Final = datetime.max.replace(tzinfo=UTC)

# ASCII digits only: \d would also take other scripts' digits (a fullwidth 2026-W53),
# which int() reads.
_DAILY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_WEEKLY = re.compile(r"([0-9]{4})-W([0-9]{2})")
_MONTHLY = re.compile(r"([0-9]{4})-([0-9]{2})")
_EXAMPLES: Final[dict[str, str]] = {
    "never": "'all'",
    "daily": "YYYY-MM-DD, e.g. '2026-11-24'",
    "weekly": "YYYY-Www, e.g. '2026-W48'",
    "monthly": "YYYY-MM, e.g. '2026-11'",
}


def period_key(reset: Reset, moment: datetime) -> str:
    """The key of the period of kind ``reset`` that holds ``moment`` (naive means UTC)."""
    if reset == "never":
        return ALL_TIME
    if moment.tzinfo is not None and moment.utcoffset():
        moment = moment.astimezone(UTC)
    return _day_key(reset, moment.toordinal())


@lru_cache(maxsize=4096)
def _day_key(reset: Reset, ordinal: int) -> str:
    """The key of the period holding the day ``ordinal`` (cached: busy boards see few days)."""
    day = date.fromordinal(ordinal)
    if reset == "daily":
        return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    if reset == "monthly":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def period_start(reset: Reset, key: str) -> date | None:
    """The first day of the period ``key`` of kind ``reset`` (None for ``all``).

    Raises ValueError when ``key`` is not a valid key of that kind.
    """
    try:
        if reset == "never":
            if key == ALL_TIME:
                return None
        elif reset == "daily" and (match := _DAILY.fullmatch(key)):
            return date(int(match[1]), int(match[2]), int(match[3]))
        elif reset == "weekly" and (match := _WEEKLY.fullmatch(key)):
            return date.fromisocalendar(int(match[1]), int(match[2]), 1)
        elif reset == "monthly" and (match := _MONTHLY.fullmatch(key)):
            return date(int(match[1]), int(match[2]), 1)
    except ValueError:
        pass  # the shape matched but the date does not exist (2026-02-30, 2026-W54)
    raise ValueError(
        f"period {show(key)} is not a {reset} period key; expected {_EXAMPLES.get(reset, reset)}"
    )


def check_period(reset: Reset, key: str) -> str:
    """``key`` itself when it is a valid key of kind ``reset``; else ValueError."""
    period_start(reset, key)
    return key


def resets_at(reset: Reset, key: str) -> datetime | None:
    """The exclusive UTC end of the period ``key`` (None for a board that never resets).

    Raises ValueError when ``key`` is not a valid key of that kind.
    """
    start = period_start(reset, key)
    if start is None:
        return None
    try:
        if reset == "daily":
            end = start + timedelta(days=1)
        elif reset == "weekly":
            end = start + timedelta(days=7)
        elif start.month == 12:
            end = date(start.year + 1, 1, 1)
        else:
            end = date(start.year, start.month + 1, 1)
    except (OverflowError, ValueError):
        return LAST_INSTANT  # the period runs past year 9999
    return datetime(end.year, end.month, end.day, tzinfo=UTC)
