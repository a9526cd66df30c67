"""``tap_core.app.imports``: the import protocol (parts, checkpoints, redelivery) on the core
alone, with the in-memory ports of ``tap_core.memory``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tap_core.app.imports import (
    DEAD_LETTER_BATCH,
    RESUME_MARGIN_MILLIS,
    Continuation,
    ImportJob,
    ImportNotReady,
    PartOutcome,
    Upload,
    import_part,
)
from tap_core.app.ports import IMPORT_CONTINUED, ImportDependencies
from tap_core.inventory import ImportRecord
from tap_core.memory import (
    InMemoryDeadLetters,
    InMemoryEvents,
    InMemoryInventoryStore,
    InMemoryObjects,
    InMemoryReports,
)
from tap_core.memory.objects import ObjectChanged
from tests.unit.inventory.csv_strategies import NOW, corrupted_files, renders

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tap_core import DeadLetter, SendReport

BUCKET = "inventory"
STARTED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HEADER = "sku,warehouse,name,quantity,unit_price,category,reorder_level\n"


def _row(n: int) -> str:
    return f"K-{n},north,Thing {n},{n},1.50,tools,3\n"


# 21 records: 16 valid, 5 bad (one with two errors, a name over two lines, a missing warehouse,
# two keys repeated far apart: the later row is a duplicate whatever the parts), with a blank
# line and a quoted comma.
PARTED = HEADER + "".join(
    [
        *(_row(n) for n in range(1, 6)),
        "K-6,north,Bolts,many,-1,tools,5\n",
        "\n",
        _row(7),
        'K-8,north,"two\nlines",8,2.00,tools,3\n',
        *(_row(n) for n in range(9, 13)),
        "K-2,north,Again,99,1.00,tools,3\n",
        "K-13,,Nowhere,1,1.00,tools,3\n",
        *(_row(n) for n in range(14, 18)),
        "K-9,north,Again,99,1.00,tools,3\n",
        _row(18),
        'K-19,north,"Nails, 100",19,0.05,tools,3\n',
    ]
)
PARTED_VALID, PARTED_BAD = 16, 5


class CountedDeadLetters(InMemoryDeadLetters):
    """Also counts the letters sent and the sends, so a letter sent twice shows."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0
        self.batches: list[int] = []

    def send(self, letters: Iterable[DeadLetter]) -> SendReport:
        letters = list(letters)
        self.sent += len(letters)
        self.batches.append(len(letters))
        return super().send(letters)


@dataclass
class Countdown:
    """Remaining time: ample for ``checks`` looks, then low."""

    checks: int

    def __call__(self) -> int:
        self.checks -= 1
        return 60_000 if self.checks >= 0 else RESUME_MARGIN_MILLIS - 1


@dataclass
class World:
    """One set of in-memory ports, and the upload of one object into it."""

    objects: InMemoryObjects = field(default_factory=InMemoryObjects)
    store: InMemoryInventoryStore = field(default_factory=InMemoryInventoryStore)
    dead_letters: CountedDeadLetters = field(default_factory=CountedDeadLetters)
    events: InMemoryEvents = field(default_factory=InMemoryEvents)
    reports: InMemoryReports = field(default_factory=InMemoryReports)
    now: datetime = STARTED
    """The clock every port reads; a test moves it."""

    @property
    def ports(self) -> ImportDependencies:
        return ImportDependencies(
            self.store, self.objects, self.dead_letters, self.events, self.reports, self.clock
        )

    def clock(self) -> datetime:
        return self.now

    def upload(self, body: bytes | str, key: str = "inbound/file.csv") -> Upload:
        data = body.encode() if isinstance(body, str) else body
        version = self.objects.put(BUCKET, key, data)
        return Upload(
            bucket=BUCKET,
            key=key,
            version_id=version.version_id,
            etag=version.etag,
            size=version.size,
            uploaded_at=NOW,
        )

    def run(self, job: ImportJob, checks: int = 10**6) -> PartOutcome:
        return import_part(self.ports, job, Countdown(checks))

    def run_in_parts(self, upload: Upload, checks: int) -> list[PartOutcome]:
        """The first part, then every continuation it leads to, each as its event carries it."""
        outcomes = [self.run(ImportJob.first(upload), checks)]
        handed = 0
        while handed < len(self.events.sent):
            spec, detail = self.events.sent[handed]
            assert spec == IMPORT_CONTINUED
            handed += 1
            # the detail goes through JSON, as on the bus
            job = ImportJob.continued(Continuation.model_validate_json(json.dumps(detail)))
            outcomes.append(self.run(job, checks))
        return outcomes

    def records(self) -> dict[tuple[str, str], Any]:
        found = {}
        for item in self.store.items():
            record = self.store.get(item.sku, item.warehouse)
            assert record is not None
            found[item.key] = (record.item, record.uploaded_at, record.source, record.row)
        return found

    def state(self) -> tuple[object, ...]:
        """Everything an import can change."""
        return (
            self.records(),
            self.dead_letters.sent,
            self.dead_letters.bodies(),
            list(self.events.sent),
            dict(self.reports.imports),
            self.objects.opened,
        )


