"""InMemoryLeaderboards against the naive oracle: order, ranks, pages, windows, operators."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING

from hypothesis import given
from hypothesis import strategies as st

from tap_core.leaderboard import LeaderboardSpec, RankedEntry, ScoreSubmission
from tap_core.memory import InMemoryLeaderboards
from tests.unit.leaderboard import oracle
from tests.unit.leaderboard.strategies import (
    FEW_PLAYERS,
    NOW,
    RECENT,
    SMALL_SCORES,
    TIED_RECENT,
    numbered,
    specs,
    submissions,
)

if TYPE_CHECKING:
    from tap_core.leaderboard import Leaderboards
    from tests.unit.leaderboard.factories import LeaderboardsFactory

STREAMS = st.lists(submissions(), max_size=60).map(numbered)
WIDE_STREAMS = st.lists(
    submissions(
        scores=SMALL_SCORES,
        moments=RECENT,
        players=st.sampled_from([f"p{n:02d}" for n in range(40)]),
    ),
    max_size=120,
).map(numbered)


def _load(
    make: LeaderboardsFactory, spec: LeaderboardSpec, stream: list[ScoreSubmission]
) -> tuple[Leaderboards, dict[str, oracle.Held]]:
    boards = make([spec], lambda: NOW)
    model: dict[str, oracle.Held] = {}
    for item in stream:
        boards.submit(item)
        oracle.apply(spec, model, item)
    return boards, model


def _rows(entries: list[RankedEntry]) -> list[tuple[int, int, str, int]]:
    return [(e.rank, e.position, e.player_id, e.score) for e in entries]


def _oracle_rows(rows: list[oracle.Row]) -> list[tuple[int, int, str, int]]:
    return [(r.rank, r.position, r.player_id, r.score) for r in rows]


@given(spec=specs(), stream=STREAMS | WIDE_STREAMS, limit=st.integers(1, 9))
def test_pages_concatenate_to_the_full_order(
    leaderboards_factory: LeaderboardsFactory,
    spec: LeaderboardSpec,
    stream: list[ScoreSubmission],
    limit: int,
) -> None:
    """Pages of any size, followed by cursor, list every entry once, in oracle order."""
    boards, model = _load(leaderboards_factory, spec, stream)
    expected = _oracle_rows(oracle.standings(spec, model))

    seen: list[tuple[int, int, str, int]] = []
    cursor = None
    while True:
        page = boards.top("board", limit=limit, cursor=cursor)
        assert len(page.entries) <= limit
        seen += _rows(page.entries)
        # next_cursor is None exactly when no entry follows.
        assert (page.next_cursor is None) == (len(seen) == len(expected))
        if page.next_cursor is None:
            break
        assert len(page.entries) == limit
        cursor = page.next_cursor
    assert seen == expected


@given(spec=specs(), stream=STREAMS | WIDE_STREAMS)
def test_rank_of_matches_counting(
    leaderboards_factory: LeaderboardsFactory, spec: LeaderboardSpec, stream: list[ScoreSubmission]
) -> None:
    """rank_of gives the oracle's competition rank and position for every player."""
    boards, model = _load(leaderboards_factory, spec, stream)
    for row in oracle.standings(spec, model):
        entry = boards.rank_of("board", row.player_id)
        assert entry is not None
        assert (entry.rank, entry.position, entry.score, entry.achieved_at) == (
            row.rank,
            row.position,
            row.score,
            row.achieved_at,
        )
    assert boards.rank_of("board", "nobody") is None
    assert boards.count("board") == len(model)


@given(
    spec=specs(),
    stream=STREAMS,
    before=st.integers(0, 6),
    after=st.integers(0, 6),
    player=FEW_PLAYERS,
)
def test_around_is_the_clipped_window(
    *,
    leaderboards_factory: LeaderboardsFactory,
    spec: LeaderboardSpec,
    stream: list[ScoreSubmission],
    before: int,
    after: int,
    player: str,
) -> None:
    """around() is the oracle's slice [i - before, i + after], clipped at the ends."""
    boards, model = _load(leaderboards_factory, spec, stream)
    rows = oracle.standings(spec, model)
    index = next((i for i, row in enumerate(rows) if row.player_id == player), None)
    window = boards.around("board", player, before=before, after=after)
    if index is None:
        assert window == []
    else:
        expected = rows[max(0, index - before) : index + after + 1]
        assert _rows(window) == _oracle_rows(expected)


@given(spec=specs(), stream=STREAMS)
def test_outcomes_match_the_oracle(
    leaderboards_factory: LeaderboardsFactory, spec: LeaderboardSpec, stream: list[ScoreSubmission]
) -> None:
    """Each submission is accepted exactly when the oracle says the entry changes."""
    boards = leaderboards_factory([spec], lambda: NOW)
    model: dict[str, oracle.Held] = {}
    for item in stream:
        assert boards.submit(item).status == oracle.apply(spec, model, item)


