"""Concurrent submits (separate clients, as separate Lambda instances) lose nothing."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_core.leaderboard import LeaderboardSpec, ScoreSubmission
from tap_core.memory import InMemoryLeaderboards
from tap_tools.testing import AwsClients

if TYPE_CHECKING:
    from tap_tools.testing import MotoServer

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SPECS = [LeaderboardSpec(id="sum", operator="increment"), LeaderboardSpec(id="best")]
THREADS = 4


def _stream(board: str) -> list[ScoreSubmission]:
    return [
        ScoreSubmission(
            submission_id=f"{board}{thread}x{number}",
            leaderboard_id=board,
            # A few players shared by every thread: their entries race on the same items.
            player_id=f"p{(thread + number) % 3}",
            score=(number * 7 + thread) % 5,
            achieved_at=NOW - timedelta(seconds=number * THREADS + thread),
        )
        for thread in range(THREADS)
        for number in range(6)
    ]


def test_concurrent_writers_end_as_one_writer(
    moto_server: MotoServer, atomic_moto: None, fast_transactions: None
) -> None:
    # Given one table and one DynamoLeaderboards (with its own client) per thread
    table = f"tap-lb-{uuid.uuid4().hex[:12]}"
    stores = [
        DynamoLeaderboards(table, SPECS, AwsClients(moto_server.endpoint).dynamodb(), lambda: NOW)
        for _ in range(THREADS)
    ]
    stores[0].ensure_table()
    memory = InMemoryLeaderboards(SPECS, lambda: NOW)
    for board in ("sum", "best"):
        stream = _stream(board)
        for item in stream:
            memory.submit(item)
        # When the threads submit their shares at the same time, each item twice
        shares = [stream[thread::THREADS] * 2 for thread in range(THREADS)]
        with ThreadPoolExecutor(THREADS) as pool:
            list(
                pool.map(
                    lambda pair: [pair[0].submit(i) for i in pair[1]],
                    zip(stores, shares, strict=True),
                )
            )
        # Then the standings, ranks and counts equal one writer applying each once
        assert stores[0].top(board, limit=100) == memory.top(board, limit=100)
        assert stores[1].count(board) == memory.count(board)
        for player in ("p0", "p1", "p2"):
            assert stores[2].rank_of(board, player) == memory.rank_of(board, player)
