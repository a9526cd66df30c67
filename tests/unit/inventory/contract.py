"""The inventory store contract: convergence, idempotence and endings, against a plain dict model.

Every test takes a ``make_store`` fixture (a factory of empty stores of the adapter under test:
`InventoryStore`, `ImportLedger` and `SummaryArchive` in one). An adapter plugs in by defining
``make_store`` (module scope: Hypothesis reuses it) in its test module and star-importing this
one (``from tests.unit.inventory.contract import *``): ``test_store.py`` beside this file
(``InMemoryInventoryStore``, the core alone) and ``tests/adapters/test_dynamo_inventory.py``
(``DynamoInventoryStore`` on moto). A new test here runs on every adapter without being listed;
``tests/workspace/test_contracts.py`` fails if an adapter module runs only part of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, NamedTuple, Protocol

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tap_core.inventory import (
    COLUMNS,
    LEASE,
    STALE_ROWS_MAX,
    Checkpoint,
    ImportedRow,
    ImportLedger,
    ImportRecord,
    InventoryItem,
    InventoryStore,
    StockRecord,
    SummaryArchive,
    fingerprint,
    import_id,
    summarize,
)
from tests.unit.inventory.stock_strategies import (
    CLASHING_ITEMS,
    FEW_SKUS,
    FEW_WAREHOUSES,
    NOW,
    Upload,
    uploads,
)

if TYPE_CHECKING:
    from collections.abc import Iterable


class FullStore(InventoryStore, ImportLedger, SummaryArchive, Protocol):
    """What every inventory adapter is: the store, the import ledger and the summary archive."""


StoreFactory = Callable[[], FullStore]

Key = tuple[str, str]
Rank = tuple[datetime, datetime, str]
Row = tuple[datetime, InventoryItem]

UPLOAD_LISTS = st.lists(uploads(), min_size=1, max_size=6)


@st.composite
def deliveries(draw: st.DrawFn, batch: list[Upload]) -> list[Row]:
    """Every row of ``batch`` at least once, some twice or more, in a random order."""
    rows = [(upload.uploaded_at, item) for upload in batch for item in upload.items]
    if not rows:
        return []
    repeats = draw(st.lists(st.sampled_from(rows), max_size=len(rows)))
    return list(draw(st.permutations(rows + repeats)))


# --- the naive oracle: the greatest rank per key ---


def naive_rank(item: InventoryItem, uploaded_at: datetime) -> Rank:
    return (item.updated_at, uploaded_at, fingerprint(item))


def naive_store(rows: Iterable[Row]) -> dict[Key, tuple[InventoryItem, datetime]]:
    best: dict[Key, tuple[Rank, InventoryItem, datetime]] = {}
    for uploaded_at, item in rows:
        rank = naive_rank(item, uploaded_at)
        held = best.get(item.key)
        if held is None or rank > held[0]:
            best[item.key] = (rank, item, uploaded_at)
    return {key: (item, uploaded_at) for key, (_, item, uploaded_at) in best.items()}


def contents(store: InventoryStore) -> dict[Key, tuple[InventoryItem, datetime]]:
    """Every stored record, read through the port's items() and get()."""
    found: dict[Key, tuple[InventoryItem, datetime]] = {}
    for item in store.items():
        assert item.key not in found, "items() streamed a key twice"
        record = store.get(item.sku, item.warehouse)
        assert record is not None
        assert record.item == item
        found[item.key] = (item, record.uploaded_at)
    return found


def apply_all(store: InventoryStore, batch: list[Upload]) -> None:
    for upload in batch:
        store.apply(upload.items, upload.uploaded_at, upload.source)


# --- properties ---


@given(data=st.data(), batch=UPLOAD_LISTS)
def test_rows_in_any_order_and_repeated_converge_to_the_greatest_per_key(
    data: st.DataObject, batch: list[Upload], make_store: StoreFactory
) -> None:
    """Applying rows shuffled and repeated leaves, per key, the row with the greatest rank."""
    # Given every row of some uploads, shuffled, some delivered more than once
    rows = data.draw(deliveries(batch))
    store = make_store()
    # When each row is applied on its own
    for uploaded_at, item in rows:
        store.apply([item], uploaded_at)
    # Then the store holds exactly the naive "greatest (version, fingerprint) per key"
    assert contents(store) == naive_store(rows)


