"""`tap_core.errors`: one way to quote an input and to word a pydantic error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from tap_core.app import validation_errors
from tap_core.errors import SHOWN_CHARS, describe, problems, show
from tap_core.leaderboard import ScoreSubmission

VALID: dict[str, Any] = {
    "submission_id": "s-1",
    "leaderboard_id": "arena",
    "player_id": "p-1",
    "score": 42,
    "achieved_at": "2026-11-24T10:00:00Z",
}


def _error(**changes: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        ScoreSubmission.model_validate_json(json.dumps({**VALID, **changes}))
    return caught.value


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"score": "42"}, 'score: Input should be a valid integer; got "42"'),
        ({"score": 4.5}, "score: Input should be a valid integer; got 4.5"),
        ({"score": True}, "score: Input should be a valid integer; got true"),
        ({"metadata": [1]}, "metadata: Input should be an object; got a list"),
        ({"achieved_at": 17}, "achieved_at: achieved_at must be an ISO-8601 date and time"),
    ],
)
def test_a_problem_shows_the_offending_value(changes: dict[str, Any], expected: str) -> None:
    assert describe(_error(**changes)).startswith(expected)


def test_a_validators_own_refusal_has_no_pydantic_noise_and_shows_the_value_once() -> None:
    # Given a player id the rule refuses
    error = _error(player_id="p/1")
    # When it is worded as a letter's errors
    (letter,) = validation_errors(error)
    # Then the code is the contract's, the field named, pydantic's prefix gone, the value once
    assert (letter.code, letter.field) == ("invalid_value", "player_id")
    assert "Value error" not in letter.message
    assert letter.message.count('"p/1"') == 1
    assert describe(error) == f"player_id: {letter.message}"


@pytest.mark.parametrize(
    "changes",
    [
        {"score": "9" * 1_000_000},
        {"player_id": "p" * 1_000_000},
        {"achieved_at": "x" * 1_000_000},
        {"metadata": {"k": "v" * 1_000_000}},
    ],
)
def test_no_message_echoes_an_input_of_any_length(changes: dict[str, Any]) -> None:
    error = _error(**changes)
    assert len(describe(error)) < 400
    assert all(len(problem.message) < 400 for problem in problems(error))


def test_a_body_that_is_not_json_is_shown_cut() -> None:
    with pytest.raises(ValidationError) as caught:
        ScoreSubmission.model_validate_json(b'{"score": ' + b"1" * 10_000)
    (problem,) = problems(caught.value)
    assert problem.field is None
    assert problem.code == "json_invalid"
    assert len(problem.message) < 200


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("a b", '"a b"'),
        ("tab\there", '"tab\\there"'),
        ("x" * 100, '"' + "x" * (SHOWN_CHARS - 3) + '..."'),
        (b"\xffab", '"\ufffdab"'),
        (None, "null"),
        (False, "false"),
        (12, "12"),
        (10**100, "1" + "0" * (SHOWN_CHARS - 4) + "..."),
        ({"a": 1}, "an object"),
        ([1], "a list"),
    ],
)
def test_show_quotes_escapes_and_cuts(value: object, shown: str) -> None:
    assert show(value) == shown


def test_names_rename_the_top_level_field() -> None:
    error = _error(score="x")
    assert describe(error, {"score": "SCORE"}).startswith("SCORE: Input should be a valid integer")
