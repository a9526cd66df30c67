"""Period keys and the order-preserving sort-key encoding."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tap_core.leaderboard import (
    INT64_MAX,
    INT64_MIN,
    check_period,
    decode_sort_key,
    encode_sort_key,
    period_key,
    period_start,
    resets_at,
    score_prefix,
)
from tap_core.leaderboard.periods import LAST_INSTANT
from tests.unit.leaderboard.strategies import INT64, MOMENTS, ORDERS, PLAYER_IDS, RESETS

EXTREME_SCORES = st.sampled_from([INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX])
KEY_PARTS = st.tuples(INT64 | EXTREME_SCORES, MOMENTS, PLAYER_IDS)


def _oracle_key(reset: str, moment: datetime) -> str:
    """The period key written out from the calendar, independently of the library."""
    if reset == "never":
        return "all"
    if reset == "daily":
        return moment.strftime("%Y-%m-%d").zfill(10)
    if reset == "monthly":
        return f"{moment.year:04d}-{moment.month:02d}"
    iso = moment.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def _oracle_bounds(reset: str, moment: datetime) -> tuple[date, datetime]:
    """The first day of the moment's period and its exclusive end (clamped past year 9999)."""
    day = moment.date()
    if reset == "daily":
        start, length = day, 1
    elif reset == "weekly":
        start, length = day - timedelta(days=day.weekday()), 7
    else:
        start, length = day.replace(day=1), calendar.monthrange(day.year, day.month)[1]
    try:
        end = start + timedelta(days=length)
    except OverflowError:
        return start, LAST_INSTANT
    return start, datetime.combine(end, datetime.min.time(), tzinfo=UTC)


@given(reset=RESETS, moment=MOMENTS)
def test_period_key_matches_the_calendar(reset: str, moment: datetime) -> None:
    """A moment's key is its UTC day, ISO week or month, written in the documented shape."""
    assert period_key(reset, moment) == _oracle_key(reset, moment)  # type: ignore[arg-type]


@given(reset=st.sampled_from(["daily", "weekly", "monthly"]), moment=MOMENTS)
@example(reset="monthly", moment=datetime(9999, 12, 30, 23, tzinfo=UTC))
@example(reset="weekly", moment=datetime(9999, 12, 30, 23, tzinfo=UTC))
@example(reset="weekly", moment=datetime(1970, 1, 1, tzinfo=UTC))
def test_a_moment_lies_inside_its_period(reset: str, moment: datetime) -> None:
    """start <= moment < resets_at, and the period is exactly a day, week or month long."""
    key = period_key(reset, moment)  # type: ignore[arg-type]
    start, end = _oracle_bounds(reset, moment)
    assert period_start(reset, key) == start  # type: ignore[arg-type]
    assert resets_at(reset, key) == end  # type: ignore[arg-type]
    assert datetime.combine(start, datetime.min.time(), tzinfo=UTC) <= moment < end


@given(moment=MOMENTS, hours=st.integers(-14, 14))
def test_offsets_are_read_in_utc(moment: datetime, hours: int) -> None:
    """The same instant written with any offset has the same key."""
    shifted = moment.astimezone(timezone(timedelta(hours=hours)))
    for reset in ("daily", "weekly", "monthly"):
        assert period_key(reset, shifted) == period_key(reset, moment)


@pytest.mark.parametrize(
    ("moment", "week"),
    [
        (datetime(2026, 1, 1, tzinfo=UTC), "2026-W01"),  # Thursday: week 1 of 2026
        (datetime(2027, 1, 1, tzinfo=UTC), "2026-W53"),  # Friday: last week of 2026
        (datetime(2024, 12, 30, tzinfo=UTC), "2025-W01"),  # Monday: first week of 2025
        (datetime(2026, 11, 24, tzinfo=UTC), "2026-W48"),
        (datetime(2026, 11, 29, 23, 59, 59, 999999, tzinfo=UTC), "2026-W48"),
        (datetime(2026, 11, 30, tzinfo=UTC), "2026-W49"),
    ],
)
def test_iso_weeks_across_year_boundaries(moment: datetime, week: str) -> None:
    assert period_key("weekly", moment) == week


