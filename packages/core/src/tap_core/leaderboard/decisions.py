"""What a submission does to a player's entry: the pure decision every adapter applies.

`decide` takes the board's spec, the stored entry (or None), the submission and the
current time, and returns a `Decision`: the `Outcome` to report and, when the
submission is accepted, the entry to store. An adapter turns it into a write (a conditional
one in DynamoDB); nothing here performs I/O or reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Final, Literal, NamedTuple

from tap_core.leaderboard.models import INT64_MAX, INT64_MIN
from tap_core.leaderboard.ranking import Entry

if TYPE_CHECKING:
    from datetime import datetime

    from tap_core.leaderboard.models import LeaderboardSpec, ScoreSubmission

FUTURE_TOLERANCE: Final = timedelta(minutes=5)
# An increment entry remembers the ids of its last 16 counted submissions: a re-sent one among
# them is a duplicate; one re-sent after 16 newer submissions of that player were counted would
# be counted again. SQS redelivers within minutes, long before a player sends 16 more scores;
# the bound keeps an entry's item small (16 ids of at most 64 bytes) whatever its history.
COUNTED_IDS_KEPT: Final = 16

Status = Literal["accepted", "unchanged", "rejected"]
Code = Literal[
    "unknown_board",
    "score_below_min",
    "score_above_max",
    "achieved_at_in_future",
    "total_out_of_range",
    "duplicate",
    "not_better",
]


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one submission ended.

    ``status`` is ``accepted`` (the entry changed), ``unchanged`` (valid, but it changes
    nothing: ``duplicate`` or ``not_better``) or ``rejected`` (``unknown_board``,
    ``score_below_min``, ``score_above_max``, ``achieved_at_in_future``,
    ``total_out_of_range``). ``reason`` is a sentence for people; None when accepted.
    """

    status: Status
    code: Code | None = None
    reason: str | None = None

    @classmethod
    def rejected(cls, code: Code, reason: str) -> Outcome:
        return cls("rejected", code, reason)

    @classmethod
    def unchanged(cls, code: Code, reason: str) -> Outcome:
        return cls("unchanged", code, reason)


ACCEPTED: Final = Outcome("accepted")


class Decision(NamedTuple):
    """The outcome of a submission and, when it is accepted, the entry to store.

    ``expected_revision`` is what the decision was made against: the stored entry's revision,
    or None when the player had no entry. The write of ``entry`` must be conditional on it (in
    DynamoDB ``revision = :expected``, or ``attribute_not_exists`` for None); when the condition
    fails, the store changed meanwhile: read again and decide again.
    ``entry.revision`` is ``expected_revision + 1`` (1 for a new entry).
    """

    outcome: Outcome
    entry: Entry | None = None
    expected_revision: int | None = None


def unknown_board(board_id: str) -> Outcome:
    """The outcome of a submission to a board no spec defines."""
    return Outcome.rejected("unknown_board", f"leaderboard {board_id!r} does not exist")


def check(spec: LeaderboardSpec, submission: ScoreSubmission, now: datetime) -> Outcome | None:
    """The rejection a submission earns on its own, or None when it may be applied.

    Rejections are not remembered: a re-sent submission is checked again.
    """
    score = submission.score
    if spec.min_score is not None and score < spec.min_score:
        return Outcome.rejected(
            "score_below_min",
            f"score {score} is below the minimum {spec.min_score} of leaderboard {spec.id!r}",
        )
    if spec.max_score is not None and score > spec.max_score:
        return Outcome.rejected(
            "score_above_max",
            f"score {score} is above the maximum {spec.max_score} of leaderboard {spec.id!r}",
        )
    if submission.achieved_at > now + FUTURE_TOLERANCE:
        return Outcome.rejected(
            "achieved_at_in_future",
            f"achieved_at {submission.achieved_at.isoformat()} is more than 5 minutes after "
            f"the current time {now.isoformat()}",
        )
    return None