def _endings(outcomes: Iterable[PartOutcome]) -> int:
    return sum(o.applied + o.unchanged + o.stale + o.rejected for o in outcomes)


def test_one_part_gives_every_record_one_ending_and_writes_the_report() -> None:
    # Given a file of 16 valid and 5 bad records
    world = World()
    upload = world.upload(PARTED)
    # When it is imported with ample time
    outcome = world.run(ImportJob.first(upload))
    # Then every record has exactly one ending: 16 applied, 5 dead-lettered, one letter each
    assert (outcome.status, outcome.part) == ("done", 0)
    assert (outcome.applied, outcome.unchanged, outcome.stale) == (PARTED_VALID, 0, 0)
    assert outcome.rejected == world.dead_letters.sent == PARTED_BAD
    assert _endings([outcome]) == PARTED_VALID + PARTED_BAD
    assert len(world.store) == PARTED_VALID
    # and no continuation; the ledger's record is done and is the report written
    assert world.events.sent == []
    record = world.store.import_record(upload.import_id)
    assert record is not None
    assert (record.status, record.rows_valid, record.rejected) == ("done", PARTED_VALID, PARTED_BAD)
    assert record.rows_total == PARTED_VALID + PARTED_BAD
    assert record.report_key == f"imports/{upload.import_id}.json"
    reported = ImportRecord.model_validate_json(world.reports.imports[upload.import_id])
    assert reported == record.unleased().model_copy(update={"report_key": None})
    assert [e.code for e in record.row_errors].count("duplicate_key") == 2


@pytest.mark.parametrize("checks", [0, 1, 3, 7])
def test_a_file_in_parts_ends_exactly_as_in_one_part(checks: int) -> None:
    # Given a file imported in one part with ample time
    whole = World()
    (single,) = whole.run_in_parts(whole.upload(PARTED), checks=10**6)
    # When the same file is imported where the time runs low after every few rows
    parted = World()
    upload = parted.upload(PARTED)
    outcomes = parted.run_in_parts(upload, checks=checks)
    # Then it took several parts, numbered in order, the last one done
    assert len(outcomes) > 2
    assert [o.status for o in outcomes] == ["continued"] * (len(outcomes) - 1) + ["done"]
    assert [o.part for o in outcomes] == list(range(len(outcomes)))
    # with one event per part handed on, each checkpoint past the one before
    assert len(parted.events.sent) == len(outcomes) - 1
    rows = [detail["checkpoint"]["row"] for _, detail in parted.events.sent]
    offsets = [detail["checkpoint"]["offset"] for _, detail in parted.events.sent]
    assert rows == sorted(set(rows))
    assert offsets == sorted(set(offsets))
    assert all(PARTED.encode()[offset - 1 : offset] == b"\n" for offset in offsets)
    # and the store, the letters and the counts are those of the single part
    assert parted.records() == whole.records()
    assert parted.dead_letters.bodies() == whole.dead_letters.bodies()
    assert parted.dead_letters.sent == whole.dead_letters.sent == PARTED_BAD
    assert _endings(outcomes) == _endings([single]) == PARTED_VALID + PARTED_BAD
    for ending in ("applied", "unchanged", "stale", "rejected"):
        assert sum(getattr(o, ending) for o in outcomes) == getattr(single, ending), ending
    # and the final record differs from the single part's only in its part
    record = parted.store.import_record(upload.import_id)
    alone = whole.store.import_record(upload.import_id)
    assert record is not None
    assert alone is not None
    assert record.part == len(outcomes) - 1
    assert record.unleased().model_copy(update={"part": 0}) == alone.unleased()


