"""``inventory_import``: an uploaded inventory CSV, from EventBridge's S3 "Object Created",
in one or more parts.

The upload event is parsed with Powertools' ``S3EventNotificationEventBridgeModel``. The
object's version is read from the raw event (``version-id``, else its ETag as ``etag`` or, as
moto sends it, ``eTag``): the model drops ``eTag``. The object is streamed, pinned to that
version (a later upload is its own event), through :func:`tap_core.inventory.parse_inventory`;
its valid rows are applied to the store as they come and its bad rows are dead-lettered in
batches of :data:`DEAD_LETTER_BATCH`, one letter per row carrying every error of that row. A
file that fails as a whole (no header, a bad header) is one letter at row 1.

Parts. When the invocation's remaining time falls under :data:`RESUME_MARGIN_MILLIS`, the part
ends at the next row boundary (never before its first row): the import record
(:class:`tap_core.inventory.ImportRecord`, in the ``ImportLedger``) is saved with the counts so
far and the checkpoint of the next row, and an :data:`tap_aws.resources.IMPORT_CONTINUED`
event (detail: :class:`Continuation`, the upload and the checkpoint) goes on the default bus;
its rule invokes this function again, which goes on from there. The last part saves the record
``done`` and writes it as the import's report, ``reports/imports/<import_id>.json``.

A part resumes by parsing the object from its start and skipping the rows before the
checkpoint (whose byte offset and row must match what the parse finds there), not by reading
from the checkpoint's offset: the parser's duplicate-key check sees only what it parsed, so a
parse begun at the offset would apply a second row of a key an earlier part already applied,
where one invocation dead-letters it as ``duplicate_key``. Skipping costs a re-read and a
re-parse of the earlier parts (no store or queue request); parsing is fast beside applying.

Idempotency: every event is checked against the stored record. A repeated "Object Created" of
a version already imported (or handed on) and a repeated continuation of a part already passed
change nothing; a part that crashed before it was recorded runs again (applying is idempotent
and each row's letter has the same deduplication id); a continuation that comes before its
previous part was recorded fails (:class:`ImportNotReady`), so it is retried. If a part was
recorded but its event was not sent, the repeated delivery of that part sends it.

Metrics, per invocation: ``RowsImported`` (applied), ``RowsRejected`` (rows dead-lettered),
``RowsStale``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime  # noqa: TC003 - pydantic resolves annotations at runtime
from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel
from pydantic import BaseModel, ConfigDict, Field

from tap_aws.adapters.objects import ObjectVersion
from tap_aws.functions.bootstrap import ImportDependencies, Root, build_import
from tap_aws.functions.observability import NAMESPACE
from tap_aws.resources import IMPORT_CONTINUED
from tap_core import DeadLetter, LetterError, RowSource
from tap_core.inventory import (
    REPORTED_ROW_ERRORS,
    Checkpoint,
    ImportRecord,
    ImportResult,
    InventoryParser,
    RowError,
    ValidRow,
    import_id,
    parse_inventory,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE: Final = "inventory-import"
DEAD_LETTER_BATCH: Final = 100
"""Bad rows kept in memory before they are sent to the dead-letter queue."""
NULL_VERSION_ID: Final = "null"
"""The version id S3 gives every object of a bucket without versioning."""
RESUME_MARGIN_MILLIS: Final = 15_000
"""Remaining time under which a part ends at the next row boundary: enough to apply the last
chunk of rows, send the last letters, save the record and emit the follow-up event."""

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

root: Root[ImportDependencies] = Root(build_import)


class ImportNotReady(RuntimeError):
    """A continuation arrived before its previous part was recorded: retry it later."""


class Upload(BaseModel):
    """The uploaded object version an import reads, as its "Object Created" event gave it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bucket: str
    key: str
    version_id: str | None
    etag: str
    size: int = Field(ge=0)
    uploaded_at: datetime

    @property
    def version(self) -> str:
        """What names this version: its version id, else its ETag (unversioned bucket)."""
        return self.version_id or self.etag

    @property
    def import_id(self) -> str:
        return import_id(self.bucket, self.key, self.version)


