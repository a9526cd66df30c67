"""Messages about bad input: the one place that quotes an input and formats a pydantic error.

`show` quotes a value for a message, escaped and cut at `SHOWN_CHARS`: a message never echoes
an input of any length, and every message that quotes an input goes through it. `problems`
turns a pydantic ``ValidationError`` into (field, code, message) triples without pydantic's
noise (no ``Value error, `` prefix, no URL), each message showing the offending value;
`describe` joins them into one line. Importing this module costs no pydantic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pydantic import ValidationError

SHOWN_CHARS: Final = 40
"""An input quoted in a message is cut to this many characters, ``...`` included."""
_UNSHOWN: Final = re.compile(r'[^\x20-\x7e]|["\\]')
"""What `show` looks at: quote, backslash and all but printable ASCII; `_escape` keeps a
character that prints as itself."""
_ESCAPES: Final = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NOISE: Final = ("Value error, ", "Assertion failed, ")
"""pydantic's prefixes of a validator's own message."""
_CODES: Final = {"value_error": "invalid_value", "assertion_error": "invalid_value"}
"""pydantic error types renamed: a validator's own refusal is an ``invalid_value``."""


def show(value: object) -> str:
    """``value`` for a message, at most `SHOWN_CHARS` characters between its quotes.

    A string is quoted, every character that does not print as itself (control characters,
    zero-width and no-break spaces, a BOM, bytes that were not UTF-8) written as an escape so
    the reader sees it, and cut with ``...`` when longer. A number, a boolean or None is written
    as JSON writes it (cut the same way); a list or an object is named, not written out.
    """
    if isinstance(value, str):
        cut = len(value) > SHOWN_CHARS
        if cut:
            value = value[: SHOWN_CHARS - 3]
        if not (value.isprintable() and '"' not in value and "\\" not in value):
            value = _UNSHOWN.sub(_escape, value)
        return f'"{value}..."' if cut else f'"{value}"'
    if isinstance(value, bytes):
        return show(value.decode("utf-8", "replace"))
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int | float):
        text = repr(value)
        return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    if char.isprintable() and not char.isspace():
        return char
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of a validation error: the field's dotted path (None for the input as a
    whole), a code (pydantic's error type, ``invalid_value`` for a validator's own refusal)
    and a message that shows the offending value."""

    field: str | None
    code: str
    message: str


def problems(error: ValidationError) -> list[Problem]:
    """Every problem of ``error``, in pydantic's order."""
    found = []
    for detail in error.errors(include_url=False):
        field = ".".join(str(part) for part in detail["loc"]) or None
        message = detail["msg"]
        for noise in _NOISE:
            message = message.removeprefix(noise)
        value = detail.get("input")
        whole = field is None and isinstance(value, dict)
        if detail["type"] != "missing" and not whole:
            quoted = show(value)
            if quoted not in message:
                message = f"{message}; got {quoted}"
        code = str(detail["type"])
        found.append(Problem(field, _CODES.get(code, code), message))
    return found


def describe(error: ValidationError, names: dict[str, str] | None = None) -> str:
    """One line: ``field: message`` per problem, joined with ``; `` (``body`` for the input
    as a whole); ``names`` renames top-level fields (a setting's field to its variable)."""
    names = names or {}
    parts = []
    for problem in problems(error):
        field = problem.field
        if field is not None:
            head, dot, rest = field.partition(".")
            field = names.get(head, head) + dot + rest
        parts.append(f"{field or 'body'}: {problem.message}")
    return "; ".join(parts)
