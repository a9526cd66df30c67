"""Import a part of an uploaded inventory CSV: begin, lease, chunks, checkpoint, continue, report.

An upload (`Upload`: one object version) is streamed, pinned to that version, through
`tap_core.inventory.parse_inventory`, in chunks of `PROGRESS_ROWS` rows: a chunk's valid rows
are applied to the store, then its bad rows are dead-lettered (one letter per row carrying
every error of that row, sent in batches of `DEAD_LETTER_BATCH`), then the import record
(`tap_core.inventory.ImportRecord`, in the ``ImportLedger``) is saved with the counts so far
and the checkpoint of the next row. A file that fails as a whole (no header, a bad header) is
one letter at row 1.

Parts. When the caller's remaining time (``remaining_millis()``) falls under
`RESUME_MARGIN_MILLIS`, the part ends at the next row boundary (never before its first
row): the record is saved handing on to the next part, with the checkpoint of the next row,
and an `tap_core.app.ports.IMPORT_CONTINUED` event (detail: `Continuation`) is emitted; its
rule runs the import again, which goes on from there. A part resumes at the checkpoint its
record holds (the event's is not trusted) and never reads the file before it: the part that
hands on first stores the key claims of every row before the next part's start
(``Reports.put_import_keys``: a fingerprint and a row a key, see
``tap_core.inventory.csv.key_claims``), and the next part opens the object at that start (a
ranged read) with those claims, so its duplicate-key check sees every earlier row as one parse
would. The record's ``keys_at`` is that start; a part that died after progress saves runs again
from it, reading the rows up to its checkpoint for their keys only (their byte offset and row
must match what the parse finds there), and if its time runs low there it hands on from the row
it reached (`Budget`). A file over ``MAX_FILE_BYTES`` is not read: its record is finished with
the file error ``file_too_large`` and one letter at row 1.

One runner per part. Every save is conditional (``ImportLedger.save_import``): the stored
record must still be at the part, and its lease (owner token and expiry, see
`tap_core.inventory.LEASE`) free, this invocation's own or expired. An invocation takes the
part's lease before it opens the file and renews it with each chunk's save. A second delivery
while the lease runs raises `ImportBusy` without opening the file or sending a letter: it is
retried by EventBridge, and the retry ends quietly (``skipped``) once the part is done, or
takes the part over once its lease expired (its owner died). A part that fails with an
exception gives its lease up first, so its retry takes over at once; one that dies without one
(a timeout, out of memory) leaves it to expire, before Lambda's first retry a minute later. An
owner whose lease was taken over finds its next save refused and stops (``superseded``).

Exact counts whatever happens. A part that dies (its store fails, its time is up, it runs out
of memory) before a chunk's save is delivered again (Lambda retries it) and, once its lease
expired, runs that chunk again from the last checkpoint saved. Its rows already applied are
recognised, not counted ``unchanged``: each row is handed to the store as an
`tap_core.inventory.ImportedRow`, the stored record keeps the import id and row that wrote it,
and a row whose stored record this import wrote from this row decides ``own_write``, counted
``applied`` (``tap_core.inventory.decisions``). Its letters were not sent (a chunk's letters go
after its rows are applied and before its save), so each bad row is dead-lettered once. What
the function's metrics count is told through ``on_recorded`` after each save that won
(`Recorded`), so rows run again are never counted twice. The remaining window: an invocation
that dies between a chunk's letters and its save (or is taken over in that window) has those
letters sent again by the next runner, with the same deduplication ids, which the FIFO queue
drops within its 5-minute window; the counts stay exact.

The report. The last chunk's save records every row counted (``finished_at`` set, status still
``started``); only after that conditional save won is the report object written, from that
record (without its lease: `ImportRecord.report`), then the record saved ``done`` with the
report's key. A runner that takes over a part whose rows were all counted writes the same
bytes and finishes the record, reading no row.

Idempotency: every job is checked against the stored record. A repeated upload of a version
already imported (or handed on) and a repeated continuation of a part already passed change
nothing; a continuation that comes before its previous part was recorded fails
(`ImportNotReady`), so it is retried. If a part was recorded but its event was not sent, the
repeated delivery of that part sends it.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime  # noqa: TC003 - pydantic resolves annotations at runtime
from typing import TYPE_CHECKING, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from tap_core.app.ports import IMPORT_CONTINUED, ObjectVersion
from tap_core.deadletters import DeadLetter, LetterError, RowSource
from tap_core.inventory.csv import messages
from tap_core.inventory.csv.contract import MAX_FILE_BYTES
from tap_core.inventory.csv.events import Checkpoint, FileError, RowError, ValidRow
from tap_core.inventory.csv.key_claims import KeyClaims
from tap_core.inventory.csv.parser import parse_inventory
from tap_core.inventory.imports import REPORTED_ROW_ERRORS, ImportRecord, import_id
from tap_core.inventory.port import ImportedRow, ImportResult

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from tap_core.app.ports import ImportDependencies
    from tap_core.deadletters import DeadLetters
    from tap_core.inventory.csv.parser import InventoryParser

DEAD_LETTER_BATCH: Final = 100
"""Bad rows kept in memory before they are sent to the dead-letter queue."""
PROGRESS_ROWS: Final = 1000
"""Rows a part applies between two saves of its progress (counts, checkpoint, lease): a crash
re-runs at most this many. A save costs one write of the record (up to ~25 KB with its first
row errors) beside the ~2,000 write units of 1,000 rows: about 1%."""
RESUME_MARGIN_MILLIS: Final = 15_000
"""Remaining time under which a part ends at the next row boundary: enough to apply the last
chunk of rows, send the last letters, save the record and emit the follow-up event."""

PartStatus = Literal["done", "continued", "superseded", "skipped", "resent"]
"""How a part ended: the import ``done``; ``continued`` (the next part handed on); or, for a
repeated delivery, ``superseded`` (another delivery recorded the part first, or took over
this one's lease: its save was refused), ``skipped`` (nothing left to do) or ``resent`` (the
part was recorded, its event now sent)."""


class ImportNotReady(RuntimeError):
    """A continuation arrived before its previous part was recorded: retry it later."""


class ImportBusy(ImportNotReady):
    """Another invocation holds the part's lease: retry later, when the part is done (the
    retry is then skipped) or its lease expired (the retry takes the part over)."""


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
    """One part to run: of ``upload``, part ``part`` (0 first); ``checkpoint`` is where its
    event says it starts (None for the first part), which the part does not trust: it resumes
    where its import record says."""

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
    """Turns a chunk's row errors into one letter per row, kept until `send`."""

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
        """The valid rows of ``events``; a letter kept for each bad row on the way."""
        for event in events:
            if isinstance(event, RowError):
                if self._row and self._row[0].row != event.row:
                    self._letter()
                self._row.append(event)
            else:
                yield event
        self._letter()

    def file_failed(self, errors: Iterable[LetterError]) -> None:
        self._pending.append(self._make(1, tuple(errors)))

    def send(self) -> None:
        """Send the letters kept, in batches of `DEAD_LETTER_BATCH`."""
        pending, self._pending = self._pending, []
        for start in range(0, len(pending), DEAD_LETTER_BATCH):
            self._dead_letters.send(pending[start : start + DEAD_LETTER_BATCH])

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