class Continuation(BaseModel):
    """The detail of an ``IMPORT_CONTINUED`` event: the upload, the part to run and where it
    starts, and the counts of the parts before it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    upload: Upload
    import_id: str
    part: int = Field(ge=1)
    checkpoint: Checkpoint
    rows: int = Field(ge=0)
    applied: int = Field(ge=0)
    unchanged: int = Field(ge=0)
    stale: int = Field(ge=0)
    rejected: int = Field(ge=0)


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


@dataclass(frozen=True, slots=True)
class _Job:
    upload: Upload
    part: int
    checkpoint: Checkpoint | None


def _job(event: dict[str, Any]) -> _Job:
    if is_continuation(event):
        # Only the detail is read: moto's EventBridge leaves ``account`` out of the envelope.
        detail = Continuation.model_validate(event.get("detail"))
        if detail.import_id != detail.upload.import_id:
            raise ValueError(
                f"the continuation's import_id {detail.import_id!r} is not its upload's"
            )
        return _Job(detail.upload, detail.part, detail.checkpoint)
    return _Job(uploaded(event), 0, None)


class _BadRows:
    """Turns a file's row errors into one letter per row, sent in batches."""

    def __init__(
        self, import_: ImportDependencies, source: tuple[str, str, str], at: datetime
    ) -> None:
        self._dead_letters = import_.dead_letters
        self._bucket, self._key, self._version = source
        self._at = at
        self._row: list[RowError] = []
        self._pending: list[DeadLetter] = []
        self.rows = 0
        self.errors: list[RowError] = []
        """The first :data:`REPORTED_ROW_ERRORS` errors, for the import's report."""
        self.error_count = 0

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
        self.error_count += len(self._row)
        self.errors.extend(self._row[: REPORTED_ROW_ERRORS - len(self.errors)])
        self._pending.append(self._make(self._row[0].row, errors))
        self._row = []
        self.rows += 1
        if len(self._pending) >= DEAD_LETTER_BATCH:
            self._send()

    def _send(self) -> None:
        if self._pending:
            self._dead_letters.send(self._pending)
            self._pending = []


class _Budget:
    """A part's events: from its checkpoint on, until the time runs low at a row boundary."""

    def __init__(self, parser: InventoryParser, context: LambdaContext, start: Checkpoint | None):
        self._parser = parser
        self._context = context
        self._start = start
        self.stopped_at: Checkpoint | None = None
        """Where the next part starts, when this one stopped early."""

    def events(self) -> Iterator[ValidRow | RowError]:
        start = self._start
        last_row: int | None = None
        for event in self._parser:
            if start is not None:
                if event.row < start.row:
                    continue  # an earlier part's row
                if (event.row, event.offset) != (start.row, start.offset):
                    raise ValueError(
                        f"the checkpoint (row {start.row} at byte {start.offset}) is not a "
                        f"record of this object: its record there is row {event.row} at byte "
                        f"{event.offset}"
                    )
                start = None
            elif last_row is not None and event.row != last_row and self._low():
                self.stopped_at = self._parser.checkpoint(event)
                return
            last_row = event.row
            yield event

    def _low(self) -> bool:
        return self._context.get_remaining_time_in_millis() < RESUME_MARGIN_MILLIS


def _continue(dependencies: ImportDependencies, upload: Upload, record: ImportRecord) -> None:
    """Emit the follow-up event of ``record``'s next part, then note it sent."""
    assert record.checkpoint is not None  # noqa: S101 - a handed-on record has its checkpoint
    detail = Continuation(
        upload=upload,
        import_id=record.import_id,
        part=record.part,
        checkpoint=record.checkpoint,
        rows=record.rows,
        applied=record.applied,
        unchanged=record.unchanged,
        stale=record.stale,
        rejected=record.rejected,
    )
    dependencies.events.put(IMPORT_CONTINUED, detail.model_dump_json())
    dependencies.inventory.save_import(record.sent(), replacing=record.part)


