"""``InMemoryLeaderboards``: the ``Leaderboards`` port as an entry store plus a rank index.

Entries (one per player, board and period, with the encoded sort key they rank by) are the
truth and live in dicts; every accepted submission hands its `tap_core.leaderboard.
index.Move` to a ``RankIndex`` (an `tap_core.memory.InMemoryRankIndex` by default)
before it returns, so a read always reflects the submissions before it. Reads ask the index for
keys and places and take the rows from the entries.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tap_core.leaderboard.decisions import decide, unknown_board
from tap_core.leaderboard.index import Move, PageId
from tap_core.leaderboard.models import as_utc, compact_json
from tap_core.leaderboard.periods import period_key
from tap_core.leaderboard.port import Page, RankedEntry
from tap_core.leaderboard.ranking import PLAYER_OFFSET, decode_sort_key, encode_sort_key
from tap_core.leaderboard.reads import (
    BoardSpecs,
    plan_around,
    plan_page,
    plan_ranks_of,
    plan_top,
)
from tap_core.memory.rank_index import InMemoryRankIndex

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tap_core.clock import Clock
    from tap_core.leaderboard.decisions import Outcome
    from tap_core.leaderboard.index import Placed, RankIndex
    from tap_core.leaderboard.models import LeaderboardSpec, Metadata, Order, ScoreSubmission
    from tap_core.leaderboard.ranking import Entry

Stored = tuple["Entry", str]  # an entry and its encoded sort key


def _copy(metadata: Metadata | None) -> Metadata | None:
    """A fresh copy of ``metadata``: callers never hold the dict the store keeps.

    A JSON round trip (C code) copies a nested JSON object faster than ``copy.deepcopy``.
    """
    if metadata is None:
        return None
    copied: Metadata = json.loads(compact_json(metadata))
    return copied


def _ranked(order: Order, placed: Placed, stored: Stored | None) -> RankedEntry:
    """The row of ``placed``: the entry's when the index holds the entry's key, else what the
    key itself says (an index behind its entries never shows a score beside a rank it
    does not have)."""
    key, rank, position = placed
    if stored is not None and stored[1] == key:
        entry = stored[0]
        metadata = entry.metadata
        return RankedEntry(
            rank,
            position,
            entry.player_id,
            entry.score,
            entry.achieved_at,
            None if metadata is None else _copy(metadata),
        )
    score, achieved_at, player_id = decode_sort_key(order, key)
    metadata = None if stored is None else _copy(stored[0].metadata)
    return RankedEntry(rank, position, player_id, score, achieved_at, metadata)


class InMemoryLeaderboards:
    """The ``Leaderboards`` port held in memory.

    ``specs`` define the boards (a duplicate id raises ValueError); ``clock`` returns the
    current time as an aware datetime (naive is read as UTC) and decides the default period
    and what counts as the future. Reads are planned by ``tap_core.leaderboard.reads`` and
    writes decided by ``decide``, as in every adapter. ``index`` is the rank index the
    entries are ranked by (a new `tap_core.memory.InMemoryRankIndex` by default);
    any ``RankIndex`` that reflects an ``apply`` once it returns serves.
    """

    def __init__(
        self,
        specs: Iterable[LeaderboardSpec],
        clock: Clock,
        *,
        index: RankIndex | None = None,
    ) -> None:
        self._specs = BoardSpecs(specs)
        # board id -> period key -> player id -> (entry, its encoded sort key)
        self._entries: dict[str, dict[str, dict[str, Stored]]] = {
            spec.id: {} for spec in self._specs
        }
        self._index: RankIndex = InMemoryRankIndex() if index is None else index
        self._clock = clock

    def submit(self, submission: ScoreSubmission) -> Outcome:
        spec = self._specs.get(submission.leaderboard_id)
        if spec is None:
            return unknown_board(submission.leaderboard_id)
        period = period_key(spec.reset, submission.achieved_at)
        page = self._entries[spec.id].get(period)
        player = submission.player_id
        held = None if page is None else page.get(player)
        now = as_utc(self._clock())
        decision = decide(spec, held[0] if held else None, submission, now)
        entry = decision.entry
        if entry is None:
            return decision.outcome
        # decision.expected_revision (the condition a DynamoDB write carries) holds here by
        # construction: one thread reads and writes the page.
        if entry.metadata is not None:
            entry = entry._replace(metadata=_copy(entry.metadata))  # not the caller's dict
        if page is None:
            page = self._entries[spec.id][period] = {}
        key = encode_sort_key(spec.order, entry.score, entry.achieved_at, player)
        page[player] = (entry, key)
        old_key = None if held is None else held[1]
        if old_key != key:  # as tap_core.leaderboard.moves.move_of: a kept key moves nothing
            move = Move(PageId(spec.id, period), player, old_key, key, entry.revision)
            self._index.apply((move,))
        return decision.outcome

    def top(
        self,
        board_id: str,
        limit: int = 10,
        cursor: str | None = None,
        period: str | None = None,
    ) -> Page:
        plan = plan_top(
            self._specs, board_id, limit=limit, cursor=cursor, period=period, clock=self._clock
        )
        placed = self._index.top(PageId(board_id, plan.period), plan.limit + 1, plan.after)
        next_cursor = None
        if len(placed) > plan.limit:
            del placed[plan.limit :]
            next_cursor = plan.next_cursor(placed[-1].key)
        entries = self._rows(plan.spec.order, board_id, plan.period, placed)
        return Page(entries, next_cursor, plan.period, plan.resets_at)

    def rank_of(
        self, board_id: str, player_id: str, period: str | None = None
    ) -> RankedEntry | None:
        plan = plan_page(self._specs, board_id, period=period, clock=self._clock)
        placed = self._index.ranks_of(PageId(board_id, plan.period), (player_id,))
        if not placed:
            return None
        stored = self._entries[board_id].get(plan.period, {}).get(player_id)
        return _ranked(plan.spec.order, placed[0], stored)

    def ranks_of(
        self, board_id: str, player_ids: Iterable[str], period: str | None = None
    ) -> list[RankedEntry]:
        plan, players = plan_ranks_of(
            self._specs, board_id, player_ids, period=period, clock=self._clock
        )
        placed = self._index.ranks_of(PageId(board_id, plan.period), players)
        return self._rows(plan.spec.order, board_id, plan.period, placed)

    def around(
        self,
        board_id: str,
        player_id: str,
        before: int = 5,
        after: int = 5,
        period: str | None = None,
    ) -> list[RankedEntry]:
        plan = plan_around(
            self._specs, board_id, before=before, after=after, period=period, clock=self._clock
        )
        placed = self._index.around(PageId(board_id, plan.period), player_id, before, after)
        return self._rows(plan.spec.order, board_id, plan.period, placed)

    def count(self, board_id: str, period: str | None = None) -> int:
        plan = plan_page(self._specs, board_id, period=period, clock=self._clock)
        return self._index.count(PageId(board_id, plan.period))

    def _rows(
        self, order: Order, board_id: str, period: str, placed: list[Placed]
    ) -> list[RankedEntry]:
        page = self._entries[board_id].get(period, {})
        return [_ranked(order, one, page.get(one.key[PLAYER_OFFSET:])) for one in placed]
