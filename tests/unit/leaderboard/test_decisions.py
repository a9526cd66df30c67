"""decide(): each operator's rule and every outcome code, one example each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tap_core.leaderboard import (
    COUNTED_IDS_KEPT,
    INT64_MAX,
    INT64_MIN,
    Entry,
    LeaderboardSpec,
    Operator,
    Order,
    ScoreSubmission,
    decide,
)
from tap_core.memory import InMemoryLeaderboards

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
T0 = NOW - timedelta(hours=1)


def _sub(sid: str, score: int, at: datetime = T0, **extra: object) -> ScoreSubmission:
    return ScoreSubmission(
        submission_id=sid,
        leaderboard_id="b",
        player_id="p",
        score=score,
        achieved_at=at,
        **extra,  # type: ignore[arg-type]
    )


def _entry(
    sid: str, score: int, at: datetime = T0, revision: int = 1, counted: tuple[str, ...] = ()
) -> Entry:
    return Entry(
        player_id="p",
        score=score,
        achieved_at=at,
        submission_id=sid,
        revision=revision,
        counted=counted,
    )


def _spec(
    operator: Operator = "best",
    order: Order = "desc",
    min_score: int | None = None,
    max_score: int | None = None,
) -> LeaderboardSpec:
    return LeaderboardSpec(
        id="b", operator=operator, order=order, min_score=min_score, max_score=max_score
    )


def test_first_submission_creates_the_entry() -> None:
    decision = decide(_spec(), None, _sub("a", 5, metadata={"m": 1}), NOW)
    assert decision.outcome.status == "accepted"
    assert decision.outcome.code is None
    assert decision.outcome.reason is None
    assert decision.entry == Entry("p", 5, T0, "a", {"m": 1}, revision=1)
    assert decision.expected_revision is None  # decided against "no entry yet"


@pytest.mark.parametrize(
    ("order", "stored", "sent", "wins"),
    [
        ("desc", 5, 6, True),
        ("desc", 5, 4, False),
        ("asc", 5, 4, True),
        ("asc", 5, 6, False),
    ],
)
def test_best_keeps_the_better_score(order: Order, stored: int, sent: int, wins: bool) -> None:
    decision = decide(_spec("best", order), _entry("a", stored), _sub("b", sent), NOW)
    assert decision.outcome.status == ("accepted" if wins else "unchanged")
    if not wins:
        assert decision.outcome.code == "not_better"
        assert decision.entry is None


def test_best_on_equal_scores_keeps_the_earlier_time_and_an_equal_pair_keeps_stored() -> None:
    earlier = decide(_spec(), _entry("a", 5), _sub("b", 5, T0 - timedelta(seconds=1)), NOW)
    assert earlier.outcome.status == "accepted"
    later = decide(_spec(), _entry("a", 5), _sub("b", 5, T0 + timedelta(seconds=1)), NOW)
    assert later.outcome.code == "not_better"
    equal = decide(_spec(), _entry("a", 5), _sub("b", 5, T0), NOW)
    assert equal.outcome.code == "not_better"


def test_latest_keeps_the_later_time_then_the_greater_id() -> None:
    spec = _spec("latest")
    assert decide(spec, _entry("b", 9), _sub("a", 1, T0 + timedelta(seconds=1)), NOW).entry
    older = decide(spec, _entry("b", 9), _sub("z", 1, T0 - timedelta(seconds=1)), NOW)
    assert older.outcome.code == "not_better"
    tie_greater = decide(spec, _entry("b", 9), _sub("c", 1), NOW)
    assert tie_greater.entry == _entry("c", 1, revision=2)
    tie_smaller = decide(spec, _entry("b", 9), _sub("a", 1), NOW)
    assert tie_smaller.outcome.code == "not_better"


def test_increment_adds_and_takes_the_latest_time_and_metadata() -> None:
    spec = _spec("increment")
    stored = Entry("p", 10, T0, "a", {"old": True}, revision=4, counted=("a",))
    later = decide(spec, stored, _sub("b", -3, T0 + timedelta(minutes=1), metadata={"n": 1}), NOW)
    assert later.entry == Entry(
        "p", 7, T0 + timedelta(minutes=1), "b", {"n": 1}, revision=5, counted=("a", "b")
    )
    earlier = decide(spec, stored, _sub("c", 4, T0 - timedelta(minutes=1), metadata={"n": 2}), NOW)
    assert earlier.entry == Entry("p", 14, T0, "a", {"old": True}, revision=5, counted=("a", "c"))
    assert later.expected_revision == earlier.expected_revision == 4


def test_increment_counts_each_submission_once() -> None:
    # Given an entry whose counted ids hold "b"
    stored = _entry("a", 10, counted=("a", "b"))
    # When "b" is sent again
    decision = decide(_spec("increment"), stored, _sub("b", 3), NOW)
    # Then it is a duplicate and nothing is written
    assert (decision.outcome.status, decision.outcome.code) == ("unchanged", "duplicate")
    assert decision.entry is None


def test_increment_keeps_the_last_counted_ids_only() -> None:
    """The first id falls out once COUNTED_IDS_KEPT newer ones are counted, and counts again."""
    spec = _spec("increment")
    # Given a first submission "s0" and then COUNTED_IDS_KEPT more counted ones
    entry = decide(spec, None, _sub("s0", 1), NOW).entry
    assert entry is not None
    assert entry.counted == ("s0",)
    for number in range(1, COUNTED_IDS_KEPT + 1):
        entry = decide(
            spec, entry, _sub(f"s{number}", 1, T0 + timedelta(seconds=number)), NOW
        ).entry
        assert entry is not None
    # Then the entry holds exactly the last COUNTED_IDS_KEPT ids, oldest first
    assert entry.counted == tuple(f"s{n}" for n in range(1, COUNTED_IDS_KEPT + 1))
    assert entry.revision == COUNTED_IDS_KEPT + 1
    # And "s1" is still a duplicate while "s0", forgotten, is counted again
    assert decide(spec, entry, _sub("s1", 1), NOW).outcome.code == "duplicate"
    assert decide(spec, entry, _sub("s0", 1), NOW).outcome.status == "accepted"


@pytest.mark.parametrize("operator", ["best", "latest", "increment"])
def test_an_accepted_write_names_the_revision_it_was_decided_against(operator: Operator) -> None:
    stored = _entry("a", 1, revision=7, counted=("a",))
    decision = decide(_spec(operator), stored, _sub("b", 5, T0 + timedelta(seconds=1)), NOW)
    assert decision.entry is not None
    assert (decision.expected_revision, decision.entry.revision) == (7, 8)


def test_increment_of_zero_that_is_not_the_latest_changes_nothing() -> None:
    decision = decide(_spec("increment"), _entry("b", 10), _sub("a", 0), NOW)
    assert (decision.outcome.status, decision.outcome.code) == ("unchanged", "not_better")
    moved = decide(_spec("increment"), _entry("a", 10), _sub("b", 0), NOW)
    assert moved.entry == _entry("b", 10, revision=2, counted=("b",))


@pytest.mark.parametrize(("stored", "sent"), [(INT64_MAX, 1), (INT64_MIN, -1)])
def test_increment_total_must_stay_in_int64(stored: int, sent: int) -> None:
    decision = decide(_spec("increment"), _entry("a", stored), _sub("b", sent), NOW)
    assert (decision.outcome.status, decision.outcome.code) == ("rejected", "total_out_of_range")
    assert decision.outcome.reason is not None
    assert "int64" in decision.outcome.reason


@pytest.mark.parametrize("operator", ["best", "latest"])
def test_resending_the_stored_submission_is_a_duplicate(operator: Operator) -> None:
    decision = decide(_spec(operator), _entry("a", 5), _sub("a", 5), NOW)
    assert (decision.outcome.status, decision.outcome.code) == ("unchanged", "duplicate")
    assert decision.outcome.reason == "submission 'a' was already applied to player 'p'"


@pytest.mark.parametrize("operator", ["best", "latest", "increment"])
def test_score_bounds_apply_to_every_submission(operator: Operator) -> None:
    spec = _spec(operator, min_score=0, max_score=100)
    low = decide(spec, _entry("a", 50), _sub("b", -1), NOW).outcome
    high = decide(spec, None, _sub("b", 101), NOW).outcome
    assert (low.status, low.code) == ("rejected", "score_below_min")
    assert low.reason == "score -1 is below the minimum 0 of leaderboard 'b'"
    assert (high.status, high.code) == ("rejected", "score_above_max")
    assert decide(spec, None, _sub("b", 0), NOW).outcome.status == "accepted"
    assert decide(spec, None, _sub("b", 100), NOW).outcome.status == "accepted"


def test_achieved_at_more_than_five_minutes_ahead_is_rejected() -> None:
    edge = decide(_spec(), None, _sub("a", 1, NOW + timedelta(minutes=5)), NOW)
    assert edge.outcome.status == "accepted"
    ahead = decide(_spec(), None, _sub("a", 1, NOW + timedelta(minutes=5, microseconds=1)), NOW)
    assert (ahead.outcome.status, ahead.outcome.code) == ("rejected", "achieved_at_in_future")


def test_rejections_are_not_remembered() -> None:
    """A submission rejected as future is accepted when re-sent once the clock has caught up."""
    clock = [NOW]
    boards = InMemoryLeaderboards([_spec()], clock=lambda: clock[0])
    early = _sub("a", 1, NOW + timedelta(minutes=10))
    assert boards.submit(early).code == "achieved_at_in_future"
    clock[0] = NOW + timedelta(minutes=6)
    assert boards.submit(early).status == "accepted"
    assert boards.submit(early).code == "duplicate"