def _base(dependencies: ImportDependencies, job: _Job) -> ImportRecord | str:
    """The record the job's part starts from, or why the job has nothing to do."""
    upload = job.upload
    ledger = dependencies.inventory
    stored = ledger.import_record(upload.import_id)
    if stored is None and job.part == 0:
        begun = ImportRecord.begin(
            upload.bucket, upload.key, upload.version, upload.uploaded_at, dependencies.clock()
        )
        return begun if ledger.save_import(begun, replacing=None) else "skipped"
    if stored is None or stored.part < job.part:
        raise ImportNotReady(
            f"part {job.part} of import {upload.import_id} came before part {job.part - 1} "
            "was recorded"
        )
    if stored.status == "done" or stored.part > job.part + 1:
        return "skipped"
    if stored.part == job.part + 1:
        if stored.continued:
            return "skipped"
        _continue(dependencies, upload, stored)  # the part was recorded, its event not sent
        return "resent"
    return stored


def _outcome(
    job: _Job, status: str, result: ImportResult | None = None, **more: Any
) -> dict[str, Any]:
    upload = job.upload
    return {
        "bucket": upload.bucket,
        "key": upload.key,
        "version": upload.version,
        "import_id": upload.import_id,
        "part": job.part,
        "status": status,
        "applied": 0 if result is None else result.applied,
        "unchanged": 0 if result is None else result.unchanged,
        "stale": 0 if result is None else result.stale,
        "rejected": 0,
        "file_errors": [],
        **more,
    }


def _import(dependencies: ImportDependencies, job: _Job, context: LambdaContext) -> dict[str, Any]:
    base = _base(dependencies, job)
    if isinstance(base, str):
        return _outcome(job, base)
    upload = job.upload
    bad = _BadRows(dependencies, (upload.bucket, upload.key, upload.version), dependencies.clock())
    pinned = ObjectVersion(upload.bucket, upload.key, upload.etag, upload.version_id, upload.size)
    with dependencies.objects.open(upload.bucket, upload.key, version=pinned) as stream:
        parser = parse_inventory(stream, upload.uploaded_at)
        if parser.file_errors:
            bad.file_failed(LetterError(e.code, None, e.message) for e in parser.file_errors)
            result = ImportResult(source=upload.key, uploaded_at=upload.uploaded_at)
            stopped_at = None
        else:
            budget = _Budget(parser, context, job.checkpoint)
            result = dependencies.inventory.apply(
                bad.valid(budget.events()), upload.uploaded_at, source=upload.key
            )
            bad.finish()
            stopped_at = budget.stopped_at
    record = base.counted(result, bad.rows, bad.errors, bad.error_count)
    ledger = dependencies.inventory
    if stopped_at is not None:
        handing = record.next_part(stopped_at)
        status = "continued"
        if ledger.save_import(handing, replacing=job.part):
            _continue(dependencies, upload, handing)
        else:
            status = "superseded"  # a repeated delivery of this part recorded it first
    else:
        finished = record.done(dependencies.clock(), parser.file_errors)
        key = dependencies.reports.put_import_report(finished.import_id, finished.model_dump_json())
        saved = ledger.save_import(finished.reported(key), replacing=job.part)
        status = "done" if saved else "superseded"
    return _outcome(
        job,
        status,
        result,
        rejected=bad.rows,
        file_errors=[error.code for error in parser.file_errors],
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    dependencies = root.get()
    outcome = _import(dependencies, _job(event), context)
    metrics.add_metric(name="RowsImported", unit=MetricUnit.Count, value=outcome["applied"])
    metrics.add_metric(name="RowsRejected", unit=MetricUnit.Count, value=outcome["rejected"])
    metrics.add_metric(name="RowsStale", unit=MetricUnit.Count, value=outcome["stale"])
    metrics.flush_metrics()
    logger.info("inventory imported", extra=outcome)
    return outcome