class Budget:
    """A part's events: from its checkpoint on, until the time runs low at a row boundary.

    The parse may start before the checkpoint (at the record's ``keys_at``: a part that died
    after progress saves runs again from its start); the rows before the checkpoint are read
    for their keys only, and that read watches the clock too: when the time runs low there
    (past its first row), the part ends at that row, `keys_stopped_at`, handing on with the
    same checkpoint."""

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
        self.keys_stopped_at: Checkpoint | None = None
        """Where the next part's parse starts, when this one stopped before its checkpoint."""

    def events(self) -> Iterator[ValidRow | RowError]:
        start = self._start
        last_row: int | None = None
        for event in self._parser:
            if start is not None:
                if event.row < start.row:  # an earlier part's row: its key is claimed
                    if last_row is not None and event.row != last_row and self._low():
                        self.keys_stopped_at = self._parser.checkpoint(event)
                        return
                    last_row = event.row
                    continue
                if (event.row, event.offset) != (start.row, start.offset):
                    raise ValueError(
                        f"the checkpoint (row {start.row} at byte {start.offset}) is not a "
                        f"record of this object: its record there is row {event.row} at byte "
                        f"{event.offset}"
                    )
                start, last_row = None, None
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


def _claim(
    dependencies: ImportDependencies, job: ImportJob, owner: str
) -> ImportRecord | PartStatus:
    """The record of the job's part with its lease taken by ``owner``, or how the job ends with
    nothing to do; `ImportBusy` while another invocation holds the part's lease."""
    upload = job.upload
    ledger = dependencies.inventory
    now = dependencies.clock()
    stored = ledger.import_record(upload.import_id)
    if stored is None and job.part == 0:
        begun = ImportRecord.begin(
            upload.bucket, upload.key, upload.version, upload.uploaded_at, now
        ).leased(owner, now)
        if ledger.save_import(begun, replacing=None):
            return begun
        stored = ledger.import_record(upload.import_id)  # another delivery began it first
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
    busy = ImportBusy(
        f"part {job.part} of import {upload.import_id} is running under another invocation's lease"
    )
    if stored.held_at(now):
        raise busy
    claimed = stored.leased(owner, now)
    if job.part > 0:
        claimed = claimed.sent()  # its event came: no repeated delivery need send it again
    if not ledger.save_import(claimed, replacing=job.part):
        raise busy  # another delivery took the lease between the read and the save
    return claimed


