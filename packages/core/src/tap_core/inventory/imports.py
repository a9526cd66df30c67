"""The record of one import: one uploaded object version, applied in one or more parts.

An import is named by its `import_id`, derived from the object's bucket, key and version
(its version id, or its ETag in an unversioned bucket): the URL-safe base64 (no padding) of the
JSON array ``[bucket, key, version]``. So the id of any upload can be computed from its event,
and `parse_import_id` gives back the three parts, e.g. for the read API.

A function that cannot finish a file in one invocation ends a part at a row boundary: the
record's ``part`` then names the next part and its ``checkpoint`` where it starts, with the
counts so far. A running part also records its progress as it goes (its counts and the
checkpoint it would resume at). When the last part is done the record is ``done`` and is the
import's report.

The lease: the invocation running a part holds it (``lease_owner``, its token, until
``lease_until``, `LEASE` after its last save at ``lease_since``). `ImportRecord.may_replace`
is the rule every ledger applies when saving: a record replaces the stored one only when the
stored lease is free (none), the saver's own, or expired by the time the saver took or renewed
its own. So a second delivery cannot record anything while the first is alive, and the owner
of an expired lease (taken for dead, or too slow) cannot record anything once another took it.
Pure: no clock, no storage.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

# pydantic resolves these annotations at runtime:
from tap_core.errors import show
from tap_core.inventory.csv.events import Checkpoint, FileError, RowError

if TYPE_CHECKING:
    from collections.abc import Iterable

BUCKET_CHARS_MAX: Final = 63
KEY_BYTES_MAX: Final = 1024
VERSION_BYTES_MAX: Final = 1024
"""S3's limits on a bucket name, an object key (UTF-8) and a version id or ETag: an id past
them names no object."""
REPORTED_ROW_ERRORS: Final = 100
"""How many row errors an import record lists (the first, in file order); the rest are counted."""

LEASE: Final = timedelta(seconds=30)
"""How long a part's lease lasts after its owner's last save. Longer than a live owner goes
between saves (a chunk of rows, or the end of a part), shorter than the minute after which
Lambda retries a failed asynchronous invocation, so that retry takes over a dead owner's part."""

ImportStatus = Literal["started", "done"]


class PartEndings(Protocol):
    """How one part's valid rows ended: the store's ``ImportResult`` is one. Read structurally,
    so this module needs nothing from ``tap_core.inventory.port``, which imports it (no cycle).
    """

    @property
    def rows(self) -> int: ...

    @property
    def applied(self) -> int: ...

    @property
    def unchanged(self) -> int: ...

    @property
    def stale(self) -> int: ...


