"""Reads while a player moves: ``around``, ``top`` after a cursor and ``ranks_of`` on the
DynamoDB index make several requests, which are no snapshot. Whatever moves between them, an
answer never lists a player twice, never shows a position below 1 and never places rows out
of order: a read that finds the rows moved under it reads again, and gives up
(``RankIndexUnavailable``, a 503) only when the page moved under every attempt.

The moves are injected between the reader's requests (a botocore hook on its client runs
another client's submit), so each case is deterministic, whatever the machine's load.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_aws.adapters.leaderboards.store import READ_ATTEMPTS
from tap_core.leaderboard import LeaderboardSpec, RankedEntry, RankIndexUnavailable, ScoreSubmission
from tap_core.memory import InMemoryLeaderboards
from tap_tools.testing import AwsClients

if TYPE_CHECKING:
    from collections.abc import Callable

    from tap_tools.testing import MotoServer

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SPEC = LeaderboardSpec(id="b")
PLAYERS = 12


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
    if positions and positions[0] < 1:
        problems.append(f"positions {positions}")
    if [entry.score for entry in entries] != sorted((e.score for e in entries), reverse=True):
        problems.append("scores out of order")
    if any(entry.rank > entry.position for entry in entries):
        problems.append("a rank past its position")
    return problems


class _Between:
    """Runs ``move`` before the reader's request number ``at`` (1-based) of each read."""

    def __init__(self, client: Any, move: Callable[[], None]) -> None:
        self.move, self.at, self.calls = move, set[int](), 0
        client.meta.events.register("before-call.dynamodb", self._before)

    def _before(self, **_: Any) -> None:
        self.calls += 1
        if self.calls in self.at:
            self.move()

    def arm(self, *at: int) -> None:
        self.calls, self.at = 0, set(at)


@pytest.fixture
def board(moto_server: MotoServer, fast_transactions: None) -> tuple[DynamoLeaderboards, Any]:
    table = f"tap-lb-{uuid.uuid4().hex[:12]}"
    clients = AwsClients(moto_server.endpoint)
    reader = DynamoLeaderboards(table, [SPEC], clients.dynamodb(), lambda: NOW)
    reader.ensure_table()
    for number in range(PLAYERS):
        reader.submit(_submission(f"p{number:02d}", 10 * (number + 1), 0))
    reader.submit(_submission("mover", 1, 0))
    mover = DynamoLeaderboards(table, [SPEC], clients.dynamodb(), lambda: NOW)
    return reader, mover


def test_a_move_between_a_reads_requests_is_read_again(
    board: tuple[DynamoLeaderboards, DynamoLeaderboards],
) -> None:
    reader, mover = board
    oracle = InMemoryLeaderboards([SPEC], lambda: NOW)
    for number in range(PLAYERS):
        oracle.submit(_submission(f"p{number:02d}", 10 * (number + 1), 0))
    steps = iter(range(1, 10 * PLAYERS))

    def move() -> None:  # the mover passes one more player
        step = next(steps)
        for store in (mover, oracle):
            store.submit(_submission("mover", 10 * step + 5, step))

    between = _Between(reader._client, move)  # noqa: SLF001 - the reader's own client
    move()
    for request in (2, 3, 4):  # after the entry's read, between the row reads, before nodes
        between.arm(request)
        around = reader.around("b", "mover", before=3, after=3)
        assert _consistent(around) == []
        assert around == oracle.around("b", "mover", before=3, after=3)  # the moment after
        between.arm(2)
        ranks = reader.ranks_of("b", ["mover", "p00", "p11"])
        assert _consistent(ranks) == []
        assert ranks == oracle.ranks_of("b", ["mover", "p00", "p11"])
        page = reader.top("b", limit=2)
        assert page.next_cursor is not None
        between.arm(2)  # the first row after the cursor moves before its place is read
        rest = reader.top("b", limit=3, cursor=page.next_cursor)
        assert _consistent(rest.entries) == []


def test_a_page_that_moves_under_every_read_is_a_503(
    board: tuple[DynamoLeaderboards, DynamoLeaderboards],
) -> None:
    reader, mover = board
    steps = iter(range(1, 100))

    def move() -> None:
        step = next(steps)
        assert mover.submit(_submission("mover", 10 * step + 5, step)).status == "accepted"

    between = _Between(reader._client, move)  # noqa: SLF001 - the reader's own client
    between.arm(*range(2, 100))  # a move before every request but the first
    with pytest.raises(RankIndexUnavailable, match=f"{READ_ATTEMPTS} reads"):
        reader.around("b", "mover", before=3, after=3)