def test_each_continuation_carries_its_checkpoint_and_the_counts_so_far() -> None:
    # Given a file whose first part runs low after its third row
    world = World()
    upload = world.upload(PARTED)
    outcome = world.run(ImportJob.first(upload), checks=2)
    # Then the part handed on one continuation, after recording its counts
    assert outcome.status == "continued"
    ((spec, detail),) = world.events.sent
    assert spec == IMPORT_CONTINUED
    continuation = Continuation.model_validate(detail)
    assert continuation.upload == upload
    assert continuation.import_id == upload.import_id
    assert continuation.part == 1
    assert (continuation.checkpoint.row, continuation.checkpoint.offset) == (
        5,
        PARTED.encode().index(b"K-4,"),
    )
    assert (continuation.rows, continuation.applied, continuation.rejected) == (3, 3, 0)
    record = world.store.import_record(upload.import_id)
    assert record is not None
    assert (record.status, record.part, record.continued, record.applied) == (
        "started",
        1,
        True,
        3,
    )


def test_redelivering_every_event_of_a_finished_import_changes_nothing() -> None:
    # Given a file imported in parts to the end
    world = World()
    upload = world.upload(PARTED)
    world.run_in_parts(upload, checks=3)
    before = world.state()
    record = world.store.import_record(upload.import_id)
    # When the upload and each continuation are delivered again
    again = [world.run(ImportJob.first(upload))]
    for _, detail in list(world.events.sent):
        again.append(world.run(ImportJob.continued(Continuation.model_validate(detail))))
    # Then each is skipped: no row read, applied or dead-lettered, no record, event or report
    assert {o.status for o in again} == {"skipped"}
    assert _endings(again) == 0
    assert world.state() == before
    assert world.store.import_record(upload.import_id) == record


def test_a_continuation_before_its_part_was_recorded_is_not_ready() -> None:
    # Given the continuation of part 1, turned into one for part 2 (never recorded)
    world = World()
    world.run(ImportJob.first(world.upload(PARTED)), checks=2)
    ((_, detail),) = world.events.sent
    early = Continuation.model_validate({**detail, "part": 2})
    before = world.state()
    # When it runs, it fails so that it is retried later, and changes nothing
    with pytest.raises(ImportNotReady, match="part 2"):
        world.run(ImportJob.continued(early))
    assert world.state() == before


def test_a_continuation_whose_id_is_not_its_uploads_is_refused() -> None:
    world = World()
    world.run(ImportJob.first(world.upload(PARTED)), checks=2)
    ((_, detail),) = world.events.sent
    forged = Continuation.model_validate({**detail, "import_id": "W1siYiIsImsiLCJ2Il0"})
    with pytest.raises(ValueError, match="is not its upload's"):
        ImportJob.continued(forged)


