"""The duplicate check: the first valid record with a (sku, warehouse) key claims it.

The only state that grows with the file is one entry per distinct key: a 60-bit fingerprint of
the key (its ``hash``: SipHash for strings) in a dict, whose value (shared by a batch of
claims) indexes that batch's fingerprints and rows, kept in two compact arrays: 90 to 120 bytes
a key (the dict's table grows in steps; `python -m bench inventory` prints it). Keys and values
are plain ints, so the garbage collector never traverses the dict. A batch's keys are claimed
with one ``setdefault`` each (one probe of the dict, which keeps a claimed key's claimer); only
a batch that repeats a key is looked at again. Two different keys share a fingerprint with
probability below 10^-6 in a file of 10^6 keys; the later one would then be reported as a
duplicate, never silently dropped.
"""

from __future__ import annotations

from array import array
from itertools import compress, repeat
from operator import and_, ne
from typing import TYPE_CHECKING, Final, NamedTuple

from tap_core.inventory.csv.batches import without
from tap_core.inventory.csv.messages import duplicate_key, unreported_duplicate_key

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tap_core.inventory.csv.batches import Batch
    from tap_core.inventory.csv.events import RowError

_BLOCK: Final = 1024
"""Claims kept together at most: small batches (one record each, on the quote-aware route)
share a block, so a key costs the same on every route; a duplicate's claimer is found by a
scan of one block."""
_MASK: Final = (1 << 60) - 1  # 60 bits fit a CPython int's two 30-bit digits: 32 bytes


class _Claims(NamedTuple):
    """Keys claimed together: their fingerprints and rows, in claim order."""

    prints: array[int]
    rows: array[int]


def fingerprints(skus: Iterable[str], warehouses: Iterable[str]) -> list[int]:
    """The 60-bit fingerprint of each (sku, warehouse) key."""
    return list(map(and_, map(hash, zip(skus, warehouses, strict=True)), repeat(_MASK)))


class KeyClaims:
    """Which keys valid records have claimed so far, and by which row."""

    __slots__ = ("_batches", "_claims", "messages")

    def __init__(self) -> None:
        self.messages = True
        """Whether ``duplicate_key`` errors get their messages (as
        `tap_core.inventory.csv.checker.RecordChecker.messages`)."""
        self._claims: dict[int, int] = {}  # fingerprint -> index in _batches
        self._batches: list[_Claims] = []

    def __len__(self) -> int:
        return len(self._claims)

    def claimer(self, fingerprint: int) -> int | None:
        """The row that claimed the key with ``fingerprint``, or None."""
        index = self._claims.get(fingerprint)
        if index is None:
            return None
        claims = self._batches[index]
        return claims.rows[claims.prints.index(fingerprint)]

    def check(self, batch: Batch) -> None:
        """Claim the keys of ``batch``'s valid records in row order; a record whose key is
        already claimed becomes invalid with ``duplicate_key``. An invalid record whose key
        an earlier record claimed gets ``duplicate_key`` besides its own errors."""
        rows = batch.rows
        if rows:
            prints = fingerprints(*batch.keys())
            batches, claims = self._batches, self._claims
            shared = bool(batches) and len(batches[-1].prints) + len(prints) <= _BLOCK
            block = len(batches) - 1 if shared else len(batches)  # where the claims go
            before = len(claims)
            # One dict probe a key: each key not yet claimed is claimed by this block, and
            # each claimed one keeps its claimer (what it had is returned).
            had = list(map(claims.setdefault, prints, repeat(block)))
            if len(claims) - before == len(prints):  # the usual case: every key new
                self._store(block, prints, rows)
            else:
                self._claim_some(batch, prints, had, block)
        if batch.keyed:
            keyed = batch.keyed
            _, _, skus, warehouses = zip(*keyed, strict=True)
            prints = fingerprints(skus, warehouses)
            claimed = self._claims.keys() & prints  # found at C level: usually none
            if not claimed:
                return
            found = []
            for index in compress(range(len(prints)), map(claimed.__contains__, prints)):
                row, offset, sku, warehouse = keyed[index]
                claimer = self.claimer(prints[index])
                if claimer is not None and claimer < row:
                    found.append(self._duplicate(row, offset, sku, warehouse, claimer))
            if found:
                batch.add_errors(found)

    def _store(self, block: int, prints: list[int], rows: Iterable[int]) -> None:
        """Keep the fingerprints and rows of keys just claimed by ``block`` (the last block,
        or one more)."""
        batches = self._batches
        if block < len(batches):  # small: shares the last block
            last = batches[block]
            last.prints.extend(prints)
            last.rows.extend(rows)
        else:
            batches.append(_Claims(array("q", prints), array("q", rows)))

    def _claim_some(self, batch: Batch, prints: list[int], had: list[int], block: int) -> None:
        """Finish claiming a batch that repeats keys (``had``: what the dict held for each
        key after the earlier ones were claimed by ``block``), and drop its duplicates."""
        rows = batch.rows
        indexes = range(len(prints) - 1, -1, -1)
        first = dict(zip(reversed(prints), indexes, strict=True))  # fingerprint -> first index
        earlier: set[int] = set()  # claimed before this batch in the shared block
        if block < len(self._batches):
            earlier = set(self._batches[block].prints) & first.keys()
        claimers: dict[int, int] = {}  # index of a duplicate -> the row that claimed its key
        for index in compress(range(len(prints)), map(ne, had, repeat(block))):
            claimers[index] = self.claimer(prints[index])  # type: ignore[assignment]
        for index in compress(range(len(prints)), map(earlier.__contains__, prints)):
            claimers[index] = self.claimer(prints[index])  # type: ignore[assignment]
        if len(first) != len(prints):  # a key repeated within the batch: later ones lose
            firsts = map(first.__getitem__, prints)
            for index in compress(range(len(prints)), map(ne, firsts, range(len(prints)))):
                claimers.setdefault(index, rows[first[prints[index]]])
        duplicates = sorted(claimers)
        self._store(block, without(prints, duplicates), without(rows, duplicates))
        skus, warehouses = batch.keys()
        errors = {}
        for index in duplicates:
            offset = batch.locator.one(batch.positions[index])
            errors[index] = self._duplicate(
                rows[index], offset, skus[index], warehouses[index], claimers[index]
            )
        batch.drop(errors)

    def _duplicate(self, row: int, offset: int, sku: str, warehouse: str, claimer: int) -> RowError:
        if not self.messages:
            return unreported_duplicate_key(row, offset)
        return duplicate_key(row, offset, sku, warehouse, claimer)
