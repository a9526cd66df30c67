"""Hypothesis strategies for the leaderboard, defined once and shared by its tests."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, get_args

from hypothesis import strategies as st

from tap_core.leaderboard import INT64_MAX, INT64_MIN, LeaderboardSpec, ScoreSubmission
from tap_core.leaderboard.models import Operator, Order, Reset

if TYPE_CHECKING:
    from tap_core.leaderboard import Metadata

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

ORDERS: st.SearchStrategy[Order] = st.sampled_from(get_args(Order))
OPERATORS: st.SearchStrategy[Operator] = st.sampled_from(get_args(Operator))
RESETS: st.SearchStrategy[Reset] = st.sampled_from(get_args(Reset))

INT64 = st.integers(min_value=INT64_MIN, max_value=INT64_MAX)
# Few distinct scores, so ties (shared ranks) are common.
TIED_SCORES = st.integers(min_value=-3, max_value=3)
SMALL_SCORES = st.integers(min_value=-1_000, max_value=1_000)

PLAYER_ALPHABET = string.ascii_letters + string.digits + "_.:-"
PLAYER_IDS = st.text(PLAYER_ALPHABET, min_size=1, max_size=128)
FEW_PLAYERS = st.sampled_from([f"p{number}" for number in range(12)])
SUBMISSION_IDS = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=64)

# Aware UTC instants across the whole allowed range, with microseconds.
MOMENTS = st.datetimes(
    min_value=datetime(1970, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(9999, 12, 30, 23, 59, 59),  # noqa: DTZ001
).map(lambda moment: moment.replace(tzinfo=UTC))
# Instants within a few days before NOW, on a coarse grid, so equal times happen.
RECENT = st.integers(min_value=0, max_value=4 * 24 * 6).map(
    lambda steps: NOW - timedelta(minutes=10 * steps)
)
NEVER: st.SearchStrategy[Reset] = st.just("never")
TIED_RECENT = st.integers(min_value=0, max_value=3).map(lambda steps: NOW - timedelta(hours=steps))

METADATA: st.SearchStrategy[Metadata | None] = st.none() | st.dictionaries(
    st.text(max_size=8),
    st.integers(-1000, 1000) | st.text(max_size=12) | st.booleans() | st.none(),
    max_size=4,
)


@st.composite
def specs(
    draw: st.DrawFn,
    *,
    board_id: str = "board",
    operator: st.SearchStrategy[Operator] = OPERATORS,
    reset: st.SearchStrategy[Reset] = NEVER,
) -> LeaderboardSpec:
    """A board with any order and operator (no score bounds unless asked)."""
    return LeaderboardSpec(
        id=board_id, order=draw(ORDERS), operator=draw(operator), reset=draw(reset)
    )


@st.composite
def submissions(
    draw: st.DrawFn,
    *,
    board_id: str = "board",
    players: st.SearchStrategy[str] = FEW_PLAYERS,
    scores: st.SearchStrategy[int] = TIED_SCORES,
    moments: st.SearchStrategy[datetime] = TIED_RECENT,
) -> ScoreSubmission:
    """A valid submission to ``board_id`` with a unique-looking id."""
    return ScoreSubmission(
        submission_id=draw(SUBMISSION_IDS),
        leaderboard_id=board_id,
        player_id=draw(players),
        score=draw(scores),
        achieved_at=draw(moments),
        metadata=draw(METADATA),
    )


def numbered(items: list[ScoreSubmission]) -> list[ScoreSubmission]:
    """``items`` with distinct submission ids (``s0``, ``s1``, ...), in the same order."""
    return [
        item.model_copy(update={"submission_id": f"s{number}"}) for number, item in enumerate(items)
    ]
