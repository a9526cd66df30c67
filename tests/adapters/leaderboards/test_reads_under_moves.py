"""Reads while a player moves: ``around``, ``top`` after a cursor and ``ranks_of`` make several
requests, which are no snapshot. Whatever moves between them, an answer never lists a player
twice, never shows a position below 1 and never places rows out of order: a read that finds the
rows moved under it reads again, and gives up (``RankIndexUnavailable``, a 503) only when the
page moved under every attempt."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_core.leaderboard import LeaderboardSpec, RankedEntry, RankIndexUnavailable, ScoreSubmission
from tap_tools.testing import AwsClients

if TYPE_CHECKING:
    from tap_tools.testing import MotoServer

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SPEC = LeaderboardSpec(id="b")
PLAYERS = 30


def _submission(player: str, score: int, number: int) -> ScoreSubmission:
    return ScoreSubmission(
        submission_id=f"{player}-{number}",
        leaderboard_id="b",
        player_id=player,
        score=score,
        achieved_at=NOW - timedelta(seconds=1),
    )


def _consistent(entries: list[RankedEntry]) -> list[str]:
    """What is wrong with one answer (empty: nothing)."""
    problems = []
    players = [entry.player_id for entry in entries]
    if len(set(players)) != len(players):
        problems.append(f"a player twice: {players}")
    positions = [entry.position for entry in entries]
    if positions and (
        positions[0] < 1 or positions != list(range(positions[0], positions[0] + len(positions)))
    ):
        problems.append(f"positions {positions}")
    scores = [entry.score for entry in entries]
    if scores != sorted(scores, reverse=True):
        problems.append(f"scores out of order {scores}")
    if any(entry.rank > entry.position for entry in entries):
        problems.append("a rank past its position")
    return problems


def test_reads_stay_consistent_while_a_player_moves(
    moto_server: MotoServer, atomic_moto: None, fast_transactions: None
) -> None:
    table = f"tap-lb-{uuid.uuid4().hex[:12]}"
    reader = DynamoLeaderboards(
        table, [SPEC], AwsClients(moto_server.endpoint).dynamodb(), lambda: NOW
    )
    reader.ensure_table()
    for number in range(PLAYERS):
        reader.submit(_submission(f"p{number:02d}", 10 * (number + 1), 0))
    reader.submit(_submission("mover", 1, 0))
    mover = DynamoLeaderboards(
        table, [SPEC], AwsClients(moto_server.endpoint).dynamodb(), lambda: NOW
    )
    done = threading.Event()

    def move() -> None:
        for step in range(1, 2 * PLAYERS):
            mover.submit(_submission("mover", 5 * step + 1, step))  # passes a player each 2 steps
            time.sleep(0.05)  # 20 moves a second: many reads still overlap a move
        done.set()

    thread = threading.Thread(target=move)
    thread.start()
    problems: list[str] = []
    reads = gave_up = 0
    while not done.is_set():
        reads += 1
        try:
            around = reader.around("b", "mover", before=3, after=3)
            ranks = reader.ranks_of("b", ["mover", "p00", "p15", "p29"])
        except RankIndexUnavailable:
            gave_up += 1
            continue
        assert any(entry.player_id == "mover" for entry in around)
        problems += [f"around: {p}" for p in _consistent(around)]
        problems += [f"ranks_of: {p}" for p in _consistent(ranks) if "positions" not in p]
        if len({entry.position for entry in ranks}) != len(ranks):
            problems.append(f"ranks_of: two players at one position {ranks}")
    thread.join()
    assert reads >= 5
    assert problems == [], "\n".join(problems)
    assert gave_up <= reads // 4  # re-reading gets through almost always
