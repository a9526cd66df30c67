"""``tap_core.app.imports`` under faults: a part that dies at any row and is delivered again,
and a second delivery of a part while the first still runs, against a clean run as oracle.

The oracle is the same file imported once, with ample time and no fault, in another world:
whatever happened, the import record, the report object, the ``RowsImported`` metric (what
the parts recorded) and the dead letters must end as that run's.
"""

from __future__ import annotations

import json
from collections import deque
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tap_core.app.imports import (
    Continuation,
    ImportBusy,
    ImportJob,
    Recorded,
    import_part,
)
from tap_core.inventory import LEASE
from tap_core.memory import InMemoryEvents, InMemoryInventoryStore, InMemoryReports
from tests.unit.app.test_imports import HEADER, Countdown, CountedDeadLetters, World

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from datetime import datetime

    from tap_core import DeadLetter, SendReport
    from tap_core.app.imports import PartOutcome, Upload
    from tap_core.app.ports import EventSpec
    from tap_core.inventory import ImportResult, InventoryItem, LocatedItem


class Crash(Exception):
    """The invocation dies here (a timeout, out of memory, a ``StoreFailure``)."""


# --- the files: valid rows, bad rows and repeated keys, in any order ---

ROW_KINDS = st.lists(st.sampled_from(["ok", "ok", "ok", "bad", "dup"]), min_size=1, max_size=40)


def render(kinds: list[str]) -> tuple[str, int, int]:
    """A file of rows of ``kinds``: its text, its valid and its bad rows (drawn, not parsed)."""
    lines, valid, bad = [HEADER], 0, 0
    for n, kind in enumerate(kinds):
        if kind == "ok" or (kind == "dup" and valid == 0):
            lines.append(f"K-{n},north,Thing {n},{n},1.50,tools,3\n")
            valid += 1
        elif kind == "bad":
            lines.append(f"K-{n},north,Thing {n},many,1.50,tools,3\n")
            bad += 1
        else:  # the key of the first valid row again: a duplicate_key, dead-lettered
            first = next(i for i, k in enumerate(kinds) if k in {"ok", "dup"})
            lines.append(f"K-{first},north,Again,1,1.00,tools,3\n")
            bad += 1
    return "".join(lines), valid, bad


# --- the ports that fail ---


class CrashAt:
    """A store that dies (raises `Crash`) when it is handed its ``crash_at``-th row, counting
    from 0 over every apply, once; the rows before are applied. ``hook``, if set, runs instead
    at that row. Mixed into the in-memory store here and the DynamoDB one in the adapters'
    tests: their ``apply`` passes the rows through `watched`."""

    crash_at: int | None = None
    hook: Callable[[], None] | None = None

    def watched(
        self, items: Iterable[InventoryItem | LocatedItem]
    ) -> Iterator[InventoryItem | LocatedItem]:
        for entry in items:
            if self.crash_at is not None:
                if self.crash_at == 0:
                    self.crash_at = None
                    hook, self.hook = self.hook, None
                    if hook is None:
                        raise Crash
                    hook()
                else:
                    self.crash_at -= 1
            yield entry


class CrashingStore(CrashAt, InMemoryInventoryStore):
    """The in-memory store, dying as `CrashAt` says."""

    def apply(
        self,
        items: Iterable[InventoryItem | LocatedItem],
        uploaded_at: datetime,
        source: str | None = None,
        **kwargs: Any,
    ) -> ImportResult:
        return super().apply(self.watched(items), uploaded_at, source, **kwargs)


class DyingClock(Countdown):
    """Remaining time as `Countdown` gives it, and death (`Crash`) at look ``dies_at``."""

    def __init__(self, checks: int, dies_at: int | None) -> None:
        super().__init__(checks)
        self.dies_at = dies_at

    def __call__(self) -> int:
        if self.dies_at is not None:
            if self.dies_at == 0:
                self.dies_at = None
                raise Crash
            self.dies_at -= 1
        return super().__call__()


