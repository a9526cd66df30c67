"""``inventory_import``: an uploaded inventory CSV, from EventBridge's S3 "Object Created".

The event is parsed with Powertools' ``S3EventNotificationEventBridgeModel``. The object's
version is read from the raw event (``version-id``, else its ETag as ``etag`` or, as moto
sends it, ``eTag``): the model drops ``eTag``. The object is streamed, pinned to that version
(a later upload is its own event), through :func:`tap_core.inventory.parse_inventory`; its
valid rows are applied to the store as they come and its bad rows are dead-lettered in
batches of :data:`DEAD_LETTER_BATCH`, one letter per row carrying every error of that row. A
file that fails as a whole (no header, a bad header) is one letter at row 1.

Repeating the event changes nothing: the store's apply is idempotent and each row's letter
has the same deduplication id. Metrics: ``RowsImported`` (applied), ``RowsRejected`` (rows
dead-lettered), ``RowsStale``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel

from tap_aws.functions.bootstrap import ImportDependencies, Root, build_import
from tap_aws.functions.observability import NAMESPACE
from tap_aws.objects import ObjectVersion
from tap_core import DeadLetter, LetterError, RowSource
from tap_core.inventory import RowError, ValidRow, parse_inventory

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import datetime

    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE: Final = "inventory-import"
DEAD_LETTER_BATCH: Final = 100
"""Bad rows kept in memory before they are sent to the dead-letter queue."""

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
    return found.get("version-id"), quoted


class _BadRows:
    """Turns a file's row errors into one letter per row, sent in batches."""

    def __init__(self, import_: ImportDependencies, source: tuple[str, str, str], at: datetime):
        self._dead_letters = import_.dead_letters
        self._bucket, self._key, self._version = source
        self._at = at
        self._row: list[RowError] = []
        self._pending: list[DeadLetter] = []
        self.rows = 0

    def valid(self, events: Iterable[ValidRow | RowError]) -> Iterator[ValidRow]:
        """The valid rows of ``events``; their errors dead-lettered on the way."""
        for event in events:
            if isinstance(event, RowError):
                if self._row and self._row[0].row != event.row:
                    self._letter()
                self._row.append(event)
            else:
                yield event
        self.finish()

    def file_failed(self, errors: Iterable[LetterError]) -> None:
        self._pending.append(self._make(1, tuple(errors)))
        self.finish()

    def finish(self) -> None:
        self._letter()
        self._send()

    def _make(self, row: int, errors: tuple[LetterError, ...]) -> DeadLetter:
        source = RowSource(self._bucket, self._key, row, self._version)
        raw = f"s3://{self._bucket}/{self._key} ({self._version}), row {row}"
        return DeadLetter(source, errors, raw, self._at)

    def _letter(self) -> None:
        if not self._row:
            return
        errors = tuple(LetterError.of(error) for error in self._row)
        self._pending.append(self._make(self._row[0].row, errors))
        self._row = []
        self.rows += 1
        if len(self._pending) >= DEAD_LETTER_BATCH:
            self._send()

    def _send(self) -> None:
        if self._pending:
            self._dead_letters.send(self._pending)
            self._pending = []


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    del context
    dependencies = root.get()
    upload = parse(event=event, model=S3EventNotificationEventBridgeModel)
    bucket, key = upload.detail.bucket.name, upload.detail.object.key
    version_id, etag = object_version(event)
    uploaded_at = upload.time
    size = int(upload.detail.object.size or 0)
    version = version_id or etag
    bad = _BadRows(dependencies, (bucket, key, version), dependencies.clock())
    pinned = ObjectVersion(bucket, key, etag, version_id, size)
    with dependencies.objects.open(bucket, key, version=pinned) as stream:
        parser = parse_inventory(stream, uploaded_at)
        if parser.file_errors:
            bad.file_failed(LetterError(e.code, None, e.message) for e in parser.file_errors)
            applied = unchanged = stale = 0
        else:
            result = dependencies.inventory.apply(bad.valid(parser), uploaded_at, source=key)
            bad.finish()
            applied, unchanged, stale = result.applied, result.unchanged, result.stale
    metrics.add_metric(name="RowsImported", unit=MetricUnit.Count, value=applied)
    metrics.add_metric(name="RowsRejected", unit=MetricUnit.Count, value=bad.rows)
    metrics.add_metric(name="RowsStale", unit=MetricUnit.Count, value=stale)
    metrics.flush_metrics()
    outcome = {
        "bucket": bucket,
        "key": key,
        "version": version,
        "applied": applied,
        "unchanged": unchanged,
        "stale": stale,
        "rejected": bad.rows,
        "file_errors": [error.code for error in parser.file_errors],
    }
    logger.info("inventory imported", extra=outcome)
    return outcome
