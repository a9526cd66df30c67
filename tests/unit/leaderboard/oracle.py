"""A naive model of leaderboards: apply by brute force, rank by sorting everything.

The tests compare ``InMemoryLeaderboards`` with it. It shares no code with the library beyond
the input models and the COUNTED_IDS_KEPT bound: its rules are written out again from the
specification.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tap_core.leaderboard import COUNTED_IDS_KEPT

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from tap_core.leaderboard import LeaderboardSpec, Metadata, ScoreSubmission


@dataclass
class Held:
    score: int
    achieved_at: datetime
    submission_id: str
    metadata: Metadata | None
    counted: list[str] = field(default_factory=list)  # the last COUNTED_IDS_KEPT, oldest first


@dataclass
class Row:
    rank: int
    position: int
    player_id: str
    score: int
    achieved_at: datetime


def better(spec: LeaderboardSpec, a: int, b: int) -> bool:
    """True when score ``a`` beats score ``b`` on this board."""
    return a > b if spec.order == "desc" else a < b


def apply(spec: LeaderboardSpec, page: dict[str, Held], item: ScoreSubmission) -> str:
    """Apply ``item`` to ``page`` (player -> Held) by the spec's rules; return the status."""
    held = page.get(item.player_id)
    fresh = Held(item.score, item.achieved_at, item.submission_id, item.metadata)
    if held is None:
        fresh.counted.append(item.submission_id)
        page[item.player_id] = fresh
        return "accepted"
    if spec.operator == "increment":
        if item.submission_id in held.counted:
            return "unchanged"
        newer = (item.achieved_at, item.submission_id) > (held.achieved_at, held.submission_id)
        if item.score == 0 and not newer:
            return "unchanged"
        held.counted.append(item.submission_id)
        del held.counted[:-COUNTED_IDS_KEPT]
        held.score += item.score
        if newer:
            held.achieved_at, held.submission_id = item.achieved_at, item.submission_id
            held.metadata = item.metadata
        return "accepted"
    if held.submission_id == item.submission_id:
        return "unchanged"
    if spec.operator == "best":
        wins = better(spec, item.score, held.score) or (
            item.score == held.score and item.achieved_at < held.achieved_at
        )
    else:
        wins = (item.achieved_at, item.submission_id) > (held.achieved_at, held.submission_id)
    if wins:
        page[item.player_id] = fresh
        return "accepted"
    return "unchanged"


def standings(spec: LeaderboardSpec, page: dict[str, Held]) -> list[Row]:
    """Every entry, best first, ranked by counting: sort everything."""
    sign = -1 if spec.order == "desc" else 1
    ordered = sorted(page.items(), key=lambda kv: (sign * kv[1].score, kv[1].achieved_at, kv[0]))
    rows = []
    for index, (player, held) in enumerate(ordered):
        beaten_by = sum(1 for other in page.values() if better(spec, other.score, held.score))
        rows.append(Row(beaten_by + 1, index + 1, player, held.score, held.achieved_at))
    return rows


def placed(keys: Iterable[str]) -> list[tuple[str, int, int]]:
    """Encoded sort keys best first, each with (rank, position), by sorting and counting.

    An encoded key starts with its score in 16 characters, so a key beats another's score
    exactly when its first 16 characters sort lower; the rank is 1 + the keys that beat it.
    """
    ordered = sorted(keys)
    return [
        (key, 1 + sum(1 for other in ordered if other[:16] < key[:16]), index + 1)
        for index, key in enumerate(ordered)
    ]