class Seam:
    """Runs ``hook`` once, at the ``at``-th call (from 0) of the port it is attached to."""

    def __init__(self) -> None:
        self.at: int | None = None
        self.hook: Callable[[], None] | None = None

    def passed(self) -> None:
        if self.at is None:
            return
        if self.at > 0:
            self.at -= 1
            return
        hook, self.hook, self.at = self.hook, None, None
        if hook is not None:
            hook()


class SeamedLetters(CountedDeadLetters):
    """Dead letters with a `Seam` before each send."""

    def __init__(self) -> None:
        super().__init__()
        self.seam = Seam()

    def send(self, letters: Iterable[DeadLetter]) -> SendReport:
        self.seam.passed()
        return super().send(letters)


class SeamedEvents(InMemoryEvents):
    """The bus with a `Seam` before each put."""

    def __init__(self) -> None:
        super().__init__()
        self.seam = Seam()

    def put(self, spec: EventSpec, detail: str) -> None:
        self.seam.passed()
        super().put(spec, detail)


class SeamedReports(InMemoryReports):
    """The reports with a `Seam` before each import report is written."""

    def __init__(self) -> None:
        super().__init__()
        self.seam = Seam()

    def put_import_report(self, import_id: str, body: str) -> str:
        self.seam.passed()
        return super().put_import_report(import_id, body)


class Metered:
    """What the function emits as ``RowsImported``: the applied rows of each progress save,
    as it is told them (an invocation that dies has emitted those it recorded)."""

    def __init__(self) -> None:
        self.applied = 0

    def __call__(self, recorded: Recorded) -> None:
        self.applied += recorded.applied


def run_to_the_end(
    world: World,
    upload: Upload,
    checks: int,
    *,
    dies_at: int | None = None,
    metered: Metered | None = None,
    chunk_rows: int = 1000,
) -> list[PartOutcome]:
    """Deliver the upload, then every continuation; a delivery that dies is delivered again
    a minute later (as EventBridge retries a failed invocation)."""
    pending: deque[ImportJob] = deque([ImportJob.first(upload)])
    handed = 0
    outcomes: list[PartOutcome] = []
    for _ in range(1000):
        if not pending:
            return outcomes
        job = pending.popleft()
        try:
            outcome = import_part(
                world.ports,
                job,
                DyingClock(checks, dies_at),
                on_recorded=metered,
                chunk_rows=chunk_rows,
            )
        except Crash:
            dies_at = None
            world.now += timedelta(minutes=1)
            pending.appendleft(job)
            continue
        outcomes.append(outcome)
        for _, detail in world.events.sent[handed:]:
            pending.append(
                ImportJob.continued(Continuation.model_validate_json(json.dumps(detail)))
            )
        handed = len(world.events.sent)
    raise AssertionError("the import never ended")


COUNTS = (
    "status",
    "rows_total",
    "rows_valid",
    "applied",
    "unchanged",
    "stale",
    "rejected",
    "row_errors",
    "row_errors_truncated",
    "file_errors",
    "warnings",
)


def counts(record: Any) -> dict[str, Any]:
    """What a record or report says of the rows (not of its parts or its times)."""
    data = record if isinstance(record, dict) else record.model_dump(mode="json")
    return {name: data[name] for name in COUNTS}


def clean_run(text: str) -> tuple[World, dict[str, Any]]:
    """The oracle: the file imported once, no fault, ample time."""
    world = World()
    upload = world.upload(text)
    (outcome,) = run_to_the_end(world, upload, checks=10**6)
    assert outcome.status == "done"
    record = world.store.import_record(upload.import_id)
    assert record is not None
    return world, counts(record)


def assert_as_clean(world: World, upload: Upload, metered: Metered, text: str) -> None:
    """The record, the report, the metric, the letters and the store are the clean run's."""
    clean, expected = clean_run(text)
    record = world.store.import_record(upload.import_id)
    assert record is not None
    assert counts(record) == expected
    assert counts(json.loads(world.reports.imports[upload.import_id])) == expected
    assert metered.applied == expected["applied"]
    assert letters(world) == letters(clean)
    assert world.records() == clean.records()


def letters(world: World) -> list[dict[str, Any]]:
    """The letters kept (one per deduplication id), without the time each was written."""
    kept = [json.loads(body) for body in world.dead_letters.bodies()]
    return [{name: value for name, value in letter.items() if name != "at"} for letter in kept]


