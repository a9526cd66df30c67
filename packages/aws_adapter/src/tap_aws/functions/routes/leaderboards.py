"""The leaderboard routes of the read API (all GET, JSON).

- ``/leaderboards/{board}/top?limit=&cursor=&period=``: a page, best first, with the board's
  ``count``, ``period``, ``resets_at`` and ``next_cursor`` (null on the last page).
- ``/leaderboards/{board}/players/{player}?period=``: one player's entry and rank.
- ``/leaderboards/{board}/players/{player}/around?before=&after=&period=``: its neighbours.
- ``/leaderboards/{board}/ranks?players=a,b,c&period=``: several players' entries at once,
  best first, from one ``ranks_of`` (players without an entry listed under ``missing``).
- ``/leaderboards/{board}/count?period=``: how many players the page holds.

``period`` defaults to the one holding the current time. An unknown board or a player without
an entry is a 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError

from tap_aws.functions.routes.requests import dependencies, integer, query, read
from tap_core.errors import show
from tap_core.leaderboard import TOP_LIMIT_MAX, period_key, resets_at
from tap_core.leaderboard.models import PLAYER_ID

if TYPE_CHECKING:
    from tap_core.leaderboard import LeaderboardSpec, RankedEntry

PLAYERS_MAX: Final = TOP_LIMIT_MAX
"""How many players one ``ranks`` request may name."""

router = Router()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated


class _Board:
    """The board a request names and the period it reads (given, or the current one)."""

    def __init__(self, board_id: str) -> None:
        self.dependencies = dependencies(router)
        spec: LeaderboardSpec | None = self.dependencies.boards.get(board_id)
        if spec is None:
            raise NotFoundError(f"leaderboard {show(board_id)} does not exist")
        self.id = board_id
        given = query(router, "period")
        if given is None:
            self.period = period_key(spec.reset, self.dependencies.clock())
        else:
            self.period = given
        self.resets_at = read(lambda: resets_at(spec.reset, self.period))

    def header(self) -> dict[str, Any]:
        return {
            "board": self.id,
            "period": self.period,
            "resets_at": None if self.resets_at is None else self.resets_at.isoformat(),
        }


def _player(name: str, player_id: str) -> str:
    """``player_id`` when it is one (the core's rule), else a 400 naming parameter ``name``:
    no entry can have it, and DynamoDB refuses a key past its size."""
    try:
        return PLAYER_ID.check(player_id)
    except ValueError as error:
        raise BadRequestError(f"{name}: {error}") from None


def _entry(entry: RankedEntry) -> dict[str, Any]:
    return {
        "rank": entry.rank,
        "position": entry.position,
        "player_id": entry.player_id,
        "score": entry.score,
        "achieved_at": entry.achieved_at.isoformat(),
        "metadata": entry.metadata,
    }


@router.get("/leaderboards/<board_id>/top")
def top(board_id: str) -> dict[str, Any]:
    board = _Board(board_id)
    store = board.dependencies.leaderboards
    limit = integer(router, "limit", 10)
    cursor = query(router, "cursor")
    # A cursor keeps reading its own period (after a rollover too) unless one is asked for
    period = None if cursor is not None and query(router, "period") is None else board.period
    page = read(lambda: store.top(board.id, limit=limit, cursor=cursor, period=period))
    return {
        **board.header(),
        "period": page.period,
        "resets_at": None if page.resets_at is None else page.resets_at.isoformat(),
        "count": store.count(board.id, period=page.period),
        "entries": [_entry(entry) for entry in page.entries],
        "next_cursor": page.next_cursor,
    }


@router.get("/leaderboards/<board_id>/players/<player_id>")
def player(board_id: str, player_id: str) -> dict[str, Any]:
    board = _Board(board_id)
    _player("player_id", player_id)
    found = board.dependencies.leaderboards.rank_of(board.id, player_id, period=board.period)
    if found is None:
        raise NotFoundError(
            f"player {show(player_id)} has no entry on leaderboard {show(board.id)} "
            f"in period {show(board.period)}"
        )
    return {**board.header(), "entry": _entry(found)}


@router.get("/leaderboards/<board_id>/players/<player_id>/around")
def around(board_id: str, player_id: str) -> dict[str, Any]:
    board = _Board(board_id)
    _player("player_id", player_id)
    before = integer(router, "before", 5)
    after = integer(router, "after", 5)
    entries = read(
        lambda: board.dependencies.leaderboards.around(
            board.id, player_id, before=before, after=after, period=board.period
        )
    )
    if not entries:
        raise NotFoundError(
            f"player {show(player_id)} has no entry on leaderboard {show(board.id)} "
            f"in period {show(board.period)}"
        )
    return {**board.header(), "player_id": player_id, "entries": [_entry(e) for e in entries]}


@router.get("/leaderboards/<board_id>/ranks")
def ranks(board_id: str) -> dict[str, Any]:
    board = _Board(board_id)
    text = query(router, "players")
    players = [] if text is None else [name for name in text.split(",") if name]
    if not players:
        raise BadRequestError("players must name at least one player, e.g. players=a,b,c")
    if len(players) > PLAYERS_MAX:
        raise BadRequestError(f"players names {len(players)} players; at most {PLAYERS_MAX}")
    wanted = [_player("players", name) for name in dict.fromkeys(players)]  # each once
    # One ranks_of: its requests do not grow with the players named (rank_of each would).
    found = read(
        lambda: board.dependencies.leaderboards.ranks_of(board.id, wanted, period=board.period)
    )
    held = {entry.player_id for entry in found}
    return {
        **board.header(),
        "entries": [_entry(entry) for entry in found],
        "missing": [player_id for player_id in wanted if player_id not in held],
    }


@router.get("/leaderboards/<board_id>/count")
def count(board_id: str) -> dict[str, Any]:
    board = _Board(board_id)
    return {
        **board.header(),
        "count": board.dependencies.leaderboards.count(board.id, board.period),
    }
