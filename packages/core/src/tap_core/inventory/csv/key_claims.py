"""The duplicate check: the first valid record with a (sku, warehouse) key claims it.

The only state that grows with the file is one entry per distinct key: a 60-bit fingerprint
of the key (its ``hash``: SipHash for strings) in a dict, whose value (shared by a batch of
claims) indexes that batch's fingerprints and rows, kept in two compact arrays: about 90 bytes
a key. Keys and values are plain ints, so the garbage collector never traverses the dict.
Two different keys share a fingerprint with probability below 10^-6 in a file of 10^6 keys;
the later one would then be reported as a duplicate, never silently dropped.
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
        :attr:`~tap_core.inventory.csv.checker.RecordChecker.messages`)."""
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
            if len(set(prints)) == len(prints) and self._claims.keys().isdisjoint(prints):
                self._claim(prints, rows)  # the usual case: no key repeated
            else:
                self._claim_some(batch, prints)
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

    def _claim(self, prints: list[int], rows: Iterable[int]) -> None:
        batches = self._batches
        if batches and len(batches[-1].prints) + len(prints) <= _BLOCK:  # small: share it
            last = batches[-1]
            last.prints.extend(prints)
            last.rows.extend(rows)
        else:
            batches.append(_Claims(array("q", prints), array("q", rows)))
        self._claims.update(zip(prints, repeat(len(batches) - 1)))

    def _claim_some(self, batch: Batch, prints: list[int]) -> None:
        """Claim the keys of a batch that repeats keys, and drop its duplicates."""
        rows = batch.rows
        indexes = range(len(prints) - 1, -1, -1)
        first = dict(zip(reversed(prints), indexes, strict=True))  # fingerprint -> first index
        taken = self._claims.keys() & first.keys()  # claimed by earlier batches
        claimers: dict[int, int] = {}  # index of a duplicate -> the row that claimed its key
        if taken:
            for index in compress(range(len(prints)), map(taken.__contains__, prints)):
                claimers[index] = self.claimer(prints[index])  # type: ignore[assignment]
        if len(first) != len(prints):  # a key repeated within the batch: later ones lose
            firsts = map(first.__getitem__, prints)
            for index in compress(range(len(prints)), map(ne, firsts, range(len(prints)))):
                claimers.setdefault(index, rows[first[prints[index]]])
        duplicates = sorted(claimers)
        self._claim(without(prints, duplicates), without(rows, duplicates))
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