def _final(spec: LeaderboardSpec, boards: Leaderboards) -> list[tuple[object, ...]]:
    entries = boards.top("board", limit=100).entries
    if spec.operator == "best":
        # Equal (score, time) pairs keep whichever came first: only those fields are settled.
        return [(e.player_id, e.score, e.achieved_at) for e in entries]
    return [(e.player_id, e.score, e.achieved_at, e.metadata) for e in entries]


@given(spec=specs(), stream=STREAMS, seed=st.randoms(use_true_random=False))
def test_any_delivery_order_converges(
    leaderboards_factory: LeaderboardsFactory,
    spec: LeaderboardSpec,
    stream: list[ScoreSubmission],
    seed: random.Random,
) -> None:
    """Shuffled, duplicated delivery of the same submissions ends in the same standings."""
    boards, _ = _load(leaderboards_factory, spec, stream)
    redelivered = stream + seed.sample(stream, k=len(stream) // 2)
    seed.shuffle(redelivered)
    again, _ = _load(leaderboards_factory, spec, redelivered)
    assert _final(spec, again) == _final(spec, boards)


@given(spec=specs(), stream=STREAMS)
def test_resending_everything_changes_nothing(
    leaderboards_factory: LeaderboardsFactory, spec: LeaderboardSpec, stream: list[ScoreSubmission]
) -> None:
    """Re-sending every submission after the fact leaves every outcome unchanged."""
    boards, _ = _load(leaderboards_factory, spec, stream)
    before = _final(spec, boards)
    assert {boards.submit(item).status for item in stream} <= {"unchanged"}
    assert _final(spec, boards) == before


@given(
    spec=specs(operator=st.just("best")),
    stream=STREAMS,
    player=FEW_PLAYERS,
    gain=st.integers(1, 10),
)
def test_a_better_score_never_lowers_a_rank(
    leaderboards_factory: LeaderboardsFactory,
    spec: LeaderboardSpec,
    stream: list[ScoreSubmission],
    player: str,
    gain: int,
) -> None:
    """On a best board, submitting a better score moves a player up or leaves them in place."""
    boards, _ = _load(leaderboards_factory, spec, stream)
    current = boards.rank_of("board", player)
    base = 0 if current is None else current.score
    better = base + gain if spec.order == "desc" else base - gain
    boards.submit(
        ScoreSubmission(
            submission_id="improve",
            leaderboard_id="board",
            player_id=player,
            score=better,
            achieved_at=NOW,
        )
    )
    after = boards.rank_of("board", player)
    assert after is not None
    assert after.score == better
    if current is not None:
        assert after.rank <= current.rank
        assert after.position <= current.position


@given(stream=st.lists(submissions(moments=TIED_RECENT), max_size=40).map(numbered))
def test_periods_hold_their_own_submissions(
    leaderboards_factory: LeaderboardsFactory, stream: list[ScoreSubmission]
) -> None:
    """On an hourly-spread stream, each daily page holds exactly its day's players."""
    spec = LeaderboardSpec(id="board", reset="daily", operator="latest")
    boards = leaderboards_factory([spec], lambda: NOW)
    for item in stream:
        boards.submit(item)
    for day in {item.achieved_at.date().isoformat() for item in stream}:
        players = {i.player_id for i in stream if i.achieved_at.date().isoformat() == day}
        page = boards.top("board", limit=100, period=day)
        assert {e.player_id for e in page.entries} == players
        assert page.resets_at is not None
        assert page.resets_at - timedelta(days=1) <= min(
            i.achieved_at for i in stream if i.achieved_at.date().isoformat() == day
        )


def test_ranks_across_many_blocks_match_a_sorted_count() -> None:
    """With thousands of players and heavy ties, every sampled rank and position equals a
    count over the fully sorted standings (the sorted list spans many internal blocks)."""
    rng = random.Random(5)
    spec = LeaderboardSpec(id="board", order="desc")
    boards = InMemoryLeaderboards([spec], clock=lambda: NOW)
    scores: dict[str, tuple[int, int]] = {}
    for number in range(12_000):
        player = f"p{number:05d}"
        score, minutes = rng.randrange(40), rng.randrange(100)
        scores[player] = (score, minutes)
        boards.submit(
            ScoreSubmission(
                submission_id=f"s{number}",
                leaderboard_id="board",
                player_id=player,
                score=score,
                achieved_at=NOW - timedelta(minutes=minutes),
            )
        )
    ordered = sorted(scores, key=lambda p: (-scores[p][0], -scores[p][1], p))
    position = {player: index + 1 for index, player in enumerate(ordered)}
    beaten_by = Counter[int]()
    for score, _ in scores.values():
        for worse in range(score):
            beaten_by[worse] += 1
    for player in scores:
        entry = boards.rank_of("board", player)
        assert entry is not None
        assert (entry.rank, entry.position) == (beaten_by[scores[player][0]] + 1, position[player])
