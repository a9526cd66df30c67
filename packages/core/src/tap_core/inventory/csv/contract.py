"""The inventory CSV contract: its columns, limits and error codes, and the header rules.

Everything a user can read in the README's contract section is defined here once; the parser,
the value checks and the report refer to these names.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Final, Literal, TypeAlias, get_args

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
"""Every known column, in :class:`~tap_core.inventory.item.InventoryItem` field order."""

REQUIRED: Final[frozenset[Column]] = frozenset(
    {"sku", "warehouse", "name", "quantity", "unit_price"}
)

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
]

MAX_RECORD_BYTES: Final = 65_536
"""The longest record, in bytes, its line terminator excluded."""
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
BOM: Final = b"\xef\xbb\xbf"
TRIMMED: Final = " \t"
"""Values and header names are trimmed of these (ASCII space and tab) and nothing else."""


def number(value: int) -> str:
    """A number as every message writes it: ``1,000,000,000``."""
    return f"{value:,}"


TOLERANCE_TEXT: Final = f"{UPDATED_AT_TOLERANCE.total_seconds() / 60:g} minutes"
""":data:`UPDATED_AT_TOLERANCE` in words."""
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
_SHOWN_CHARS: Final = 40


def show(value: str) -> str:
    """``value`` quoted for a message: every character that does not print as itself (control
    characters, zero-width and no-break spaces, a BOM, bytes that were not UTF-8) written as
    an escape, so the reader sees it; a value longer than 40 characters is cut with ``...``."""
    cut = len(value) > _SHOWN_CHARS
    if cut:
        value = value[: _SHOWN_CHARS - 3]
    if not (value.isprintable() and '"' not in value and "\\" not in value):
        value = _UNSHOWN.sub(_escape, value)
    return f'"{value}..."' if cut else f'"{value}"'


_UNSHOWN: Final = re.compile(r'[^\x20-\x7e]|["\\]')
"""What :func:`show` looks at: quote, backslash and all but printable ASCII; :func:`_escape`
keeps a character that prints as itself."""
_ESCAPES: Final = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    if char.isprintable() and not char.isspace():
        return char
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def is_blank(fields: Sequence[str]) -> bool:
    """Whether a record is blank: every field empty after trimming (skipped, not counted)."""
    return not "".join(fields).strip(TRIMMED)


def header_name(name: str) -> str:
    """How a header name is matched: trimmed, and lower-cased when ASCII."""
    name = name.strip(TRIMMED)
    return name.lower() if name.isascii() else name


def resolve_header(
    names: Sequence[str], row: int
) -> tuple[Columns, list[tuple[FileErrorCode, str]], list[str]]:
    """The column mapping of a header's ``names`` (decoded fields, untrimmed) at ``row``.

    Returns the mapping, the file errors (``duplicate_column`` per known column named twice,
    in header order, then ``missing_column`` per required column not named, in contract
    order) and the warnings (one naming the unknown columns, which are ignored).
    """
    mapping: list[Column | None] = []
    seen: set[str] = set()
    duplicated: list[str] = []
    unknown: list[str] = []
    for raw in names:
        name = header_name(raw)
        column = _BY_NAME.get(name)
        if column is not None:
            if column in seen:
                if column not in duplicated:
                    duplicated.append(column)
                mapping.append(None)
            else:
                seen.add(column)
                mapping.append(column)
        else:
            mapping.append(None)
            shown = raw.strip(TRIMMED)
            if shown and shown not in unknown:
                unknown.append(shown)
    errors: list[tuple[FileErrorCode, str]] = [
        (
            "duplicate_column",
            (
                f"the header (row {row}) names the column {name!r} more than once; "
                "each known column may appear once"
            ),
        )
        for name in duplicated
    ]
    errors.extend(
        (
            "missing_column",
            (
                f"the header (row {row}) has no {column!r} column; the required columns are "
                f"{', '.join(c for c in COLUMNS if c in REQUIRED)} (any order, any case)"
            ),
        )
        for column in COLUMNS
        if column in REQUIRED and column not in seen
    )
    warnings = []
    if unknown:
        listed = ", ".join(show(name) for name in unknown)
        warnings.append(
            f"unknown columns ignored: {listed}; the known columns are {', '.join(COLUMNS)}"
        )
    return tuple(mapping), errors, warnings
