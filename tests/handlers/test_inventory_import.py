"""``inventory_import``: an uploaded CSV on moto's S3, its rows applied or dead-lettered, in one
invocation or in parts handed on by ``IMPORT_CONTINUED`` events."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tap_aws.adapters.events import EventsFailure
from tap_aws.adapters.objects import S3Objects
from tap_aws.functions import inventory_import
from tap_aws.functions.bootstrap import ImportDependencies
from tap_aws.resources import IMPORT_CONTINUED
from tap_core.app.imports import RESUME_MARGIN_MILLIS, Continuation, ImportBusy, ImportNotReady
from tap_core.inventory import REPORTED_ROW_ERRORS, ImportRecord, import_id
from tap_core.memory import (
    InMemoryDeadLetters,
    InMemoryEvents,
    InMemoryInventoryStore,
    InMemoryReports,
)
from tap_tools.testing import AwsClients, MotoServer
from tests.handlers.conftest import NOW, FakeContext, emitted_metrics, fixed_clock, load_event
from tests.unit.inventory.csv_strategies import corrupted_files, renders

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from mypy_boto3_s3 import S3Client

    from tap_core import DeadLetter, SendReport
    from tap_core.app.ports import EventSpec

HEADER = "sku,warehouse,name,quantity,unit_price,category,reorder_level\n"
GOOD = [
    "A-1,north,Nails,10,0.05,tools,5\n",
    "A-2,north,Screws,0,0.10,tools,5\n",
]
BAD = [
    "A-3,north,Bolts,many,-1,tools,5\n",  # two bad values: one letter, two errors
    "A-4,,Washers,1,0.01,tools,5\n",  # a missing warehouse
]


@pytest.fixture(scope="module")
def aws() -> Iterator[AwsClients]:
    server = MotoServer()
    server.start()
    yield AwsClients(server.endpoint)
    server.stop()


@pytest.fixture
def s3(aws: AwsClients) -> S3Client:
    return aws.s3()


@pytest.fixture
def bucket(s3: S3Client) -> str:
    name = f"tap-inventory-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def store() -> InMemoryInventoryStore:
    return InMemoryInventoryStore()


class CountedDeadLetters(InMemoryDeadLetters):
    """Also counts every letter sent, so a letter sent twice shows (the queue would keep one)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def send(self, letters: Iterable[DeadLetter]) -> SendReport:
        letters = list(letters)
        self.sent += len(letters)
        return super().send(letters)


@pytest.fixture
def dead_letters() -> CountedDeadLetters:
    return CountedDeadLetters()


@pytest.fixture
def events() -> InMemoryEvents:
    return InMemoryEvents()


@pytest.fixture
def reports() -> InMemoryReports:
    return InMemoryReports()


@dataclass
class Wiring:
    """One set of in-memory dependencies, wired into the function."""

    store: InMemoryInventoryStore
    dead_letters: CountedDeadLetters
    events: InMemoryEvents
    reports: InMemoryReports

    def use(self, s3: S3Client) -> None:
        inventory_import.root.use(
            ImportDependencies(
                self.store,
                S3Objects(s3),
                self.dead_letters,
                self.events,
                self.reports,
                fixed_clock,
            )
        )


@pytest.fixture(autouse=True)
def wired(
    s3: S3Client,
    store: InMemoryInventoryStore,
    dead_letters: CountedDeadLetters,
    events: InMemoryEvents,
    reports: InMemoryReports,
) -> Iterator[Wiring]:
    wiring = Wiring(store, dead_letters, events, reports)
    wiring.use(s3)
    yield wiring
    inventory_import.root.reset()


def upload(s3: S3Client, bucket: str, key: str, body: str) -> dict[str, Any]:
    """Put the object and the Object Created event EventBridge delivers for it (moto's shape)."""
    data = body.encode()
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    event = load_event("s3_object_created.json")
    event["resources"] = [f"arn:aws:s3:::{bucket}"]
    event["detail"]["bucket"]["name"] = bucket
    event["detail"]["object"].update(
        key=key, size=len(data), eTag=hashlib.md5(data, usedforsecurity=False).hexdigest()
    )
    return event


