"""Resumes never re-read (issue 18, item 3): a part reads the file from its own start (a ranged
read), its duplicate check carried from the parts before it as key claims stored under the
import's id; a file over ``MAX_FILE_BYTES`` is refused whole."""

from __future__ import annotations

import io
import json
import tracemalloc
from typing import TYPE_CHECKING, Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tap_core.app.imports import Continuation, ImportJob, Upload, import_part
from tap_core.inventory.csv.contract import MAX_FILE_BYTES
from tap_core.inventory.csv.events import ValidRow
from tap_core.inventory.csv.key_claims import KeyClaims, fingerprints
from tap_core.inventory.csv.parser import parse_inventory
from tap_core.inventory.csv.splitting import CHUNK_SIZE
from tests.unit.app.test_import_faults import Crash, CrashingStore
from tests.unit.app.test_imports import HEADER, Countdown, World
from tests.unit.inventory.csv_strategies import NOW, corrupted_files, renders

if TYPE_CHECKING:
    from tap_core.app.imports import PartOutcome


def _line(sku: int, quantity: int) -> str:
    return f"K-{sku:07d},north,Thing {sku},{quantity},1.50,tools,3\n"


def _continue_all(world: World, outcomes: list[PartOutcome], checks: list[int]) -> None:
    """Run every continuation sent, the n-th part with ``checks[n % len(checks)]`` looks."""
    handed = 0
    while handed < len(world.events.sent):
        _, detail = world.events.sent[handed]
        handed += 1
        job = ImportJob.continued(Continuation.model_validate_json(json.dumps(detail)))
        budget = Countdown(checks[len(outcomes) % len(checks)])
        outcomes.append(import_part(world.ports, job, budget))


def run_in_parts(world: World, upload: Upload, checks: list[int]) -> list[PartOutcome]:
    outcomes = [import_part(world.ports, ImportJob.first(upload), Countdown(checks[0]))]
    _continue_all(world, outcomes, checks)
    return outcomes


def ending(world: World, upload: Upload) -> tuple[Any, ...]:
    """What an import leaves that a reader sees: the record's counts and errors, the report,
    the letters (without when they were sent) and the stored rows."""
    record = world.store.import_record(upload.import_id)
    assert record is not None
    assert record.status == "done"
    kept = record.model_dump(
        exclude={"started_at", "finished_at", "part", "lease_owner", "lease_since", "lease_until"}
    )
    report = json.loads(world.reports.imports[upload.import_id])
    for name in ("started_at", "finished_at", "part"):
        report.pop(name)
    letters = sorted(
        (body["source"]["row"], [e["code"] for e in body["errors"]], body["errors"])
        for body in (json.loads(text) for text in world.dead_letters.bodies())
    )
    return kept, report, letters, world.records()


# --- the bytes a part reads ---


def test_the_bytes_a_part_reads_do_not_grow_with_the_file() -> None:
    """Given files of 25,000 and 125,000 rows imported in parts of 10,000 rows, when each part
    runs, then no part reads more than its own rows and the parser's read-ahead (two chunks),
    whatever the file's size: a part opens the object at its checkpoint, never at byte 0."""
    per_part = 10_000
    line = len(_line(0, 0))
    bound = per_part * line + 2 * CHUNK_SIZE
    for rows in (25_000, 125_000):
        world = World()
        upload = world.upload(HEADER + "".join(_line(n, n) for n in range(rows)))
        outcomes = run_in_parts(world, upload, [per_part])
        assert len(outcomes) == -(-rows // per_part)
        assert sum(o.applied for o in outcomes) == rows
        assert len(world.objects.read_bytes) == len(outcomes)
        assert max(world.objects.read_bytes) <= bound, (rows, world.objects.read_bytes)
        assert sum(world.objects.read_bytes) <= upload.size + len(outcomes) * 2 * CHUNK_SIZE


# --- parts give what one part gives ---

KEYS = st.integers(min_value=0, max_value=30)
"""A small pool of keys, so that a file repeats keys, often across parts."""
LINES = st.lists(
    st.tuples(KEYS, st.sampled_from(["ok", "ok", "ok", "bad"])), min_size=1, max_size=60
)
BUDGETS = st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=4)


def _render(lines: list[tuple[int, str]]) -> str:
    return HEADER + "".join(
        _line(key, 1) if kind == "ok" else f"K-{key:07d},north,Bad,many,1.50,tools,3\n"
        for key, kind in lines
    )


def _duplicates(lines: list[tuple[int, str]]) -> list[int]:
    """The oracle: the rows (from 2, after the header) whose key a valid row before claimed."""
    claimed: set[int] = set()
    found = []
    for row, (key, kind) in enumerate(lines, start=2):
        if key in claimed:
            found.append(row)
        elif kind == "ok":
            claimed.add(key)
    return found


