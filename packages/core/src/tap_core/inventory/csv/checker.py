"""Checking one record exactly: every rule of the contract, every error with its message.

`RecordChecker` is the reference implementation of the column rules. The fast path
(`tap_core.inventory.csv.fast_path`) accepts only records this checker would accept with the
same values, and hands everything else here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from itertools import compress, repeat
from operator import is_not
from typing import TYPE_CHECKING, Final, Literal, TypeAlias, cast

from tap_core.inventory.csv.contract import (
    COLUMNS,
    DEFAULT_CATEGORY,
    KEY_CHARS,
    MAX_AMOUNT,
    MAX_CATEGORY_CHARS,
    MAX_KEY_CHARS,
    MAX_NAME_CHARS,
    MAX_PRICE_DECIMALS,
    REQUIRED,
    TRIMMED,
    UPDATED_AT_TOLERANCE,
    Column,
    Columns,
)
from tap_core.inventory.csv.messages import (
    TOO_LARGE,
    control_character,
    encoding_error,
    not_a_real_time,
    too_late,
    too_many_chars,
    unreported_value_error,
    value_error,
    wrong_field_count,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from tap_core.inventory.csv.events import RowError

Values: TypeAlias = tuple[str, str, str, int, Decimal, str, int, datetime]
"""A valid record's values in `tap_core.inventory.item.InventoryItem` field order."""

KEY_RE: Final = f"[{KEY_CHARS}]{{1,{MAX_KEY_CHARS}}}"
Problem: TypeAlias = tuple[Column, str, str | None]
"""A value's problem: its column, its text as trimmed, and why (None: it is missing; else a
`Rejected`'s detail)."""
UPDATED_AT_RE: Final = (
    r"(?P<main>[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)"
    r"(?P<zone>Z|[+-][0-9]{2}:[0-9]{2})?"
    r"|(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
)
"""``updated_at`` as the contract writes it: a date and time with an optional zone (groups
``main`` and ``zone``), or a bare date (group ``date``)."""
UpdatedAtKind: TypeAlias = Literal["date", "naive", "utc", "offset"]


def _updated_at_shapes() -> dict[bytes, UpdatedAtKind]:
    """Every form `UPDATED_AT_RE` accepts, with each digit written as ``9``, and how to
    read it: a bare ``date``; a date and time that is ``naive`` (so UTC), ``utc`` (``Z``) or
    has an ``offset``."""
    shapes: dict[bytes, UpdatedAtKind] = {b"9999-99-99": "date"}
    times = [b"99:99", b"99:99:99"] + [b"99:99:99." + b"9" * places for places in range(1, 7)]
    zones: tuple[tuple[bytes, UpdatedAtKind], ...] = (
        (b"", "naive"),
        (b"Z", "utc"),
        (b"+99:99", "offset"),
        (b"-99:99", "offset"),
    )
    for separator in (b"T", b" "):
        for time in times:
            for zone, kind in zones:
                shapes[b"9999-99-99" + separator + time + zone] = kind
    return shapes


UPDATED_AT_SHAPES: Final = _updated_at_shapes()
"""The shape (digits as ``9``) of every ``updated_at`` the contract accepts, and its kind."""
DIGITS_AS_NINES: Final = bytes.maketrans(b"0123456789", b"9999999999")
KEY_PATTERN: Final = re.compile(KEY_RE)
PRICE_PATTERN: Final = re.compile(rf"[0-9]+(?:\.[0-9]{{1,{MAX_PRICE_DECIMALS}}})?")
AMOUNT_PATTERN: Final = re.compile("[0-9]+")
UPDATED_AT_PATTERN: Final = re.compile(UPDATED_AT_RE)
CONTROL_PATTERN: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
SURROGATE_PATTERN: Final = re.compile(r"[\ud800-\udfff]")
_SURROGATES: Final = re.compile(r"[\ud800-\udfff]+")
"""Bytes that are not UTF-8 decode (with ``surrogateescape``) to lone surrogates, and valid
UTF-8 never does: a record holds a surrogate exactly when its bytes are not UTF-8."""
_MAX_DECIMAL: Final = Decimal(MAX_AMOUNT)
_KEY_SHAPE: Final = KEY_PATTERN.fullmatch
_AMOUNT_SHAPE: Final = AMOUNT_PATTERN.fullmatch
_PRICE_SHAPE: Final = PRICE_PATTERN.fullmatch
_UPDATED_AT_SHAPE: Final = UPDATED_AT_PATTERN.fullmatch
SHAPES: Final[dict[Column, Callable[[str], object]]] = {
    "sku": _KEY_SHAPE,
    "warehouse": _KEY_SHAPE,
    "quantity": _AMOUNT_SHAPE,
    "unit_price": _PRICE_SHAPE,
    "reorder_level": _AMOUNT_SHAPE,
    "updated_at": _UPDATED_AT_SHAPE,
}
"""The shape test that each column's check starts with (a C-level ``fullmatch``): a
trimmed, non-empty text it rejects (None) is `Rejected` with no detail, which
`RecordChecker.unproven_problems` knows without calling the check."""
_KEY_COLUMNS: Final = frozenset({"sku", "warehouse"})


