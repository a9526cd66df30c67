"""The duplicate check: the first valid record with a (sku, warehouse) key claims it.

The only state that grows with the file is one claim per distinct key: a 64-bit fingerprint of
the key (`fingerprints`: BLAKE2b, the same in every process, so claims carry from one part of
an import to the next) and the row that claimed it. Claims live in two tiers:

- the recent tier: a dict from fingerprint to the index of a block of claims (shared by a batch
  of claims, whose fingerprints and rows sit in two compact arrays). A batch's keys are claimed
  with one ``setdefault`` each (one probe of the dict, which keeps a claimed key's claimer);
  only a batch that repeats a key is looked at again. ~100 bytes a key.
- the sorted tier: the fingerprints in one ascending ``array('Q')`` and their rows in an
  ``array('I')``, 12 bytes a key, found by a bisection narrowed by a small index of where each
  run of leading bits starts. The recent tier is merged into it once it holds over an eighth as
  many keys (or `_RECENT` at first), so memory stays near 12 bytes a key plus an eighth of ~100:
  under 64 a key at every size past `_RECENT` keys, merges included (``python -m bench
  import_resume`` prints it), for about a microsecond more a key looked up.

Keys and values are plain ints, so the garbage collector never traverses the dict.

Parts. `KeyClaims.snapshot` gives the claims of the rows before a row as bytes (its highest
row, then the sorted tier's form: the fingerprints, then the rows, little-endian; 12 bytes a
key), and `KeyClaims.restored` takes them back as its sorted tier (a copy of the bytes, and
the index), so a part parsed from its checkpoint checks its keys against every earlier part's
exactly as one parse of the whole file would.

Collisions. Two different keys share a fingerprint with probability about n^2 / 2^65 among n
keys: 7 x 10^-7 at 5 x 10^6 keys, 1.5 x 10^-5 at the 2.2 x 10^7 keys the largest file
(``MAX_FILE_BYTES``) can hold at 12 bytes a record. The later key would then be reported as a
``duplicate_key`` of the earlier one (dead-lettered, never silently dropped).
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left
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
"""A snapshot's first bytes; then its highest row (8 bytes), the fingerprints, the rows."""
_RECENT: Final = 1 << 15
"""Keys the recent tier holds at least before it is merged into the sorted tier."""
_SHARE: Final = 8
"""The recent tier is merged once it holds over 1/_SHARE of the sorted tier's keys."""
_INDEX_BITS: Final = 16
"""Leading bits the sorted tier's index tells apart at most (one start per ~256 keys)."""


class _Claims(NamedTuple):
    """Keys claimed together: their fingerprints and rows, in claim order."""

    prints: array[int]
    rows: array[int]


def fingerprints(skus: Iterable[str], warehouses: Iterable[str]) -> list[int]:
    """The 64-bit fingerprint of each (sku, warehouse) key: the same in every process."""
    keys = map(str.encode, map(_SEPARATOR.join, zip(skus, warehouses, strict=True)))
    return list(map(int.from_bytes, map(methodcaller("digest"), map(_DIGEST, keys))))


def snapshot(prints: Iterable[int], rows: Iterable[int]) -> bytes:
    """The bytes `KeyClaims.restored` reads: claims of distinct fingerprints ``prints`` by
    ``rows`` (each below 2^32), in any order."""
    pairs = sorted(zip(prints, rows, strict=True))
    ordered, claimers = array("Q", (p for p, _ in pairs)), array("I", (r for _, r in pairs))
    return _packed(ordered, claimers, max(claimers, default=0))


def _packed(prints: array[int], rows: array[int], top: int) -> bytes:
    """The snapshot's bytes (the arrays copied once)."""
    _little(prints), _little(rows)
    parts = (memoryview(prints).cast("B"), memoryview(rows).cast("B"))
    return b"".join((_SNAPSHOT, top.to_bytes(8, "little"), *parts))


def _little(numbers: array[int]) -> array[int]:
    """``numbers`` in little-endian order (what a snapshot holds), in place."""
    if sys.byteorder == "big":  # pragma: no cover - every platform tap runs on is little
        numbers.byteswap()
    return numbers


