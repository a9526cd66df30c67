"""The inventory CSV contract: its columns, limits and error codes, and the header rules.

Everything a user can read in the README's contract section is defined here once; the parser,
the value checks and the report refer to these names.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final, Literal, NamedTuple, TypeAlias, get_args

if TYPE_CHECKING:
    from collections.abc import Sequence

Column: TypeAlias = Literal[
    "sku",
    "warehouse",
    "name",
    "quantity",
    "unit_price",
    "category",
    "reorder_level",
    "updated_at",
]
COLUMNS: Final[tuple[Column, ...]] = get_args(Column)
"""Every known column, in `tap_core.inventory.item.InventoryItem` field order."""

REQUIRED: Final[frozenset[Column]] = frozenset(
    {"sku", "warehouse", "name", "quantity", "unit_price"}
)
REQUIRED_IN_ORDER: Final = tuple(column for column in COLUMNS if column in REQUIRED)

Columns: TypeAlias = tuple[Column | None, ...]
"""A header's column mapping: for each field position, the column it holds, or None (ignored)."""

RowErrorCode: TypeAlias = Literal[
    "missing_value",
    "invalid_value",
    "duplicate_key",
    "wrong_field_count",
    "invalid_encoding",
    "row_too_long",
    "invalid_quoting",
]
FileErrorCode: TypeAlias = Literal[
    "missing_header",
    "missing_column",
    "duplicate_column",
    "invalid_encoding",
    "unreadable_file",
    "file_too_large",
]

MAX_RECORD_BYTES: Final = 65_536
"""The longest record, in bytes, its line terminator excluded."""
MAX_FILE_BYTES: Final = 256 * 1024 * 1024
"""The largest file an import reads (256 MiB, about 5 x 10^6 records of 50 bytes); a larger one
is refused whole (``file_too_large``). What bounds it: the duplicate check keeps a fingerprint
and a row for each distinct key (12 bytes a key carried from part to part, ~100 in a part's
memory), which must fit a 512 MB function at the smallest records (~12 bytes each); and the
odds of two keys sharing a fingerprint (see ``tap_core.inventory.csv.key_claims``)."""
MAX_AMOUNT: Final = 10**9
"""The largest ``quantity``, ``unit_price`` and ``reorder_level``."""
MAX_PRICE_DECIMALS: Final = 4
"""The most decimals of a ``unit_price``."""
KEY_CHARS: Final = "A-Za-z0-9._-"
"""The characters of a ``sku`` or ``warehouse``, as a regular expression class."""
MAX_KEY_CHARS: Final = 64
MAX_NAME_CHARS: Final = 200
MAX_CATEGORY_CHARS: Final = 64
MAX_REPORTED_ERRORS: Final = 1_000
"""A report lists the first this many row errors and counts the rest in ``errors_truncated``."""
UPDATED_AT_TOLERANCE: Final = timedelta(minutes=5)
"""How far past the upload time an ``updated_at`` may be (clock skew between systems)."""
DEFAULT_CATEGORY: Final = "uncategorized"
DEFAULTS: Final[dict[Column, str]] = {
    "category": DEFAULT_CATEGORY,
    "reorder_level": "0",
    "updated_at": "the upload time",
}
"""What an optional column's empty or absent value becomes, in words (for messages)."""
BOM: Final = b"\xef\xbb\xbf"
TRIMMED: Final = " \t"
"""Values and header names are trimmed of these (ASCII space and tab) and nothing else."""


def number(value: int) -> str:
    """A number as every message writes it: ``1,000,000,000``."""
    return f"{value:,}"


TOLERANCE_TEXT: Final = f"{UPDATED_AT_TOLERANCE.total_seconds() / 60:g} minutes"
"""`UPDATED_AT_TOLERANCE` in words."""
_KEY_ALLOWED: Final = f"1-{MAX_KEY_CHARS} characters of A-Z a-z 0-9 . _ -"
_WHOLE: Final = f"a whole number of ASCII digits 0-9, at most {number(MAX_AMOUNT)}"
ALLOWED: Final[dict[Column, str]] = {
    "sku": _KEY_ALLOWED,
    "warehouse": _KEY_ALLOWED,
    "name": f"1-{MAX_NAME_CHARS} characters, no control characters",
    "quantity": _WHOLE,
    "unit_price": (
        f"ASCII digits with up to {MAX_PRICE_DECIMALS} decimals (like 12 or 12.5), "
        f"at most {number(MAX_AMOUNT)}"
    ),
    "category": f"1-{MAX_CATEGORY_CHARS} characters (empty means {DEFAULT_CATEGORY})",
    "reorder_level": f"{_WHOLE} (empty means 0)",
    "updated_at": (
        "YYYY-MM-DD or YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]][Z|+HH:MM|-HH:MM] (naive means UTC), "
        f"at most {TOLERANCE_TEXT} after the upload time (empty means the upload time)"
    ),
}
"""What each column accepts, as error messages and the README say it."""

_BY_NAME: Final[dict[str, Column]] = {column: column for column in COLUMNS}


def is_blank(fields: Sequence[str]) -> bool:
    """Whether a record is blank: every field empty after trimming (skipped, not counted)."""
    return not "".join(fields).strip(TRIMMED)


def header_name(name: str) -> str:
    """How a header name is matched: trimmed, and lower-cased when ASCII."""
    name = name.strip(TRIMMED)
    return name.lower() if name.isascii() else name


class Header(NamedTuple):
    """A header resolved: the column ``mapping`` (for each field position, the column it holds
    or None), the known columns named twice (in header order), the required columns not named
    (in contract order) and the unknown names (trimmed, each once, in header order)."""

    mapping: Columns
    duplicated: list[Column]
    missing: list[Column]
    unknown: list[str]


def resolve_header(names: Sequence[str]) -> Header:
    """Resolve a header's ``names`` (decoded fields, untrimmed); linear in their number."""
    mapping: list[Column | None] = []
    seen: set[str] = set()
    duplicated: dict[Column, None] = {}
    unknown: dict[str, None] = {}
    for raw in names:
        column = _BY_NAME.get(header_name(raw))
        if column is None:
            mapping.append(None)
            shown = raw.strip(TRIMMED)
            if shown:
                unknown[shown] = None
        elif column in seen:
            duplicated[column] = None
            mapping.append(None)
        else:
            seen.add(column)
            mapping.append(column)
    missing = [column for column in COLUMNS if column in REQUIRED and column not in seen]
    return Header(tuple(mapping), list(duplicated), missing, list(unknown))
