"""The ``DeadLetters`` port: where an input that can never succeed goes, with everything about it.

One `DeadLetter` per bad input (a queue message, or one row of an uploaded file),
carrying its `Source`, every error found in it (code, field, message), the raw input and
the time it was dead-lettered. Its identity is derived from its source, never from the clock:
`DeadLetter.deduplication_id` is the same for the same message or the same row of the same
file version, so a redelivered input dead-letters once on a FIFO queue; `group_id` keeps
the original record's group (a message's ``MessageGroupId``, a file for its rows).

`encode_body` writes a letter as JSON of at most `MAX_BODY_BYTES` (SQS's limit),
cutting the raw input with `CUT_MARKER` when it must. Every adapter sends that body, so
every adapter stores the same thing.

Pure: times are given, nothing is sent from here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

MAX_BODY_BYTES: Final = 256 * 1024
"""The largest body a dead letter may have (an SQS message's limit, attributes aside)."""
CUT_MARKER: Final = "...[cut: {} more characters]"
"""Appended to a raw input cut to fit; ``{}`` is how many characters were left out."""
GROUP_ID_MAX: Final = 128
"""SQS's limit on MessageGroupId and MessageDeduplicationId."""


class HasError(Protocol):
    """Anything with a code, a field and a message: a parser's ``RowError`` is one."""

    @property
    def code(self) -> str: ...

    @property
    def field(self) -> str | None: ...

    @property
    def message(self) -> str: ...


@dataclass(frozen=True, slots=True)
class LetterError:
    """One error of a dead-lettered input."""

    code: str
    field: str | None
    message: str

    @classmethod
    def of(cls, error: HasError) -> LetterError:
        return cls(error.code, error.field, error.message)


@dataclass(frozen=True, slots=True)
class MessageSource:
    """A queue message: its id and, on a FIFO queue, its ``MessageGroupId``."""

    message_id: str
    group_id: str | None = None

    def identity(self) -> str:
        return f"message:{self.message_id}"

    def as_json(self) -> dict[str, object]:
        return {"kind": "message", "message_id": self.message_id, "group_id": self.group_id}


@dataclass(frozen=True, slots=True)
class RowSource:
    """One row (from 1) of an object in a bucket; ``version`` is its version id or ETag."""

    bucket: str
    key: str
    row: int
    version: str | None = None

    def __post_init__(self) -> None:
        if self.row < 1:
            raise ValueError(f"row must be 1 or more, got {self.row}")

    def identity(self) -> str:
        return f"row:{self.bucket}/{self.key}@{self.version or ''}#{self.row}"

    def as_json(self) -> dict[str, object]:
        return {
            "kind": "row",
            "bucket": self.bucket,
            "key": self.key,
            "version": self.version,
            "row": self.row,
        }


Source = MessageSource | RowSource


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A bad input, why it is bad (at least one error), and when it was dead-lettered."""

    source: Source
    errors: tuple[LetterError, ...]
    raw: str
    at: datetime

    def __post_init__(self) -> None:
        if not self.errors:
            raise ValueError("a dead letter needs at least one error")
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(f"at must be a timezone-aware datetime, got {self.at!r}")

    @classmethod
    def of(cls, source: Source, errors: Iterable[HasError], raw: str, at: datetime) -> DeadLetter:
        return cls(source, tuple(LetterError.of(error) for error in errors), raw, at)

    @property
    def deduplication_id(self) -> str:
        """64 hex digits derived from the source alone: the same input, the same id."""
        return _digest(self.source.identity())

    @property
    def group_id(self) -> str:
        """The original message's group (or its id), or ``file-<digest>`` for a file's rows."""
        source = self.source
        if isinstance(source, MessageSource):
            group = source.group_id or source.message_id
            return group if len(group) <= GROUP_ID_MAX else _digest(group)
        return "file-" + _digest(f"{source.bucket}/{source.key}")[:40]


def _body(letter: DeadLetter, raw: str, cut: int) -> str:
    return json.dumps(
        {
            "source": letter.source.as_json(),
            "errors": [
                {"code": e.code, "field": e.field, "message": e.message} for e in letter.errors
            ],
            "raw": raw + (CUT_MARKER.format(cut) if cut else ""),
            "raw_cut": cut,
            "at": letter.at.isoformat(),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def encode_body(letter: DeadLetter, max_bytes: int = MAX_BODY_BYTES) -> str:
    """The letter as JSON of at most ``max_bytes`` UTF-8 bytes; the raw input cut if need be.

    The longest prefix of the raw input that fits is kept, followed by `CUT_MARKER`
    (``raw_cut`` says how many characters were left out). ValueError when even an empty raw
    input does not fit (errors alone too large).
    """
    whole = _body(letter, letter.raw, 0)
    if _size(whole) <= max_bytes:
        return whole
    raw = letter.raw
    if _size(_body(letter, "", len(raw))) > max_bytes:
        raise ValueError(f"a dead letter's errors alone exceed {max_bytes} bytes")
    low, high = 0, len(raw)  # the longest fitting prefix length is in [low, high)
    while high - low > 1:
        middle = (low + high) // 2
        if _size(_body(letter, raw[:middle], len(raw) - middle)) <= max_bytes:
            low = middle
        else:
            high = middle
    return _body(letter, raw[:low], len(raw) - low)


@dataclass(frozen=True, slots=True)
class SendReport:
    """How many letters were sent; a store that cannot send one raises instead."""

    sent: int


class DeadLetterFailure(RuntimeError):
    """Letters that could not be sent after every retry; nothing was silently dropped."""

    def __init__(self, failed: Sequence[tuple[str, str]]) -> None:
        shown = "; ".join(f"{dedup}: {reason}" for dedup, reason in failed[:5])
        super().__init__(f"{len(failed)} dead letters could not be sent: {shown}")
        self.failed = list(failed)


class DeadLetters(Protocol):
    """Keeps dead letters: one per bad input, each with its source, errors, raw input, time."""

    def send(self, letters: Iterable[DeadLetter]) -> SendReport:
        """Keep every letter (streamed); raise `DeadLetterFailure` for any not kept."""
        ...
