"""A stock record as the store keeps it, its version, and the order in which records win.

A record's `Version` is (``updated_at``, ``uploaded_at``): the row's own time, then the
time its file was uploaded, so a later upload wins among rows that claim the same time. Two
records of one key with the same version and different values (two files uploaded in the same
second, say) are ordered by their `fingerprint`, a digest of the values: the greater one
wins, whatever order they arrive in. So (version, fingerprint) is a total order and "the
greatest record wins" converges to the same store from any order of any set of rows.

`encode_version` writes a version as a fixed-width string whose plain string order is the
version order; `StockRecord.stamp` adds the fingerprint, so the whole order is one string
a DynamoDB condition can compare (``attribute_not_exists(pk) OR stamp < :stamp``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from tap_core.inventory.item import format_money

if TYPE_CHECKING:
    from decimal import Decimal

    from tap_core.inventory.item import InventoryItem

INSTANT_WIDTH: Final = 27
"""Characters of an encoded instant: ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""

FINGERPRINT_WIDTH: Final = 32
"""Hex digits of a fingerprint (a 128-bit BLAKE2b digest)."""

_INSTANT = r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z"
_VERSION = re.compile(f"{_INSTANT}/{_INSTANT}", re.ASCII)  # ASCII digits only


def _check_aware(name: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")


def encode_instant(moment: datetime) -> str:
    """The aware datetime ``moment`` in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always 27 chars).

    Every field is zero-padded, so string order is time order. ValueError for a naive datetime
    or one whose UTC time falls outside years 1..9999.
    """
    _check_aware("moment", moment)
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{moment!r} is outside years 1..9999 in UTC") from None
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


@dataclass(frozen=True, slots=True, order=True)
class Version:
    """When a record was written: the row's ``updated_at``, then its file's ``uploaded_at``.

    Compared field by field (a later ``updated_at`` wins; at equal ones, the later upload).
    Both are aware datetimes; a naive one is a ValueError.
    """

    updated_at: datetime
    uploaded_at: datetime

    def __post_init__(self) -> None:
        _check_aware("updated_at", self.updated_at)
        _check_aware("uploaded_at", self.uploaded_at)


def encode_version(version: Version) -> str:
    """``version`` as ``<updated_at>/<uploaded_at>``, both UTC instants of fixed width (55 chars).

    The plain string order of encoded versions is the order of the versions.
    """
    return f"{encode_instant(version.updated_at)}/{encode_instant(version.uploaded_at)}"


def decode_version(text: str) -> Version:
    """The `Version` (in UTC) an `encode_version` string holds.

    ValueError when ``text`` is not such a string or names an impossible date.
    """
    match = _VERSION.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not an encoded inventory version")
    n = [int(part) for part in match.groups()]
    try:
        updated_at = datetime(n[0], n[1], n[2], n[3], n[4], n[5], n[6], tzinfo=UTC)
        uploaded_at = datetime(n[7], n[8], n[9], n[10], n[11], n[12], n[13], tzinfo=UTC)
    except ValueError as error:
        raise ValueError(f"{text!r} is not an encoded inventory version: {error}") from None
    return Version(updated_at, uploaded_at)


def canonical_price(price: Decimal) -> str:
    """``price`` as plain text with no trailing zeros: ``1.50``, ``1.5`` and ``15E-1`` all give
    ``1.5``; zero gives ``0``. Equal amounts give equal text, as ``Decimal`` equality has it.
    """
    if not price:
        return "0"
    text = format_money(price)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def canonical_values(item: InventoryItem) -> str:
    """The values a record stores besides its key and version, as one canonical JSON text.

    Two items of one key have equal canonical values exactly when their ``name``,
    ``quantity``, ``unit_price`` (as an amount), ``category`` and ``reorder_level`` are equal.
    """
    return json.dumps(
        [
            item.name,
            item.quantity,
            canonical_price(item.unit_price),
            item.category,
            item.reorder_level,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def fingerprint(item: InventoryItem) -> str:
    """32 hex digits of the BLAKE2b-128 digest of the item's `canonical_values`.

    The tie-break between two records of one key and one version: the greater wins. A digest
    rather than the values themselves keeps the whole order in one short string; two different
    values share one with probability 2^-128.
    """
    data = canonical_values(item).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=FINGERPRINT_WIDTH // 2).hexdigest()


@dataclass(frozen=True, slots=True)
class StockRecord:
    """What the store keeps for one (``sku``, ``warehouse``): the item and when it was uploaded.

    ``source`` (the uploaded object's key), ``row`` (its row in that file) and ``import_id``
    (the import that wrote it, see ``tap_core.inventory.import_id``) say where it came from;
    they are provenance, not state, so they take no part in equality: among rows with one
    version and the same values, whichever was stored first keeps its provenance. An import
    that runs a part again after a crash knows its own rows by them (see
    ``tap_core.inventory.decisions``).
    """

    item: InventoryItem
    uploaded_at: datetime
    source: str | None = field(default=None, compare=False)
    row: int | None = field(default=None, compare=False)
    import_id: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _check_aware("uploaded_at", self.uploaded_at)
        _check_aware("item.updated_at", self.item.updated_at)

    @property
    def key(self) -> tuple[str, str]:
        """(``sku``, ``warehouse``)."""
        return self.item.key

    @property
    def version(self) -> Version:
        """(``item.updated_at``, ``uploaded_at``)."""
        return Version(self.item.updated_at, self.uploaded_at)

    @property
    def fingerprint(self) -> str:
        """The digest of the item's values: see `fingerprint`."""
        return fingerprint(self.item)

    @property
    def stamp(self) -> str:
        """``<encoded version>#<fingerprint>``: the record's place in the winning order.

        Of two records of one key, the one with the greater stamp wins; equal stamps mean the
        same version and the same values. Fixed width (88 chars), so string order is that order.
        """
        return f"{encode_version(self.version)}#{self.fingerprint}"
