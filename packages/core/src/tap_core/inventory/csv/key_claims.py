"""The duplicate check: the first valid record with a (sku, warehouse) key claims it.

The only state that grows with the file is one entry per distinct key: a 64-bit fingerprint of
the key (`fingerprints`: BLAKE2b, the same in every process, so claims carry from one part of
an import to the next) in a dict, whose value (shared by a batch of claims) indexes that
batch's fingerprints and rows, kept in two compact arrays: 90 to 120 bytes a key (the dict's
table grows in steps; `python -m bench inventory` prints it). Keys and values are plain ints,
so the garbage collector never traverses the dict. A batch's keys are claimed with one
``setdefault`` each (one probe of the dict, which keeps a claimed key's claimer); only a batch
that repeats a key is looked at again.

Parts. `KeyClaims.snapshot` gives the claims of the rows before a row as bytes (12 a key: the
fingerprints, then the rows, little-endian), and `KeyClaims.restored` takes them back, so a
part parsed from its checkpoint checks its keys against every earlier part's exactly as one
parse of the whole file would.

Collisions. Two different keys share a fingerprint with probability about n^2 / 2^65 among n
keys: 7 x 10^-7 at 5 x 10^6 keys, 1.5 x 10^-5 at the 2.2 x 10^7 keys the largest file
(``MAX_FILE_BYTES``) can hold at 12 bytes a record. The later key would then be reported as a
``duplicate_key`` of the earlier one (dead-lettered, never silently dropped).
"""

from __future__ import annotations

import sys
from array import array
from functools import partial
from hashlib import blake2b
from itertools import compress, repeat
from operator import methodcaller, ne
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
_DIGEST: Final = partial(blake2b, digest_size=8, person=b"tap-keys")
_SEPARATOR: Final = "\x00"  # in no valid key (A-Z a-z 0-9 . _ -)
_SNAPSHOT: Final = b"tapkeys1"


class _Claims(NamedTuple):
    """Keys claimed together: their fingerprints and rows, in claim order."""

    prints: array[int]
    rows: array[int]


def fingerprints(skus: Iterable[str], warehouses: Iterable[str]) -> list[int]:
    """The 64-bit fingerprint of each (sku, warehouse) key: the same in every process."""
    keys = map(str.encode, map(_SEPARATOR.join, zip(skus, warehouses, strict=True)))
    return list(map(int.from_bytes, map(methodcaller("digest"), map(_DIGEST, keys))))


def _little(numbers: array[int]) -> array[int]:
    """``numbers`` in little-endian order (what a snapshot holds), in place."""
    if sys.byteorder == "big":  # pragma: no cover - every platform tap runs on is little
        numbers.byteswap()
    return numbers


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

    @classmethod
    def restored(cls, snapshot: bytes) -> KeyClaims:
        """The claims a `snapshot` holds; ValueError when it is not one."""
        claims = cls()
        if not snapshot.startswith(_SNAPSHOT) or (len(snapshot) - len(_SNAPSHOT)) % 16:
            raise ValueError("not a snapshot of key claims")
        body = memoryview(snapshot)[len(_SNAPSHOT) :]
        count = len(body) // 16
        prints, rows = _little(array("Q")), _little(array("q"))
        prints.frombytes(body[: 8 * count])
        rows.frombytes(body[8 * count :])
        _little(prints), _little(rows)
        for start in range(0, count, _BLOCK):
            block = len(claims._batches)
            part = _Claims(prints[start : start + _BLOCK], rows[start : start + _BLOCK])
            claims._batches.append(part)
            claims._claims.update(zip(part.prints, repeat(block)))
        if len(claims._claims) != count:
            raise ValueError("a snapshot of key claims names a key twice")
        return claims

    def snapshot(self, before: int) -> bytes:
        """The claims of the rows before row ``before``, as bytes for `restored`."""
        prints, rows = array("Q"), array("q")
        for block in self._batches:
            kept = list(map(before.__gt__, block.rows))
            prints.extend(compress(block.prints, kept))
            rows.extend(compress(block.rows, kept))
        return _SNAPSHOT + _little(prints).tobytes() + _little(rows).tobytes()

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
            batches.append(_Claims(array("Q", prints), array("q", rows)))

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