def test_week_53_resets_on_the_next_monday() -> None:
    assert resets_at("weekly", "2026-W53") == datetime(2027, 1, 4, tzinfo=UTC)
    assert resets_at("monthly", "2026-12") == datetime(2027, 1, 1, tzinfo=UTC)
    assert resets_at("daily", "2028-02-29") == datetime(2028, 3, 1, tzinfo=UTC)
    assert resets_at("never", "all") is None


def test_periods_past_year_9999_clamp_their_end() -> None:
    assert resets_at("monthly", "9999-12") == LAST_INSTANT
    assert resets_at("weekly", "9999-W52") == LAST_INSTANT
    assert resets_at("daily", "9999-12-30") == datetime(9999, 12, 31, tzinfo=UTC)


@pytest.mark.parametrize(
    ("reset", "key"),
    [
        ("never", "2026"),
        ("daily", "2026-02-29"),
        ("daily", "2026-11-24T00"),
        ("daily", "2026-W48"),
        ("weekly", "2025-W53"),
        ("weekly", "2026-W00"),
        ("weekly", "2026-W5"),
        ("monthly", "2026-13"),
        ("monthly", "2026-11-01"),
        ("monthly", "all"),
    ],
)
def test_keys_of_the_wrong_kind_raise(reset: str, key: str) -> None:
    with pytest.raises(ValueError, match=f"is not a {reset} period key"):
        check_period(reset, key)  # type: ignore[arg-type]


@given(order=ORDERS, a=KEY_PARTS, b=KEY_PARTS)
def test_encoded_order_equals_key_order(
    order: str, a: tuple[int, datetime, str], b: tuple[int, datetime, str]
) -> None:
    """Comparing two encoded keys as strings agrees with the total order: better score,
    then earlier achieved_at, then player id."""
    sign = -1 if order == "desc" else 1
    rank_a = (sign * a[0], a[1], a[2])
    rank_b = (sign * b[0], b[1], b[2])
    text_a = encode_sort_key(order, *a)  # type: ignore[arg-type]
    text_b = encode_sort_key(order, *b)  # type: ignore[arg-type]
    assert (text_a < text_b) == (rank_a < rank_b)
    assert (text_a == text_b) == (rank_a == rank_b)
    # DynamoDB compares strings by UTF-8 bytes: the same order.
    assert (text_a.encode() < text_b.encode()) == (rank_a < rank_b)


@given(order=ORDERS, parts=KEY_PARTS)
def test_encoded_keys_decode_back(order: str, parts: tuple[int, datetime, str]) -> None:
    """decode(encode(k)) == k, and the key starts with its score's prefix."""
    encoded = encode_sort_key(order, *parts)  # type: ignore[arg-type]
    assert decode_sort_key(order, encoded) == parts  # type: ignore[arg-type]
    assert encoded.startswith(score_prefix(order, parts[0]))  # type: ignore[arg-type]


@given(order=ORDERS, a=KEY_PARTS, b=KEY_PARTS)
def test_the_score_prefix_splits_better_from_the_rest(
    order: str, a: tuple[int, datetime, str], b: tuple[int, datetime, str]
) -> None:
    """A key sorts below score b's prefix exactly when its score strictly beats b's."""
    beats = a[0] > b[0] if order == "desc" else a[0] < b[0]
    key = encode_sort_key(order, *a)  # type: ignore[arg-type]
    assert (key < score_prefix(order, b[0])) == beats  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    ["", "zz", "0" * 31 + "#", "0" * 16 + "f" * 15 + "#p", "0" * 31 + "#bad/id", "0" * 30 + "#p"],
)
def test_decoding_garbage_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"sort key|past year 9999"):
        decode_sort_key("desc", text)