def _replacing(
    stored: Entry | None,
    submission: ScoreSubmission,
    score: int,
    counted: tuple[str, ...] = (),
) -> Decision:
    """Accept ``submission`` as the player's entry with ``score``, decided against ``stored``."""
    revision = None if stored is None else stored.revision
    return Decision(
        ACCEPTED,
        Entry(
            player_id=submission.player_id,
            score=score,
            achieved_at=submission.achieved_at,
            submission_id=submission.submission_id,
            metadata=submission.metadata,
            revision=1 if revision is None else revision + 1,
            counted=counted,
        ),
        revision,
    )


def counted_after(counted: tuple[str, ...], submission_id: str) -> tuple[str, ...]:
    """The counted ids once ``submission_id`` is added: the last ``COUNTED_IDS_KEPT``."""
    return (*counted, submission_id)[-COUNTED_IDS_KEPT:]


def _is_later(submission: ScoreSubmission, stored: Entry) -> bool:
    """True when the submission is more recent than the stored entry's submission.

    Later ``achieved_at`` wins; at equal times the greater ``submission_id`` (as strings) wins.
    """
    if submission.achieved_at != stored.achieved_at:
        return submission.achieved_at > stored.achieved_at
    return submission.submission_id > stored.submission_id


def _beats(spec: LeaderboardSpec, submission: ScoreSubmission, stored: Entry) -> bool:
    """True when the submission ranks strictly higher than the stored entry (same player)."""
    if submission.score != stored.score:
        if spec.order == "desc":
            return submission.score > stored.score
        return submission.score < stored.score
    return submission.achieved_at < stored.achieved_at


def decide(
    spec: LeaderboardSpec,
    stored: Entry | None,
    submission: ScoreSubmission,
    now: datetime,
) -> Decision:
    """What ``submission`` does to the ``stored`` entry of its player on its board's page.

    ``stored`` is the player's entry on the page of the submission's own period (None when
    there is none). A re-sent submission is recognised from the entry itself: its
    ``submission_id``, or on ``increment`` boards its ``counted`` ids.
    """
    rejection = check(spec, submission, now)
    if rejection is not None:
        return Decision(rejection)
    if spec.operator == "increment":
        return _increment(stored, submission)
    if stored is None:
        return _replacing(None, submission, submission.score)
    if stored.submission_id == submission.submission_id:
        return Decision(_duplicate(submission))
    if spec.operator == "best":
        if _beats(spec, submission, stored):
            return _replacing(stored, submission, submission.score)
        # Reasons are built without formatting times: most submissions to a busy best board
        # end here, and isoformat() would be the costliest step of the whole decision.
        if submission.score == stored.score:
            reason = f"score {submission.score} ties the stored score and is not earlier"
        else:
            reason = f"score {submission.score} does not beat the stored score {stored.score}"
        return Decision(Outcome.unchanged("not_better", reason))
    if _is_later(submission, stored):
        return _replacing(stored, submission, submission.score)
    return Decision(
        Outcome.unchanged(
            "not_better",
            f"submission {submission.submission_id!r} is not later than the stored "
            f"submission {stored.submission_id!r}",
        )
    )


def _duplicate(submission: ScoreSubmission) -> Outcome:
    return Outcome.unchanged(
        "duplicate",
        f"submission {submission.submission_id!r} was already applied to player "
        f"{submission.player_id!r}",
    )


def _increment(stored: Entry | None, submission: ScoreSubmission) -> Decision:
    if stored is None:
        return _replacing(None, submission, submission.score, (submission.submission_id,))
    if submission.submission_id in stored.counted:
        return Decision(_duplicate(submission))
    total = stored.score + submission.score
    if not INT64_MIN <= total <= INT64_MAX:
        return Decision(
            Outcome.rejected(
                "total_out_of_range",
                f"adding {submission.score} to the total {stored.score} of player "
                f"{submission.player_id!r} would leave the int64 range",
            )
        )
    later = _is_later(submission, stored)
    if submission.score == 0 and not later:
        return Decision(
            Outcome.unchanged(
                "not_better",
                f"submission {submission.submission_id!r} adds 0 and is not the latest, so it "
                "changes nothing",
            )
        )
    counted = counted_after(stored.counted, submission.submission_id)
    if later:
        return _replacing(stored, submission, total, counted)
    return Decision(
        ACCEPTED,
        stored._replace(score=total, revision=stored.revision + 1, counted=counted),
        stored.revision,
    )