class FailingOnce(InMemoryEvents):
    """A bus that refuses the first event (EventBridge throttled), then takes them all."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def put(self, spec: Any, detail: str) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("throttled")
        super().put(spec, detail)


def test_a_part_recorded_whose_event_was_lost_sends_it_when_delivered_again() -> None:
    # Given a part that recorded its hand-on but whose event the bus refused
    world = World(events=FailingOnce())
    upload = world.upload(PARTED)
    with pytest.raises(RuntimeError, match="throttled"):
        world.run(ImportJob.first(upload), checks=2)
    record = world.store.import_record(upload.import_id)
    assert record is not None
    assert (record.part, record.continued) == (1, False)
    letters = world.dead_letters.sent
    # When the upload is delivered again
    outcome = world.run(ImportJob.first(upload), checks=2)
    # Then it sends the lost event (reading no row) and notes it sent
    assert outcome.status == "resent"
    assert _endings([outcome]) == 0
    assert len(world.events.sent) == 1
    assert world.dead_letters.sent == letters
    resent = world.store.import_record(upload.import_id)
    assert resent is not None
    assert resent.continued
    # and the rest of the import, from that event, ends as one part would
    rest = world.run(ImportJob.continued(Continuation.model_validate(world.events.sent[0][1])))
    assert rest.status == "done"
    assert len(world.store) == PARTED_VALID


def test_two_deliveries_of_one_part_record_it_once() -> None:
    # Given a part run twice from the same record (two deliveries, concurrently)
    world = World()
    upload = world.upload(PARTED)
    job = ImportJob.first(upload)
    first = world.run(job, checks=2)
    continuation = Continuation.model_validate(world.events.sent[0][1])
    part = ImportJob.continued(continuation)
    done = world.run(part)
    # When the same part runs again, the record has moved on: it is skipped
    again = world.run(part)
    assert (first.status, done.status, again.status) == ("continued", "done", "skipped")
    assert len(world.events.sent) == 1


def test_a_later_upload_under_the_key_is_never_mixed_into_a_part() -> None:
    # Given an import handed on, and a new upload of the same key before its next part
    world = World()
    upload = world.upload(PARTED)
    world.run(ImportJob.first(upload), checks=2)
    world.upload(HEADER + _row(99))
    continuation = Continuation.model_validate(world.events.sent[0][1])
    # When the next part runs, its pinned read fails (retried, and the new upload has its own
    # import), and nothing of the new upload is applied
    with pytest.raises(ObjectChanged):
        world.run(ImportJob.continued(continuation))
    assert world.store.get("K-99", "north") is None


def test_a_file_that_fails_as_a_whole_is_one_letter_at_row_1() -> None:
    world = World()
    upload = world.upload("nothing,we,know\n1,2,3\n")
    outcome = world.run(ImportJob.first(upload))
    assert outcome.status == "done"
    assert outcome.file_errors
    assert _endings([outcome]) == 0
    (body,) = world.dead_letters.bodies()
    letter = json.loads(body)
    assert letter["source"]["row"] == 1
    assert {error["code"] for error in letter["errors"]} == set(outcome.file_errors)
    record = world.store.import_record(upload.import_id)
    assert record is not None
    assert [error.code for error in record.file_errors] == outcome.file_errors


def test_bad_rows_are_sent_in_batches() -> None:
    # Given more bad rows than one batch holds
    bad = DEAD_LETTER_BATCH * 2 + 7
    world = World()
    body = HEADER + "".join(f"B-{n},north,Bad,many,1.00,tools,3\n" for n in range(bad))
    # When the file is imported
    outcome = world.run(ImportJob.first(world.upload(body)))
    # Then every bad row is one letter, sent in full batches and one rest
    assert outcome.rejected == world.dead_letters.sent == bad
    assert world.dead_letters.batches == [DEAD_LETTER_BATCH, DEAD_LETTER_BATCH, 7]


@settings(max_examples=40, deadline=None)
@given(data=st.data(), checks=st.integers(min_value=0, max_value=4))
def test_any_file_in_any_parts_gives_each_record_one_ending(
    data: st.DataObject, checks: int
) -> None:
    """Whatever the file (bad rows, duplicates, quoting, blank lines) and wherever the time
    runs low, each record ends once: the valid ones applied, the bad ones dead-lettered, one
    letter each, as the drawn file says, and as one part would end them."""
    spec = data.draw(corrupted_files())
    rendered = data.draw(renders(spec))
    valid = sum(1 for record in spec.records if record.item is not None)
    bad = len(spec.records) - valid
    runs = []
    for budget in (10**6, checks):
        world = World()
        upload = world.upload(rendered.data)
        runs.append((world, upload, world.run_in_parts(upload, checks=budget)))
    (whole, _, (single,)), (parted, upload, outcomes) = runs
    # the naive oracle: the drawn file's own count of valid and bad records
    assert (single.applied, single.unchanged, single.stale) == (valid, 0, 0)
    assert single.rejected == whole.dead_letters.sent == bad
    assert _endings(outcomes) == valid + bad
    assert len(parted.events.sent) == len(outcomes) - 1
    assert parted.records() == whole.records()
    assert parted.dead_letters.bodies() == whole.dead_letters.bodies()
    # and delivering the upload again changes nothing
    before = parted.state()
    assert parted.run(ImportJob.first(upload)).status == "skipped"
    assert parted.state() == before


class RacingStore(InMemoryInventoryStore):
    """A store whose first read of a record misses it: another delivery began the import
    between this one's read and its save."""

    def __init__(self) -> None:
        super().__init__()
        self.missed = False

    def import_record(self, import_id: str) -> ImportRecord | None:
        if not self.missed:
            self.missed = True
            return None
        return super().import_record(import_id)