def test_valid_rows_are_applied_and_bad_rows_dead_lettered_one_letter_each(
    *,
    s3: S3Client,
    bucket: str,
    store: InMemoryInventoryStore,
    dead_letters: InMemoryDeadLetters,
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a CSV of 2 good rows and 2 bad ones, uploaded
    event = upload(s3, bucket, "inbound/stock.csv", HEADER + GOOD[0] + BAD[0] + GOOD[1] + BAD[1])
    # When its Object Created event is handled
    outcome = inventory_import.lambda_handler(event, context)
    # Then the good rows are in the store and each bad row is one letter with all its errors
    assert (outcome["applied"], outcome["rejected"], outcome["stale"]) == (2, 2, 0)
    assert sorted(item.sku for item in store.items()) == ["A-1", "A-2"]
    letters = [json.loads(body) for body in dead_letters.bodies()]
    assert [letter["source"]["row"] for letter in letters] == [3, 5]
    assert {e["field"] for e in letters[0]["errors"]} == {"quantity", "unit_price"}
    assert [e["field"] for e in letters[1]["errors"]] == ["warehouse"]
    assert letters[0]["source"]["version"] == event["detail"]["object"]["eTag"].join('""')
    assert len(set(dead_letters.groups())) == 1  # one group per file
    metrics = emitted_metrics(capsys.readouterr().out)
    assert (metrics["RowsImported"], metrics["RowsRejected"], metrics["RowsStale"]) == (
        [2],
        [2],
        [0],
    )


def test_the_same_event_again_is_a_no_op(
    *,
    s3: S3Client,
    bucket: str,
    store: InMemoryInventoryStore,
    dead_letters: CountedDeadLetters,
    reports: InMemoryReports,
    context: FakeContext,
) -> None:
    # Given a file imported
    event = upload(s3, bucket, "inbound/again.csv", HEADER + "".join(GOOD) + BAD[0])
    first = inventory_import.lambda_handler(event, context)
    record = store.import_record(first["import_id"])
    # When its Object Created event is delivered again
    again = inventory_import.lambda_handler(event, context)
    # Then nothing is applied, read again, dead-lettered again or recorded again
    assert (first["status"], first["applied"], first["rejected"]) == ("done", 2, 1)
    assert (again["status"], again["applied"], again["unchanged"], again["rejected"]) == (
        "skipped",
        0,
        0,
        0,
    )
    assert dead_letters.sent == 1
    assert store.import_record(first["import_id"]) == record
    assert len(list(store.items())) == 2
    assert len(reports.imports) == 1


def test_an_event_whose_part_another_invocation_runs_fails_to_be_retried(
    *,
    s3: S3Client,
    bucket: str,
    store: InMemoryInventoryStore,
    dead_letters: CountedDeadLetters,
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given an upload whose first part another invocation began and still holds
    event = upload(s3, bucket, "inbound/busy.csv", HEADER + "".join(GOOD) + BAD[0])
    job = inventory_import.job_of(event)
    other = ImportRecord.begin(bucket, job.upload.key, job.upload.version, NOW, NOW)
    assert store.save_import(other.leased("another-invocation", fixed_clock()), replacing=None)
    # When its event is delivered
    with pytest.raises(ImportBusy, match="another invocation's lease"):
        inventory_import.lambda_handler(event, context)
    # Then it fails (so Lambda retries it) having read, applied and sent nothing
    assert list(store.items()) == []
    assert dead_letters.sent == 0
    assert "RowsImported" not in emitted_metrics(capsys.readouterr().out)


def test_another_version_of_the_same_key_is_another_import(
    s3: S3Client, bucket: str, store: InMemoryInventoryStore, context: FakeContext
) -> None:
    first = inventory_import.lambda_handler(
        upload(s3, bucket, "inbound/v.csv", HEADER + GOOD[0]), context
    )
    second = inventory_import.lambda_handler(
        upload(s3, bucket, "inbound/v.csv", HEADER + GOOD[1]), context
    )
    assert (first["status"], second["status"]) == ("done", "done")
    assert first["import_id"] != second["import_id"]
    assert sorted(item.sku for item in store.items()) == ["A-1", "A-2"]


def test_the_import_record_is_the_report_with_its_counts_and_first_row_errors(
    s3: S3Client,
    bucket: str,
    store: InMemoryInventoryStore,
    reports: InMemoryReports,
    context: FakeContext,
) -> None:
    # Given a file of 2 good rows and more bad rows (two errors each) than a report lists
    bad = [f"B-{n},north,Bolts,many,-1,tools,5\n" for n in range(REPORTED_ROW_ERRORS)]
    event = upload(s3, bucket, "inbound/report.csv", HEADER + "".join(GOOD) + "".join(bad))
    # When it is imported
    outcome = inventory_import.lambda_handler(event, context)
    # Then its id is derived from bucket, key and version, and its record is done, counted
    version = event["detail"]["object"]["eTag"].join('""')
    assert outcome["import_id"] == import_id(bucket, "inbound/report.csv", version)
    record = store.import_record(outcome["import_id"])
    assert record is not None
    assert (record.status, record.part, record.rows_valid, record.applied, record.rejected) == (
        "done",
        0,
        2,
        2,
        REPORTED_ROW_ERRORS,
    )
    # listing the first row errors in file order and counting the rest
    assert len(record.row_errors) == REPORTED_ROW_ERRORS
    assert [e.row for e in record.row_errors[:4]] == [4, 4, 5, 5]
    assert record.row_errors_truncated == REPORTED_ROW_ERRORS
    assert record.uploaded_at.isoformat() == "2026-12-01T09:30:00+00:00"
    # and the report object is that record
    assert record.report_key == f"imports/{outcome['import_id']}.json"
    assert ImportRecord.model_validate_json(reports.imports[outcome["import_id"]]) == (
        record.unleased().model_copy(update={"report_key": None})
    )


def test_a_file_without_its_header_is_one_letter_and_a_done_record_naming_it(
    s3: S3Client,
    bucket: str,
    store: InMemoryInventoryStore,
    dead_letters: InMemoryDeadLetters,
    context: FakeContext,
) -> None:
    event = upload(s3, bucket, "inbound/headless.csv", "".join(GOOD))
    outcome = inventory_import.lambda_handler(event, context)
    assert outcome["applied"] == 0
    assert outcome["file_errors"]
    (letter,) = [json.loads(body) for body in dead_letters.bodies()]
    assert letter["source"]["row"] == 1
    assert [e["code"] for e in letter["errors"]] == outcome["file_errors"]
    record = store.import_record(outcome["import_id"])
    assert record is not None
    assert (record.status, record.rows_valid) == ("done", 0)
    assert [e.code for e in record.file_errors] == outcome["file_errors"]


def test_an_event_without_an_etag_names_the_field(context: FakeContext) -> None:
    event = load_event("s3_object_created.json")
    del event["detail"]["object"]["eTag"]
    with pytest.raises(ValueError, match=r"detail\.object\.etag"):
        inventory_import.lambda_handler(event, context)


# --- parts: a file that cannot finish in one invocation ---


@dataclass
class Countdown(FakeContext):
    """A context whose remaining time is ample for ``checks`` looks, then runs low."""

    checks: int = 3

    def get_remaining_time_in_millis(self) -> int:
        self.checks -= 1
        return 60_000 if self.checks >= 0 else RESUME_MARGIN_MILLIS - 1


def delivered(detail: dict[str, Any]) -> dict[str, Any]:
    """The IMPORT_CONTINUED event EventBridge would deliver with ``detail``."""
    event = load_event("import_continued.json")
    event["detail"] = detail
    return event


def run_in_parts(event: dict[str, Any], wiring: Wiring, checks: int) -> list[dict[str, Any]]:
    """Handle ``event``, then every continuation it leads to; each invocation's outcome."""
    outcomes = [inventory_import.lambda_handler(event, Countdown(checks=checks))]
    handed = 0
    while handed < len(wiring.events.sent):
        spec, detail = wiring.events.sent[handed]
        assert spec == IMPORT_CONTINUED
        handed += 1
        outcomes.append(
            inventory_import.lambda_handler(delivered(detail), Countdown(checks=checks))
        )
    return outcomes


def _row(n: int) -> str:
    return f"K-{n},north,Thing {n},{n},1.50,tools,3\n"


# 21 records: good ones, bad ones (one with two errors, one a quoted name over two lines,
# which a name may not hold), a blank line, a quoted comma, and keys repeated far apart (the
# later row is dead-lettered as a duplicate, whatever the parts): 16 valid rows, 5 bad ones
PARTED = HEADER + "".join(
    [
        *(_row(n) for n in range(1, 6)),
        "K-6,north,Bolts,many,-1,tools,5\n",
        "\n",
        _row(7),
        'K-8,north,"two\nlines",8,2.00,tools,3\n',
        *(_row(n) for n in range(9, 13)),
        "K-2,north,Again,99,1.00,tools,3\n",  # K-2 again: a duplicate
        "K-13,,Nowhere,1,1.00,tools,3\n",
        *(_row(n) for n in range(14, 18)),
        "K-9,north,Again,99,1.00,tools,3\n",  # K-9 again
        _row(18),
        'K-19,north,"Nails, 100",19,0.05,tools,3\n',
    ]
)


@pytest.mark.parametrize("checks", [0, 1, 3, 7])
def test_a_file_in_parts_ends_exactly_as_in_one_invocation(
    s3: S3Client, bucket: str, wired: Wiring, checks: int, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a file imported in one invocation with ample time, on its own store and queue
    event = upload(s3, bucket, "inbound/parts.csv", PARTED)
    whole = Wiring(InMemoryInventoryStore(), CountedDeadLetters(), InMemoryEvents(), wired.reports)
    whole.use(s3)
    (single,) = run_in_parts(event, whole, checks=10**6)
    capsys.readouterr()
    # When the same file is imported where each invocation's time runs low after a few rows
    wired.use(s3)
    outcomes = run_in_parts(event, wired, checks=checks)
    # Then it took several invocations, each part's first row after the last part's last
    assert len(outcomes) > 2
    assert [o["status"] for o in outcomes] == ["continued"] * (len(outcomes) - 1) + ["done"]
    assert [o["part"] for o in outcomes] == list(range(len(outcomes)))
    # and the store, the dead letters and the counts are those of the single invocation
    assert _records(wired.store) == _records(whole.store)
    assert wired.dead_letters.bodies() == whole.dead_letters.bodies()
    assert wired.dead_letters.sent == whole.dead_letters.sent == 5
    for ending in ("applied", "unchanged", "stale", "rejected"):
        assert sum(o[ending] for o in outcomes) == single[ending], ending
    metrics = emitted_metrics(capsys.readouterr().out)
    assert sum(metrics["RowsImported"]) == single["applied"] == 16
    assert sum(metrics["RowsRejected"]) == single["rejected"] == 5
    # and the final record differs from the single one only in its part
    parted = wired.store.import_record(single["import_id"])
    alone = whole.store.import_record(single["import_id"])
    assert parted is not None
    assert alone is not None
    assert parted.part == len(outcomes) - 1
    assert parted.unleased().model_copy(update={"part": 0}) == alone.unleased()


def _records(store: InMemoryInventoryStore) -> dict[tuple[str, str], Any]:
    found = {}
    for item in store.items():
        record = store.get(item.sku, item.warehouse)
        assert record is not None
        found[item.key] = (record.item, record.uploaded_at, record.source, record.row)
    return found


def test_each_continuation_carries_the_upload_checkpoint_and_counts(
    s3: S3Client, bucket: str, wired: Wiring
) -> None:
    # Given a file whose first invocation runs low after its third row
    event = upload(s3, bucket, "inbound/parts.csv", PARTED)
    outcome = inventory_import.lambda_handler(event, Countdown(checks=2))
    # Then it handed on one continuation, after recording its part
    assert outcome["status"] == "continued"
    ((spec, detail),) = wired.events.sent
    assert spec == IMPORT_CONTINUED
    assert detail["upload"]["bucket"] == bucket
    assert detail["upload"]["key"] == "inbound/parts.csv"
    assert detail["upload"]["etag"] == event["detail"]["object"]["eTag"].join('""')
    assert detail["upload"]["uploaded_at"] == "2026-12-01T09:30:00Z"
    assert detail["part"] == 1
    assert (detail["checkpoint"]["row"], detail["checkpoint"]["offset"]) == (
        5,
        PARTED.encode().index(b"K-4,"),
    )
    assert (detail["rows"], detail["applied"], detail["rejected"]) == (3, 3, 0)
    record = wired.store.import_record(outcome["import_id"])
    assert record is not None
    assert (record.status, record.part, record.continued, record.applied) == (
        "started",
        1,
        True,
        3,
    )


def test_a_repeated_continuation_of_a_part_already_passed_is_a_no_op(
    s3: S3Client, bucket: str, wired: Wiring
) -> None:
    # Given a file imported in parts to the end
    event = upload(s3, bucket, "inbound/parts.csv", PARTED)
    run_in_parts(event, wired, checks=3)
    records, letters = _records(wired.store), wired.dead_letters.sent
    record = wired.store.import_record(import_id(bucket, "inbound/parts.csv", _etag(event)))
    events = len(wired.events.sent)
    # When each continuation, and the upload, are delivered again
    again = [
        inventory_import.lambda_handler(delivered(d), Countdown()) for _, d in wired.events.sent
    ]
    again.append(inventory_import.lambda_handler(event, Countdown()))
    # Then nothing changes: no row applied or dead-lettered, no record, no event
    assert {o["status"] for o in again} == {"skipped"}
    assert sum(o["applied"] + o["unchanged"] + o["stale"] + o["rejected"] for o in again) == 0
    assert _records(wired.store) == records
    assert wired.dead_letters.sent == letters
    assert wired.store.import_record(record.import_id if record else "") == record
    assert len(wired.events.sent) == events


def test_a_continuation_before_its_part_was_recorded_is_retried(
    s3: S3Client, bucket: str, wired: Wiring
) -> None:
    # Given a continuation for part 2 of a file whose part 1 has not been recorded
    event = upload(s3, bucket, "inbound/parts.csv", PARTED)
    inventory_import.lambda_handler(event, Countdown(checks=2))
    ((_, detail),) = wired.events.sent
    early = {**detail, "part": 2}
    # When it arrives, it fails, so that EventBridge and Lambda deliver it again later
    with pytest.raises(ImportNotReady, match="part 2"):
        inventory_import.lambda_handler(delivered(early), Countdown())


class FailingOnce(InMemoryEvents):
    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    def put(self, spec: EventSpec, detail: str) -> None:
        if self.failures:
            self.failures -= 1
            raise EventsFailure("throttled")
        super().put(spec, detail)


def test_a_part_whose_event_was_not_sent_sends_it_when_delivered_again(
    s3: S3Client, bucket: str, wired: Wiring
) -> None:
    # Given an invocation that recorded its part but could not send the follow-up event
    event = upload(s3, bucket, "inbound/parts.csv", PARTED)
    failing = FailingOnce()
    wired.events = failing
    wired.use(s3)
    with pytest.raises(EventsFailure):
        inventory_import.lambda_handler(event, Countdown(checks=2))
    assert failing.sent == []
    # When Lambda retries the upload event
    retried = inventory_import.lambda_handler(event, Countdown(checks=2))
    # Then the event is sent (no row applied again), and the rest of the file follows from it
    assert (retried["status"], retried["applied"]) == ("resent", 0)
    ((_, detail),) = failing.sent
    assert detail["part"] == 1
    failing.sent.clear()
    rest = [inventory_import.lambda_handler(delivered(detail), Countdown(checks=100))]
    assert rest[0]["status"] == "done"
    assert len(_records(wired.store)) == 16
    assert wired.dead_letters.sent == 5


def test_a_part_resumes_at_the_checkpoint_its_record_holds_not_the_events(
    s3: S3Client, bucket: str, wired: Wiring
) -> None:
    # Given a continuation whose checkpoint was changed on the way (it is not a record start)
    event = upload(s3, bucket, "inbound/parts.csv", PARTED)
    inventory_import.lambda_handler(event, Countdown(checks=2))
    ((_, detail),) = wired.events.sent
    detail["checkpoint"]["offset"] += 1
    # When it runs, it resumes where the import record says, and ends as one invocation does
    rest = inventory_import.lambda_handler(delivered(detail), Countdown(checks=100))
    assert rest["status"] == "done"
    assert len(_records(wired.store)) == 16
    assert wired.dead_letters.sent == 5


def _etag(event: dict[str, Any]) -> str:
    etag: str = event["detail"]["object"]["eTag"]
    return f'"{etag}"'


def test_a_continuation_without_its_checkpoint_names_the_field(context: FakeContext) -> None:
    event = load_event("import_continued.json")
    del event["detail"]["checkpoint"]
    with pytest.raises(ValueError, match="checkpoint"):
        inventory_import.lambda_handler(event, context)


def test_the_sample_continuation_event_parses_to_its_upload(
    s3: S3Client, wired: Wiring, context: FakeContext
) -> None:
    """The sample in tests/events is the shape the function emits: its id is its upload's."""
    event = load_event("import_continued.json")
    upload_ = Continuation.model_validate(event["detail"]).upload
    assert upload_.import_id == event["detail"]["import_id"]
    # and, with no record of that import, it is not ready (its part 0 never ran)
    with pytest.raises(ImportNotReady):
        inventory_import.lambda_handler(event, context)


@settings(
    max_examples=25,
    deadline=None,
    # the autouse wiring is per test; each example wires its own two runs
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), checks=st.integers(min_value=0, max_value=4))
def test_any_file_in_any_parts_ends_as_in_one_invocation(
    s3: S3Client, bucket: str, data: st.DataObject, checks: int
) -> None:
    """Whatever the file (bad rows, duplicates, quoting, blank lines) and wherever the time
    runs low, the parts end as one invocation: the same store, letters and counts."""
    # Given any file, uploaded
    rendered = data.draw(renders(data.draw(corrupted_files())))
    key = f"inbound/{uuid.uuid4().hex}.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=rendered.data)
    event = load_event("s3_object_created.json")
    event["detail"]["bucket"]["name"] = bucket
    event["detail"]["object"].update(
        key=key,
        size=len(rendered.data),
        eTag=hashlib.md5(rendered.data, usedforsecurity=False).hexdigest(),
    )
    runs = []
    for budget in (10**6, checks):
        wiring = Wiring(
            InMemoryInventoryStore(), CountedDeadLetters(), InMemoryEvents(), InMemoryReports()
        )
        wiring.use(s3)
        # When it is imported with ample time, and where the time runs low every few rows
        outcomes = run_in_parts(event, wiring, checks=budget)
        record = wiring.store.import_record(outcomes[0]["import_id"])
        assert record is not None
        runs.append((wiring, outcomes, record))
    (whole, (single,), alone), (parted, outcomes, record) = runs
    # Then the parts leave what the single invocation leaves
    assert _records(parted.store) == _records(whole.store)
    assert parted.dead_letters.bodies() == whole.dead_letters.bodies()
    assert parted.dead_letters.sent == whole.dead_letters.sent
    for ending in ("applied", "unchanged", "stale", "rejected"):
        assert sum(o[ending] for o in outcomes) == single[ending], ending
    assert record.unleased().model_copy(update={"part": 0}) == alone.unleased()


def test_uploads_to_an_unversioned_bucket_are_told_apart_by_their_etag(
    s3: S3Client, bucket: str, store: InMemoryInventoryStore, context: FakeContext
) -> None:
    # Given two uploads of one key to a bucket without versioning, one after the other, whose
    # events both carry S3's version id "null" (S3's and moto's shape for such a bucket)
    outcomes = []
    for body in (GOOD[0], GOOD[1]):
        event = upload(s3, bucket, "inbound/same.csv", HEADER + body)
        event["detail"]["object"]["version-id"] = "null"
        # When each is handled
        outcomes.append(inventory_import.lambda_handler(event, context))
    # Then the second is an import of its own, not a repeat of the first
    first, second = outcomes
    assert (first["status"], second["status"]) == ("done", "done")
    assert first["import_id"] != second["import_id"]
    assert sorted(item.sku for item in store.items()) == ["A-1", "A-2"]


def test_a_files_warnings_are_logged_as_a_warning(
    s3: S3Client,
    bucket: str,
    store: InMemoryInventoryStore,
    context: FakeContext,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a file whose optional column is misnamed
    header = "sku,warehouse,name,quantity,unit_price,Reorder Level\n"
    event = upload(s3, bucket, "inbound/misnamed.csv", header + "A-1,north,Hammer,3,1.50,4\n")
    # When it is imported
    outcome = inventory_import.lambda_handler(event, context)
    # Then the log has a WARNING naming the column, and the record keeps it
    (warned,) = [entry for entry in caplog.records if entry.levelname == "WARNING"]
    assert warned.getMessage() == "inventory import warnings"
    warnings = warned.__dict__["warnings"]
    assert '"Reorder Level"' in warnings[0]
    record = store.import_record(outcome["import_id"])
    assert record is not None
    assert record.warnings == warnings == outcome["warnings"]
