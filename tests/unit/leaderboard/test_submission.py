"""ScoreSubmission and LeaderboardSpec: what parses, what is refused and why."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tap_core.errors import describe
from tap_core.leaderboard import INT64_MAX, INT64_MIN, LeaderboardSpec, ScoreSubmission
from tests.unit.leaderboard.strategies import INT64, MOMENTS, PLAYER_IDS, SUBMISSION_IDS

VALID: dict[str, Any] = {
    "submission_id": "s-1",
    "leaderboard_id": "arena",
    "player_id": "player:1.a",
    "score": 42,
    "achieved_at": "2026-11-24T10:00:00Z",
}


def _parse(**changes: Any) -> ScoreSubmission:
    body = {**VALID, **changes}
    return ScoreSubmission.model_validate_json(json.dumps(body).encode())


def _refusal(**changes: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        _parse(**changes)
    return describe(caught.value)


def test_a_valid_body_parses_from_raw_bytes() -> None:
    submission = _parse(metadata={"map": "dunes"})
    assert submission.score == 42
    assert submission.achieved_at == datetime(2026, 11, 24, 10, tzinfo=UTC)
    assert submission.metadata == {"map": "dunes"}


def test_naive_time_means_utc_and_offsets_are_converted() -> None:
    assert _parse(achieved_at="2026-11-24T10:00:00").achieved_at == datetime(
        2026, 11, 24, 10, tzinfo=UTC
    )
    converted = _parse(achieved_at="2026-11-24T10:00:00+02:00").achieved_at
    assert converted == datetime(2026, 11, 24, 8, tzinfo=UTC)
    assert converted.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"score": "42"}, "score: Input should be a valid integer"),
        ({"score": 42.0}, "score: Input should be a valid integer"),
        ({"score": True}, "score: Input should be a valid integer"),
        ({"score": INT64_MAX + 1}, "score: Input should be less than or equal to"),
        ({"score": INT64_MIN - 1}, "score: Input should be greater than or equal to"),
        ({"submission_id": ""}, 'submission id "" is not allowed: use 1-64 of A-Z a-z 0-9 _ -'),
        ({"submission_id": "x" * 65}, 'submission id "xxxx'),
        ({"submission_id": "a b"}, 'submission id "a b" is not allowed: use 1-64 of A-Z a-z'),
        ({"leaderboard_id": "Arena"}, 'leaderboard id "Arena" is not allowed: use 1-64 of a-z'),
        ({"player_id": "p" * 129}, f'"{"p" * 37}..." is not allowed: use 1-128 of A-Z a-z 0-9'),
        ({"player_id": "p/1"}, 'player id "p/1" is not allowed: use 1-128 of A-Z a-z 0-9 _ . : -'),
        ({"player_id": "p1\n"}, 'player id "p1\\n" is not allowed'),
        ({"achieved_at": 1700000000}, "achieved_at: achieved_at must be an ISO-8601"),
        ({"achieved_at": "1700000000"}, "achieved_at: achieved_at must be an ISO-8601"),
        ({"achieved_at": "2026-11-24"}, "achieved_at: achieved_at must be an ISO-8601"),
        ({"achieved_at": "1969-12-31T23:59:59Z"}, "is outside 1970-01-01 to 9999-12-30"),
        ({"achieved_at": "9999-12-31T00:00:00Z"}, "is outside 1970-01-01 to 9999-12-30"),
        ({"achieved_at": "0001-01-01T00:00:00+05:00"}, "is outside 1970-01-01 to 9999-12-30"),
        ({"achieved_at": "2026-02-30T00:00:00Z"}, "achieved_at: Input should be a valid datetime"),
        ({"extra": 1}, "extra: Extra inputs are not permitted"),
        ({"metadata": [1, 2]}, "metadata: Input should be an object"),
        ({"metadata": {"k": "x" * 2050}}, "metadata is 2058 bytes as compact JSON; at most 2048"),
    ],
)
def test_refusals_name_the_field_and_the_rule(changes: dict[str, Any], where: str) -> None:
    assert where in _refusal(**changes)


def test_a_missing_field_is_named() -> None:
    body = {k: v for k, v in VALID.items() if k != "score"}
    with pytest.raises(ValidationError) as caught:
        ScoreSubmission.model_validate_json(json.dumps(body))
    assert describe(caught.value) == "score: Field required"


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_metadata_must_be_finite_json(number: bytes) -> None:
    body = json.dumps(VALID).encode()[:-1] + b', "metadata": {"x": ' + number + b"}}"
    with pytest.raises(ValidationError, match="only finite numbers"):
        ScoreSubmission.model_validate_json(body)


def test_metadata_with_a_lone_surrogate_is_refused() -> None:
    body = json.dumps(VALID).encode()[:-1] + b', "metadata": {"x": "\\ud800"}}'
    with pytest.raises(ValidationError, match="json_invalid"):
        ScoreSubmission.model_validate_json(body)
    with pytest.raises(ValidationError, match="valid Unicode"):
        ScoreSubmission(**{**VALID, "metadata": {"x": "\ud800"}})


def test_metadata_limit_counts_utf8_bytes_of_compact_json() -> None:
    # {"k":"…"} is 8 bytes of punctuation and key; each "é" is 2 bytes in UTF-8.
    fits = "é" * ((2048 - 8) // 2)
    assert _parse(metadata={"k": fits}).metadata == {"k": fits}
    assert "2050 bytes" in _refusal(metadata={"k": fits + "é"})


def test_int64_extremes_are_scores() -> None:
    assert _parse(score=INT64_MAX).score == INT64_MAX
    assert _parse(score=INT64_MIN).score == INT64_MIN


def test_range_ends_are_allowed() -> None:
    assert _parse(achieved_at="1970-01-01T00:00:00Z").achieved_at.year == 1970
    assert _parse(achieved_at="9999-12-30T23:59:59.999999Z").achieved_at.day == 30


def test_submissions_are_frozen() -> None:
    submission = _parse()
    with pytest.raises(ValidationError, match="frozen"):
        submission.score = 1


def test_python_construction_takes_datetimes() -> None:
    moment = datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=-5)))
    submission = ScoreSubmission(
        submission_id="s", leaderboard_id="b", player_id="p", score=1, achieved_at=moment
    )
    assert submission.achieved_at == moment
    assert submission.achieved_at.tzinfo is UTC


JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELD_VALUES = st.one_of(
    JSON_VALUES,
    INT64,
    SUBMISSION_IDS,
    PLAYER_IDS,
    MOMENTS.map(datetime.isoformat),
)
NEAR_VALID_BODIES = st.dictionaries(
    st.sampled_from([*VALID, "metadata", "other"]), FIELD_VALUES, max_size=8
).map(lambda body: json.dumps(body).encode())


@given(body=st.binary(max_size=300) | NEAR_VALID_BODIES)
def test_any_bytes_give_a_submission_or_a_validation_error(body: bytes) -> None:
    """Totality: parsing never raises anything but ValidationError, and its message names
    where the problem is."""
    try:
        submission = ScoreSubmission.model_validate_json(body)
    except ValidationError as error:
        assert describe(error)  # noqa: PT017 - totality: any refusal must be described
    else:
        assert INT64_MIN <= submission.score <= INT64_MAX
        assert submission.achieved_at.tzinfo is UTC


@given(
    submission_id=SUBMISSION_IDS,
    player_id=PLAYER_IDS,
    score=INT64,
    moment=MOMENTS,
)
def test_dumped_json_parses_back_equal(
    submission_id: str, player_id: str, score: int, moment: datetime
) -> None:
    """Round trip: model_dump_json then model_validate_json gives an equal submission."""
    submission = ScoreSubmission(
        submission_id=submission_id,
        leaderboard_id="b",
        player_id=player_id,
        score=score,
        achieved_at=moment,
        metadata={"n": score, "t": player_id},
    )
    assert ScoreSubmission.model_validate_json(submission.model_dump_json()) == submission


def test_spec_defaults() -> None:
    spec = LeaderboardSpec(id="b")
    assert (spec.order, spec.operator, spec.reset, spec.min_score, spec.max_score) == (
        "desc",
        "best",
        "never",
        None,
        None,
    )


def test_spec_bounds_must_be_ordered() -> None:
    with pytest.raises(ValidationError, match=r"min_score \(5\) must not exceed max_score \(4\)"):
        LeaderboardSpec(id="b", min_score=5, max_score=4)
    assert LeaderboardSpec(id="b", min_score=4, max_score=4).max_score == 4


@pytest.mark.parametrize(
    "fields",
    [{"id": "B"}, {"id": "b", "order": "up"}, {"id": "b", "reset": "hourly"}, {"id": "b", "x": 1}],
)
def test_spec_refuses_unknown_values(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        LeaderboardSpec(**fields)