def import_id(bucket: str, key: str, version: str) -> str:
    """The id of the import of ``bucket``/``key`` at ``version`` (see the module docstring)."""
    text = json.dumps([bucket, key, version], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def parse_import_id(text: str) -> tuple[str, str, str]:
    """(bucket, key, version) of an `import_id`; ValueError naming it when it is not one."""
    problem = f"import_id {show(text)} is not an import id (base64url of [bucket, key, version])"
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        parts = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError(problem) from None
    if not (
        isinstance(parts, list)
        and len(parts) == 3
        and all(isinstance(part, str) and part for part in parts)
        and import_id(*parts) == text
        and len(parts[0]) <= BUCKET_CHARS_MAX
        and len(parts[1].encode()) <= KEY_BYTES_MAX
        and len(parts[2].encode()) <= VERSION_BYTES_MAX
    ):
        raise ValueError(problem)
    bucket, key, version = parts
    return bucket, key, version


class ImportRecord(BaseModel):
    """One import's progress and, once ``done``, its report.

    The counts mean what the validation report's do: ``rows_total`` counts the records read
    (blank ones not counted) = ``rows_valid`` + ``rejected``; ``rows_valid`` the valid ones
    (``applied + unchanged + stale``), ``rejected`` the invalid ones, each dead-lettered.
    ``row_errors`` lists the first `REPORTED_ROW_ERRORS` errors of those rows,
    ``row_errors_truncated`` counts the rest; ``warnings`` are the file's (as ``tap inventory
    validate`` prints them: unknown columns ignored, defaults taken). ``part`` is the part at
    work (0 first) or, when done, the last one; a started record with ``part > 0`` has the
    ``checkpoint`` where that part resumes (its start, or past the rows its last progress save
    counted), and ``continued`` says whether its follow-up event was sent (or the part began).
    ``keys_at`` is where that part's parse starts (its start, or a row a part reached while it
    read up to its checkpoint): the key claims of every row before it are stored under the
    import's id at its row (``tap_core.app.ports.Reports.import_keys``); None, the file's start.
    A started record with ``finished_at`` has counted every row: its report is left to write.
    ``lease_owner``, ``lease_since`` and ``lease_until``: see the module docstring; the report
    leaves them out.

    A record stored before ``rows_total``, ``rows_valid`` and ``warnings`` existed reads as
    it was meant: its ``rows`` (the valid rows) is ``rows_valid``, and it has no warnings.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    import_id: str
    bucket: str
    key: str
    version: str
    uploaded_at: datetime
    started_at: datetime
    status: ImportStatus = "started"
    part: int = Field(default=0, ge=0)
    checkpoint: Checkpoint | None = None
    keys_at: Checkpoint | None = None
    continued: bool = False
    finished_at: datetime | None = None
    rows_total: int = Field(default=0, ge=0)
    rows_valid: int = Field(default=0, ge=0)
    applied: int = Field(default=0, ge=0)
    unchanged: int = Field(default=0, ge=0)
    stale: int = Field(default=0, ge=0)
    rejected: int = Field(default=0, ge=0)
    file_errors: list[FileError] = Field(default_factory=list)
    row_errors: list[RowError] = Field(default_factory=list, max_length=REPORTED_ROW_ERRORS)
    row_errors_truncated: int = Field(default=0, ge=0)
    warnings: list[str] = Field(default_factory=list)
    report_key: str | None = None
    lease_owner: str | None = None
    lease_since: datetime | None = None
    lease_until: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _earlier_form(cls, data: Any) -> Any:
        """A record stored with ``rows`` (its valid rows): the counts it implies."""
        if isinstance(data, dict) and "rows" in data and "rows_valid" not in data:
            data = dict(data)
            valid = data.pop("rows")
            data["rows_valid"] = valid
            rejected = data.get("rejected", 0)
            if isinstance(valid, int) and isinstance(rejected, int):
                data.setdefault("rows_total", valid + rejected)
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.rows_valid != self.applied + self.unchanged + self.stale:
            raise ValueError(
                f"rows_valid ({self.rows_valid}) must equal applied + unchanged + stale "
                f"({self.applied} + {self.unchanged} + {self.stale})"
            )
        if self.rows_total != self.rows_valid + self.rejected:
            raise ValueError(
                f"rows_total ({self.rows_total}) must equal rows_valid + rejected "
                f"({self.rows_valid} + {self.rejected})"
            )
        if self.import_id != import_id(self.bucket, self.key, self.version):
            raise ValueError(f"import_id {self.import_id!r} is not that of its bucket/key/version")
        if self.status == "done" and self.finished_at is None:
            raise ValueError("a done import needs its finished_at")
        if (self.lease_since is None) != (self.lease_owner is None) or (
            self.lease_since is None
        ) != (self.lease_until is None):
            raise ValueError("a lease needs its owner, lease_since and lease_until, all three")
        return self

    def _with(self, changes: dict[str, object]) -> ImportRecord:
        """A copy with ``changes``, validated (``model_copy`` would not check them)."""
        return type(self)(**{**dict(self), **changes})

    @classmethod
    def begin(
        cls, bucket: str, key: str, version: str, uploaded_at: datetime, started_at: datetime
    ) -> ImportRecord:
        """The record of an import about to start its first part."""
        return cls(
            import_id=import_id(bucket, key, version),
            bucket=bucket,
            key=key,
            version=version,
            uploaded_at=uploaded_at,
            started_at=started_at,
        )

    def counted(
        self,
        result: PartEndings,
        rejected: int,
        errors: Iterable[RowError],
        error_count: int,
        warnings: Iterable[str] = (),
    ) -> ImportRecord:
        """This record with one part's endings added: its valid rows' ``result``, its
        ``rejected`` rows and their ``error_count`` errors (``errors``: the first of them);
        ``warnings``, the file's, which every part finds alike, are kept once."""
        listed = list(self.row_errors)
        room = REPORTED_ROW_ERRORS - len(listed)
        if room > 0:
            # without their byte offsets, which the JSON of a RowError leaves out
            listed.extend(
                RowError(row=e.row, field=e.field, code=e.code, message=e.message)
                for e in list(errors)[:room]
            )
        return self._with(
            {
                "rows_total": self.rows_total + result.rows + rejected,
                "rows_valid": self.rows_valid + result.rows,
                "applied": self.applied + result.applied,
                "unchanged": self.unchanged + result.unchanged,
                "stale": self.stale + result.stale,
                "rejected": self.rejected + rejected,
                "row_errors": listed,
                "row_errors_truncated": (
                    self.row_errors_truncated + error_count - (len(listed) - len(self.row_errors))
                ),
                "warnings": self.warnings or list(warnings),
            }
        )

    def resuming(self, checkpoint: Checkpoint) -> ImportRecord:
        """This record with its part's progress: the part resumes at ``checkpoint``."""
        return self._with({"checkpoint": checkpoint})

    def next_part(self, checkpoint: Checkpoint, keys_at: Checkpoint | None = None) -> ImportRecord:
        """This record handing on to its next part, which applies rows from ``checkpoint`` on
        and parses from ``keys_at`` (``checkpoint`` if None: the claims of every row before it
        are stored)."""
        if keys_at is not None and keys_at.row > checkpoint.row:
            raise ValueError(f"keys_at (row {keys_at.row}) is past the checkpoint")
        return self._with(
            {
                "part": self.part + 1,
                "checkpoint": checkpoint,
                "keys_at": checkpoint if keys_at is None else keys_at,
                "continued": False,
            }
        )

    def sent(self) -> ImportRecord:
        """This record once the follow-up event of its part was sent."""
        return self._with({"continued": True})

    def finishing(
        self, finished_at: datetime, file_errors: Iterable[FileError] = ()
    ) -> ImportRecord:
        """This record with every row counted, still started: its report is left to write."""
        return self._with(
            {
                "checkpoint": None,
                "keys_at": None,
                "finished_at": finished_at,
                "file_errors": list(file_errors),
            }
        )

    def done(
        self, finished_at: datetime | None = None, file_errors: Iterable[FileError] | None = None
    ) -> ImportRecord:
        """This record finished: the import's report (``finished_at`` and ``file_errors`` those
        of `finishing` when not given)."""
        return self._with(
            {
                "status": "done",
                "checkpoint": None,
                "keys_at": None,
                "continued": False,
                "finished_at": self.finished_at if finished_at is None else finished_at,
                "file_errors": list(self.file_errors if file_errors is None else file_errors),
            }
        )

    def reported(self, report_key: str) -> ImportRecord:
        """This record with the key of the report object written of it."""
        return self._with({"report_key": report_key})

    def report(self) -> str:
        """The JSON of the report object: this record without its report key and its lease,
        so every writer of one finished record writes the same bytes."""
        return self.unleased().model_dump_json(exclude={"report_key", "keys_at"})

    def unleased(self) -> ImportRecord:
        """This record without its lease, as its report shows it."""
        return self._with({"lease_owner": None, "lease_since": None, "lease_until": None})

    # --- the lease ---

    def leased(self, owner: str, now: datetime) -> ImportRecord:
        """This record with its part's lease held (taken or renewed) by ``owner`` at ``now``."""
        return self._with({"lease_owner": owner, "lease_since": now, "lease_until": now + LEASE})

    def released(self, now: datetime) -> ImportRecord:
        """This record with its owner's lease given up at ``now`` (free from then on)."""
        if self.lease_owner is None:
            return self
        return self._with({"lease_since": now, "lease_until": now})

    def held_at(self, now: datetime) -> bool:
        """Whether a lease on this record is still running at ``now``."""
        return self.lease_until is not None and self.lease_until > now

    def may_replace(self, stored: ImportRecord) -> bool:
        """The lease rule of every ledger: whether this record may replace ``stored`` (both of
        one import): ``stored`` holds no lease, or this record's owner's, or one that expired
        by the time this record's owner took or renewed its own."""
        if stored.lease_owner is None or stored.lease_owner == self.lease_owner:
            return True
        return (
            self.lease_since is not None
            and stored.lease_until is not None
            and stored.lease_until <= self.lease_since
        )