@dataclass(frozen=True, slots=True)
class Recorded:
    """The endings of the rows one progress save recorded (what the function's metrics count:
    each row once, whatever crashes and deliveries the import went through)."""

    applied: int = 0
    unchanged: int = 0
    stale: int = 0
    rejected: int = 0


class _Chunks:
    """A part's events in chunks of ``rows`` rows (a row's errors kept together), each read
    lazily as the store applies it, so the budget looks at the clock row by row."""

    def __init__(self, events: Iterator[ValidRow | RowError], rows: int) -> None:
        self._events = events
        self._rows = rows
        self.following: ValidRow | RowError | None = None
        """The event that starts the next chunk, once a chunk ended before the events did."""

    def next(self) -> Iterator[ValidRow | RowError]:
        """The next chunk's events (none once the events ended)."""
        count, last = 0, None
        first, self.following = self.following, None
        if first is not None:
            count, last = 1, first.row
            yield first
        for event in self._events:
            if event.row != last:
                if count == self._rows:
                    self.following = event
                    return
                count, last = count + 1, event.row
            yield event


class _Run:
    """One invocation's run of a part under its lease: records each chunk with a conditional
    save and tells ``on_recorded`` what each save recorded."""

    def __init__(
        self,
        dependencies: ImportDependencies,
        job: ImportJob,
        record: ImportRecord,
        on_recorded: Callable[[Recorded], None] | None,
    ) -> None:
        self.dependencies = dependencies
        self.job = job
        self.record = record
        self.on_recorded = on_recorded
        self.total = Recorded()

    def save(self, record: ImportRecord, counted: Recorded | None) -> bool:
        """Record ``record`` if this owner still holds the part; tell what it counted."""
        if not self.dependencies.inventory.save_import(record, replacing=self.job.part):
            return False
        self.record = record
        if counted is None:
            return True
        total = self.total
        self.total = Recorded(
            total.applied + counted.applied,
            total.unchanged + counted.unchanged,
            total.stale + counted.stale,
            total.rejected + counted.rejected,
        )
        if self.on_recorded is not None:
            self.on_recorded(counted)
        return True

    def chunk(
        self, events: Iterable[ValidRow | RowError], warnings: Iterable[str]
    ) -> tuple[ImportRecord, Recorded]:
        """Apply a chunk's valid rows, send its letters; the record with its counts added."""
        dependencies, upload = self.dependencies, self.job.upload
        bad = BadRows(dependencies.dead_letters, upload, dependencies.clock())
        import_id = upload.import_id
        result = dependencies.inventory.apply(
            (ImportedRow(row.item, row.row, import_id) for row in bad.valid(events)),
            upload.uploaded_at,
            source=upload.key,
        )
        bad.send()
        counted = Recorded(result.applied, result.unchanged, result.stale, bad.rows)
        record = self.record.counted(result, bad.rows, bad.errors, bad.error_count, warnings)
        return record, counted

    def outcome(self, status: PartStatus, warnings: Iterable[str] = ()) -> PartOutcome:
        total, upload = self.total, self.job.upload
        return PartOutcome(
            bucket=upload.bucket,
            key=upload.key,
            version=upload.version,
            import_id=upload.import_id,
            part=self.job.part,
            status=status,
            applied=total.applied,
            unchanged=total.unchanged,
            stale=total.stale,
            rejected=total.rejected,
            file_errors=[error.code for error in self.record.file_errors],
            warnings=list(warnings),
        )

    def give_up(self) -> None:
        """After an exception: give the lease up (best effort), so the retry of this delivery
        takes the part over at once rather than when the lease expires. A part that dies
        without an exception (a timeout, out of memory) leaves its lease to expire."""
        with contextlib.suppress(Exception):
            released = self.record.released(self.dependencies.clock())
            self.dependencies.inventory.save_import(released, replacing=self.job.part)

    def report(self) -> PartStatus:
        """Write the report of the record, every row counted; then record it done."""
        finished = self.record.done()
        key = self.dependencies.reports.put_import_report(finished.import_id, finished.report())
        saved = self.save(finished.reported(key), None)
        return "done" if saved else "superseded"