def test_of_two_deliveries_racing_to_begin_an_import_one_runs_it() -> None:
    # Given an import begun and finished by one delivery
    world = World(store=RacingStore())
    world.store.missed = True  # type: ignore[attr-defined]
    upload = world.upload(PARTED)
    world.run(ImportJob.first(upload))
    before = world.state()
    # When a second delivery, which read no record, tries to begin it too
    world.store.missed = False  # type: ignore[attr-defined]
    outcome = world.run(ImportJob.first(upload))
    # Then its begin is refused and it does nothing
    assert outcome.status == "skipped"
    assert world.state() == before


MISNAMED = (
    "SKU,Warehouse,Name,Quantity,Unit_Price,Reorder Level,Last Updated\n"
    "A-1,north,Hammer,3,1.50,4,2026-11-20\n"
    "A-2,north,Saw,x,2.00,4,2026-11-20\n"
)


def test_the_files_warnings_go_into_the_record_the_report_and_the_outcome() -> None:
    # Given a file whose optional columns are misnamed, so their defaults are taken
    world = World()
    upload = world.upload(MISNAMED)
    # When it is imported
    outcome = world.run(ImportJob.first(upload))
    # Then the warning that `tap inventory validate` prints is in the outcome (the log),
    # the record and the report
    (warning,) = outcome.warnings
    assert '"Reorder Level", "Last Updated"' in warning
    assert "reorder_level = 0, updated_at = the upload time" in warning
    record = world.store.import_record(outcome.import_id)
    assert record is not None
    assert record.warnings == [warning]
    assert json.loads(world.reports.imports[outcome.import_id])["warnings"] == [warning]


def test_the_records_counts_mean_what_the_reports_do() -> None:
    # Given a file of 16 valid and 5 invalid records, imported in parts
    world = World()
    outcomes = world.run_in_parts(world.upload(PARTED), checks=4)
    record = world.store.import_record(outcomes[-1].import_id)
    # Then rows_total counts every record, as the validation report's does
    assert record is not None
    assert (record.rows_total, record.rows_valid, record.rejected) == (
        PARTED_VALID + PARTED_BAD,
        PARTED_VALID,
        PARTED_BAD,
    )
    assert len(outcomes) > 1
    assert record.warnings == []


def test_a_record_in_its_earlier_form_reads_with_rows_as_its_valid_rows() -> None:
    begun = ImportRecord.begin(BUCKET, "inbound/old.csv", "v1", NOW, STARTED)
    earlier = begun.model_dump(mode="json", exclude={"rows_total", "rows_valid", "warnings"})
    earlier.update(rows=4, applied=3, stale=1, rejected=2)
    record = ImportRecord.model_validate_json(json.dumps(earlier))
    assert (record.rows_total, record.rows_valid, record.rejected) == (6, 4, 2)
    assert record.warnings == []
