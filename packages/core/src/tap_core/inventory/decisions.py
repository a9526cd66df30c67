"""What an incoming row does to the stored record of its key: the pure decision every store applies.

`decide` takes the stored `StockRecord` (or None), a valid item and its upload
time, and returns an `ImportDecision`: ``applied`` (write the incoming record),
``unchanged`` (the same version with the same values is already stored) or ``stale`` (what is
stored wins: a newer version, or the same version whose values win the tie-break).

"Last writer wins by ``updated_at``": the incoming record is written exactly when its
(version, fingerprint) is greater than the stored one's (see `tap_core.inventory.stock`),
so applying any set of rows in any order, any number of times, ends in the same store, and
processing the same upload again decides ``unchanged`` for every row: except that a row whose
stored record this very import wrote from this very row (``import_id`` and ``row`` provenance)
decides ``own_write``, counted ``applied`` with nothing to write. So a part that died after
applying some rows and runs again counts each of them applied once, as a run without the crash
would (a key is applied by one row of an import at most: a repeated key is a bad row).

A DynamoDB adapter enforces the same rule with ``attribute_not_exists(pk) OR stamp < :stamp``
on the write; when the condition fails it decides again against the record it finds, to tell
unchanged from stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from tap_core.inventory.stock import StockRecord, encode_version

if TYPE_CHECKING:
    from datetime import datetime

    from tap_core.inventory.item import InventoryItem

ImportStatus = Literal["applied", "unchanged", "stale"]
"""How one valid row ended."""

Cause = Literal["new_key", "newer", "same_record", "tie_won", "own_write", "older", "tie_lost"]
"""Why: ``new_key`` and ``newer`` (applied), ``same_record`` (unchanged), ``tie_won``
(applied: same version, other values, the greater fingerprint), ``own_write`` (applied: this
import wrote the stored record from this row before, in a part that died unrecorded; nothing
to write), ``older`` and ``tie_lost`` (stale)."""

_STATUS: dict[Cause, ImportStatus] = {
    "new_key": "applied",
    "newer": "applied",
    "tie_won": "applied",
    "own_write": "applied",
    "same_record": "unchanged",
    "older": "stale",
    "tie_lost": "stale",
}


@dataclass(frozen=True, slots=True)
class ImportDecision:
    """How an incoming row ends, why, and what to write.

    ``incoming`` is the row as a record; ``stored`` the record it was decided against (None
    for a new key). `record` is what to write; `reason` says why, for people
    (built only when asked, so deciding a million rows builds no sentences).
    """

    cause: Cause
    incoming: StockRecord
    stored: StockRecord | None = None

    @property
    def status(self) -> ImportStatus:
        """``applied``, ``unchanged`` or ``stale``."""
        return _STATUS[self.cause]

    @property
    def record(self) -> StockRecord | None:
        """The record to write (``incoming`` when applied and not yet stored), or None: the
        store stays as it is."""
        cause = self.cause
        return self.incoming if _STATUS[cause] == "applied" and cause != "own_write" else None

    @property
    def reason(self) -> str:
        """One sentence: what was compared and which side won."""
        cause, stored = self.cause, self.stored
        if cause == "new_key" or stored is None:
            return "no record is stored for this sku and warehouse"
        if cause == "same_record":
            return "the same version with the same values is already stored"
        if cause == "own_write":
            return "this import stored this record from this row before (a part run again)"
        new, old = encode_version(self.incoming.version), encode_version(stored.version)
        if cause == "newer":
            return f"version {new} is newer than the stored {old}"
        if cause == "older":
            return f"version {new} is older than the stored {old}"
        ours, theirs = self.incoming.fingerprint, stored.fingerprint
        if cause == "tie_won":
            return (
                f"same version {new} as the stored record with other values; these win the "
                f"tie-break (fingerprint {ours} > {theirs})"
            )
        return (
            f"same version {new} as the stored record with other values; the stored ones win "
            f"the tie-break (fingerprint {theirs} >= {ours})"
        )


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
    import_id: str | None = None,
) -> ImportDecision:
    """What the valid ``item``, uploaded at ``uploaded_at``, does to the ``stored`` record.

    ``stored`` is the record of the item's key (None when there is none); ``source``, ``row``
    and ``import_id`` are kept on the written record as provenance. ``uploaded_at`` and the item's
    ``updated_at`` must be aware (ValueError otherwise); a ``stored`` record of another key is
    a ValueError too.
    """
    incoming = StockRecord(item, uploaded_at, source, row, import_id)
    if stored is None:
        return ImportDecision("new_key", incoming)
    held = stored.item
    if held.sku != item.sku or held.warehouse != item.warehouse:
        raise ValueError(f"stored record {held.key!r} is not the record of {item.key!r}")
    # The versions as plain tuples: the same order as Version, without building two.
    new = (item.updated_at, uploaded_at)
    old = (held.updated_at, stored.uploaded_at)
    if new != old:
        return ImportDecision("newer" if new > old else "older", incoming, stored)
    if _same_values(held, item):
        own = import_id is not None and (stored.import_id, stored.row) == (import_id, row)
        return ImportDecision("own_write" if own else "same_record", incoming, stored)
    # Equal fingerprints of different values (probability 2^-128) lose: the store keeps what
    # it has, as the DynamoDB condition on the stamp would.
    won = incoming.fingerprint > stored.fingerprint
    return ImportDecision("tie_won" if won else "tie_lost", incoming, stored)
