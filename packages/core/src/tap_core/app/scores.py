"""Submit a batch of scores: every message ends accepted, unchanged or dead-lettered.

A message's body is validated as a `tap_core.leaderboard.ScoreSubmission` and submitted
to the ``Leaderboards``. A message that can never succeed (a body that is not JSON or not a
valid submission, or a submission the board's rules reject) is dead-lettered at once with its
reasons, so it never blocks its message group. Anything else (throttling, a timeout, a dead
letter that could not be sent: ``DeadLetterFailure``) is raised to the caller, whose queue
delivers the message again. `ScoreBatch` counts how each message of one batch ended.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from pydantic import ValidationError

from tap_core.deadletters import DeadLetter, LetterError, MessageSource
from tap_core.errors import problems
from tap_core.leaderboard.models import ScoreSubmission

if TYPE_CHECKING:
    from tap_core.app.ports import ScoresDependencies
    from tap_core.leaderboard.decisions import Outcome

EndingStatus = Literal["accepted", "unchanged", "rejected", "invalid"]
ENDINGS: Final[tuple[EndingStatus, ...]] = ("accepted", "unchanged", "rejected", "invalid")
"""How a message can end; ``rejected`` and ``invalid`` ones are dead-lettered."""


def validation_errors(error: ValidationError) -> list[LetterError]:
    """A pydantic error as letter errors, as `tap_core.errors.problems` words them."""
    return [LetterError(p.code, p.field, p.message) for p in problems(error)]


@dataclass(frozen=True, slots=True)
class ScoreEnding:
    """How one message ended: its status, the board's outcome (None when the body was not a
    valid submission), the errors it was dead-lettered with, and the score applied."""

    status: EndingStatus
    outcome: Outcome | None = None
    errors: tuple[LetterError, ...] = ()
    score: int | None = None

    @property
    def dead_lettered(self) -> bool:
        return self.status in ("rejected", "invalid")

    @property
    def label(self) -> str:
        """``status`` or ``status:code`` (``unchanged:duplicate``, ``rejected:unknown_board``)."""
        code = None if self.outcome is None else self.outcome.code
        return self.status if code is None else f"{self.status}:{code}"


class ScoreBatch:
    """One batch's messages, each submitted or dead-lettered; counts how they ended."""

    def __init__(self, dependencies: ScoresDependencies) -> None:
        self._dependencies = dependencies
        self.counts: Counter[EndingStatus] = Counter()
        """Messages by ending, counted as each is decided (before its letter is sent)."""
        self.dead_lettered = 0
        """Letters sent (and kept)."""
        self.scores: list[int] = []
        """The score of each accepted submission, in order."""

    def handle(self, body: str | bytes, source: MessageSource) -> ScoreEnding:
        """Submit the message ``body`` (from ``source``) or dead-letter it; its ending."""
        try:
            submission = ScoreSubmission.model_validate_json(body)
        except ValidationError as error:
            ending = ScoreEnding("invalid", errors=tuple(validation_errors(error)))
        else:
            outcome = self._dependencies.leaderboards.submit(submission)
            if outcome.status == "rejected":
                code = outcome.code or "rejected"
                errors = (LetterError(code, None, outcome.reason or code),)
                ending = ScoreEnding("rejected", outcome, errors)
            elif outcome.status == "accepted":
                self.scores.append(submission.score)
                ending = ScoreEnding("accepted", outcome, score=submission.score)
            else:
                ending = ScoreEnding("unchanged", outcome)
        self.counts[ending.status] += 1
        if ending.dead_lettered:
            raw = body if isinstance(body, str) else body.decode(errors="replace")
            letter = DeadLetter(source, ending.errors, raw, self._dependencies.clock())
            # Raises DeadLetterFailure when the letter is not kept: the message is retried.
            self._dependencies.dead_letters.send([letter])
            self.dead_lettered += 1
        return ending
