"""The ``Leaderboards`` port: what every leaderboard store answers, and how it answers.

Adapters (``tap_core.memory.InMemoryLeaderboards``, ``tap_aws``'s DynamoDB one) implement this
Protocol structurally and must answer identically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from tap_core.leaderboard.decisions import Outcome
    from tap_core.leaderboard.models import Metadata, ScoreSubmission


TOP_LIMIT_MAX: Final = 100
AROUND_MAX: Final = 50
RANKS_OF_MAX: Final = 100


class UnknownLeaderboard(LookupError):
    """A read named a board that no spec defines."""

    def __init__(self, board_id: str) -> None:
        super().__init__(f"leaderboard {board_id!r} does not exist")
        self.board_id = board_id


@dataclass(frozen=True, slots=True)
class RankedEntry:
    """A player's entry with its place on the page.

    ``rank`` is competition ranking (equal scores share a rank: 1, 2, 2, 4); ``position`` is the
    unique 1..N place in the total order (score, then earlier ``achieved_at``, then player id).
    """

    rank: int
    position: int
    player_id: str
    score: int
    achieved_at: datetime
    metadata: Metadata | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a board's standings, best first.

    ``next_cursor`` is None exactly when no entry follows; ``resets_at`` is the exclusive UTC
    end of ``period`` (None for a board that never resets).
    """

    entries: list[RankedEntry]
    next_cursor: str | None
    period: str
    resets_at: datetime | None


class Leaderboards(Protocol):
    """Submit scores and read standings.

    ``period=None`` means the period that holds the store's current time. Reads of a board no
    spec defines raise `UnknownLeaderboard`; a period key of the wrong kind, a
    malformed or foreign cursor, or an out-of-range ``limit``/``before``/``after`` raise
    ValueError.
    """

    def submit(self, submission: ScoreSubmission) -> Outcome:
        """Validate and apply one submission; report how it ended."""
        ...

    def top(
        self,
        board_id: str,
        limit: int = 10,
        cursor: str | None = None,
        period: str | None = None,
    ) -> Page:
        """Up to ``limit`` (1..100) entries, best first, resuming after ``cursor``."""
        ...

    def rank_of(
        self, board_id: str, player_id: str, period: str | None = None
    ) -> RankedEntry | None:
        """The player's entry and exact rank, or None when the player has no entry."""
        ...

    def around(
        self,
        board_id: str,
        player_id: str,
        before: int = 5,
        after: int = 5,
        period: str | None = None,
    ) -> list[RankedEntry]:
        """Up to ``before`` (0..50) entries above the player, the player, up to ``after`` below.

        Clipped at the ends, not shifted; ``[]`` when the player has no entry.
        """
        ...

    def ranks_of(
        self, board_id: str, player_ids: Iterable[str], period: str | None = None
    ) -> list[RankedEntry]:
        """The entries of up to 100 distinct players (a friends board), best first.

        Each player appears once however often named; players without an entry are left out;
        more than 100 distinct ids raise ValueError.
        """
        ...

    def count(self, board_id: str, period: str | None = None) -> int:
        """How many players have an entry on the page."""
        ...
