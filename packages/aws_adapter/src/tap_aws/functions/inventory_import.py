"""``inventory_import``: an uploaded inventory CSV, from EventBridge's S3 "Object Created",
in one or more parts.

The event names the job: an "Object Created" is a new upload's first part, an
``IMPORT_CONTINUED`` (whose detail is a `tap_core.app.imports.Continuation`) a later
part. The job is one call of `tap_core.app.imports.import_part`, which holds the
import protocol (begin, part, checkpoint, continue, report, and what a repeated delivery
changes: nothing); the invocation's remaining time is its budget.

The upload event is parsed with Powertools' ``S3EventNotificationEventBridgeModel``. The
object's version is read from the raw event (``version-id``, else its ETag as ``etag`` or, as
moto sends it, ``eTag``): the model drops ``eTag``.

Metrics, per progress save of a part (`tap_core.app.imports.Recorded`, each flushed at
once, so an invocation that dies later has emitted what it recorded and the rows it runs again
are not counted twice): ``RowsImported`` (applied), ``RowsRejected`` (rows dead-lettered),
``RowsStale``. A delivery whose part another invocation is running raises
`tap_core.app.imports.ImportBusy`, so it is retried (and then skipped, or takes over a dead
owner's part).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel

from tap_aws.functions.bootstrap import ImportDependencies, Root, build_import
from tap_aws.functions.observability import NAMESPACE
from tap_aws.resources import IMPORT_CONTINUED
from tap_core.app.imports import Continuation, ImportJob, Recorded, Upload, import_part

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE: Final = "inventory-import"
NULL_VERSION_ID: Final = "null"
"""The version id S3 gives every object of a bucket without versioning."""

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

root: Root[ImportDependencies] = Root(build_import)


def object_version(event: dict[str, Any]) -> tuple[str | None, str]:
    """(version id, quoted ETag) of the uploaded object, read from the raw event."""
    detail = event.get("detail") or {}
    found = detail.get("object") or {}
    etag = found.get("etag") or found.get("eTag")
    if not etag:
        raise ValueError("the Object Created event carries no etag (detail.object.etag)")
    quoted = etag if etag.startswith('"') else f'"{etag}"'
    version_id = found.get("version-id")
    # "null" is S3's version id of an object in an unversioned bucket: every upload of the key
    # has it, so it cannot tell two uploads apart; the ETag can.
    return (None if version_id in (None, "", NULL_VERSION_ID) else version_id), quoted


def is_continuation(event: dict[str, Any]) -> bool:
    return (
        event.get("source") == IMPORT_CONTINUED.source
        and event.get("detail-type") == IMPORT_CONTINUED.detail_type
    )


def uploaded(event: dict[str, Any]) -> Upload:
    """The upload an "Object Created" event names."""
    created = parse(event=event, model=S3EventNotificationEventBridgeModel)
    version_id, etag = object_version(event)
    return Upload(
        bucket=created.detail.bucket.name,
        key=created.detail.object.key,
        version_id=version_id,
        etag=etag,
        size=int(created.detail.object.size or 0),
        uploaded_at=created.time,
    )


def job_of(event: dict[str, Any]) -> ImportJob:
    """The part an event asks for."""
    if is_continuation(event):
        # Only the detail is read: moto's EventBridge leaves ``account`` out of the envelope.
        return ImportJob.continued(Continuation.model_validate(event.get("detail")))
    return ImportJob.first(uploaded(event))


def count_rows(recorded: Recorded) -> None:
    """Emit the rows one progress save recorded, at once."""
    metrics.add_metric(name="RowsImported", unit=MetricUnit.Count, value=recorded.applied)
    metrics.add_metric(name="RowsRejected", unit=MetricUnit.Count, value=recorded.rejected)
    metrics.add_metric(name="RowsStale", unit=MetricUnit.Count, value=recorded.stale)
    metrics.flush_metrics()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = import_part(
        root.get(), job_of(event), context.get_remaining_time_in_millis, on_recorded=count_rows
    )
    logged = outcome.as_dict()
    logger.info("inventory imported", extra=logged)
    if outcome.warnings:  # a misnamed column is silently defaulted otherwise: say it louder
        logger.warning(
            "inventory import warnings",
            extra={
                "import_id": outcome.import_id,
                "key": outcome.key,
                "warnings": outcome.warnings,
            },
        )
    return logged