@settings(max_examples=150, deadline=None)
@given(
    kinds=ROW_KINDS,
    checks=st.integers(min_value=0, max_value=40),
    crash=st.sampled_from(["store", "timeout"]),
    at=st.integers(min_value=0, max_value=60),
    chunk_rows=st.integers(min_value=1, max_value=8),
)
def test_a_crash_at_any_row_then_redelivery_counts_as_a_clean_run(
    kinds: list[str], checks: int, crash: str, at: int, chunk_rows: int
) -> None:
    """Whatever row an invocation dies at (its store fails, or its time is up) and whatever
    parts the file takes, once the dead delivery is delivered again the import record, the
    report object, the ``RowsImported`` metric, the store and the dead letters are those of a
    clean run, and each bad row was sent to the dead-letter queue once."""
    text, _valid, bad = render(kinds)
    # Given a file whose import dies once, at a drawn row
    world = World(store=CrashingStore())
    upload = world.upload(text)
    dies_at = None
    if crash == "store":
        world.store.crash_at = at  # type: ignore[attr-defined]
    else:
        dies_at = at
    # When it is delivered again after the crash, and runs to its end
    metered = Metered()
    run_to_the_end(world, upload, checks, dies_at=dies_at, metered=metered, chunk_rows=chunk_rows)
    # Then everything is as after a clean run, each letter sent once
    assert_as_clean(world, upload, metered, text)
    assert world.dead_letters.sent == bad


def test_a_crash_after_rows_were_applied_counts_them_applied_once() -> None:
    # Given a file of 450 rows, 65 of them bad, whose first delivery dies at row 300
    kinds = ["bad" if n % 7 == 3 or n == 449 else "ok" for n in range(450)]
    text, valid, bad = render(kinds)
    assert (valid, bad) == (385, 65)
    world = World(store=CrashingStore())
    world.store.crash_at = 250  # type: ignore[attr-defined]
    upload = world.upload(text)
    metered = Metered()
    # When it is delivered again
    run_to_the_end(world, upload, checks=10**6, metered=metered, chunk_rows=100)
    # Then it ends applied 385, unchanged 0, as a clean run does
    record = world.store.import_record(upload.import_id)
    assert record is not None
    assert (record.applied, record.unchanged, record.rejected) == (385, 0, 65)
    assert_as_clean(world, upload, metered, text)
    assert world.dead_letters.sent == bad


# --- a second delivery while the first runs ---


SEAMS = ("row applied", "letters sent", "event put", "report written")


