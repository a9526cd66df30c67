"""The ``RankIndex`` port: the players of each page in rank order, fed by moves of entries.

Entries (one per player, board and period) are the truth; a rank index keeps, per page, each
player's encoded sort key (`tap_core.leaderboard.ranking.encode_sort_key`) so it can
answer ranks, windows and counts. It changes only by `Move`: a player's entry moved from
one key to another (None: no entry), at the entry's revision. Adapters: an in-memory one
(``tap_core.memory.InMemoryRankIndex``), a DynamoDB tree of counts and a Valkey sorted set.

The one rule every adapter keeps (`tap_core.leaderboard.moves.supersedes` writes it):
an index holds, per player of a page, the key and revision of the newest move it applied
(`Held`; a removal keeps its revision as a tombstone). A move applies only when its
revision is greater than the held one; otherwise it changes nothing. So applying moves is
idempotent (a duplicate or a redelivered batch changes nothing) and monotone (a late, older
move never undoes a newer one), and the index converges to the newest revision of every entry
whatever the order, duplicates or crashes of the delivery. A move's ``old_key`` is what the
entry held before (the stream's old image): the index moves the player from the key it holds
itself, which equals ``old_key`` when moves arrive in order.

Positions and ranks are over the page's keys: ``position`` is 1 + the keys below the key,
``rank`` (competition ranking) 1 + the keys below its 16-character score prefix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Protocol

from tap_core.leaderboard.ranking import PLAYER_OFFSET

if TYPE_CHECKING:
    from collections.abc import Iterable


class PageId(NamedTuple):
    """One page of a board: its standings in one period."""

    board_id: str
    period: str


class Move(NamedTuple):
    """A player's entry on ``page`` moved from ``old_key`` to ``new_key`` at ``revision``.

    ``old_key`` None: the entry is new; ``new_key`` None: the entry is removed (moderation, an
    expired page). ``revision`` is the entry's revision after the move (a removal: one past the
    removed entry's), so a newer move of the entry always has a greater revision.
    """

    page: PageId
    player_id: str
    old_key: str | None
    new_key: str | None
    revision: int
    row: str | None = None
    """What an index may show beside the key: the entry's metadata as compact JSON (None:
    none). Indexes that show keys only ignore it; it never decides whether a move applies."""


class Held(NamedTuple):
    """What an index holds for one player of a page: the key (None: removed) and revision."""

    key: str | None
    revision: int


NOTHING_HELD = Held(None, 0)
"""What an index holds for a player it has never seen: every real move (revision >= 1) wins."""


class Placed(NamedTuple):
    """An indexed key with its place on the page (1-based ``rank`` and ``position``)."""

    key: str
    rank: int
    position: int

    @property
    def player_id(self) -> str:
        """The player the key belongs to (its part after the score and time)."""
        return self.key[PLAYER_OFFSET:]


class RankIndexUnavailable(RuntimeError):
    """The rank index cannot answer now: its server is unreachable or failing.

    Every adapter backed by a server raises this (never its client's own errors), with a
    message naming the endpoint, so a caller can answer 503 (try again), never a 500 or a
    stale read. Entries are the truth: nothing is lost, the stream catches the index up.
    """


class RankIndex(Protocol):
    """The players of every page in rank order: moved by `apply`, read by place.

    Reads see every move ``apply`` has returned from. A page nothing was applied to reads as
    empty. Reads take no ``limit`` checks: callers plan them (``tap_core.leaderboard.reads``).
    An index on a server raises `RankIndexUnavailable` from any method when the server
    cannot answer.
    """

    def apply(self, moves: Iterable[Move]) -> None:
        """Apply a batch of moves, in any order, idempotently (see the module's rule).

        Moves of one player may appear several times in a batch (duplicates, successive
        revisions): the newest revision wins.
        """
        ...

    def count_below(self, page: PageId, key: str) -> int:
        """How many indexed keys of ``page`` sort before ``key`` (any string, e.g. a prefix)."""
        ...

    def top(self, page: PageId, limit: int, after: str | None = None) -> list[Placed]:
        """Up to ``limit`` keys, best first, strictly after the key ``after`` (None: from the
        first): a cursor's key, which stays valid while others move, unlike a position."""
        ...

    def around(self, page: PageId, player_id: str, before: int, after: int) -> list[Placed]:
        """Up to ``before`` keys above the player's, the player's, up to ``after`` below;
        clipped at the ends, ``[]`` when the index holds no key for the player."""
        ...

    def ranks_of(self, page: PageId, player_ids: Iterable[str]) -> list[Placed]:
        """The indexed keys of the named players, best first, each once; players the index
        holds no key for are left out."""
        ...

    def count(self, page: PageId) -> int:
        """How many players the index holds a key for on ``page``."""
        ...