class Rejected:
    """What a column check returns for a value its rule rejects (instead of raising: a bad
    value costs no exception); ``detail`` adds why, beyond what the column allows (maybe
    empty)."""

    __slots__ = ("detail",)

    def __init__(self, detail: str = "") -> None:
        self.detail = detail


_NO_DETAIL: Final = Rejected()
_TOO_LARGE: Final = Rejected(TOO_LARGE)


def instant(main: str | None, zone: str | None, date: str | None) -> datetime:
    """The aware UTC datetime of an ``updated_at`` matched by `UPDATED_AT_PATTERN`.

    ValueError for an impossible date or time (Feb 30, 24:00), OverflowError when the UTC
    time falls outside years 1..9999.
    """
    if date is not None:
        return datetime.fromisoformat(date + "T00:00+00:00")
    if main is None:  # pragma: no cover - the pattern always sets main or date
        raise ValueError("no date")
    if zone is None or zone == "Z":
        return datetime.fromisoformat(main + "+00:00")
    return datetime.fromisoformat(main + zone).astimezone(UTC)


def updated_at_limit(uploaded_at: datetime) -> datetime:
    """The latest ``updated_at`` a file uploaded at ``uploaded_at`` may hold."""
    try:
        return uploaded_at + UPDATED_AT_TOLERANCE
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)