def import_part(
    dependencies: ImportDependencies,
    job: ImportJob,
    remaining_millis: Callable[[], int],
    *,
    on_recorded: Callable[[Recorded], None] | None = None,
    chunk_rows: int = PROGRESS_ROWS,
    owner: str | None = None,
) -> PartOutcome:
    """Run ``job``'s part until the file ends or ``remaining_millis()`` runs low, recording
    its progress every ``chunk_rows`` rows under the part's lease, taken by ``owner`` (a
    fresh random token if None); ``on_recorded`` is told what each save recorded.
    `ImportBusy` when another invocation holds the lease; a part that fails with an exception
    gives its lease up before the exception goes on."""
    owner = owner or secrets.token_hex(16)
    claimed = _claim(dependencies, job, owner)
    if isinstance(claimed, str):
        return PartOutcome.of(job, claimed)
    run = _Run(dependencies, job, claimed, on_recorded)
    try:
        return _run(run, remaining_millis, owner, chunk_rows)
    except BaseException:
        run.give_up()
        raise


def _run(
    run: _Run, remaining_millis: Callable[[], int], owner: str, chunk_rows: int
) -> PartOutcome:
    """The part's work once its lease is taken."""
    dependencies, job, claimed = run.dependencies, run.job, run.record
    if claimed.finished_at is not None:  # every row was counted, the report left to write
        return run.outcome(run.report(), claimed.warnings)
    upload = job.upload
    clock = dependencies.clock
    if upload.size > MAX_FILE_BYTES:  # refused whole, unread
        return _failed(run, owner, (messages.file_too_large(upload.size),), ())
    keys_at = claimed.keys_at
    claims = _claims_before(dependencies, upload, keys_at)
    offset = 0 if keys_at is None else keys_at.offset
    opened = dependencies.objects.open(
        upload.bucket, upload.key, offset=offset, version=upload.pinned()
    )
    with opened as stream:
        parser = parse_inventory(stream, upload.uploaded_at, resume=keys_at, claims=claims)
        # a parse from a checkpoint reads no header: the record has the file's warnings
        warnings = parser.warnings if keys_at is None else tuple(claimed.warnings)
        if parser.file_errors:
            return _failed(run, owner, parser.file_errors, warnings)
        budget = Budget(parser, remaining_millis, claimed.checkpoint)
        chunks = _Chunks(budget.events(), chunk_rows)
        while True:
            record, counted = run.chunk(chunks.next(), warnings)
            if chunks.following is None:
                break
            resuming = record.resuming(parser.checkpoint(chunks.following))
            if not run.save(resuming.leased(owner, clock()), counted):
                return run.outcome("superseded", warnings)
        handing = _handing(record, budget)
        if handing is not None and handing.keys_at is not None:
            row = handing.keys_at.row  # the claims of the rows before it, for the next part
            dependencies.reports.put_import_keys(upload.import_id, row, parser.claims.snapshot(row))
    now = clock()
    if handing is not None:
        if not run.save(handing.released(now), counted):
            return run.outcome("superseded", warnings)
        _continue(dependencies, upload, run.record)
        return run.outcome("continued", warnings)
    finishing = record.finishing(now).leased(owner, now)
    if not run.save(finishing, counted):
        return run.outcome("superseded", warnings)
    return run.outcome(run.report(), warnings)


def _claims_before(
    dependencies: ImportDependencies, upload: Upload, keys_at: Checkpoint | None
) -> KeyClaims | None:
    """The key claims of the rows before ``keys_at``, stored by an earlier part (None at the
    file's start)."""
    if keys_at is None:
        return None
    snapshot = dependencies.reports.import_keys(upload.import_id, keys_at.row)
    if snapshot is None:
        raise ValueError(
            f"import {upload.import_id}: the key claims before row {keys_at.row} are missing"
        )
    return KeyClaims.restored(snapshot)


def _handing(record: ImportRecord, budget: Budget) -> ImportRecord | None:
    """The record handing on to the next part, when the budget stopped this one early."""
    if budget.keys_stopped_at is not None and record.checkpoint is not None:
        return record.next_part(record.checkpoint, budget.keys_stopped_at)
    if budget.stopped_at is not None:
        return record.next_part(budget.stopped_at)
    return None


def _failed(
    run: _Run, owner: str, errors: Iterable[FileError], warnings: Iterable[str]
) -> PartOutcome:
    """End an import whose file fails as a whole: one letter at row 1, the record finished
    with the file's ``errors``."""
    dependencies = run.dependencies
    errors = tuple(errors)
    bad = BadRows(dependencies.dead_letters, run.job.upload, dependencies.clock())
    bad.file_failed(LetterError(e.code, None, e.message) for e in errors)
    bad.send()
    now = dependencies.clock()
    finishing = run.record.finishing(now, errors).leased(owner, now)
    if not run.save(finishing, Recorded()):
        return run.outcome("superseded", warnings)
    return run.outcome(run.report(), warnings)
