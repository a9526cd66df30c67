"""The ports the use cases of `tap_core.app` work through, and what each use case is given.

A port is a Protocol named after what the use case asks for; the types it takes and returns
live here beside it, so this module imports nothing back from the use cases (as
``tap_core.leaderboard.port`` and ``tap_core.inventory.port`` do). The ports of the domain
packages are used as they are: ``tap_core.DeadLetters``, ``tap_core.leaderboard.Leaderboards``
and the inventory table's ``InventoryStore``, ``ImportLedger`` and ``SummaryArchive``.

Adapters: ``tap_aws.adapters`` (EventBridge, S3) and ``tap_core.memory`` (in memory). No
pydantic here: a function that only builds its dependencies pays for dataclasses alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from datetime import date

    from tap_core.clock import Clock
    from tap_core.deadletters import DeadLetters
    from tap_core.inventory.csv.splitting import Readable
    from tap_core.inventory.port import ImportLedger, InventoryStore, SummaryArchive
    from tap_core.leaderboard.port import Leaderboards

    class Inventory(InventoryStore, ImportLedger, SummaryArchive, Protocol):
        """The inventory table's three ports, which one adapter serves (DynamoDB or memory)."""


# --- events ---


@dataclass(frozen=True, slots=True)
class EventSpec:
    """A custom event tap emits (on the default bus) and the rule pattern that matches it."""

    source: str
    detail_type: str

    def pattern(self) -> dict[str, object]:
        return {"source": [self.source], "detail-type": [self.detail_type]}


IMPORT_CONTINUED: Final = EventSpec(
    source="tap.inventory", detail_type="Inventory Import Continued"
)
"""What an import puts on the bus when a file needs another part (its time ran low): the
original upload and the checkpoint to resume from (``tap_core.app.imports.Continuation``).
A rule routes it back to the import, as the upload rule routes "Object Created"."""


class Events(Protocol):
    """Puts tap's own events on the bus."""

    def put(self, spec: EventSpec, detail: str) -> None:
        """Emit one event of ``spec`` whose detail is the JSON object ``detail``; raise when
        the bus did not take it (never drop it)."""
        ...


# --- reports ---

LATEST: Final = "latest"
"""The day name of the latest summary (``Reports.summary(LATEST)``)."""


class Reports(Protocol):
    """Stores and reads the daily summaries and the import reports as JSON text, and the
    key claims an import carries from one part to the next as bytes."""

    def put_summary(self, day: date, body: str) -> str:
        """Keep ``body`` as ``day``'s summary and as the latest; the day's key."""
        ...

    def summary(self, day: date | str) -> str | None:
        """The summary of ``day`` (or `LATEST`), or None when there is none."""
        ...

    def put_import_report(self, import_id: str, body: str) -> str:
        """Keep ``body`` as the report of import ``import_id``; its key."""
        ...

    def put_import_keys(self, import_id: str, row: int, body: bytes) -> str:
        """Keep ``body`` as the key claims of import ``import_id``'s rows before ``row``
        (``tap_core.inventory.csv.key_claims.KeyClaims.snapshot``); its key."""
        ...

    def import_keys(self, import_id: str, row: int) -> bytes | None:
        """The key claims `put_import_keys` kept for ``import_id`` at ``row``, or None."""
        ...


# --- objects ---


@dataclass(frozen=True, slots=True)
class ObjectVersion:
    """Which upload of an object: its ETag (quoted, as S3 gives it), version id and size."""

    bucket: str
    key: str
    etag: str
    version_id: str | None
    size: int

    @property
    def identity(self) -> str:
        """The version id when the bucket keeps versions, else the ETag."""
        return self.version_id or self.etag


class Objects(Protocol):
    """Reads uploaded objects as streams (never whole)."""

    def open(
        self, bucket: str, key: str, *, offset: int = 0, version: ObjectVersion | None = None
    ) -> AbstractContextManager[Readable]:
        """The object's body from byte ``offset``, pinned to ``version`` (the current one if
        None): a read of another version fails. ValueError for an offset outside the object."""
        ...


# --- what each use case is given ---


@dataclass(frozen=True, slots=True)
class ScoresDependencies:
    """What `tap_core.app.scores` works with."""

    leaderboards: Leaderboards
    dead_letters: DeadLetters
    clock: Clock


@dataclass(frozen=True, slots=True)
class SummaryDependencies:
    """What `tap_core.app.summary` works with."""

    inventory: Inventory
    reports: Reports


@dataclass(frozen=True, slots=True)
class ImportDependencies:
    """What `tap_core.app.imports` works with."""

    inventory: Inventory
    objects: Objects
    dead_letters: DeadLetters
    events: Events
    reports: Reports
    clock: Clock
