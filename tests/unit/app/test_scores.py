"""``tap_core.app.scores``: every message of a batch ends once, accepted, unchanged or
dead-lettered with its reasons; a letter that cannot be sent fails the message."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tap_core import DeadLetterFailure, MessageSource
from tap_core.app.ports import ScoresDependencies
from tap_core.app.scores import ScoreBatch
from tap_core.leaderboard import LeaderboardSpec
from tap_core.memory import InMemoryDeadLetters, InMemoryLeaderboards

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tap_core import DeadLetter, SendReport

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BOARDS = (LeaderboardSpec(id="global", order="desc", operator="best", min_score=0),)


def body(player: str, score: int, *, board: str = "global", number: int = 0) -> str:
    return json.dumps(
        {
            "submission_id": f"sub-{player}-{score}-{number}",
            "leaderboard_id": board,
            "player_id": player,
            "score": score,
            "achieved_at": (NOW - timedelta(minutes=1)).isoformat(),
        }
    )


def batch_of(dead_letters: InMemoryDeadLetters | None = None) -> ScoreBatch:
    boards = InMemoryLeaderboards(BOARDS, clock=lambda: NOW)
    return ScoreBatch(
        ScoresDependencies(boards, dead_letters or InMemoryDeadLetters(), lambda: NOW)
    )


MESSAGES = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["p1", "p2", "p3"]), st.integers(0, 50)).map(
            lambda drawn: body(*drawn)
        ),
        st.sampled_from(
            [
                '{"score": 12',  # not JSON
                "[]",  # not a submission
                body("p1", -5),  # below the board's minimum: rejected
                body("p1", 5, board="nope"),  # unknown board: rejected
            ]
        ),
    ),
    max_size=30,
)


@given(MESSAGES)
def test_every_message_ends_once_and_each_dead_lettered_one_has_its_letter(
    messages: list[str],
) -> None:
    """Endings add up to the messages; letters to the rejected and invalid ones; the accepted
    scores are those that beat the player's best so far (a naive oracle)."""
    dead_letters = InMemoryDeadLetters()
    batch = batch_of(dead_letters)
    endings = [batch.handle(m, MessageSource(f"m-{i}", "g")) for i, m in enumerate(messages)]
    assert sum(batch.counts.values()) == len(messages)
    assert [e.status for e in endings].count("accepted") == batch.counts["accepted"]
    dead = [e for e in endings if e.dead_lettered]
    assert batch.dead_lettered == len(dead) == len(dead_letters.bodies())
    assert all(e.errors for e in dead)
    # oracle: a submission is accepted when it is valid and beats its player's best so far
    best: dict[str, int] = {}
    seen: set[str] = set()
    expected = []
    for message in messages:
        try:
            parsed = json.loads(message)
            valid = isinstance(parsed, dict) and parsed["leaderboard_id"] == "global"
            valid = valid and parsed["score"] >= 0
        except (ValueError, KeyError):
            valid = False
        if not valid:
            continue
        player, score, sid = parsed["player_id"], parsed["score"], parsed["submission_id"]
        if sid not in seen and score > best.get(player, -1):
            best[player] = score
            expected.append(score)
        seen.add(sid)
    assert batch.scores == expected


def test_each_ending_says_why() -> None:
    batch = batch_of()
    first = batch.handle(body("p1", 10), MessageSource("a"))
    again = batch.handle(body("p1", 10), MessageSource("b"))
    worse = batch.handle(body("p1", 3, number=1), MessageSource("c"))
    unknown = batch.handle(body("p1", 3, board="nope"), MessageSource("d"))
    broken = batch.handle('{"score": 1', MessageSource("e"))
    assert [e.label for e in (first, again, worse, unknown)] == [
        "accepted",
        "unchanged:duplicate",
        "unchanged:not_better",
        "rejected:unknown_board",
    ]
    assert (broken.status, broken.outcome, broken.errors[0].code) == (
        "invalid",
        None,
        "json_invalid",
    )
    assert first.score == 10
    assert (batch.counts["accepted"], batch.counts["unchanged"], batch.dead_lettered) == (1, 2, 2)


class Refusing(InMemoryDeadLetters):
    def send(self, letters: Iterable[DeadLetter]) -> SendReport:
        raise DeadLetterFailure(
            [(letter.deduplication_id, "the queue is down") for letter in letters]
        )


def test_a_letter_that_cannot_be_sent_fails_the_message_and_is_not_counted_sent() -> None:
    batch = batch_of(Refusing())
    with pytest.raises(DeadLetterFailure):
        batch.handle("not json", MessageSource("a"))
    assert batch.dead_lettered == 0