class RecordChecker:
    """Checks records of a file with the given column mapping, uploaded at ``uploaded_at``."""

    def __init__(self, columns: Columns, uploaded_at: datetime) -> None:
        self.columns = columns
        self.messages = True
        """Whether errors get their messages: false once a report keeps no more errors
        (their count and rows stay exact)."""
        try:
            self.uploaded_at = uploaded_at.astimezone(UTC)  # items' updated_at are in UTC
        except OverflowError:
            self.uploaded_at = uploaded_at
        self.limit = updated_at_limit(uploaded_at)
        checks: dict[Column, Callable[[str], object]] = {
            "sku": _key,
            "warehouse": _key,
            "name": _name,
            "quantity": _amount,
            "unit_price": _price,
            "category": _category,
            "reorder_level": _amount,
            "updated_at": self._updated_at,
        }
        # For each known field, in file order: its position, its slot in the values, its
        # column, its check and whether it is required.
        self._plan = tuple(
            (position, COLUMNS.index(column), column, checks[column], column in REQUIRED)
            for position, column in enumerate(columns)
            if column is not None
        )
        self._defaults: list[object] = [
            None,
            None,
            None,
            None,
            None,
            DEFAULT_CATEGORY,
            0,
            self.uploaded_at,
        ]

    def check(
        self, fields: Sequence[str], row: int, locate: Callable[[], int]
    ) -> tuple[Values | None, list[RowError], tuple[str, str] | None] | None:
        """Check one record's decoded, untrimmed ``fields``; ``locate()`` gives the record's
        byte offset, asked only for an error.

        None for a blank record. Otherwise (values, errors, key): the values when the record
        is valid, else None and its errors (at least one), in the file's column order; and
        the (sku, warehouse) key when both are valid, for the duplicate check.
        """
        joined = "".join(fields)
        if not joined.strip(TRIMMED):
            return None  # blank
        if SURROGATE_PATTERN.search(joined):
            return None, [self._encoding_error(fields, row, locate())], None
        if len(fields) != len(self.columns):
            error = wrong_field_count(row, locate(), len(fields), len(self.columns))
            return None, [error], None
        values = self._defaults.copy()
        # (column, text, why): why is None for a missing value, else the Rejected's detail.
        problems: list[Problem] = []
        for position, slot, column, check, required in self._plan:
            text = fields[position].strip(TRIMMED)
            if not text:
                if required:
                    problems.append((column, text, None))
                continue
            value = check(text)
            if type(value) is Rejected:
                problems.append((column, text, value.detail))
            else:
                values[slot] = value
        sku, warehouse = values[0], values[1]
        key = (sku, warehouse) if isinstance(sku, str) and isinstance(warehouse, str) else None
        if problems:
            return None, self.value_errors(problems, row, locate()), key
        return tuple(values), [], key  # type: ignore[return-value] # each check: its type

    def unproven_problems(
        self, columns: Sequence[Sequence[str | None]], count: int
    ) -> tuple[list[list[Problem]], list[bool]]:
        """For ``count`` records whose fields are as many as the header's and whose bytes
        are UTF-8, when the fast path proved each of their known values valid as written but
        those in ``columns`` (one per known column, in file order, a text per record; None:
        proved): the problems `check` would find in each, in its order, and whether
        each one's key (sku, warehouse) is valid. No problems: the unproven values are valid
        too, and so is the record (`check` gives its values).

        Read a column at a time, visiting only the unproven values (a bad file has one or
        two a record); a value whose shape its column rejects (see `SHAPES`) is a
        problem without its check being called (no exception per bad value).
        """
        found: list[list[Problem]] = [[] for _ in range(count)]
        keys = [True] * count
        for (_, _, column, check, required), texts in zip(self._plan, columns, strict=True):
            visited = list(compress(range(count), map(is_not, texts, repeat(None))))
            if not visited:
                continue
            given = cast("Sequence[str]", texts)  # at the visited indexes
            trimmed = list(map(str.strip, map(given.__getitem__, visited), repeat(TRIMMED)))
            shape = SHAPES.get(column)
            fits = trimmed if shape is None else list(map(shape, trimmed))  # None: rejected
            is_key = column in _KEY_COLUMNS
            for index, text, fitting in zip(visited, trimmed, fits, strict=True):
                if not text:
                    if not required:
                        continue
                    found[index].append((column, text, None))
                elif fitting is None:  # a shape the check rejects with no detail
                    found[index].append((column, text, ""))
                else:
                    value = check(text)
                    if not isinstance(value, Rejected):
                        continue
                    found[index].append((column, text, value.detail))
                if is_key:
                    keys[index] = False
        return found, keys

    def value_errors(self, problems: Sequence[Problem], row: int, offset: int) -> list[RowError]:
        """The errors of a record's value ``problems``; without their messages when
        `messages` is false."""
        if not self.messages:
            return [unreported_value_error(row, offset, column, why) for column, _, why in problems]
        return [value_error(row, offset, column, text, why) for column, text, why in problems]

    def _encoding_error(self, fields: Sequence[str], row: int, offset: int) -> RowError:
        """Name the first field with bytes that are not UTF-8, and show those bytes."""
        for position, field in enumerate(fields):
            bad = _SURROGATES.search(field)
            if bad is None:
                continue
            column = self.columns[position] if position < len(self.columns) else None
            raw = bad.group()[:8].encode("utf-8", "surrogateescape")
            before = field[: bad.start()]
            return encoding_error(
                row, offset, column=column, position=position, raw=raw, before=before
            )
        raise AssertionError(fields)  # pragma: no cover - the caller found a surrogate

    def updated_at(self, text: str) -> datetime | Rejected:
        """An ``updated_at`` as written (it is trimmed here): the moment it means, the
        upload time when empty, or `Rejected`."""
        text = text.strip(TRIMMED)
        return self._updated_at(text) if text else self.uploaded_at

    def _updated_at(self, text: str) -> datetime | Rejected:
        match = _UPDATED_AT_SHAPE(text)
        if match is None:
            return _NO_DETAIL
        try:
            moment = instant(match["main"], match["zone"], match["date"])
        except (ValueError, OverflowError) as error:
            return Rejected(not_a_real_time(error))
        if moment > self.limit:
            return Rejected(too_late(self.uploaded_at))
        return moment


# The column checks: each takes a trimmed, non-empty text and returns its value, or Rejected.


def _key(text: str) -> str | Rejected:
    return _NO_DETAIL if _KEY_SHAPE(text) is None else text


def _name(text: str) -> str | Rejected:
    if len(text) > MAX_NAME_CHARS:
        return Rejected(too_many_chars(len(text)))
    control = CONTROL_PATTERN.search(text)
    if control is not None:
        return Rejected(control_character(control.group()))
    return text


def _category(text: str) -> str | Rejected:
    if len(text) > MAX_CATEGORY_CHARS:
        return Rejected(too_many_chars(len(text)))
    return text


def _amount(text: str) -> int | Rejected:
    if _AMOUNT_SHAPE(text) is None:
        return _NO_DETAIL
    amount = int(text)
    return _TOO_LARGE if amount > MAX_AMOUNT else amount


def _price(text: str) -> Decimal | Rejected:
    if _PRICE_SHAPE(text) is None:
        return _NO_DETAIL
    price = Decimal(text)
    return _TOO_LARGE if price > _MAX_DECIMAL else price
