"""``scores``: every record ends accepted, unchanged or dead-lettered; transient errors retry."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from tap_aws.functions import scores
from tap_aws.functions.bootstrap import ScoresDependencies
from tap_core.leaderboard import LeaderboardSpec
from tap_core.memory import InMemoryDeadLetters, InMemoryLeaderboards
from tests.handlers.conftest import FakeContext, emitted_metrics, fixed_clock, load_event

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tap_core.leaderboard import Outcome, ScoreSubmission

BOARDS = [LeaderboardSpec(id="global")]


class ThrottledFor:
    """Leaderboards that throttle every submission of one player (a transient failure)."""

    def __init__(self, inner: InMemoryLeaderboards, player_id: str) -> None:
        self.inner = inner
        self.player_id = player_id

    def submit(self, submission: ScoreSubmission) -> Outcome:
        if submission.player_id == self.player_id:
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "slow down"}},
                "TransactWriteItems",
            )
        return self.inner.submit(submission)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def board() -> InMemoryLeaderboards:
    return InMemoryLeaderboards(BOARDS, fixed_clock)


@pytest.fixture
def dead_letters() -> InMemoryDeadLetters:
    return InMemoryDeadLetters()


@pytest.fixture(autouse=True)
def wired(board: InMemoryLeaderboards, dead_letters: InMemoryDeadLetters) -> Iterator[None]:
    scores.root.use(ScoresDependencies(board, dead_letters, fixed_clock))
    yield
    scores.root.reset()


def letters(dead_letters: InMemoryDeadLetters) -> dict[str, dict[str, Any]]:
    """The dead letters by their source message id."""
    found = {}
    for body in dead_letters.bodies():
        letter = json.loads(body)
        found[letter["source"]["message_id"]] = letter
    return found


def test_every_record_ends_accepted_unchanged_or_dead_lettered(
    board: InMemoryLeaderboards,
    dead_letters: InMemoryDeadLetters,
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a FIFO batch of 7: 3 valid new scores, 1 re-sent submission, 3 bad ones
    event = load_event("sqs_fifo_scores.json")
    # When the function handles it
    response = scores.lambda_handler(event, context)
    # Then no record is left to retry
    assert response == {"batchItemFailures": []}
    # and the 3 valid scores are on the board
    top = board.top("global", limit=10)
    assert [(e.player_id, e.score) for e in top.entries] == [
        ("player-b", 250),
        ("player-a", 100),
        ("player-c", 50),
    ]
    # and the 3 bad records are dead-lettered at once, each with its reason and group
    by_id = letters(dead_letters)
    assert set(by_id) == {"m-a3", "m-b1", "m-b2"}
    assert by_id["m-a3"]["errors"][0]["code"] == "json_invalid"
    assert by_id["m-b1"]["errors"][0]["code"] == "unknown_board"
    assert [(e["code"], e["field"]) for e in by_id["m-b2"]["errors"]] == [("int_type", "score")]
    assert by_id["m-b2"]["source"]["group_id"] == "player-b"
    assert by_id["m-b1"]["raw"] == event["Records"][3]["body"]
    assert sorted(dead_letters.groups()) == ["player-a", "player-b", "player-b"]
    # and the metrics count each ending once
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["ScoresAccepted"] == [3]
    assert metrics["ScoresUnchanged"] == [1]
    assert metrics["ScoresRejected"] == [1]
    assert metrics["DeadLettered"] == [3]
    assert sorted(metrics["PlayerScore"]) == [50, 100, 250]
    # so each of the 7 records has exactly one ending
    endings = metrics["ScoresAccepted"][0] + metrics["ScoresUnchanged"][0]
    assert endings + metrics["DeadLettered"][0] == len(event["Records"]) == 7


def test_a_transient_error_is_a_batch_item_failure_and_skips_the_rest_of_its_group(
    board: InMemoryLeaderboards, dead_letters: InMemoryDeadLetters, context: FakeContext
) -> None:
    # Given leaderboards that throttle player-a's submissions
    scores.root.use(ScoresDependencies(ThrottledFor(board, "player-a"), dead_letters, fixed_clock))
    event = load_event("sqs_fifo_scores.json")
    # When the batch is handled
    response = scores.lambda_handler(event, context)
    # Then player-a's first record failed and the group's later records were not tried
    assert response == {
        "batchItemFailures": [
            {"itemIdentifier": "m-a1"},
            {"itemIdentifier": "m-a2"},
            {"itemIdentifier": "m-a3"},
        ]
    }
    # so the bad m-a3 is not dead-lettered yet (it will be, in order, on redelivery)
    assert set(letters(dead_letters)) == {"m-b1", "m-b2"}
    # and the other groups went on
    assert board.rank_of("global", "player-a") is None
    assert [e.player_id for e in board.top("global").entries] == ["player-b", "player-c"]


def test_redelivering_the_same_batch_changes_nothing_more(
    board: InMemoryLeaderboards, context: FakeContext, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a batch handled once
    scores.lambda_handler(load_event("sqs_fifo_scores.json"), context)
    capsys.readouterr()
    # When SQS delivers it again
    response = scores.lambda_handler(load_event("sqs_fifo_scores.json"), context)
    # Then every valid record is unchanged and nothing is accepted
    assert response == {"batchItemFailures": []}
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["ScoresAccepted"] == [0]
    assert metrics["ScoresUnchanged"] == [4]
    assert "PlayerScore" not in metrics
    assert board.count("global") == 3


def test_a_dead_letter_that_cannot_be_sent_is_retried(
    board: InMemoryLeaderboards, context: FakeContext
) -> None:
    # Given a dead-letter queue that does not keep letters
    class Refusing(InMemoryDeadLetters):
        def send(self, letters: Any) -> Any:
            del letters
            raise ClientError({"Error": {"Code": "RequestThrottled"}}, "SendMessageBatch")

    scores.root.use(ScoresDependencies(board, Refusing(), fixed_clock))
    # When a batch with bad records is handled
    response = scores.lambda_handler(load_event("sqs_fifo_scores.json"), context)
    # Then the bad records (and their groups' later records) are left for SQS to retry
    failed = [item["itemIdentifier"] for item in response["batchItemFailures"]]
    assert failed == ["m-a3", "m-b1", "m-b2", "m-b3"]
