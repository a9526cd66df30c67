"""Hypothesis strategies for the leaderboard, defined once and shared by its tests."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, get_args

from hypothesis import strategies as st

from tap_core.leaderboard import (
    INT64_MAX,
    INT64_MIN,
    LeaderboardSpec,
    Move,
    PageId,
    ScoreSubmission,
    encode_sort_key,
)
from tap_core.leaderboard.models import Operator, Order, Reset

if TYPE_CHECKING:
    from tap_core.leaderboard import Metadata

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

ORDERS: st.SearchStrategy[Order] = st.sampled_from(get_args(Order))
OPERATORS: st.SearchStrategy[Operator] = st.sampled_from(get_args(Operator))
RESETS: st.SearchStrategy[Reset] = st.sampled_from(get_args(Reset))

INT64 = st.integers(min_value=INT64_MIN, max_value=INT64_MAX)
# Few distinct scores, so ties (shared ranks) are common.
TIED_SCORES = st.integers(min_value=-3, max_value=3)
SMALL_SCORES = st.integers(min_value=-1_000, max_value=1_000)

PLAYER_ALPHABET = string.ascii_letters + string.digits + "_.:-"
PLAYER_IDS = st.text(PLAYER_ALPHABET, min_size=1, max_size=128)
FEW_PLAYERS = st.sampled_from([f"p{number}" for number in range(12)])
SUBMISSION_IDS = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=64)

# Aware UTC instants across the whole allowed range, with microseconds.
MOMENTS = st.datetimes(
    min_value=datetime(1970, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(9999, 12, 30, 23, 59, 59),  # noqa: DTZ001
).map(lambda moment: moment.replace(tzinfo=UTC))
# Instants within a few days before NOW, on a coarse grid, so equal times happen.
RECENT = st.integers(min_value=0, max_value=4 * 24 * 6).map(
    lambda steps: NOW - timedelta(minutes=10 * steps)
)
NEVER: st.SearchStrategy[Reset] = st.just("never")
TIED_RECENT = st.integers(min_value=0, max_value=3).map(lambda steps: NOW - timedelta(hours=steps))

METADATA: st.SearchStrategy[Metadata | None] = st.none() | st.dictionaries(
    st.text(max_size=8),
    st.integers(-1000, 1000) | st.text(max_size=12) | st.booleans() | st.none(),
    max_size=4,
)


@st.composite
def specs(
    draw: st.DrawFn,
    *,
    board_id: str = "board",
    operator: st.SearchStrategy[Operator] = OPERATORS,
    reset: st.SearchStrategy[Reset] = NEVER,
) -> LeaderboardSpec:
    """A board with any order and operator (no score bounds unless asked)."""
    return LeaderboardSpec(
        id=board_id, order=draw(ORDERS), operator=draw(operator), reset=draw(reset)
    )


@st.composite
def submissions(
    draw: st.DrawFn,
    *,
    board_id: str = "board",
    players: st.SearchStrategy[str] = FEW_PLAYERS,
    scores: st.SearchStrategy[int] = TIED_SCORES,
    moments: st.SearchStrategy[datetime] = TIED_RECENT,
) -> ScoreSubmission:
    """A valid submission to ``board_id`` with a unique-looking id."""
    return ScoreSubmission(
        submission_id=draw(SUBMISSION_IDS),
        leaderboard_id=board_id,
        player_id=draw(players),
        score=draw(scores),
        achieved_at=draw(moments),
        metadata=draw(METADATA),
    )


def numbered(items: list[ScoreSubmission]) -> list[ScoreSubmission]:
    """``items`` with distinct submission ids (``s0``, ``s1``, ...), in the same order."""
    return [
        item.model_copy(update={"submission_id": f"s{number}"}) for number, item in enumerate(items)
    ]


# -- the rank index: pages, histories of entries, and how their moves are delivered ----------

PAGES = (PageId("board", "all"), PageId("board", "2026-11-24"))
# One version of an entry: its (score, achieved_at), or None when it is removed.
VERSIONS = st.none() | st.tuples(TIED_SCORES | SMALL_SCORES, TIED_RECENT)

History = dict[tuple[PageId, str], list[str | None]]
"""Per (page, player), the entry's successive keys (None: removed) at revisions 1, 2, ..."""