@given(data=st.data(), batch=UPLOAD_LISTS)
def test_upload_order_does_not_matter(
    data: st.DataObject, batch: list[Upload], make_store: StoreFactory
) -> None:
    """Whole uploads applied in any two orders leave equal stores."""
    shuffled = data.draw(st.permutations(batch))
    first, second = make_store(), make_store()
    apply_all(first, batch)
    apply_all(second, shuffled)
    assert contents(first) == contents(second)


@given(data=st.data(), batch=UPLOAD_LISTS)
def test_applying_an_upload_again_changes_nothing(
    data: st.DataObject, batch: list[Upload], make_store: StoreFactory
) -> None:
    """Re-applying any upload already applied writes nothing: every row is unchanged or stale."""
    # Given a store that has seen some uploads
    store = make_store()
    apply_all(store, batch)
    before = contents(store)
    # When one of them is delivered again
    again = data.draw(st.sampled_from(batch))
    result = store.apply(again.items, again.uploaded_at, again.source)
    # Then nothing is applied and the store is as it was
    assert result.applied == 0
    assert result.unchanged + result.stale == result.rows == len(again.items)
    assert contents(store) == before


@given(upload=uploads())
def test_the_same_upload_twice_in_a_row_is_all_unchanged(
    upload: Upload, make_store: StoreFactory
) -> None:
    """An upload (distinct keys) applied twice: the second time every row is unchanged."""
    store = make_store()
    first = store.apply(upload.items, upload.uploaded_at, upload.source)
    second = store.apply(upload.items, upload.uploaded_at, upload.source)
    assert (first.applied, first.rows) == (len(upload.items), len(upload.items))
    assert (second.unchanged, second.rows) == (len(upload.items), len(upload.items))


@given(batch=UPLOAD_LISTS)
def test_summary_of_the_store_is_the_summary_of_the_winners(
    batch: list[Upload], make_store: StoreFactory
) -> None:
    """summarize(store.items()) equals the summary of the naive winners."""
    store = make_store()
    apply_all(store, batch)
    winners = naive_store((u.uploaded_at, item) for u in batch for item in u.items)
    expected = summarize([item for item, _ in winners.values()], "d")
    assert summarize(store.items(), "d") == expected


# --- examples ---


def test_stale_rows_are_listed_up_to_the_cap_and_counted_beyond(make_store: StoreFactory) -> None:
    fresh = [_numbered(n, NOW) for n in range(STALE_ROWS_MAX + 5)]
    old = [_numbered(n, NOW.replace(year=2020)) for n in range(STALE_ROWS_MAX + 5)]
    store = make_store()
    store.apply(fresh, NOW, "new.csv")
    result = store.apply(old, NOW, "old.csv")
    assert (result.rows, result.stale, result.applied) == (
        STALE_ROWS_MAX + 5,
        STALE_ROWS_MAX + 5,
        0,
    )
    assert len(result.stale_rows) == STALE_ROWS_MAX
    assert result.stale_rows_truncated == 5
    assert result.stale_rows[0].sku == "S0000"
    assert "older" in result.stale_rows[0].reason
    assert result.source == "old.csv"


def test_apply_reads_a_one_shot_iterator_once(make_store: StoreFactory) -> None:
    store = make_store()
    result = store.apply(iter([_numbered(1, NOW), _numbered(2, NOW)]), NOW, "a.csv")
    assert (result.rows, result.applied) == (2, 2)
    record = store.get("S0001", "w")
    assert record is not None
    assert (record.source, record.uploaded_at) == ("a.csv", NOW)
    assert store.get("S0001", "W") is None  # keys compare exactly


