"""Import a part of an uploaded inventory CSV: begin, part, checkpoint, continue, report.

An upload (`Upload`: one object version) is streamed, pinned to that version, through
`tap_core.inventory.parse_inventory`; its valid rows are applied to the store as they
come and its bad rows are dead-lettered in batches of `DEAD_LETTER_BATCH`, one letter per
row carrying every error of that row. A file that fails as a whole (no header, a bad header) is
one letter at row 1.

Parts. When the caller's remaining time (``remaining_millis()``) falls under
`RESUME_MARGIN_MILLIS`, the part ends at the next row boundary (never before its first
row): the import record (`tap_core.inventory.ImportRecord`, in the ``ImportLedger``) is
saved with the counts so far and the checkpoint of the next row, and an
`tap_core.app.ports.IMPORT_CONTINUED` event (detail: `Continuation`) is emitted;
its rule runs the import again, which goes on from there. The last part saves the record
``done`` and writes it as the import's report.

A part resumes by parsing the object from its start and skipping the rows before the
checkpoint (whose byte offset and row must match what the parse finds there), not by reading
from the checkpoint's offset: the parser's duplicate-key check sees only what it parsed, so a
parse begun at the offset would apply a second row of a key an earlier part already applied,
where one invocation dead-letters it as ``duplicate_key``. Skipping costs a re-read and a
re-parse of the earlier parts (no store or queue request); parsing is fast beside applying.

Idempotency: every job is checked against the stored record. A repeated upload of a version
already imported (or handed on) and a repeated continuation of a part already passed change
nothing; a part that crashed before it was recorded runs again (applying is idempotent and each
row's letter has the same deduplication id); a continuation that comes before its previous part
was recorded fails (`ImportNotReady`), so it is retried. If a part was recorded but its
event was not sent, the repeated delivery of that part sends it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime  # noqa: TC003 - pydantic resolves annotations at runtime
from typing import TYPE_CHECKING, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from tap_core.app.ports import IMPORT_CONTINUED, ObjectVersion
from tap_core.deadletters import DeadLetter, LetterError, RowSource
from tap_core.inventory.csv.events import Checkpoint, RowError, ValidRow
from tap_core.inventory.csv.parser import parse_inventory
from tap_core.inventory.imports import REPORTED_ROW_ERRORS, ImportRecord, import_id
from tap_core.inventory.port import ImportResult

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from tap_core.app.ports import ImportDependencies
    from tap_core.deadletters import DeadLetters
    from tap_core.inventory.csv.parser import InventoryParser

DEAD_LETTER_BATCH: Final = 100
"""Bad rows kept in memory before they are sent to the dead-letter queue."""
RESUME_MARGIN_MILLIS: Final = 15_000
"""Remaining time under which a part ends at the next row boundary: enough to apply the last
chunk of rows, send the last letters, save the record and emit the follow-up event."""

PartStatus = Literal["done", "continued", "superseded", "skipped", "resent"]
"""How a part ended: the import ``done``; ``continued`` (the next part handed on); or, for a
repeated delivery, ``superseded`` (another delivery recorded the part first), ``skipped``
(nothing left to do) or ``resent`` (the part was recorded, its event now sent)."""


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

    def pinned(self) -> ObjectVersion:
        """The object version to read, so a later upload under the key is never mixed in."""
        return ObjectVersion(self.bucket, self.key, self.etag, self.version_id, self.size)


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


@dataclass(frozen=True, slots=True)
class ImportJob:
    """One part to run: of ``upload``, part ``part`` (0 first), from ``checkpoint`` (None for
    the first part)."""

    upload: Upload
    part: int = 0
    checkpoint: Checkpoint | None = None

    @classmethod
    def first(cls, upload: Upload) -> ImportJob:
        return cls(upload)

    @classmethod
    def continued(cls, detail: Continuation) -> ImportJob:
        """The job an ``IMPORT_CONTINUED`` event's detail names; ValueError when its import id
        is not its upload's."""
        if detail.import_id != detail.upload.import_id:
            raise ValueError(
                f"the continuation's import_id {detail.import_id!r} is not its upload's"
            )
        return cls(detail.upload, detail.part, detail.checkpoint)