@settings(max_examples=60, deadline=None)
@given(lines=LINES, checks=BUDGETS)
def test_a_file_in_any_parts_ends_as_in_one_part(
    lines: list[tuple[int, str]], checks: list[int]
) -> None:
    """Given a file whose keys repeat, imported once in one part and once in parts of varying
    lengths, then the record, the report, the letters and the stored rows are the same, and
    every row whose key an earlier valid row claimed (in whatever part) is a duplicate_key."""
    text = _render(lines)
    whole, parted = World(), World()
    whole_upload, parted_upload = whole.upload(text), parted.upload(text)
    run_in_parts(whole, whole_upload, [10**6])
    outcomes = run_in_parts(parted, parted_upload, checks)
    assert ending(parted, parted_upload) == ending(whole, whole_upload)
    _, _, letters, _ = ending(parted, parted_upload)
    duplicates = [row for row, codes, _ in letters if "duplicate_key" in codes]
    assert duplicates == _duplicates(lines)
    assert len(outcomes) == len(parted.objects.read_bytes)  # one opening a part


def test_a_duplicate_of_a_key_claimed_in_an_earlier_part_names_its_row() -> None:
    """Given a key at row 2 and again at row 5, in parts of one row, then row 5 is dead-lettered
    as a duplicate of row 2 (the claim came from part 0's stored claims, not a re-read)."""
    world = World()
    upload = world.upload(HEADER + _line(1, 1) + _line(2, 2) + _line(3, 3) + _line(1, 4))
    outcomes = run_in_parts(world, upload, [0])
    assert len(outcomes) == 4
    (body,) = (json.loads(text) for text in world.dead_letters.bodies())
    assert body["source"]["row"] == 5
    assert body["errors"][0]["code"] == "duplicate_key"
    assert "row 2" in body["errors"][0]["message"]


