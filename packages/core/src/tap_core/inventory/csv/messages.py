"""Every row and file error message of a CSV parse, and the warnings, built here and only here.

A message says what was wrong and where: the row, the column, the value (as
`tap_core.errors.show` writes it) and what is allowed, with numbers written as
`contract.number` writes them. Row errors are built as ``model_construct`` builds them
(their fields are right by construction; validating each would cost more than checking the
record).
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Final

from tap_core.errors import show
from tap_core.inventory.csv.contract import (
    ALLOWED,
    COLUMNS,
    DEFAULTS,
    MAX_FILE_BYTES,
    MAX_RECORD_BYTES,
    MAX_REPORTED_ERRORS,
    REQUIRED_IN_ORDER,
    TOLERANCE_TEXT,
    number,
)
from tap_core.inventory.csv.events import FileError, RowError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from tap_core.inventory.csv.contract import Column, FileErrorCode, RowErrorCode

_SHOWN_NAMES: Final = 20
"""Unknown header names listed in the warning; the rest are counted."""


# Row errors


_new = object.__new__
_set = object.__setattr__
_FIELDS_SET: Final = frozenset({"row", "field", "code", "message", "offset"})


def _row_error(
    row: int, field: Column | None, code: RowErrorCode, message: str, offset: int
) -> RowError:
    """A `RowError` built as ``model_construct`` builds one, without its per-call cost
    (which would be most of the cost of a row with an error)."""
    error = _new(RowError)
    values = {"row": row, "field": field, "code": code, "message": message, "offset": offset}
    _set(error, "__dict__", values)
    _set(error, "__pydantic_fields_set__", set(_FIELDS_SET))
    _set(error, "__pydantic_extra__", None)
    _set(error, "__pydantic_private__", None)
    return error


def record_error(row: int, offset: int, code: RowErrorCode, message: str) -> RowError:
    """A record-level error (``field`` None): the record's only error, or ``duplicate_key``."""
    return _row_error(row, None, code, message, offset)


def value_error(row: int, offset: int, column: Column, text: str, why: str | None) -> RowError:
    """``missing_value`` (``why`` None) or ``invalid_value`` (``why``: an
    `checker.Rejected`'s detail, maybe empty) of one column."""
    if why is None:
        code: RowErrorCode = "missing_value"
        message = f"row {row}, {column}: the value is empty; required: {ALLOWED[column]}"
    else:
        code = "invalid_value"
        because = f" ({why})" if why else ""
        message = (
            f"row {row}, {column}: {show(text)} is not allowed{because}; allowed: {ALLOWED[column]}"
        )
    return _row_error(row, column, code, message, offset)


UNREPORTED: Final = (
    f"not reported: past the first {number(MAX_REPORTED_ERRORS)} errors a report keeps"
)
"""The message of an error built only to be counted (a report keeps the first 1,000)."""


def unreported_value_error(row: int, offset: int, column: Column, why: str | None) -> RowError:
    """`value_error` without its message (`UNREPORTED`), for an error past the
    ones a report keeps: its row, column and code as `value_error` gives them."""
    code: RowErrorCode = "missing_value" if why is None else "invalid_value"
    return _row_error(row, column, code, UNREPORTED, offset)


def unreported_duplicate_key(row: int, offset: int) -> RowError:
    """`duplicate_key` without its message, as `unreported_value_error`."""
    return record_error(row, offset, "duplicate_key", UNREPORTED)


def wrong_field_count(row: int, offset: int, fields: int, columns: int) -> RowError:
    message = (
        f"row {row}: {number(fields)} fields where the header has {number(columns)}; "
        "every record needs one field per header column (quote values that hold commas)"
    )
    return record_error(row, offset, "wrong_field_count", message)


def encoding_error(
    row: int, offset: int, *, column: Column | None, position: int, raw: bytes, before: str
) -> RowError:
    """The ``invalid_encoding`` error of the record at ``row``: in its field at ``position``
    (holding ``column``, or None), the bytes ``raw`` came after the text ``before``."""
    where = f"the {column} value" if column else f"field {number(position + 1)}"
    after = f" after {show(before[-20:])}" if before else ""
    return record_error(
        row,
        offset,
        "invalid_encoding",
        f"row {row}: {where} holds the bytes {raw!r}{after}, which are not UTF-8; save the "
        "file as UTF-8 (a leading BOM is fine)",
    )


