"""``inventory_summary``: the daily inventory summary, on a schedule.

The scheduled event's ``time`` (UTC) dates the summary, which
`tap_core.app.summary.write_summary` keeps as that date's item of the inventory table
(the ``SummaryArchive``, which the read API serves) and as ``reports/summary-YYYY-MM-DD.json``
(and as the latest) in the inventory bucket, so a retried or repeated invocation of the same
schedule rewrites the same item and object. Metrics: ``LowStockItems`` (every item at or below
its reorder level) and ``OutOfStockItems``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent

from tap_aws.functions.bootstrap import Root, SummaryDependencies, build_summary
from tap_aws.functions.observability import NAMESPACE
from tap_core.app.summary import write_summary
from tap_core.errors import show

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE: Final = "inventory-summary"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

root: Root[SummaryDependencies] = Root(build_summary)


def scheduled_at(event: EventBridgeEvent) -> datetime:
    """The event's ``time`` as an aware UTC datetime; ValueError naming it when malformed."""
    try:
        moment = datetime.fromisoformat(event.time)
    except (TypeError, ValueError):
        raise ValueError(
            f"the scheduled event's time {show(event.get('time'))} is not ISO-8601"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"the scheduled event's time {show(event.time)} has no time zone")
    return moment.astimezone(UTC)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    del context
    written = write_summary(root.get(), scheduled_at(EventBridgeEvent(event)))
    summary = written.summary
    metrics.add_metric(name="LowStockItems", unit=MetricUnit.Count, value=summary.low_stock_total)
    metrics.add_metric(name="OutOfStockItems", unit=MetricUnit.Count, value=summary.out_of_stock)
    metrics.flush_metrics()  # here, not by a decorator: a failed run has no metrics to flush
    logger.info(
        "inventory summarized",
        extra={"key": written.key, "items": summary.items, "low_stock": summary.low_stock_total},
    )
    return {"key": written.key, "items": summary.items}