def test_an_unchanged_row_keeps_the_provenance_of_the_first_delivery(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    store.apply([_numbered(1, NOW)], NOW, "first.csv")
    result = store.apply([_numbered(1, NOW)], NOW, "second.csv")
    assert result.unchanged == 1
    record = store.get("S0001", "w")
    assert record is not None
    assert record.source == "first.csv"


class Located(NamedTuple):
    """Shaped like the parser's ValidRow: an item, its row and its byte offset."""

    item: InventoryItem
    row: int
    offset: int


def test_items_with_rows_keep_their_row_and_stale_rows_name_it(make_store: StoreFactory) -> None:
    store = make_store()
    store.apply([Located(_numbered(1, NOW), 4, 120)], NOW, "new.csv")
    record = store.get("S0001", "w")
    assert record is not None
    assert (record.source, record.row) == ("new.csv", 4)
    result = store.apply(
        [_numbered(2, NOW), Located(_numbered(1, NOW.replace(year=2020)), 9, 300)],
        NOW,
        "old.csv",
    )
    assert (result.applied, result.stale) == (1, 1)
    assert [(r.sku, r.row) for r in result.stale_rows] == [("S0001", 9)]


def test_a_new_store_is_empty(make_store: StoreFactory) -> None:
    store = make_store()
    assert list(store.items()) == []
    assert store.get("S0001", "w") is None
    assert store.stock_of("S0001") == []
    assert store.import_record(import_id("b", "k", "v")) is None
    assert store.summary(None) is None


@given(batch=UPLOAD_LISTS, sku=FEW_SKUS)
def test_stock_of_a_sku_is_its_record_in_every_warehouse(
    batch: list[Upload], sku: str, make_store: StoreFactory
) -> None:
    """stock_of(sku) lists exactly the naive winners of that SKU, in warehouse order."""
    # Given some uploads applied
    store = make_store()
    apply_all(store, batch)
    # When one SKU is asked for
    found = store.stock_of(sku)
    # Then it is the winners with exactly that SKU (case matters), one per warehouse, in order
    winners = naive_store((u.uploaded_at, item) for u in batch for item in u.items)
    expected = [StockRecord(*winners[key]) for key in sorted(winners) if key[0] == sku]
    assert [(r.item, r.uploaded_at) for r in found] == [(r.item, r.uploaded_at) for r in expected]


def test_stock_of_compares_the_sku_exactly(make_store: StoreFactory) -> None:
    store = make_store()
    odd = dataclasses.replace(_numbered(1, NOW), sku="A#1", warehouse="w#2")
    store.apply([odd, dataclasses.replace(odd, sku="A", warehouse="1#w")], NOW, "a.csv")
    assert [(r.item.sku, r.item.warehouse) for r in store.stock_of("A#1")] == [("A#1", "w#2")]
    assert [(r.item.sku, r.item.warehouse) for r in store.stock_of("A")] == [("A", "1#w")]
    assert store.stock_of("a#1") == []


def test_an_import_knows_the_rows_it_wrote_and_counts_them_applied_again(
    make_store: StoreFactory,
) -> None:
    """Rows handed again by the import that wrote them, from the same rows (a part run again
    after it died unrecorded), count applied and write nothing; from another import, or from
    another row, the same records are unchanged."""
    store = make_store()
    rows = [ImportedRow(_numbered(n, NOW), n + 2, "import-a") for n in range(1, 4)]
    # Given an import that applied its first two rows, then died
    assert store.apply(rows[:2], NOW, "a.csv").applied == 2
    # When it runs again over all three, each is applied once more in its count
    again = store.apply(rows, NOW, "a.csv")
    assert (again.applied, again.unchanged, again.stale) == (3, 0, 0)
    # And the same records from another import, or from another row, are unchanged
    other = store.apply([ImportedRow(rows[0].item, rows[0].row, "import-b")], NOW, "b.csv")
    moved = store.apply([ImportedRow(rows[1].item, 99, "import-a")], NOW, "a.csv")
    assert (other.unchanged, moved.unchanged) == (1, 1)
    # And each record keeps the provenance of its first write
    for row in rows:
        record = store.get(row.item.sku, row.item.warehouse)
        assert record is not None
        assert (record.source, record.row, record.import_id) == ("a.csv", row.row, "import-a")


# --- the import ledger ---

_BEGUN = ImportRecord.begin("bucket", "inbound/a.csv", '"etag-1"', NOW, NOW)


def test_an_import_begins_once(make_store: StoreFactory) -> None:
    # Given a new import begun
    store = make_store()
    assert store.save_import(_BEGUN, replacing=None)
    # Then it reads back as it was saved, and beginning it again is refused
    assert store.import_record(_BEGUN.import_id) == _BEGUN
    assert not store.save_import(_BEGUN, replacing=None)
    # And another version of the same key is another import
    other = ImportRecord.begin("bucket", "inbound/a.csv", '"etag-2"', NOW, NOW)
    assert store.save_import(other, replacing=None)
    assert store.import_record(other.import_id) == other


def test_a_part_is_saved_once_and_a_passed_part_never_again(make_store: StoreFactory) -> None:
    # Given an import at part 0
    store = make_store()
    store.save_import(_BEGUN, replacing=None)
    checkpoint = _checkpoint()
    # When part 0 hands on to part 1, then a repeated part 0 tries to save
    second = _BEGUN.next_part(checkpoint)
    assert store.save_import(second, replacing=0)
    assert not store.save_import(_BEGUN.next_part(checkpoint), replacing=0)
    # Then the stored record is part 1's; part 1 finishes it and then nothing replaces it
    assert store.import_record(_BEGUN.import_id) == second
    done = second.done(NOW + timedelta(minutes=1)).reported("reports/imports/x.json")
    assert store.save_import(done, replacing=1)
    assert not store.save_import(done, replacing=1)
    assert store.import_record(_BEGUN.import_id) == done


def test_a_leased_part_is_saved_by_its_owner_alone_until_the_lease_expires(
    make_store: StoreFactory,
) -> None:
    # Given an import begun under owner a's lease
    store = make_store()
    held = _BEGUN.leased("a", NOW)
    assert store.save_import(held, replacing=None)
    assert store.import_record(_BEGUN.import_id) == held
    # When b tries while it runs, it is refused; a renews it with its progress
    just_before = NOW + LEASE - timedelta(microseconds=1)
    assert not store.save_import(_BEGUN.leased("b", just_before), replacing=0)
    renewed = held.resuming(_checkpoint()).leased("a", NOW + timedelta(seconds=10))
    assert store.save_import(renewed, replacing=0)
    assert not store.save_import(_BEGUN.leased("b", NOW + LEASE), replacing=0)
    # Then once the renewed lease expired b takes the part over, and a can save nothing more
    expired = NOW + timedelta(seconds=10) + LEASE
    taken = renewed.leased("b", expired)
    assert store.save_import(taken, replacing=0)
    assert not store.save_import(renewed.leased("a", expired + timedelta(seconds=1)), replacing=0)
    assert not store.save_import(renewed.next_part(_checkpoint()), replacing=0)
    assert store.import_record(_BEGUN.import_id) == taken
    # And a lease given up is free at once, for the next part's owner
    handed = taken.next_part(_checkpoint()).released(expired)
    assert store.save_import(handed, replacing=0)
    assert store.save_import(handed.leased("c", expired), replacing=1)


@pytest.mark.parametrize(
    "text", ["not-an-id", "", import_id("b", "k" * 1025, "v"), import_id("b", "k", "")]
)
def test_a_malformed_import_id_is_a_value_error_naming_it(
    text: str, make_store: StoreFactory
) -> None:
    with pytest.raises(ValueError, match="import_id"):
        make_store().import_record(text)


# --- the summary archive ---


def test_summaries_are_kept_by_day_and_the_latest_is_the_last_day(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    first, second = (summarize([_numbered(n, NOW)], f"day {n}") for n in (1, 2))
    store.keep_summary(date(2026, 12, 2), second)
    store.keep_summary(date(2026, 11, 30), first)
    assert store.summary(date(2026, 11, 30)) == first
    assert store.summary(date(2026, 12, 2)) == second
    assert store.summary(None) == second
    assert store.summary(date(2026, 12, 1)) is None
    store.keep_summary(date(2026, 12, 2), first)  # a repeated run replaces its day
    assert store.summary(None) == first


def _checkpoint() -> Checkpoint:
    return Checkpoint(offset=120, row=5, columns=COLUMNS)


def _numbered(n: int, updated_at: datetime) -> InventoryItem:
    return InventoryItem(
        sku=f"S{n:04d}",
        warehouse="w",
        name="thing",
        quantity=n,
        unit_price=Decimal("1.25"),
        category="c",
        reorder_level=0,
        updated_at=updated_at,
    )


# --- the store against a plain dict, step by step ---


class StoreMachine(RuleBasedStateMachine):
    """Uploads, repeats and reads against a dict of (item, uploaded_at) per key."""

    applied = Bundle("applied")

    make_store: ClassVar[StoreFactory]
    store: FullStore

    @initialize()
    def start(self) -> None:
        self.store = type(self).make_store()
        self.model: dict[Key, tuple[InventoryItem, datetime]] = {}

    def _expect(self, upload: Upload) -> tuple[int, int, int]:
        """Update the model as a dict would, returning the (applied, unchanged, stale) counts."""
        counts = {"applied": 0, "unchanged": 0, "stale": 0}
        for item in upload.items:
            held = self.model.get(item.key)
            new = naive_rank(item, upload.uploaded_at)
            old = None if held is None else naive_rank(*held)
            if old is None or new > old:
                self.model[item.key] = (item, upload.uploaded_at)
                counts["applied"] += 1
            elif new == old:
                counts["unchanged"] += 1
            else:
                counts["stale"] += 1
        return counts["applied"], counts["unchanged"], counts["stale"]

    def _apply(self, upload: Upload) -> None:
        expected = self._expect(upload)
        result = self.store.apply(upload.items, upload.uploaded_at, upload.source)
        assert (result.applied, result.unchanged, result.stale) == expected
        assert result.rows == len(upload.items)
        assert len(result.stale_rows) == result.stale

    @rule(target=applied, upload=uploads())
    def upload(self, upload: Upload) -> Upload:
        self._apply(upload)
        return upload

    @rule(upload=applied)
    def deliver_again(self, upload: Upload) -> None:
        self._apply(upload)

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def get_a_stored_key(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.model)))
        record = self.store.get(*key)
        assert record == StockRecord(*self.model[key])

    @rule(sku=FEW_SKUS, warehouse=FEW_WAREHOUSES)
    def get_any_key(self, sku: str, warehouse: str) -> None:
        record = self.store.get(sku, warehouse)
        held = self.model.get((sku, warehouse))
        assert record == (None if held is None else StockRecord(*held))

    @rule(sku=FEW_SKUS)
    def stock_of_a_sku(self, sku: str) -> None:
        found = [(r.item, r.uploaded_at) for r in self.store.stock_of(sku)]
        assert found == [self.model[key] for key in sorted(self.model) if key[0] == sku]

    @rule(item=CLASHING_ITEMS)
    def single_row(self, item: InventoryItem) -> None:
        self._apply(Upload(NOW, "single.csv", (item,)))

    @invariant()
    def same_records(self) -> None:
        assert contents(self.store) == self.model


def test_the_store_reads_like_a_dict(
    make_store: StoreFactory, request: pytest.FixtureRequest
) -> None:
    """The machine on the adapter's stores, 20 steps a run: a handful of uploads already
    exercises repeats, ties and stale rows. A collecting module's ``MAX_EXAMPLES`` caps its
    runs (the adapters' convention: there each step costs HTTP requests)."""
    machine = type("StoreMachineOn", (StoreMachine,), {"make_store": staticmethod(make_store)})
    limit = getattr(request.module, "MAX_EXAMPLES", None)
    chosen = settings(stateful_step_count=20)
    if limit is not None:
        chosen = settings(chosen, max_examples=min(limit, chosen.max_examples))
    run_state_machine_as_test(machine, settings=chosen)
