"""The leaderboard's total order and its order-preserving encoding.

Entries rank by better score first (per the board's ``order``), then earlier ``achieved_at``,
then ``player_id``. `encode_sort_key` writes that order as a string whose plain string
order (and UTF-8 byte order) is the same: the DynamoDB index sort key, and the key the in-memory
adapter keeps sorted (strings also compare faster than tuples there).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, NamedTuple

from tap_core.errors import show
from tap_core.leaderboard.models import PLAYER_ID

if TYPE_CHECKING:
    from tap_core.leaderboard.models import Metadata, Order

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
_OFFSET: Final = 2**63  # maps int64 onto 0 .. 2**64 - 1, keeping the order
_U64_MAX: Final = 2**64 - 1
SCORE_PREFIX_LENGTH: Final = 16  # an encoded key starts with its score in 16 hex digits
PLAYER_OFFSET: Final = 32  # ... then 15 of time and "#": the player id starts here
_ENCODED = re.compile(rf"([0-9a-f]{{16}})([0-9a-f]{{15}})#({PLAYER_ID.pattern})")


class Entry(NamedTuple):
    """A player's standing on one page of a board, as stored.

    Immutable; a NamedTuple because it is built on every accepted submission and costs half
    of what a frozen dataclass does to construct. ``revision`` counts the accepted writes of
    this entry (1 for a new one): a write is conditional on the revision it was decided
    against. ``counted`` holds, on ``increment`` boards, the ids of the last
    ``COUNTED_IDS_KEPT`` submissions added into the total, oldest first (see decisions).
    """

    player_id: str
    score: int
    achieved_at: datetime
    submission_id: str
    metadata: Metadata | None = None
    revision: int = 1
    counted: tuple[str, ...] = ()


def micros(moment: datetime) -> int:
    """Whole microseconds from the Unix epoch to the aware datetime ``moment``."""
    return (moment - EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime:
    """The aware UTC datetime ``value`` microseconds after the Unix epoch."""
    return EPOCH + timedelta(microseconds=value)


def score_prefix(order: Order, score: int) -> str:
    """The first 16 characters of every encoded key with ``score``.

    It sorts after every key with a better score and before every key with ``score`` or worse,
    so the number of keys below it is the number of entries that strictly beat ``score``.
    """
    shifted = score + _OFFSET
    if order == "desc":
        shifted = _U64_MAX - shifted
    return f"{shifted:016x}"


def encode_sort_key(order: Order, score: int, achieved_at: datetime, player_id: str) -> str:
    """The total-order key as a string whose lexicographic order equals the rank order.

    16 hex digits of the oriented score shifted into 0..2**64-1, 15 hex digits of microseconds
    since the epoch (enough until year 9999), ``#``, then the player id.
    """
    return f"{score_prefix(order, score)}{micros(achieved_at):015x}#{player_id}"


def decode_sort_key(order: Order, key: str) -> tuple[int, datetime, str]:
    """The (score, achieved_at, player_id) an `encode_sort_key` string holds.

    Raises ValueError when ``key`` is not such a string.
    """
    match = _ENCODED.fullmatch(key)
    if match is None:
        raise ValueError(f"{show(key)} is not an encoded leaderboard sort key")
    shifted = int(match[1], 16)
    if order == "desc":
        shifted = _U64_MAX - shifted
    try:
        achieved_at = from_micros(int(match[2], 16))
    except OverflowError:
        raise ValueError(f"{show(key)} holds a time past year 9999") from None
    return shifted - _OFFSET, achieved_at, match[3]
