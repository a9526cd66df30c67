"""The leaderboard's total order and its order-preserving encoding.

Entries rank by better score first (per the board's ``order``), then earlier ``achieved_at``,
then ``player_id``. :func:`sort_key` gives that order as a tuple for in-memory structures;
:func:`encode_sort_key` gives it as a fixed-width string whose plain string order is the same,
so it can serve as a DynamoDB index sort key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from tap_core.leaderboard.models import Metadata, Order

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
_OFFSET: Final = 2**63  # maps int64 onto 0 .. 2**64 - 1, keeping the order
_U64_MAX: Final = 2**64 - 1
_ENCODED = re.compile(r"([0-9a-f]{16})([0-9a-f]{15})#([A-Za-z0-9_.:-]{1,128})")

SortKey = tuple[int, int, str]
"""(score oriented so smaller is better, microseconds since the epoch, player_id)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """A player's standing on one page of a board, as stored."""

    player_id: str
    score: int
    achieved_at: datetime
    submission_id: str
    metadata: Metadata | None = None


def micros(moment: datetime) -> int:
    """Whole microseconds from the Unix epoch to the aware datetime ``moment``."""
    return (moment - EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime:
    """The aware UTC datetime ``value`` microseconds after the Unix epoch."""
    return EPOCH + timedelta(microseconds=value)


def oriented(order: Order, score: int) -> int:
    """``score`` turned so that a smaller value always ranks higher."""
    return -score if order == "desc" else score


def sort_key(order: Order, entry: Entry) -> SortKey:
    """The entry's place in the board's total order as a tuple (smaller ranks higher)."""
    return (oriented(order, entry.score), micros(entry.achieved_at), entry.player_id)


def score_floor(order: Order, score: int) -> tuple[int]:
    """A key that sorts before every entry with ``score`` and after every better one.

    ``bisect_left(keys, score_floor(order, s))`` counts the entries that strictly beat ``s``.
    """
    return (oriented(order, score),)


def encode_sort_key(order: Order, score: int, achieved_at: datetime, player_id: str) -> str:
    """The total-order key as a string whose lexicographic order equals the rank order.

    16 hex digits of the oriented score shifted into 0..2**64-1, 15 hex digits of microseconds
    since the epoch (enough until year 9999), ``#``, then the player id.
    """
    shifted = score + _OFFSET
    if order == "desc":
        shifted = _U64_MAX - shifted
    return f"{shifted:016x}{micros(achieved_at):015x}#{player_id}"


def decode_sort_key(order: Order, key: str) -> tuple[int, datetime, str]:
    """The (score, achieved_at, player_id) an :func:`encode_sort_key` string holds.

    Raises ValueError when ``key`` is not such a string.
    """
    match = _ENCODED.fullmatch(key)
    if match is None:
        raise ValueError(f"{key!r} is not an encoded leaderboard sort key")
    shifted = int(match[1], 16)
    if order == "desc":
        shifted = _U64_MAX - shifted
    try:
        achieved_at = from_micros(int(match[2], 16))
    except OverflowError:
        raise ValueError(f"{key!r} holds a time past year 9999") from None
    return shifted - _OFFSET, achieved_at, match[3]