@st.composite
def histories(draw: st.DrawFn) -> History:
    """Entries of a few players on two pages, each through 1-4 versions (ties common)."""
    order = draw(ORDERS)
    raw = draw(
        st.dictionaries(
            st.tuples(st.sampled_from(PAGES), FEW_PLAYERS),
            st.lists(VERSIONS, min_size=1, max_size=4),
            max_size=10,
        )
    )
    return {
        (page, player): [
            None if version is None else encode_sort_key(order, *version, player)
            for version in versions
        ]
        for (page, player), versions in raw.items()
    }


def history_moves(history: History) -> dict[tuple[PageId, str], list[Move]]:
    """Each entry's moves in its stream's order (a version that keeps the key moves nothing)."""
    streams: dict[tuple[PageId, str], list[Move]] = {}
    for (page, player), keys in history.items():
        moves = streams[page, player] = []
        for revision, (old, new) in enumerate(zip([None, *keys], keys, strict=False), 1):
            if old != new:
                moves.append(Move(page, player, old, new, revision))
    return streams


def final_keys(history: History, page: PageId) -> list[str]:
    """The keys ``page`` holds once every version is applied."""
    return [keys[-1] for (on, _), keys in history.items() if on == page and keys[-1] is not None]


def shard_of(slot: tuple[PageId, str], shards: int) -> int:
    """The stream shard an entry's records go to (stable, as DynamoDB's by item key)."""
    page, player = slot
    return sum(map(ord, f"{page.period}#{player}")) % shards


@st.composite
def shard_streams(draw: st.DrawFn, history: History) -> list[list[Move]]:
    """The moves of ``history`` as 1-3 shards' streams: each entry's moves in order in its
    shard, entries of a shard interleaved in any way."""
    shards = draw(st.integers(1, 3))
    queues = {slot: moves for slot, moves in history_moves(history).items() if moves}
    streams: list[list[Move]] = [[] for _ in range(shards)]
    while queues:
        slot = draw(st.sampled_from(sorted(queues)))
        streams[shard_of(slot, shards)].append(queues[slot][0])
        queues[slot] = queues[slot][1:]
        if not queues[slot]:
            del queues[slot]
    return streams


@st.composite
def deliveries(draw: st.DrawFn, history: History) -> list[list[Move]]:
    """What an at-least-once stream consumer applies, batch by batch: each shard's stream cut
    into batches, the shards' batches interleaved in any order, each batch delivered once,
    retried (delivered twice), or crashed (a prefix applied, then delivered whole), and now
    and then an earlier batch delivered again after newer ones."""
    pending = []
    for stream in draw(shard_streams(history)):
        batches, start = [], 0
        while start < len(stream):
            size = draw(st.integers(1, 5))
            batches.append(stream[start : start + size])
            start += size
        pending.append(batches)
    delivered: list[list[Move]] = []
    applied: list[list[Move]] = []
    while any(pending):
        shard = draw(st.sampled_from([n for n, batches in enumerate(pending) if batches]))
        batch = pending[shard].pop(0)
        fate = draw(st.sampled_from(["once", "retried", "crashed"]))
        if fate == "crashed":
            applied.append(batch[: draw(st.integers(0, len(batch) - 1))])
        applied.append(batch)
        if fate == "retried":
            applied.append(batch)
        delivered.append(batch)
        if draw(st.booleans()):
            applied.append(draw(st.sampled_from(delivered)))
    return applied


@st.composite
def shuffled_deliveries(draw: st.DrawFn, history: History) -> list[list[Move]]:
    """The moves of ``history`` plus some duplicates, in any order at all (even one entry's
    moves out of order), cut into batches of any size."""
    moves = [move for stream in history_moves(history).values() for move in stream]
    if moves:
        moves += draw(st.lists(st.sampled_from(moves), max_size=6))
    arrival = draw(st.permutations(moves))
    batches = []
    while arrival:
        size = draw(st.integers(1, 6))
        batches.append(arrival[:size])
        arrival = arrival[size:]
    return batches