@dataclass(frozen=True, slots=True)
class PartOutcome:
    """What one part did: its status and the endings of the rows it read."""

    bucket: str
    key: str
    version: str
    import_id: str
    part: int
    status: PartStatus
    applied: int = 0
    unchanged: int = 0
    stale: int = 0
    rejected: int = 0
    file_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """The file's warnings (unknown columns ignored, defaults taken), as its record has them."""

    @classmethod
    def of(
        cls,
        job: ImportJob,
        status: PartStatus,
        result: ImportResult | None = None,
        rejected: int = 0,
        file_errors: Iterable[str] = (),
        *,
        warnings: Iterable[str] = (),
    ) -> PartOutcome:
        upload = job.upload
        return cls(
            bucket=upload.bucket,
            key=upload.key,
            version=upload.version,
            import_id=upload.import_id,
            part=job.part,
            status=status,
            applied=0 if result is None else result.applied,
            unchanged=0 if result is None else result.unchanged,
            stale=0 if result is None else result.stale,
            rejected=rejected,
            file_errors=list(file_errors),
            warnings=list(warnings),
        )

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


class BadRows:
    """Turns a file's row errors into one letter per row, sent in batches."""

    def __init__(self, dead_letters: DeadLetters, upload: Upload, at: datetime) -> None:
        self._dead_letters = dead_letters
        self._bucket, self._key, self._version = upload.bucket, upload.key, upload.version
        self._at = at
        self._row: list[RowError] = []
        self._pending: list[DeadLetter] = []
        self.rows = 0
        """Rows dead-lettered."""
        self.errors: list[RowError] = []
        """The first `REPORTED_ROW_ERRORS` errors, for the import's report."""
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


class Budget:
    """A part's events: from its checkpoint on, until the time runs low at a row boundary."""

    def __init__(
        self,
        parser: InventoryParser,
        remaining_millis: Callable[[], int],
        start: Checkpoint | None,
    ) -> None:
        self._parser = parser
        self._remaining_millis = remaining_millis
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
        return self._remaining_millis() < RESUME_MARGIN_MILLIS


def _continue(dependencies: ImportDependencies, upload: Upload, record: ImportRecord) -> None:
    """Emit the follow-up event of ``record``'s next part, then note it sent."""
    if record.checkpoint is None:
        raise ValueError(f"import {record.import_id}: a handed-on record needs its checkpoint")
    detail = Continuation(
        upload=upload,
        import_id=record.import_id,
        part=record.part,
        checkpoint=record.checkpoint,
        rows=record.rows_valid,
        applied=record.applied,
        unchanged=record.unchanged,
        stale=record.stale,
        rejected=record.rejected,
    )
    dependencies.events.put(IMPORT_CONTINUED, detail.model_dump_json())
    dependencies.inventory.save_import(record.sent(), replacing=record.part)


def _base(dependencies: ImportDependencies, job: ImportJob) -> ImportRecord | PartStatus:
    """The record the job's part starts from, or how the job ends with nothing to do."""
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


def import_part(
    dependencies: ImportDependencies, job: ImportJob, remaining_millis: Callable[[], int]
) -> PartOutcome:
    """Run ``job``'s part until the file ends or ``remaining_millis()`` runs low."""
    base = _base(dependencies, job)
    if isinstance(base, str):
        return PartOutcome.of(job, base)
    upload = job.upload
    bad = BadRows(dependencies.dead_letters, upload, dependencies.clock())
    opened = dependencies.objects.open(upload.bucket, upload.key, version=upload.pinned())
    with opened as stream:
        parser = parse_inventory(stream, upload.uploaded_at)
        if parser.file_errors:
            bad.file_failed(LetterError(e.code, None, e.message) for e in parser.file_errors)
            result = ImportResult(source=upload.key, uploaded_at=upload.uploaded_at)
            stopped_at = None
        else:
            budget = Budget(parser, remaining_millis, job.checkpoint)
            result = dependencies.inventory.apply(
                bad.valid(budget.events()), upload.uploaded_at, source=upload.key
            )
            bad.finish()
            stopped_at = budget.stopped_at
    record = base.counted(result, bad.rows, bad.errors, bad.error_count, parser.warnings)
    ledger = dependencies.inventory
    status: PartStatus
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
    file_errors = [error.code for error in parser.file_errors]
    return PartOutcome.of(job, status, result, bad.rows, file_errors, warnings=parser.warnings)
