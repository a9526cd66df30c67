"""``scores``: score submissions from the SQS FIFO queue, batch by batch.

Each record is one call of `tap_core.app.scores.ScoreBatch.handle`, which gives it its
ending (accepted, unchanged, or dead-lettered at once with its reasons). Anything it raises
(throttling, a timeout, a dead letter that could not be sent) is a batch item failure: SQS
delivers the record again and, after ``maxReceiveCount``, redrives it to the dead-letter queue.
``SqsFifoPartialProcessor(skip_group_on_error=True)`` reports the rest of that record's group
as failures too, so a group's order is kept.

Metrics: ``PlayerScore`` (one value per applied submission: its score), ``ScoresAccepted``,
``ScoresUnchanged``, ``ScoresRejected``, ``DeadLettered`` (every invocation emits the four
counts, zeros included).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response

from tap_aws.functions.bootstrap import Root, ScoresDependencies, build_scores
from tap_aws.functions.observability import NAMESPACE
from tap_core import MessageSource
from tap_core.app.scores import ScoreBatch

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE: Final = "scores"
COUNTS: Final = ("ScoresAccepted", "ScoresUnchanged", "ScoresRejected", "DeadLettered")

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
processor = SqsFifoPartialProcessor(skip_group_on_error=True)

root: Root[ScoresDependencies] = Root(build_scores)


class _Records:
    """One invocation's records, each handed to the use case and logged."""

    def __init__(self, dependencies: ScoresDependencies) -> None:
        self.batch = ScoreBatch(dependencies)

    def handle(self, record: SQSRecord) -> None:
        source = MessageSource(record.message_id, record.attributes.message_group_id)
        ending = self.batch.handle(record.body, source)
        if ending.dead_lettered:
            errors = [{"code": e.code, "field": e.field} for e in ending.errors]
            logger.info(
                "score dead-lettered", extra={"message_id": record.message_id, "errors": errors}
            )
        else:
            logger.debug(
                "score handled", extra={"message_id": record.message_id, "status": ending.status}
            )

    def publish(self) -> None:
        counts = self.batch.counts
        values = (counts["accepted"], counts["unchanged"], counts["rejected"])
        for name, value in zip(COUNTS, (*values, self.batch.dead_lettered), strict=True):
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        for score in self.batch.scores:
            metrics.add_metric(name="PlayerScore", unit=MetricUnit.Count, value=score)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    records = _Records(root.get())
    try:
        return process_partial_response(
            event=event, record_handler=records.handle, processor=processor, context=context
        )
    finally:
        records.publish()
