"""``scores``: score submissions from the SQS FIFO queue, batch by batch.

Each record ends one of four ways: accepted, unchanged (a duplicate, or not better), or
dead-lettered at once with its reasons when it can never succeed (a body that is not JSON or
not a valid :class:`ScoreSubmission`, or a submission the board's rules reject), so it never
blocks its message group. Anything else (throttling, a timeout, a dead letter that could not
be sent) is a batch item failure: SQS delivers it again and, after ``maxReceiveCount``,
redrives it to the dead-letter queue. ``SqsFifoPartialProcessor(skip_group_on_error=True)``
reports the rest of that record's group as failures too, so a group's order is kept.

Metrics: ``PlayerScore`` (one value per applied submission: its score), ``ScoresAccepted``,
``ScoresUnchanged``, ``ScoresRejected``, ``DeadLettered`` (every invocation emits the four
counts, zeros included).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from pydantic import ValidationError

from tap_aws.functions.bootstrap import Root, ScoresDependencies, build_scores
from tap_aws.functions.observability import NAMESPACE
from tap_core import DeadLetter, LetterError, MessageSource
from tap_core.leaderboard import ScoreSubmission

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE: Final = "scores"
COUNTS: Final = ("ScoresAccepted", "ScoresUnchanged", "ScoresRejected", "DeadLettered")
_BY_STATUS: Final = {
    "accepted": "ScoresAccepted",
    "unchanged": "ScoresUnchanged",
    "rejected": "ScoresRejected",
}

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
processor = SqsFifoPartialProcessor(skip_group_on_error=True)

root: Root[ScoresDependencies] = Root(build_scores)


def validation_errors(error: ValidationError) -> list[LetterError]:
    """A pydantic error as letter errors: its type, the field's dotted path, the message."""
    return [
        LetterError(
            code=str(detail["type"]),
            field=".".join(str(part) for part in detail["loc"]) or None,
            message=detail["msg"],
        )
        for detail in error.errors(include_url=False)
    ]


class _Batch:
    """One invocation's work: handles records and counts how each ended."""

    def __init__(self, dependencies: ScoresDependencies) -> None:
        self.dependencies = dependencies
        self.counts: Counter[str] = Counter()
        self.scores: list[int] = []

    def handle(self, record: SQSRecord) -> None:
        try:
            submission = ScoreSubmission.model_validate_json(record.body)
        except ValidationError as error:
            self._dead_letter(record, validation_errors(error))
            return
        outcome = self.dependencies.leaderboards.submit(submission)
        self.counts[_BY_STATUS[outcome.status]] += 1
        if outcome.status == "rejected":
            code = outcome.code or "rejected"
            self._dead_letter(record, [LetterError(code, None, outcome.reason or code)])
            return
        if outcome.status == "accepted":
            self.scores.append(submission.score)
        logger.debug(
            "score handled",
            extra={"message_id": record.message_id, "status": outcome.status},
        )

    def _dead_letter(self, record: SQSRecord, errors: list[LetterError]) -> None:
        source = MessageSource(record.message_id, record.attributes.message_group_id)
        letter = DeadLetter(source, tuple(errors), record.body, self.dependencies.clock())
        # Raises DeadLetterFailure when SQS does not keep it: a batch item failure, retried.
        self.dependencies.dead_letters.send([letter])
        self.counts["DeadLettered"] += 1
        logger.info(
            "score dead-lettered",
            extra={
                "message_id": record.message_id,
                "errors": [{"code": e.code, "field": e.field} for e in errors],
            },
        )

    def publish(self) -> None:
        for name in COUNTS:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=self.counts[name])
        for score in self.scores:
            metrics.add_metric(name="PlayerScore", unit=MetricUnit.Count, value=score)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    batch = _Batch(root.get())
    try:
        return process_partial_response(
            event=event, record_handler=batch.handle, processor=processor, context=context
        )
    finally:
        batch.publish()
