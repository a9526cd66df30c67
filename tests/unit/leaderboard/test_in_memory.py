"""InMemoryLeaderboards alone: ranks across many internal blocks of its sorted list.

The ``Leaderboards`` contract (oracle properties, reads, the state machine) is in
``contract.py`` and runs on this adapter from ``test_contract.py``.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from tap_core.leaderboard import LeaderboardSpec, ScoreSubmission
from tap_core.memory import InMemoryLeaderboards
from tests.unit.leaderboard.strategies import NOW


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
