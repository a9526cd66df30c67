"""Import decisions: version encoding, the tie-break, and decide() against a naive oracle."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tap_core.inventory import (
    FINGERPRINT_WIDTH,
    INSTANT_WIDTH,
    InventoryItem,
    StockRecord,
    Version,
    canonical_price,
    decide,
    decode_version,
    encode_instant,
    encode_version,
    fingerprint,
)
from tests.unit.inventory.stock_strategies import (
    CLASHING_ITEMS,
    MOMENTS,
    NOW,
    UPLOAD_TIMES,
    ZONES,
    prices,
)

VERSIONS = st.builds(Version, MOMENTS, MOMENTS)
# Aware instants in several zones, away from the ends of the datetime range.
ZONED_MOMENTS = st.datetimes(
    min_value=datetime(1900, 1, 1),  # noqa: DTZ001 - st.datetimes bounds must be naive
    max_value=datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=ZONES,
)
STORED = st.none() | st.builds(StockRecord, CLASHING_ITEMS, UPLOAD_TIMES)
TEXTS = st.text(alphabet="0123456789-:TZ./x", max_size=60) | st.text(max_size=60)


# --- the naive oracle ---


def naive_values(item: InventoryItem) -> tuple[str, int, Fraction, str, int]:
    """The values besides key and version, with the price as an exact fraction."""
    return (item.name, item.quantity, Fraction(item.unit_price), item.category, item.reorder_level)


def naive_rank(item: InventoryItem, uploaded_at: datetime) -> tuple[datetime, datetime, str]:
    """Where a row stands in "last writer wins": updated_at, then upload time, then tie-break."""
    return (item.updated_at, uploaded_at, fingerprint(item))


def naive_status(stored: StockRecord | None, item: InventoryItem, uploaded_at: datetime) -> str:
    if stored is None:
        return "applied"
    new = naive_rank(item, uploaded_at)
    old = naive_rank(stored.item, stored.uploaded_at)
    if new > old:
        return "applied"
    return "unchanged" if new == old else "stale"


# --- versions and their encoding ---


@given(version=VERSIONS)
def test_encoded_versions_decode_to_themselves(version: Version) -> None:
    """decode_version(encode_version(v)) == v, for any two UTC instants with microseconds."""
    # Given a version; When it is encoded and decoded
    text = encode_version(version)
    # Then the same version comes back, and the text has its fixed width
    assert decode_version(text) == version
    assert len(text) == 2 * INSTANT_WIDTH + 1


@given(updated_at=ZONED_MOMENTS, uploaded_at=ZONED_MOMENTS)
def test_zoned_versions_decode_to_the_same_instants_in_utc(
    updated_at: datetime, uploaded_at: datetime
) -> None:
    """A version of instants in any zone decodes to the same instants, expressed in UTC."""
    decoded = decode_version(encode_version(Version(updated_at, uploaded_at)))
    assert decoded == Version(updated_at, uploaded_at)
    assert decoded.updated_at.utcoffset() == timedelta(0)
    assert decoded.uploaded_at.utcoffset() == timedelta(0)


@given(first=VERSIONS | st.builds(Version, ZONED_MOMENTS, ZONED_MOMENTS), second=VERSIONS)
def test_version_encoding_preserves_order(first: Version, second: Version) -> None:
    """Encoded versions compare as strings exactly as the versions compare."""
    a, b = encode_version(first), encode_version(second)
    assert (a < b) == (first < second)
    assert (a == b) == (first == second)


@given(text=TEXTS)
def test_decoding_any_text_gives_a_version_or_value_error(text: str) -> None:
    """decode_version of any text is a Version that encodes back to it, or a ValueError."""
    try:
        version = decode_version(text)
    except ValueError:
        return
    assert encode_version(version) == text


def test_encoding_example() -> None:
    paris = timezone(timedelta(hours=2))
    version = Version(
        datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=UTC),
        datetime(2026, 3, 4, 9, 0, tzinfo=paris),
    )
    assert encode_version(version) == "2026-03-04T05:06:07.000089Z/2026-03-04T07:00:00.000000Z"
    assert encode_instant(datetime(9, 1, 2, tzinfo=UTC)) == "0009-01-02T00:00:00.000000Z"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-03-04T05:06:07.000089Z",
        "2026-13-04T05:06:07.000089Z/2026-03-04T07:00:00.000000Z",
        "2026-02-30T05:06:07.000089Z/2026-03-04T07:00:00.000000Z",
        "2026-03-04T05:06:07.000089Z/2026-03-04T07:00:00.000000z",
        "2026-03-04T05:06:07.000089Z/2026-03-04T07:00:00.000000Z#",
        "2026-03-04 05:06:07.000089Z/2026-03-04T07:00:00.000000Z",
        "\uff12026-03-04T05:06:07.000089Z/2026-03-04T07:00:00.000000Z",  # a fullwidth 2
    ],
)
def test_malformed_versions_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="not an encoded inventory version"):
        decode_version(text)


def test_naive_and_out_of_range_times_are_rejected() -> None:
    naive = datetime(2026, 1, 1)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        Version(NOW, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        StockRecord(_item(), naive)
    with pytest.raises(ValueError, match="updated_at must be a timezone-aware"):
        decide(None, _item(updated_at=naive), NOW)
    with pytest.raises(ValueError, match="outside years"):
        encode_instant(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=2))))


# --- values, fingerprints and stamps ---


@given(price=prices())
def test_canonical_price_is_the_same_amount_without_trailing_zeros(price: Decimal) -> None:
    """canonical_price(p) denotes p exactly and carries no exponent and no trailing zeros."""
    text = canonical_price(price)
    assert Decimal(text) == price
    assert "e" not in text.lower()
    assert not text.endswith(".")
    if "." in text:
        assert not text.endswith("0")


@given(a=CLASHING_ITEMS, b=CLASHING_ITEMS)
def test_fingerprints_are_equal_exactly_when_values_are(a: InventoryItem, b: InventoryItem) -> None:
    """Two items have one fingerprint iff name, quantity, price amount, category, level agree."""
    assert (fingerprint(a) == fingerprint(b)) == (naive_values(a) == naive_values(b))
    assert len(fingerprint(a)) == FINGERPRINT_WIDTH


@st.composite
def one_value_changed(draw: st.DrawFn) -> tuple[InventoryItem, InventoryItem]:
    """An item and a copy with exactly one stored value changed (the price by a real amount)."""
    item = draw(CLASHING_ITEMS)
    field = draw(st.sampled_from(["name", "quantity", "unit_price", "category", "reorder_level"]))
    bump = draw(st.integers(min_value=1, max_value=5))
    changed: object
    if field in ("name", "category"):
        changed = getattr(item, field) + "x" * bump
    elif field == "unit_price":
        changed = item.unit_price + Decimal(bump).scaleb(-4)
    else:
        changed = getattr(item, field) + bump
    return item, replace(item, **{field: changed})  # type: ignore[arg-type]


@given(pair=one_value_changed())
def test_changing_any_one_value_changes_the_fingerprint(
    pair: tuple[InventoryItem, InventoryItem],
) -> None:
    """Each stored value takes part in the fingerprint."""
    item, changed = pair
    assert fingerprint(item) != fingerprint(changed)


@given(item=CLASHING_ITEMS, places=st.integers(min_value=1, max_value=6))
def test_price_notation_does_not_change_the_fingerprint(item: InventoryItem, places: int) -> None:
    """The same amount with more trailing zeros (1.5, 1.50, 1.500...) has one fingerprint."""
    padded = replace(item, unit_price=item.unit_price.quantize(Decimal(1).scaleb(-places - 4)))
    assert padded.unit_price == item.unit_price
    assert fingerprint(padded) == fingerprint(item)


@given(a=CLASHING_ITEMS, a_at=UPLOAD_TIMES, b=CLASHING_ITEMS, b_at=UPLOAD_TIMES)
def test_stamps_order_records_as_the_rank_does(
    a: InventoryItem, a_at: datetime, b: InventoryItem, b_at: datetime
) -> None:
    """Stamps (one string for a DynamoDB condition) compare as the naive ranks compare."""
    first, second = StockRecord(a, a_at), StockRecord(b, b_at)
    assert (first.stamp < second.stamp) == (naive_rank(a, a_at) < naive_rank(b, b_at))
    assert (first.stamp == second.stamp) == (naive_rank(a, a_at) == naive_rank(b, b_at))


# --- decide ---


@given(stored=STORED, item=CLASHING_ITEMS, uploaded_at=UPLOAD_TIMES)
def test_decide_agrees_with_the_naive_rank(
    stored: StockRecord | None, item: InventoryItem, uploaded_at: datetime
) -> None:
    """A row is applied when it outranks what is stored, unchanged when equal, else stale."""
    # Given a stored record of the same key (or none)
    if stored is not None:
        stored = replace(stored, item=replace(stored.item, sku=item.sku, warehouse=item.warehouse))
    # When a row is decided against it
    decision = decide(stored, item, uploaded_at, source="s.csv", row=7)
    # Then its ending is the naive one, and only an applied row has a record to write
    assert decision.status == naive_status(stored, item, uploaded_at)
    assert decision.incoming == StockRecord(item, uploaded_at)
    assert (decision.incoming.source, decision.incoming.row) == ("s.csv", 7)
    assert decision.record == (decision.incoming if decision.status == "applied" else None)
    assert decision.reason


@given(a=CLASHING_ITEMS, a_at=UPLOAD_TIMES, b=CLASHING_ITEMS, b_at=UPLOAD_TIMES)
def test_two_rows_of_one_key_end_the_same_in_either_order(
    a: InventoryItem, a_at: datetime, b: InventoryItem, b_at: datetime
) -> None:
    """Applying two rows of one key in either order leaves the same record stored."""
    b = replace(b, sku=a.sku, warehouse=a.warehouse)

    def after(*rows: tuple[InventoryItem, datetime]) -> StockRecord | None:
        stored = None
        for item, uploaded_at in rows:
            decision = decide(stored, item, uploaded_at)
            stored = decision.record or stored
        return stored

    assert after((a, a_at), (b, b_at)) == after((b, b_at), (a, a_at))


@given(item=CLASHING_ITEMS, uploaded_at=UPLOAD_TIMES)
def test_the_same_row_again_is_unchanged(item: InventoryItem, uploaded_at: datetime) -> None:
    """A row decided against the record it wrote itself changes nothing."""
    first = decide(None, item, uploaded_at)
    assert first.record is not None
    again = decide(first.record, item, uploaded_at)
    assert (again.status, again.record) == ("unchanged", None)


def _item(**changes: object) -> InventoryItem:
    base = InventoryItem(
        sku="A-1",
        warehouse="north",
        name="Hammer",
        quantity=3,
        unit_price=Decimal("9.50"),
        category="tools",
        reorder_level=1,
        updated_at=NOW,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _stored(item: InventoryItem, uploaded_at: datetime = NOW) -> StockRecord:
    return StockRecord(item, uploaded_at, "old.csv", 2)


def test_new_key_is_applied() -> None:
    decision = decide(None, _item(), NOW)
    assert decision.status == "applied"
    assert decision.record == StockRecord(_item(), NOW)


def test_later_updated_at_wins_even_from_an_earlier_upload() -> None:
    stored = _stored(_item(), uploaded_at=NOW)
    later = _item(updated_at=NOW + timedelta(seconds=1), quantity=0)
    decision = decide(stored, later, NOW - timedelta(days=1))
    assert decision.status == "applied"
    assert "newer" in decision.reason


def test_same_updated_at_later_upload_wins() -> None:
    stored = _stored(_item())
    decision = decide(stored, _item(quantity=4), NOW + timedelta(microseconds=1))
    assert decision.status == "applied"


def test_a_later_upload_of_the_same_values_is_applied_and_moves_the_version() -> None:
    stored = _stored(_item())
    decision = decide(stored, _item(), NOW + timedelta(minutes=1))
    assert decision.status == "applied"
    assert decision.record is not None
    assert decision.record.version == Version(NOW, NOW + timedelta(minutes=1))


def test_older_row_is_stale() -> None:
    stored = _stored(_item())
    decision = decide(stored, _item(updated_at=NOW - timedelta(hours=1), quantity=9), NOW)
    assert (decision.status, decision.record) == ("stale", None)
    assert "older" in decision.reason


def test_same_version_same_values_is_unchanged_whatever_the_zone_or_price_notation() -> None:
    stored = _stored(_item(unit_price=Decimal("9.5")))
    utc_minus_5 = timezone(timedelta(hours=-5))
    decision = decide(stored, _item(unit_price=Decimal("9.5000")), NOW.astimezone(utc_minus_5))
    assert decision.status == "unchanged"


def test_same_version_other_values_one_side_wins_in_both_orders() -> None:
    """Two uploads at the same instant disagree: the greater fingerprint wins either way."""
    one, other = _item(quantity=1), _item(quantity=2)
    winner, loser = (one, other) if fingerprint(one) > fingerprint(other) else (other, one)
    won, lost = decide(_stored(loser), winner, NOW), decide(_stored(winner), loser, NOW)
    assert (won.status, won.cause, won.record) == ("applied", "tie_won", StockRecord(winner, NOW))
    assert (lost.status, lost.cause, lost.record) == ("stale", "tie_lost", None)
    assert "these win the tie-break" in won.reason
    assert "the stored ones win the tie-break" in lost.reason


def test_provenance_is_kept_but_not_compared() -> None:
    decision = decide(None, _item(), NOW, source="inbound/a.csv", row=12)
    assert decision.record is not None
    assert (decision.record.source, decision.record.row) == ("inbound/a.csv", 12)
    assert decision.record == StockRecord(_item(), NOW, "inbound/b.csv", 99)


def test_a_stored_record_of_another_key_is_an_error() -> None:
    with pytest.raises(ValueError, match="is not the record of"):
        decide(_stored(_item(warehouse="south")), _item(), NOW)