def test_a_redelivered_part_reads_its_keys_again_and_stops_there_when_time_runs_low() -> None:
    """Given part 1 of a file dies after progress saves, when it is delivered again with little
    time, then it stops while reading back to its checkpoint (past its first row), handing on
    with the same checkpoint; the import then ends as in one part."""
    # every 7th row repeats an earlier row's key: duplicates in and across parts
    text = HEADER + "".join(_line(n if n % 7 else n // 7, n) for n in range(1, 121))
    whole = World()
    whole_upload = whole.upload(text)
    run_in_parts(whole, whole_upload, [10**6])

    store = CrashingStore()
    world = World(store=store)
    upload = world.upload(text)
    first = import_part(world.ports, ImportJob.first(upload), Countdown(30), chunk_rows=5)
    assert first.status == "continued"
    _, detail = world.events.sent[0]
    job = ImportJob.continued(Continuation.model_validate_json(json.dumps(detail)))
    store.crash_at = 23  # after 4 progress saves of 5 rows
    try:
        died_at = import_part(world.ports, job, Countdown(10**6), chunk_rows=5)
    except Crash:
        died_at = None
    assert died_at is None, died_at
    died = world.store.import_record(upload.import_id)
    assert died is not None
    assert died.checkpoint is not None
    assert died.keys_at is not None
    assert died.checkpoint.row > died.keys_at.row
    world.now += 2 * (died.lease_until - died.lease_since)  # type: ignore[operator]
    again = import_part(world.ports, job, Countdown(3), chunk_rows=5)
    assert again.status == "continued"
    assert again.applied == 0
    handed = world.store.import_record(upload.import_id)
    assert handed is not None
    assert handed.keys_at is not None
    assert handed.checkpoint == died.checkpoint
    assert died.keys_at.row < handed.keys_at.row < died.checkpoint.row
    outcomes = [first, again]
    _continue_all(world, outcomes, [10**6])
    assert ending(world, upload) == ending(whole, whole_upload)


# --- the largest file ---


def test_a_file_over_the_largest_size_is_refused_whole_unread() -> None:
    """Given an upload whose size is over MAX_FILE_BYTES, then its import is done with one
    file error, file_too_large, and one letter at row 1, and the object is never opened."""
    world = World()
    upload = world.upload(HEADER + _line(1, 1))
    big = Upload(**{**upload.model_dump(), "size": MAX_FILE_BYTES + 1})
    outcome = import_part(world.ports, ImportJob.first(big), Countdown(10**6))
    assert outcome.status == "done"
    assert outcome.file_errors == ["file_too_large"]
    assert world.objects.opened == 0
    record = world.store.import_record(upload.import_id)
    assert record is not None
    assert record.status == "done"
    assert [e.code for e in record.file_errors] == ["file_too_large"]
    assert f"{MAX_FILE_BYTES:,}" in record.file_errors[0].message
    (body,) = (json.loads(text) for text in world.dead_letters.bodies())
    assert body["source"]["row"] == 1
    assert world.records() == {}


def test_a_file_of_the_largest_size_is_read() -> None:
    world = World()
    upload = world.upload(HEADER + _line(1, 1))
    edge = Upload(**{**upload.model_dump(), "size": MAX_FILE_BYTES})
    outcome = import_part(world.ports, ImportJob.first(edge), Countdown(10**6))
    assert (outcome.status, outcome.applied, outcome.file_errors) == ("done", 1, [])


# --- the claims carried ---

PRINTED = st.lists(
    st.tuples(st.from_regex(r"[A-Za-z0-9._-]{1,12}", fullmatch=True), st.sampled_from("ab")),
    max_size=40,
)


@given(keys=PRINTED)
def test_fingerprints_are_stable_and_tell_keys_apart(keys: list[tuple[str, str]]) -> None:
    """A key's fingerprint is a 64-bit value that does not depend on the process (BLAKE2b, not
    ``hash``), the same for equal keys; in a handful of keys, distinct ones differ."""
    skus, warehouses = [k for k, _ in keys], [w for _, w in keys]
    prints = fingerprints(skus, warehouses)
    assert all(0 <= p < 1 << 64 for p in prints)
    assert len(set(prints)) == len(set(keys))
    assert fingerprints(["A"], ["b"]) == fingerprints(["A"], ["b"])
    assert fingerprints(["Ab"], ["c"]) != fingerprints(["A"], ["bc"])


def test_a_snapshot_restores_the_claims_before_its_row_only() -> None:
    """Given the claims of a parse of 11 rows (the last repeats a key), a snapshot before row 7
    restores the claims of rows 2-6 with their rows, and restores to the same bytes."""
    text = HEADER + "".join(_line(n, n) for n in range(10)) + _line(3, 1)
    parser = parse_inventory(io.BytesIO(text.encode()), NOW)
    events = list(parser)
    assert [e.row for e in events if not isinstance(e, ValidRow)] == [12]
    snapshot = parser.claims.snapshot(7)
    restored = KeyClaims.restored(snapshot)
    assert len(restored) == 5
    for n in range(10):
        (fingerprint,) = fingerprints([f"K-{n:07d}"], ["north"])
        assert restored.claimer(fingerprint) == (n + 2 if n + 2 < 7 else None)
    assert restored.snapshot(7) == snapshot


@settings(max_examples=80, deadline=None)
@given(data=st.data(), recent=st.integers(min_value=0, max_value=3))
def test_a_parse_whose_claims_merge_often_gives_the_same_events(
    data: st.DataObject, recent: int
) -> None:
    """Given any file with duplicates and errors, a parse whose recent claims are merged into
    the sorted tier after every few keys yields the same events as one with the usual
    threshold (every file here fits the recent tier)."""
    rendered = data.draw(renders(data.draw(corrupted_files())))
    usual = list(parse_inventory(io.BytesIO(rendered.data), NOW))
    merged = parse_inventory(io.BytesIO(rendered.data), NOW, claims=KeyClaims(recent=recent))
    assert list(merged) == usual


@settings(max_examples=40, deadline=None)
@given(lines=LINES, cut=st.integers(min_value=2, max_value=62), recent=st.integers(0, 3))
def test_a_parse_resumed_with_the_claims_before_it_gives_the_rest_of_one_parse(
    lines: list[tuple[int, str]], cut: int, recent: int
) -> None:
    """Given a file cut at any record, a parse from the cut with the claims a first parse kept
    of the rows before it (snapshot, then restored) yields what one parse yields from there."""
    text = _render(lines).encode()
    whole = list(parse_inventory(io.BytesIO(text), NOW))
    at = next((e for e in whole if e.row >= cut), None)
    if at is None:
        return
    first = parse_inventory(io.BytesIO(text), NOW, claims=KeyClaims(recent=recent))
    for event in first:
        if event.row >= at.row:
            break
    checkpoint = first.checkpoint(at)
    claims = KeyClaims.restored(first.claims.snapshot(at.row), recent=recent)
    rest = parse_inventory(io.BytesIO(text[at.offset :]), NOW, resume=checkpoint, claims=claims)
    assert list(rest) == [e for e in whole if e.row >= at.row]


def test_the_claims_keep_under_64_bytes_a_key() -> None:
    """Given 200,000 distinct keys claimed batch by batch, the claims' traced memory, at its
    peak (merges included), stays under 64 bytes a key."""
    stream = io.BytesIO((HEADER + "".join(_line(n, 1) for n in range(200_000))).encode())
    tracemalloc.start()
    try:
        claims = KeyClaims()
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        report = parse_inventory(stream, NOW, claims=claims).report()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert report.rows_valid == len(claims) == 200_000
    assert peak / len(claims) < 64, peak / len(claims)