@settings(max_examples=200, deadline=None)
@given(
    kinds=ROW_KINDS,
    checks=st.integers(min_value=0, max_value=12),
    seam=st.sampled_from(SEAMS),
    data=st.data(),
    gap=st.sampled_from([timedelta(0), LEASE - timedelta(seconds=1), LEASE]),
    chunk_rows=st.integers(min_value=1, max_value=8),
)
def test_a_second_delivery_while_a_part_runs_changes_no_count(
    *,
    kinds: list[str],
    checks: int,
    seam: str,
    data: st.DataObject,
    gap: timedelta,
    chunk_rows: int,
) -> None:
    """A second delivery of the running part, at any moment (a row applied, letters sent, the
    next part's event put, the report written) and any time later: while the first holds its
    lease the second backs off (raises `ImportBusy`, to be retried) without opening the file
    or sending a letter (or, come after the part handed on and before its event was noted
    sent, sends that event again: ``resent``); once the lease has expired (the first is taken
    for dead) it takes the part over and the first stops at its next save. Either way the
    record, the report, the metric, the store and the letters end as a clean run's."""
    text, _valid, bad = render(kinds)
    world = World(
        store=CrashingStore(),
        dead_letters=SeamedLetters(),
        events=SeamedEvents(),
        reports=SeamedReports(),
    )
    upload = world.upload(text)
    metered = Metered()
    seen: list[object] = []
    current: list[ImportJob] = [ImportJob.first(upload)]

    def second_delivery() -> None:
        world.now += gap
        opened, sent = world.objects.opened, world.dead_letters.sent
        try:
            outcome = import_part(
                world.ports,
                current[0],
                Countdown(10**6),
                on_recorded=metered,
                chunk_rows=chunk_rows,
            )
        except ImportBusy as busy:
            seen.append(busy)
        else:
            seen.append(outcome.status)
        if gap < LEASE:
            assert (world.objects.opened, world.dead_letters.sent) == (opened, sent)

    # Given a part running, and its event delivered again at a drawn moment
    if seam == "row applied":
        at = data.draw(st.integers(min_value=0, max_value=len(kinds) - 1), label="row")
        world.store.crash_at, world.store.hook = at, second_delivery  # type: ignore[attr-defined]
    else:
        at = data.draw(st.integers(min_value=0, max_value=1), label="call")
        port = {
            "letters sent": world.dead_letters,
            "event put": world.events,
            "report written": world.reports,
        }[seam]
        port.seam.at, port.seam.hook = at, second_delivery  # type: ignore[attr-defined]
    pending: deque[ImportJob] = deque(current)
    handed = 0
    while pending:
        current[0] = job = pending.popleft()
        try:
            import_part(
                world.ports, job, Countdown(checks), on_recorded=metered, chunk_rows=chunk_rows
            )
        except ImportBusy:
            continue  # the retry finds the part done, or busy again
        for _, detail in world.events.sent[handed:]:
            pending.append(ImportJob.continued(Continuation.model_validate(detail)))
        handed = len(world.events.sent)
    # Then the import ends as a clean one
    event(f"{seam}, lease {'fresh' if gap < LEASE else 'expired'}: {_kind(seen)}")
    assert_as_clean(world, upload, metered, text)
    if gap < LEASE:
        # and while the lease was fresh the second delivery backed off: each letter sent once
        assert all(isinstance(s, ImportBusy) or s in {"resent", "skipped"} for s in seen)
        assert world.dead_letters.sent == bad


def _kind(seen: list[object]) -> str:
    """What the second delivery did, for the statistics of the property above."""
    if not seen:
        return "never delivered (the moment never came)"
    return "busy" if isinstance(seen[0], ImportBusy) else str(seen[0])


def test_a_second_delivery_while_the_first_runs_backs_off() -> None:
    # Given a part that has applied some rows when its event is delivered again
    kinds = ["bad" if n % 5 == 0 else "ok" for n in range(60)]
    text, _valid, bad = render(kinds)
    world = World(store=CrashingStore())
    upload = world.upload(text)
    raised: list[BaseException] = []

    def second_delivery() -> None:
        with pytest.raises(ImportBusy) as busy:
            import_part(world.ports, ImportJob.first(upload), Countdown(10**6))
        raised.append(busy.value)

    world.store.crash_at = 30  # type: ignore[attr-defined]
    world.store.hook = second_delivery  # type: ignore[attr-defined]
    # When the first delivery runs to the end
    metered = Metered()
    outcome = import_part(
        world.ports, ImportJob.first(upload), Countdown(10**6), on_recorded=metered, chunk_rows=10
    )
    # Then the second backed off, the file was opened once, and each letter was sent once
    assert outcome.status == "done"
    assert len(raised) == 1
    assert world.objects.opened == 1
    assert world.dead_letters.sent == bad
    assert_as_clean(world, upload, metered, text)


def test_a_part_that_fails_with_an_exception_gives_up_its_lease() -> None:
    # Given a part whose store fails at its 30th row
    kinds = ["bad" if n % 5 == 0 else "ok" for n in range(60)]
    text, _valid, bad = render(kinds)
    world = World(store=CrashingStore())
    upload = world.upload(text)
    metered = Metered()
    world.store.crash_at = 30  # type: ignore[attr-defined]
    with pytest.raises(Crash):
        import_part(world.ports, ImportJob.first(upload), Countdown(10**6), on_recorded=metered)
    # When it is delivered again at once (the clock has not moved)
    outcome = import_part(
        world.ports, ImportJob.first(upload), Countdown(10**6), on_recorded=metered
    )
    # Then the retry took the part over and ended it as a clean run
    assert outcome.status == "done"
    assert world.dead_letters.sent == bad
    assert_as_clean(world, upload, metered, text)
