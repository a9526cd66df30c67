"""The ``Leaderboards`` contract: one suite, run whole against every adapter.

Every test takes the session fixture ``leaderboards_factory`` (directly, or through the
``boards`` fixture here): a factory that builds a fresh, empty store from specs and a clock
(see ``factories.py``). An adapter plugs in by star-importing this module into its test module
(``from tests.unit.leaderboard.contract import *``) where its own ``leaderboards_factory`` is
in scope: ``test_contract.py`` beside this file (in memory, the core alone),
``tests/adapters/leaderboards/test_contract.py`` and ``.../sharded/test_contract.py``
(DynamoDB on moto). A new test here runs on every adapter without being listed;
``tests/workspace/test_contracts.py`` fails if an adapter module runs only part of it.

Sections: reads (argument checks, unknown boards, periods, cursors), properties against the
naive oracle (order, ranks, pages, windows, operators, redelivery), and a state machine
against a dict of dicts over boards and periods.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import TYPE_CHECKING, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tap_core.leaderboard import (
    LeaderboardSpec,
    RankedEntry,
    ScoreSubmission,
    UnknownLeaderboard,
    period_key,
)
from tests.unit.leaderboard import oracle
from tests.unit.leaderboard.factories import in_memory
from tests.unit.leaderboard.strategies import (
    FEW_PLAYERS,
    NOW,
    RECENT,
    SMALL_SCORES,
    TIED_RECENT,
    TIED_SCORES,
    numbered,
    specs,
    submissions,
)

if TYPE_CHECKING:
    import random
    from collections.abc import Callable

    from pydantic import JsonValue

    from tap_core.leaderboard import Leaderboards
    from tests.unit.leaderboard.factories import LeaderboardsFactory

# NOW (strategies.py) is Tuesday 2026-11-24 12:00 UTC, in ISO week 2026-W48.


# --- reads ---


def _submission(player: str, score: int, at: datetime = NOW, board: str = "b") -> ScoreSubmission:
    return ScoreSubmission(
        submission_id=f"{board}-{player}-{score}",
        leaderboard_id=board,
        player_id=player,
        score=score,
        achieved_at=at,
    )


@pytest.fixture
def boards(leaderboards_factory: LeaderboardsFactory) -> Leaderboards:
    specs = [
        LeaderboardSpec(id="b"),
        LeaderboardSpec(id="w", reset="weekly"),
        LeaderboardSpec(id="other"),
    ]
    store = leaderboards_factory(specs, lambda: NOW)
    for number in range(5):
        store.submit(_submission(f"p{number}", number * 10))
        store.submit(_submission(f"p{number}", number * 10, board="other"))
    store.submit(_submission("old", 99, at=datetime(2026, 11, 16, tzinfo=UTC), board="w"))
    store.submit(_submission("new", 1, board="w"))
    return store


@pytest.mark.parametrize("operator", ["latest", "increment"])
def test_new_metadata_under_the_same_key_shows_in_every_read(
    leaderboards_factory: LeaderboardsFactory, operator: str
) -> None:
    """A write that keeps score and time (a latest of equal time and a greater id; an
    increment by 0) but changes the metadata: every read shows the new metadata."""
    spec = LeaderboardSpec(id="m", operator=operator)  # type: ignore[arg-type]
    store = leaderboards_factory([spec], lambda: NOW)
    store.submit(_submission("rival", 7, board="m"))
    skins: list[dict[str, JsonValue]] = [{"skin": "red"}, {"skin": "blue"}]
    for number, metadata in enumerate(skins):
        outcome = store.submit(
            ScoreSubmission(
                submission_id=f"s{number}",
                leaderboard_id="m",
                player_id="p",
                score=5 if operator == "latest" or number == 0 else 0,
                achieved_at=NOW - timedelta(minutes=1),
                metadata=metadata,
            )
        )
        assert outcome.status == "accepted"
    shown = {
        "top": [e.metadata for e in store.top("m").entries if e.player_id == "p"],
        "rank_of": [getattr(store.rank_of("m", "p"), "metadata", None)],
        "around": [e.metadata for e in store.around("m", "rival", 1, 1) if e.player_id == "p"],
        "ranks_of": [e.metadata for e in store.ranks_of("m", ["p"])],
    }
    assert shown == {read: [{"skin": "blue"}] for read in shown}


@pytest.mark.parametrize("limit", [0, 101, -1, 5.0, 1.5, "5", None, True])
def test_top_limit_outside_1_to_100_is_refused(boards: Leaderboards, limit: int) -> None:
    with pytest.raises(ValueError, match="limit must be an integer from 1 to 100"):
        boards.top("b", limit=limit)


def test_top_limit_bounds_are_allowed(boards: Leaderboards) -> None:
    assert len(boards.top("b", limit=1).entries) == 1
    assert len(boards.top("b", limit=100).entries) == 5


@pytest.mark.parametrize(
    ("before", "after"), [(-1, 0), (0, -1), (51, 0), (0, 51), (2.0, 0), (0, 0.5), ("1", 0)]
)
def test_around_window_outside_0_to_50_is_refused(
    boards: Leaderboards, before: int, after: int
) -> None:
    with pytest.raises(ValueError, match="must be an integer from 0 to 50"):
        boards.around("b", "p1", before=before, after=after)


def test_around_with_empty_window_is_the_player_alone(boards: Leaderboards) -> None:
    [only] = boards.around("b", "p2", before=0, after=0)
    assert (only.player_id, only.rank) == ("p2", 3)


def test_unknown_board_raises_a_lookup_error_on_every_read(
    boards: Leaderboards,
) -> None:
    reads: list[Callable[[], object]] = [
        lambda: boards.top("nope"),
        lambda: boards.rank_of("nope", "p1"),
        lambda: boards.around("nope", "p1"),
        lambda: boards.count("nope"),
    ]
    for read in reads:
        with pytest.raises(UnknownLeaderboard, match="'nope' does not exist") as caught:
            read()
        assert isinstance(caught.value, LookupError)


def test_unknown_board_submission_is_rejected_not_raised(boards: Leaderboards) -> None:
    outcome = boards.submit(_submission("p1", 5, board="nope"))
    assert (outcome.status, outcome.code) == ("rejected", "unknown_board")
    assert outcome.reason is not None
    assert "'nope'" in outcome.reason


@pytest.mark.parametrize(
    "period",
    [
        "2026-11-24",
        "2026-11",
        "all",
        "2026-W54",
        "2026-w48",
        "\uff12\uff10\uff12\uff16-W48",  # fullwidth digits: ASCII only
        "\u0662\u0660\u0662\u0666-W48",  # Arabic-Indic digits
        "2026-W48\n",
    ],
)
def test_period_of_the_wrong_kind_is_refused(boards: Leaderboards, period: str) -> None:
    with pytest.raises(ValueError, match="is not a weekly period key"):
        boards.top("w", period=period)
    with pytest.raises(ValueError, match="is not a weekly period key"):
        boards.count("w", period=period)


def test_default_period_is_the_one_holding_the_clock(boards: Leaderboards) -> None:
    page = boards.top("w")
    assert page.period == "2026-W48"
    assert page.resets_at == datetime(2026, 11, 30, tzinfo=UTC)
    assert [e.player_id for e in page.entries] == ["new"]
    past = boards.top("w", period="2026-W47")
    assert [e.player_id for e in past.entries] == ["old"]
    assert boards.rank_of("w", "old") is None
    assert boards.rank_of("w", "old", period="2026-W47") is not None


def test_never_resetting_board_has_the_all_period(boards: Leaderboards) -> None:
    page = boards.top("b")
    assert (page.period, page.resets_at) == ("all", None)


def test_empty_period_reads_as_empty(boards: Leaderboards) -> None:
    page = boards.top("w", period="2020-W01")
    assert (page.entries, page.next_cursor) == ([], None)
    assert boards.count("w", period="2020-W01") == 0
    assert boards.around("w", "old", period="2020-W01") == []


def _cursor_payload(cursor: str) -> dict[str, object]:
    decoded: dict[str, object] = json.loads(
        base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    )
    return decoded


def test_cursor_resumes_strictly_after_its_last_entry(boards: Leaderboards) -> None:
    first = boards.top("b", limit=2)
    assert first.next_cursor is not None
    second = boards.top("b", limit=2, cursor=first.next_cursor)
    assert [e.player_id for e in first.entries + second.entries] == ["p4", "p3", "p2", "p1"]
    # Entries that move after a page was read do not make the next page repeat or skip
    # anything that stayed where it was.
    boards.submit(_submission("p4", -5))
    again = boards.top("b", limit=2, cursor=first.next_cursor)
    assert [e.player_id for e in again.entries] == ["p2", "p1"]


def test_foreign_cursor_is_refused(boards: Leaderboards) -> None:
    cursor = boards.top("other", limit=1).next_cursor
    assert cursor is not None
    with pytest.raises(ValueError, match="cursor belongs to leaderboard 'other'"):
        boards.top("b", cursor=cursor)


def test_cursor_of_another_period_is_refused(boards: Leaderboards) -> None:
    boards.submit(_submission("second", 0, board="w"))
    cursor = boards.top("w", limit=1).next_cursor
    assert cursor is not None
    with pytest.raises(ValueError, match="cursor belongs to period '2026-W48'"):
        boards.top("w", cursor=cursor, period="2026-W47")
    # Without a period, the cursor's own period continues.
    assert [e.player_id for e in boards.top("w", cursor=cursor).entries] == ["second"]


@pytest.mark.parametrize(
    "cursor",
    ["", "!!!", "bm90IGpzb24", base64.urlsafe_b64encode(b"[1,2]").decode(), "eyJ2IjoxfQ"],
)
def test_malformed_cursor_is_refused(boards: Leaderboards, cursor: str) -> None:
    with pytest.raises(ValueError, match="malformed cursor"):
        boards.top("b", cursor=cursor)


def test_cursor_with_a_forged_key_is_refused(boards: Leaderboards) -> None:
    cursor = boards.top("b", limit=1).next_cursor
    assert cursor is not None
    payload = _cursor_payload(cursor) | {"k": "not-a-key"}
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
    with pytest.raises(ValueError, match="not an encoded leaderboard sort key"):
        boards.top("b", cursor=forged)


def test_duplicate_spec_ids_are_refused(leaderboards_factory: LeaderboardsFactory) -> None:
    with pytest.raises(ValueError, match="'b' is defined twice"):
        leaderboards_factory([LeaderboardSpec(id="b"), LeaderboardSpec(id="b")], lambda: NOW)


def test_a_naive_clock_is_read_as_utc(leaderboards_factory: LeaderboardsFactory) -> None:
    naive_now = NOW.replace(tzinfo=None)
    store = leaderboards_factory([LeaderboardSpec(id="d", reset="daily")], lambda: naive_now)
    assert store.submit(_submission("p", 1, board="d")).status == "accepted"
    assert store.top("d").period == "2026-11-24"


def test_a_deeply_nested_cursor_is_a_value_error(boards: Leaderboards) -> None:
    # Given a cursor that decodes to a thousand nested JSON arrays
    nested = base64.urlsafe_b64encode(b"[" * 1000).decode()
    # When it is read, Then it is refused as malformed (not a RecursionError)
    with pytest.raises(ValueError, match="malformed cursor"):
        boards.top("b", cursor=nested)


def test_a_refused_long_cursor_is_shown_cut(boards: Leaderboards) -> None:
    with pytest.raises(ValueError, match=r'cursor "A{37}\.\.\."$'):
        boards.top("b", cursor="A" * 5000)


def test_reads_hand_out_copies_of_metadata(boards: Leaderboards) -> None:
    # Given an entry stored with metadata, sent from a dict the caller keeps
    sent: dict[str, object] = {"skin": "red", "tags": ["a"]}
    item = _submission("meta", 1000).model_copy(update={"metadata": sent})
    assert boards.submit(item).status == "accepted"
    # When the caller changes what it sent and every read's metadata
    sent["skin"] = "changed-after-submit"
    reads = [
        boards.top("b", limit=1).entries[0],
        boards.rank_of("b", "meta"),
        boards.around("b", "meta", before=0, after=0)[0],
        boards.ranks_of("b", ["meta"])[0],
    ]
    for entry in reads:
        assert entry is not None
        assert entry.metadata is not None
        entry.metadata["skin"] = "blue"
        tags = entry.metadata["tags"]
        assert isinstance(tags, list)
        tags.append("b")
    # Then the store still holds what was submitted
    again = boards.rank_of("b", "meta")
    assert again is not None
    assert again.metadata == {"skin": "red", "tags": ["a"]}


def test_ranks_of_lists_each_known_player_once_best_first(boards: Leaderboards) -> None:
    # Given players p0..p4 with scores 0..40 on "b"
    # When asked for some of them, in any order, with a duplicate and a stranger
    found = boards.ranks_of("b", ["p1", "nobody", "p3", "p1", "p0"])
    # Then each known player appears once, in rank order, with their rank_of answer
    assert [e.player_id for e in found] == ["p3", "p1", "p0"]
    assert found == [boards.rank_of("b", player) for player in ("p3", "p1", "p0")]
    assert boards.ranks_of("b", []) == []
    assert boards.ranks_of("w", ["old"]) == []  # old is in another period
    assert [e.player_id for e in boards.ranks_of("w", ["old"], period="2026-W47")] == ["old"]


def test_ranks_of_takes_up_to_100_distinct_players(boards: Leaderboards) -> None:
    many = [f"x{number}" for number in range(100)]
    assert boards.ranks_of("b", many + many) == []  # duplicates count once
    with pytest.raises(ValueError, match="at most 100 distinct player ids per read, got 101"):
        boards.ranks_of("b", [*many, "one-more"])
    with pytest.raises(ValueError, match="not one string"):
        boards.ranks_of("b", "p1")
    with pytest.raises(UnknownLeaderboard):
        boards.ranks_of("nope", ["p1"])


# --- properties against the naive oracle ---

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


# --- a state machine against a dict of dicts ---

SPECS = (
    LeaderboardSpec(id="best-desc", operator="best", order="desc"),
    LeaderboardSpec(id="best-asc-daily", operator="best", order="asc", reset="daily"),
    LeaderboardSpec(id="latest-weekly", operator="latest", reset="weekly", min_score=-2),
    LeaderboardSpec(id="sum-monthly", operator="increment", reset="monthly", max_score=2),
)
BY_ID = {spec.id: spec for spec in SPECS}


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