class KeyClaims:
    """Which keys valid records have claimed so far, and by which row."""

    __slots__ = (
        "_batches",
        "_claims",
        "_index",
        "_prints",
        "_recent",
        "_rows",
        "_shift",
        "_top",
        "messages",
    )

    def __init__(self, *, recent: int = _RECENT) -> None:
        """``recent``: keys the recent tier holds at least before a merge (small in tests, so
        that both tiers are exercised)."""
        self._recent = recent
        self.messages = True
        """Whether ``duplicate_key`` errors get their messages (as
        `tap_core.inventory.csv.checker.RecordChecker.messages`)."""
        self._claims: dict[int, int] = {}  # recent: fingerprint -> index in _batches
        self._batches: list[_Claims] = []
        self._prints = array("Q")  # sorted tier: ascending fingerprints
        self._rows = array("I")  # and the row of each
        self._top = 0  # its highest row
        self._index = array("Q", [0, 0])
        self._shift = 64

    def __len__(self) -> int:
        return len(self._claims) + len(self._prints)

    @classmethod
    def restored(cls, data: bytes, *, recent: int = _RECENT) -> KeyClaims:
        """The claims a `snapshot` holds; ValueError when it is not one."""
        claims = cls(recent=recent)
        start = len(_SNAPSHOT) + 8
        if not data.startswith(_SNAPSHOT) or len(data) < start or (len(data) - start) % 12:
            raise ValueError("not a snapshot of key claims")
        claims._top = int.from_bytes(data[len(_SNAPSHOT) : start], "little")
        body = memoryview(data)[start:]
        count = len(body) // 12
        claims._prints.frombytes(body[: 8 * count])
        claims._rows.frombytes(body[8 * count :])
        _little(claims._prints), _little(claims._rows)
        claims._reindex()
        return claims

    def snapshot(self, before: int) -> bytes:
        """The claims of the rows before row ``before``, as bytes for `restored`."""
        return _packed(*self._merged(before))

    def claimer(self, fingerprint: int) -> int | None:
        """The row that claimed the key with ``fingerprint``, or None."""
        index = self._claims.get(fingerprint)
        if index is not None:
            claims = self._batches[index]
            return claims.rows[claims.prints.index(fingerprint)]
        at = self._sorted_at(fingerprint)
        return None if at is None else self._rows[at]

    def _sorted_at(self, fingerprint: int) -> int | None:
        """Where the sorted tier holds ``fingerprint``, or None."""
        prints, index = self._prints, self._index
        bucket = fingerprint >> self._shift
        at = bisect_left(prints, fingerprint, index[bucket], index[bucket + 1])
        return at if at < len(prints) and prints[at] == fingerprint else None

    def _in_sorted(self, prints: list[int]) -> list[int]:
        """The indexes of ``prints`` the sorted tier holds."""
        if not self._prints:
            return []
        found = self._sorted_at
        return [i for i, fingerprint in enumerate(prints) if found(fingerprint) is not None]

    def _reindex(self) -> None:
        """Index the sorted tier: where each run of its leading bits starts."""
        bits = min(_INDEX_BITS, (len(self._prints) // 256).bit_length())
        self._shift = 64 - bits
        starts = (bucket << self._shift for bucket in range(1 << bits))
        self._index = array("Q", map(partial(bisect_left, self._prints), starts))
        self._index.append(len(self._prints))

    def _merged(self, before: int | None = None) -> tuple[array[int], array[int], int]:
        """Both tiers' claims (of the rows before ``before`` only, if given) in the sorted
        tier's form, and their highest row."""
        recent, recent_rows = array("Q"), array("I")
        for block in self._batches:
            if before is None:
                recent.extend(block.prints)
                recent_rows.extend(block.rows)
            else:
                kept = list(map(before.__gt__, block.rows))
                recent.extend(compress(block.prints, kept))
                recent_rows.extend(compress(block.rows, kept))
        prints, rows, top = self._prints, self._rows, self._top
        if before is not None and top >= before:  # rare: a merge took rows past it
            kept = list(map(before.__gt__, rows))
            prints, rows = array("Q", compress(prints, kept)), array("I", compress(rows, kept))
            top = max(rows, default=0)
        top = max(top, max(recent_rows, default=0))
        merged, merged_rows = array("Q"), array("I")
        # the sorted runs between two recent keys are copied as bytes, once
        old, old_rows = memoryview(prints).cast("B"), memoryview(rows).cast("B")
        start = 0
        for index in sorted(range(len(recent)), key=recent.__getitem__):
            fingerprint = recent[index]
            at = bisect_left(prints, fingerprint, start)
            merged.frombytes(old[8 * start : 8 * at])
            merged_rows.frombytes(old_rows[4 * start : 4 * at])
            merged.append(fingerprint)
            merged_rows.append(recent_rows[index])
            start = at
        merged.frombytes(old[8 * start :])
        merged_rows.frombytes(old_rows[4 * start :])
        old.release()
        old_rows.release()
        return merged, merged_rows, top

    def _settle(self) -> None:
        """Merge the recent tier into the sorted one once it holds enough keys."""
        if len(self._claims) <= max(self._recent, len(self._prints) // _SHARE):
            return
        merged, rows, top = self._merged()
        self._claims, self._batches = {}, []
        self._prints, self._rows, self._top = merged, rows, top
        self._reindex()

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
            early = self._in_sorted(prints)
            if early:  # claimed before the recent tier: each such key keeps its claimer
                sorted_hits = set(early)
                had = [
                    -1 if i in sorted_hits else claims.setdefault(fingerprint, block)
                    for i, fingerprint in enumerate(prints)
                ]
            else:
                # One dict probe a key: each key not yet claimed is claimed by this block,
                # and each claimed one keeps its claimer (what it had is returned).
                had = list(map(claims.setdefault, prints, repeat(block)))
            if not early and len(claims) - before == len(prints):  # the usual case
                self._store(block, prints, rows)
            else:
                self._claim_some(batch, prints, had, block)
            self._settle()
        if batch.keyed:
            keyed = batch.keyed
            _, _, skus, warehouses = zip(*keyed, strict=True)
            prints = fingerprints(skus, warehouses)
            claimed = self._claims.keys() & prints  # found at C level: usually none
            hits = set(compress(range(len(prints)), map(claimed.__contains__, prints)))
            hits.update(self._in_sorted(prints))
            if not hits:
                return
            found = []
            for index in sorted(hits):
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
            batches.append(_Claims(array("Q", prints), array("I", rows)))

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
