"""Hypothesis strategies for inventory items and uploads, shared by the summary and store tests."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import strategies as st

from tap_core.inventory import InventoryItem

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LIMIT = 10**9

KEY_ALPHABET = string.ascii_letters + string.digits + "._-"
KEYS = st.text(KEY_ALPHABET, min_size=1, max_size=64)
# Few distinct SKUs and warehouses, so keys, groups and ties repeat.
FEW_SKUS = st.sampled_from(["A-1", "B.2", "a-1", "c_3", "D4"])
FEW_WAREHOUSES = st.sampled_from(["north", "South", "w-3"])
FEW_CATEGORIES = st.sampled_from(["uncategorized", "tools", "Tools", "paint"])
FEW_NAMES = st.sampled_from(["Hammer", "Nails, 100", 'Paint "white"', "Émail"])
NAMES = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=200
)

QUANTITIES = st.integers(min_value=0, max_value=LIMIT)
# Small quantities and reorder levels, so low stock, out of stock and equal shortfalls are common.
SMALL_COUNTS = st.integers(min_value=0, max_value=6)


@st.composite
def prices(draw: st.DrawFn, max_units: int = LIMIT) -> Decimal:
    """A price as the CSV contract allows it: 0 .. ``max_units`` with 0 to 4 decimal places.

    The exponent varies (``5``, ``5.0``, ``5.0000``), as written in a file.
    """
    places = draw(st.integers(min_value=0, max_value=4))
    scaled = draw(st.integers(min_value=0, max_value=max_units * 10**places))
    return Decimal(scaled).scaleb(-places)


# Instants on a coarse grid within a few days before NOW, so equal versions happen.
TIED_MOMENTS = st.integers(min_value=0, max_value=3).map(lambda steps: NOW - timedelta(hours=steps))
# Aware UTC instants over the whole datetime range, with microseconds.
MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 1),  # noqa: DTZ001 - st.datetimes bounds must be naive
    max_value=datetime(9999, 12, 31, 23, 59),  # noqa: DTZ001
).map(lambda moment: moment.replace(tzinfo=UTC))


@st.composite
def items(
    draw: st.DrawFn,
    *,
    skus: st.SearchStrategy[str] = FEW_SKUS,
    warehouses: st.SearchStrategy[str] = FEW_WAREHOUSES,
    names: st.SearchStrategy[str] = FEW_NAMES,
    categories: st.SearchStrategy[str] = FEW_CATEGORIES,
    quantities: st.SearchStrategy[int] = SMALL_COUNTS,
    unit_prices: st.SearchStrategy[Decimal] | None = None,
    reorder_levels: st.SearchStrategy[int] = SMALL_COUNTS,
    moments: st.SearchStrategy[datetime] = TIED_MOMENTS,
) -> InventoryItem:
    """A valid item; by default from small pools, so keys, groups and versions collide."""
    return InventoryItem(
        sku=draw(skus),
        warehouse=draw(warehouses),
        name=draw(names),
        quantity=draw(quantities),
        unit_price=draw(unit_prices if unit_prices is not None else prices(max_units=20)),
        category=draw(categories),
        reorder_level=draw(reorder_levels),
        updated_at=draw(moments),
    )


# Items anywhere in the contract's range: long keys, any names, amounts up to 10^9.
WIDE_ITEMS = items(
    skus=KEYS,
    warehouses=KEYS | FEW_WAREHOUSES,
    names=NAMES,
    categories=KEYS | FEW_CATEGORIES,
    quantities=QUANTITIES | SMALL_COUNTS,
    unit_prices=prices(),
    reorder_levels=QUANTITIES | SMALL_COUNTS,
    moments=MOMENTS,
)


# --- uploads, for the import decisions and the store ---

# Equal amounts written differently ("1.5" and "1.50") are the same value.
FEW_PRICES = st.sampled_from(
    [Decimal("1.5"), Decimal("1.50"), Decimal(2), Decimal("2.0000"), Decimal(0)]
)
# Few values of everything, so one key often gets the same version with the same values,
# or with different ones (the tie-break), across uploads.
CLASHING_ITEMS = items(
    names=st.sampled_from(["Hammer", "Mallet"]),
    categories=st.sampled_from(["tools", "Tools"]),
    quantities=st.integers(min_value=0, max_value=2),
    unit_prices=FEW_PRICES,
    reorder_levels=st.integers(min_value=0, max_value=1),
)
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))])
# Upload times on the same coarse grid as TIED_MOMENTS, in any time zone: equal instants compare
# equal whatever the zone.
UPLOAD_TIMES = st.tuples(TIED_MOMENTS, ZONES).map(lambda pair: pair[0].astimezone(pair[1]))
SOURCES = st.integers(min_value=0, max_value=999).map(lambda n: f"inbound/upload-{n:03d}.csv")


@dataclass(frozen=True)
class Upload:
    """One file's valid items (distinct keys, as the parser yields them) and when it came."""

    uploaded_at: datetime
    source: str
    items: tuple[InventoryItem, ...]


@st.composite
def uploads(
    draw: st.DrawFn, item_strategy: st.SearchStrategy[InventoryItem] = CLASHING_ITEMS
) -> Upload:
    """An upload of up to 15 items with distinct keys (a later draw of a key replaces it)."""
    drawn = draw(st.lists(item_strategy, max_size=15))
    return Upload(
        uploaded_at=draw(UPLOAD_TIMES),
        source=draw(SOURCES),
        items=tuple({item.key: item for item in drawn}.values()),
    )
