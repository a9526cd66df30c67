"""The leaderboard half of ``tap demo`` (the command is `tap_tools.cli.demo`).

It streams generated score submissions (some of them invalid, some re-sent) through the use
case the ``scores`` function runs (`tap_core.app.scores.ScoreBatch`, over in-memory
ports): parse the raw body, submit or dead-letter, and give every input an ending. Then it
prints the endings, the standings, a player's rank and neighbours, and why rejected inputs were
rejected. Then the inventory pipeline: CSV uploads imported and summarized (see
`tap_tools.cli.demo_inventory`). Deterministic for a given ``--seed``.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tap_core import MessageSource
from tap_core.app import ScoreBatch, ScoresDependencies
from tap_core.errors import show
from tap_core.leaderboard import LeaderboardSpec
from tap_core.memory import InMemoryDeadLetters, InMemoryLeaderboards
from tap_tools.cli.demo_inventory import run_inventory

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tap_core.app import ScoreEnding
    from tap_core.leaderboard import Leaderboards, RankedEntry

BOARDS = (
    LeaderboardSpec(id="arena", order="desc", operator="best", min_score=0, max_score=1_000_000),
    LeaderboardSpec(id="speedrun", order="asc", operator="best", reset="daily", min_score=1),
    LeaderboardSpec(id="kills", order="desc", operator="increment", reset="weekly", min_score=0),
)


def generate(count: int, players: int, now: datetime, rng: random.Random) -> Iterator[bytes]:
    """Raw message bodies as game servers would send them: mostly valid, some not."""
    sent: list[bytes] = []
    for number in range(count):
        board = rng.choice(BOARDS)
        body: dict[str, object] = {
            "submission_id": f"sub-{number:06d}",
            "leaderboard_id": board.id,
            "player_id": f"player-{rng.randrange(players):04d}",
            "score": (
                rng.randrange(1, 10)
                if board.operator == "increment"
                else rng.randrange(1_000, 900_000)
                if board.order == "desc"
                else rng.randrange(30_000, 600_000)
            ),
            "achieved_at": (now - timedelta(seconds=rng.randrange(0, 20 * 3600))).isoformat(),
        }
        if rng.random() < 0.2:
            body["metadata"] = {"map": rng.choice(["dunes", "harbor", "vault"]), "build": 412}
        roll = rng.random()
        if roll < 0.01:
            body["score"] = str(body["score"])  # a string is not a JSON integer
        elif roll < 0.02:
            body["player_id"] = "player 1/../admin"
        elif roll < 0.03:
            body["achieved_at"] = (now + timedelta(hours=2)).isoformat()
        elif roll < 0.04:
            body["leaderboard_id"] = "tournament"
        elif roll < 0.05:
            body["score"] = -5
        elif roll < 0.055:
            yield b'{"submission_id": "sub-truncated", "score": 12'
            continue
        raw = json.dumps(body).encode()
        sent.append(raw)
        yield raw
        if sent and rng.random() < 0.03:  # at-least-once delivery: an earlier message again
            yield rng.choice(sent)


def run_demo(submissions: int, players: int, seed: int) -> int:
    now = datetime.now(UTC).replace(microsecond=0)
    boards: Leaderboards = InMemoryLeaderboards(BOARDS, clock=lambda: now)
    batch = ScoreBatch(ScoresDependencies(boards, InMemoryDeadLetters(), lambda: now))
    rng = random.Random(seed)
    endings: Counter[str] = Counter()
    reasons: dict[str, str] = {}
    received = 0
    for body in generate(submissions, players, now, rng):
        received += 1
        ending = batch.handle(body, MessageSource(f"demo-{received:06d}"))
        endings[ending.label] += 1
        if ending.outcome is None:  # not a valid submission
            reasons.setdefault(ending.label, f"{_invalid(ending)}  <- {show(body)}")
        elif ending.outcome.reason is not None:
            reasons.setdefault(ending.label, ending.outcome.reason)

    print(f"tap demo: {received} messages received at {now.isoformat()}\n")
    print("Endings (every message has exactly one):")
    for label, number in sorted(endings.items()):
        print(f"  {label:<36} {number:>6}")
    print(f"  {'total':<36} {sum(endings.values()):>6}")
    if sum(endings.values()) != received:
        print("ERROR: some messages have no ending")
        return 1
    for spec in BOARDS:
        page = boards.top(spec.id, limit=5)
        resets = "never" if page.resets_at is None else page.resets_at.isoformat()
        print(
            f"\nTop 5 of {spec.id!r} ({spec.operator}, {spec.order}, period {page.period}, "
            f"{boards.count(spec.id)} players, resets {resets}):"
        )
        _print_entries(page.entries)
        if page.entries:
            last = page.entries[-1].player_id
            me = boards.rank_of(spec.id, last)
            print(f"  rank_of({last!r}) -> rank {me.rank if me else None}; around it:")
            _print_entries(boards.around(spec.id, last, before=1, after=2))
    print("\nWhy messages were not accepted (one example each):")
    for label, reason in sorted(reasons.items()):
        print(f"  {label}: {reason}")
    return run_inventory(now, seed)


def _invalid(ending: ScoreEnding) -> str:
    """Why a body was not a valid submission: ``field: message`` per error."""
    return "; ".join(f"{error.field or 'body'}: {error.message}" for error in ending.errors)


def _print_entries(entries: list[RankedEntry]) -> None:
    for entry in entries:
        print(
            f"    #{entry.rank:<4} pos {entry.position:<4} {entry.player_id:<14} "
            f"{entry.score:>10}  {entry.achieved_at:%Y-%m-%d %H:%M:%S}"
        )
