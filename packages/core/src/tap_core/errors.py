"""Messages about bad input: `shown` quotes what a client sent, cut; `describe` turns pydantic
validation errors into messages that name what was wrong and where."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pydantic import ValidationError


SHOWN_CHARS: Final = 80
"""The most characters of an input a message quotes: a message never grows with the input."""


def shown(value: object) -> str:
    """``value`` (a string a client sent, or anything else by its ``repr``) quoted for a message,
    cut after `SHOWN_CHARS` characters with its length: ``'aaa...'... (5000 characters)``."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= SHOWN_CHARS:
        return repr(value)
    return f"{text[:SHOWN_CHARS]!r}... ({len(text)} characters)"


def describe(error: ValidationError) -> str:
    """One line per problem: ``field: message`` (``body`` for the input as a whole)."""
    parts = []
    for detail in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in detail["loc"]) or "body"
        message = detail["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)
