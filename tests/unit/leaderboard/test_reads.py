"""Reads: argument checks, unknown boards, periods, cursors, the default period."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from tap_core.leaderboard import LeaderboardSpec, ScoreSubmission, UnknownLeaderboard

if TYPE_CHECKING:
    from collections.abc import Callable

    from tap_core.leaderboard import Leaderboards
    from tests.unit.leaderboard.factories import LeaderboardsFactory

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # Tuesday of ISO week 2026-W48


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
    with pytest.raises(ValueError, match=r"\.\.\. \(5000 characters\)"):
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
