"""What an incoming row does to the stored record of its key: the pure decision every store applies.

:func:`decide` takes the stored :class:`StockRecord` (or None), a valid item and its upload
time, and returns an :class:`ImportDecision`: ``applied`` (write the incoming record),
``unchanged`` (the same version with the same values is already stored) or ``stale`` (what is
stored wins: a newer version, or the same version whose values win the tie-break).

"Last writer wins by ``updated_at``": the incoming record is written exactly when its
(version, fingerprint) is greater than the stored one's (see :mod:`tap_core.inventory.stock`),
so applying any set of rows in any order, any number of times, ends in the same store, and
processing the same upload again decides ``unchanged`` for every row. A DynamoDB adapter
enforces the same rule with ``attribute_not_exists(pk) OR stamp < :stamp`` on the write; when
the condition fails it decides again against the record it finds, to tell unchanged from stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from tap_core.inventory.stock import StockRecord, encode_version

if TYPE_CHECKING:
    from datetime import datetime

    from tap_core.inventory.item import InventoryItem

ImportStatus = Literal["applied", "unchanged", "stale"]
"""How one valid row ended."""

NEW_KEY: Final = "no record is stored for this sku and warehouse"
SAME_RECORD: Final = "the same version with the same values is already stored"


@dataclass(frozen=True, slots=True)
class ImportDecision:
    """How an incoming row ends, and what to write.

    ``incoming`` is the row as a record; ``record`` is what to write: ``incoming`` when
    ``status`` is ``applied``, None otherwise. ``reason`` is a sentence for people.
    """

    status: ImportStatus
    incoming: StockRecord
    reason: str

    @property
    def record(self) -> StockRecord | None:
        """The record to write, or None when the store stays as it is."""
        return self.incoming if self.status == "applied" else None


def _same_values(stored: InventoryItem, item: InventoryItem) -> bool:
    return (
        stored.quantity == item.quantity
        and stored.unit_price == item.unit_price
        and stored.name == item.name
        and stored.category == item.category
        and stored.reorder_level == item.reorder_level
    )


def decide(
    stored: StockRecord | None,
    item: InventoryItem,
    uploaded_at: datetime,
    *,
    source: str | None = None,
    row: int | None = None,
) -> ImportDecision:
    """What the valid ``item``, uploaded at ``uploaded_at``, does to the ``stored`` record.

    ``stored`` is the record of the item's key (None when there is none); ``source`` and
    ``row`` are kept on the written record as provenance. ``uploaded_at`` must be aware
    (ValueError otherwise); a ``stored`` record of another key is a ValueError too.
    """
    incoming = StockRecord(item, uploaded_at, source, row)
    if stored is None:
        return ImportDecision("applied", incoming, NEW_KEY)
    if stored.key != item.key:
        raise ValueError(f"stored record {stored.key!r} is not the record of {item.key!r}")
    new, old = incoming.version, stored.version
    if new > old:
        return ImportDecision(
            "applied",
            incoming,
            f"version {encode_version(new)} is newer than the stored {encode_version(old)}",
        )
    if new < old:
        return ImportDecision(
            "stale",
            incoming,
            f"version {encode_version(new)} is older than the stored {encode_version(old)}",
        )
    if _same_values(stored.item, item):
        return ImportDecision("unchanged", incoming, SAME_RECORD)
    ours, theirs = incoming.fingerprint, stored.fingerprint
    # Equal fingerprints of different values (probability 2^-128) fall to "stale": the store
    # keeps what it has, as the DynamoDB condition on the stamp would.
    if ours > theirs:
        return ImportDecision(
            "applied",
            incoming,
            f"same version {encode_version(new)} as the stored record with other values; "
            f"these win the tie-break (fingerprint {ours} > {theirs})",
        )
    return ImportDecision(
        "stale",
        incoming,
        f"same version {encode_version(new)} as the stored record with other values; "
        f"the stored ones win the tie-break (fingerprint {theirs} >= {ours})",
    )
