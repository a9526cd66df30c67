"""Leaderboard core throughput: validation from raw bytes, submit and rank_of at scale.

Goals at 10^6 players on the reference machine (2 cores): >= 50,000 submits/s and
>= 100,000 rank_of/s. Figures are printed, not asserted.
"""

from __future__ import annotations

import json
import random
import resource
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from tap_core.leaderboard import LeaderboardSpec, ScoreSubmission
from tap_core.memory import InMemoryLeaderboards

if TYPE_CHECKING:
    from collections.abc import Callable

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SPEC = LeaderboardSpec(id="arena", reset="weekly")


def _rate(count: int, work: Callable[[], None]) -> float:
    start = time.perf_counter()
    work()
    return count / (time.perf_counter() - start)


def _bodies(count: int, rng: random.Random) -> list[bytes]:
    return [
        json.dumps(
            {
                "submission_id": f"s{number}",
                "leaderboard_id": "arena",
                "player_id": f"player-{rng.randrange(10**6)}",
                "score": rng.randrange(10**9),
                "achieved_at": (NOW - timedelta(seconds=rng.randrange(86_400))).isoformat(),
                **({"metadata": {"map": "dunes", "kills": 12}} if number % 5 == 0 else {}),
            }
        ).encode()
        for number in range(count)
    ]


def _submission(number: int, player: int, score: int, rng: random.Random) -> ScoreSubmission:
    # model_construct: the bench fills boards fast; values are valid by construction.
    return ScoreSubmission.model_construct(
        submission_id=f"s{number}",
        leaderboard_id="arena",
        player_id=f"player-{player}",
        score=score,
        achieved_at=NOW - timedelta(seconds=rng.randrange(86_400)),
        metadata=None,
    )


def _rss_mb() -> float:
    """Current resident set size (Linux /proc), in MB."""
    with Path("/proc/self/statm").open() as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_validation(count: int) -> None:
    bodies = _bodies(count, random.Random(1))
    parse = ScoreSubmission.model_validate_json

    def work() -> None:
        for body in bodies:
            parse(body)

    print(f"  validate from raw JSON bytes: {_rate(count, work):>12,.0f} submissions/s")


def bench_board(players: int, operations: int) -> None:
    rng = random.Random(players)
    boards = InMemoryLeaderboards([SPEC], clock=lambda: NOW)
    rss_before = _rss_mb()
    start = time.perf_counter()
    for number in range(players):  # generated as it goes: only the board's memory stays
        boards.submit(_submission(number, number, rng.randrange(10**9), rng))
    fill_rate = players / (time.perf_counter() - start)
    held = _rss_mb() - rss_before

    # Half of these beat the stored score (a remove and an add), half do not.
    updates = [
        _submission(players + n, rng.randrange(players), rng.randrange(10**9), rng)
        for n in range(operations)
    ]
    submit = boards.submit

    def do_submits() -> None:
        for item in updates:
            submit(item)

    asked = [f"player-{rng.randrange(players)}" for _ in range(operations)]
    period = boards.top("arena", limit=1).period
    rank_of = boards.rank_of

    def ranks_explicit() -> None:
        for player in asked:
            rank_of("arena", player, period)

    def ranks_default() -> None:
        for player in asked:
            rank_of("arena", player)

    def tops() -> None:
        for _ in range(operations // 10):
            boards.top("arena", limit=100)

    print(f"  {players:>9,} players: fill {fill_rate:>9,.0f}/s, ~{held:,.0f} MB held")
    print(f"      submit                    {_rate(operations, do_submits):>12,.0f}/s")
    print(f"      rank_of (explicit period) {_rate(operations, ranks_explicit):>12,.0f}/s")
    print(f"      rank_of (period=None)     {_rate(operations, ranks_default):>12,.0f}/s")
    print(f"      top(limit=100)            {_rate(operations // 10, tops):>12,.0f}/s")
    print(f"      peak RSS so far           {_peak_rss_mb():>12,.0f} MB")


def main(*, quick: bool) -> None:
    print("leaderboard (tap_core.memory.InMemoryLeaderboards)")
    bench_validation(20_000 if quick else 200_000)
    sizes = (10_000,) if quick else (10_000, 100_000, 1_000_000)
    for players in sizes:
        bench_board(players, 20_000 if quick else 200_000)
