"""A state machine: a Leaderboards store against a dict of dicts, over boards and periods.

The store comes from the ``leaderboards_factory`` fixture, so every adapter runs this machine.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import count
from typing import TYPE_CHECKING, ClassVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tap_core.leaderboard import LeaderboardSpec, ScoreSubmission, period_key
from tests.unit.leaderboard import oracle
from tests.unit.leaderboard.factories import in_memory
from tests.unit.leaderboard.strategies import FEW_PLAYERS, NOW, TIED_SCORES

SPECS = (
    LeaderboardSpec(id="best-desc", operator="best", order="desc"),
    LeaderboardSpec(id="best-asc-daily", operator="best", order="asc", reset="daily"),
    LeaderboardSpec(id="latest-weekly", operator="latest", reset="weekly", min_score=-2),
    LeaderboardSpec(id="sum-monthly", operator="increment", reset="monthly", max_score=2),
)
BY_ID = {spec.id: spec for spec in SPECS}

if TYPE_CHECKING:
    import pytest

    from tests.unit.leaderboard.factories import LeaderboardsFactory


class LeaderboardMachine(RuleBasedStateMachine):
    """Every read of the store equals the same read computed from a plain dict model."""

    factory: ClassVar[LeaderboardsFactory] = staticmethod(in_memory)

    def __init__(self) -> None:
        super().__init__()
        self.now = NOW
        self.store = type(self).factory(SPECS, lambda: self.now)
        self.model: dict[tuple[str, str], dict[str, oracle.Held]] = {}
        self.sent: list[ScoreSubmission] = []
        self.ids = count()

    @rule(
        board=st.sampled_from(sorted(BY_ID)),
        player=FEW_PLAYERS,
        score=TIED_SCORES,
        minutes_ago=st.integers(-10, 3 * 24 * 60),
    )
    def submit(self, board: str, player: str, score: int, minutes_ago: int) -> None:
        item = ScoreSubmission(
            submission_id=f"s{next(self.ids)}",
            leaderboard_id=board,
            player_id=player,
            score=score,
            achieved_at=self.now - timedelta(minutes=minutes_ago),
        )
        self.sent.append(item)
        self._deliver(item)

    @precondition(lambda self: self.sent)
    @rule(data=st.data())
    def redeliver(self, data: st.DataObject) -> None:
        self._deliver(data.draw(st.sampled_from(self.sent)))

    @rule(hours=st.integers(1, 30))
    def advance_clock(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    def _deliver(self, item: ScoreSubmission) -> None:
        spec = BY_ID[item.leaderboard_id]
        outcome = self.store.submit(item)
        # Checks run in a fixed order: the score's bounds, then the time.
        if spec.min_score is not None and item.score < spec.min_score:
            assert outcome.code == "score_below_min"
            return
        if spec.max_score is not None and item.score > spec.max_score:
            assert outcome.code == "score_above_max"
            return
        if item.achieved_at > self.now + timedelta(minutes=5):
            assert outcome.code == "achieved_at_in_future"
            return
        page = self.model.setdefault((spec.id, period_key(spec.reset, item.achieved_at)), {})
        assert outcome.status == oracle.apply(spec, page, item)

    @invariant()
    def every_page_reads_like_the_model(self) -> None:
        for (board, period), page in self.model.items():
            spec = BY_ID[board]
            expected = oracle.standings(spec, page)
            got = self.store.top(board, limit=100, period=period).entries
            assert [(e.rank, e.position, e.player_id, e.score, e.achieved_at) for e in got] == [
                (r.rank, r.position, r.player_id, r.score, r.achieved_at) for r in expected
            ]
            assert self.store.count(board, period=period) == len(expected)
            friends = self.store.ranks_of(board, sorted(page, reverse=True), period=period)
            assert friends == got

    @invariant()
    def current_period_defaults_to_the_clock(self) -> None:
        for spec in SPECS:
            current = period_key(spec.reset, self.now)
            assert self.store.top(spec.id, limit=1).period == current
            assert self.store.count(spec.id) == len(self.model.get((spec.id, current), {}))


def test_the_store_reads_like_the_model(
    leaderboards_factory: LeaderboardsFactory, request: pytest.FixtureRequest
) -> None:
    """The machine on the factory's store; a collecting module's ``MAX_EXAMPLES`` caps its
    runs (the adapters' convention: there each step costs HTTP requests)."""
    machine = type(
        "LeaderboardMachineOn",
        (LeaderboardMachine,),
        {"factory": staticmethod(leaderboards_factory)},
    )
    limit = getattr(request.module, "MAX_EXAMPLES", None)
    chosen = settings(stateful_step_count=30)
    if limit is not None:
        chosen = settings(chosen, max_examples=min(limit, chosen.max_examples))
    run_state_machine_as_test(machine, settings=chosen)