def broken_error(
    row: int, offset: int, code: RowErrorCode, *, quoted: bool, resumes: bool
) -> RowError:
    """The ``row_too_long`` or ``invalid_quoting`` error of a record that could not be read;
    ``quoted``: a quoted field was open; ``resumes``: a line follows the record's first."""
    resume = (
        f"; reading went on at row {number(row + 1)}, the line after the record's first line"
        if resumes and quoted  # else no line was swallowed: nothing to say
        else ""
    )
    if code == "invalid_quoting":
        message = (
            f"row {row}: a quoted field is still open at the end of the file (a closing "
            f'" is missing){resume}'
        )
    else:
        hint = ' (a quoted field was still open: is a closing " missing?)' if quoted else ""
        message = f"row {row}: the record is over {number(MAX_RECORD_BYTES)} bytes{hint}{resume}"
    return record_error(row, offset, code, message)


def duplicate_key(row: int, offset: int, sku: str, warehouse: str, claimer: int) -> RowError:
    """The ``duplicate_key`` error of the record at ``row``, whose key row ``claimer`` has."""
    message = (
        f"row {row}: the key (sku {show(sku)}, warehouse {show(warehouse)}) is already used by "
        f"row {claimer}; each (sku, warehouse) may appear once per file"
    )
    return record_error(row, offset, "duplicate_key", message)


# Why a value is invalid (the detail in parentheses), beyond what its column allows


def too_many_chars(count: int) -> str:
    return f"it has {number(count)} characters"


def control_character(char: str) -> str:
    return f"it holds the control character {show(char)}"


TOO_LARGE: Final = "it is too large"


def not_a_real_time(error: Exception) -> str:
    return f"not a real date and time ({error})"


def too_late(uploaded_at: datetime) -> str:
    return (
        f"it is more than {TOLERANCE_TEXT} after the upload time "
        f"{uploaded_at.astimezone(UTC).isoformat()}"
    )


# File errors and warnings


def _file_error(code: FileErrorCode, message: str) -> FileError:
    return FileError(code=code, message=message)


def header_unreadable(row: int, code: RowErrorCode) -> FileError:
    """``missing_header``: the first non-blank record cannot be read."""
    what = (
        "a quoted name is never closed"
        if code == "invalid_quoting"
        else f"it is over {number(MAX_RECORD_BYTES)} bytes"
    )
    return _file_error("missing_header", f"the header (row {row}) cannot be read: {what}")


def file_too_large(size: int) -> FileError:
    """``file_too_large``: the file is over `MAX_FILE_BYTES`, so it is not read."""
    return _file_error(
        "file_too_large",
        f"the file is {number(size)} bytes, over the {number(MAX_FILE_BYTES)} bytes an import "
        "reads; split it into smaller files (each with the header) and upload them",
    )


def no_header() -> FileError:
    optional = ", ".join(column for column in COLUMNS if column not in REQUIRED_IN_ORDER)
    return _file_error(
        "missing_header",
        "the file has no header: it is empty or blank; its first non-blank line must name "
        f"the columns ({', '.join(REQUIRED_IN_ORDER)} and any of {optional})",
    )


def header_encoding(row: int) -> FileError:
    return _file_error(
        "invalid_encoding",
        f"the header (row {row}) holds bytes that are not UTF-8; save the file as UTF-8",
    )


def header_errors(
    row: int, duplicated: Sequence[Column], missing: Sequence[Column]
) -> list[FileError]:
    """``duplicate_column`` per known column named twice, then ``missing_column`` per
    required column not named."""
    errors = [
        _file_error(
            "duplicate_column",
            f"the header (row {row}) names the column {name!r} more than once; "
            "each known column may appear once",
        )
        for name in duplicated
    ]
    errors.extend(
        _file_error(
            "missing_column",
            f"the header (row {row}) has no {column!r} column; the required columns are "
            f"{', '.join(REQUIRED_IN_ORDER)} (any order, any case)",
        )
        for column in missing
    )
    return errors


def unknown_columns(names: Sequence[str], absent: Sequence[Column] = ()) -> str:
    """The warning naming the unknown columns (the first 20, and how many more) and, when
    optional columns are ``absent`` from the header, the defaults their values take: an
    unknown name is often a misnamed optional column (``Reorder Level``)."""
    listed = ", ".join(show(name) for name in names[:_SHOWN_NAMES])
    if len(names) > _SHOWN_NAMES:
        listed += f" and {number(len(names) - _SHOWN_NAMES)} more"
    warning = f"unknown columns ignored: {listed}; the known columns are {', '.join(COLUMNS)}"
    if absent:
        defaults = ", ".join(f"{column} = {DEFAULTS[column]}" for column in absent)
        warning += f"; not in the header, so every row takes the default: {defaults}"
    return warning
