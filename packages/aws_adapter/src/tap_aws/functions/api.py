"""``api``: the read API behind an HTTP API (payload v2), on Powertools' resolver.

Routes (all GET, JSON):

- ``/leaderboards/{board}/top?limit=&cursor=&period=``: a page, best first, with the board's
  ``count``, ``period``, ``resets_at`` and ``next_cursor`` (null on the last page).
- ``/leaderboards/{board}/players/{player}?period=``: one player's entry and rank.
- ``/leaderboards/{board}/players/{player}/around?before=&after=&period=``: its neighbours.
- ``/leaderboards/{board}/ranks?players=a,b,c&period=``: several players' entries at once,
  best first, from one ``ranks_of`` (players without an entry listed under ``missing``).
- ``/leaderboards/{board}/count?period=``: how many players the page holds.
- ``/inventory/items/{sku}``: that SKU in every warehouse (its records, warehouse order, and
  the total quantity).
- ``/inventory/summaries/latest`` and ``/inventory/summaries/{YYYY-MM-DD}``: a daily summary,
  read from its DynamoDB item (one GetItem or Query): every inventory route then reads the
  inventory table alone, and the role needs no S3 read. The JSON objects under the reports
  prefix are the same summaries, for people and tools that read the bucket.
- ``/inventory/imports/{import_id}``: an import's record (:class:`tap_core.inventory.
  ImportRecord`: status, counts, file errors, the first row errors), in progress or done; the
  id is :func:`tap_core.inventory.import_id` of the object's bucket, key and version.

````period`` defaults to the one holding the current time. A bad parameter is a 400 whose
message names it; an unknown board, a player without an entry, a SKU stored nowhere, a day
without a summary or an unknown import is a 404. Nothing a client sends causes a 500.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError

from tap_aws.adapters.reports import JSON_TYPE
from tap_aws.functions.bootstrap import ApiDependencies, Root, build_api
from tap_core.app.ports import LATEST
from tap_core.inventory import KEY_CHARS, MAX_KEY_CHARS, format_money
from tap_core.leaderboard import TOP_LIMIT_MAX, period_key, resets_at

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.typing import LambdaContext

    from tap_core.inventory import StockRecord
    from tap_core.leaderboard import LeaderboardSpec, RankedEntry

SERVICE: Final = "api"
PLAYERS_MAX: Final = TOP_LIMIT_MAX
"""How many players one ``ranks`` request may name."""
_INTEGER = re.compile(r"-?[0-9]{1,9}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SKU = re.compile(f"[{KEY_CHARS}]{{1,{MAX_KEY_CHARS}}}")

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
app = APIGatewayHttpResolver()

root: Root[ApiDependencies] = Root(build_api)


def _query(name: str) -> str | None:
    return app.current_event.get_query_string_value(name)


def _integer(name: str, default: int) -> int:
    text = _query(name)
    if text is None:
        return default
    if not _INTEGER.fullmatch(text):
        raise BadRequestError(f"{name} must be an integer, got {text!r}")
    return int(text)


def _read(call: Callable[[], Any]) -> Any:
    """Run a port read; its ValueError (a limit, window, period or cursor out of bounds) is
    the client's mistake and names the parameter: a 400."""
    try:
        return call()
    except ValueError as error:
        raise BadRequestError(str(error)) from None


class _Board:
    """The board a request names and the period it reads (given, or the current one)."""

    def __init__(self, board_id: str) -> None:
        self.dependencies = root.get()
        spec: LeaderboardSpec | None = self.dependencies.boards.get(board_id)
        if spec is None:
            raise NotFoundError(f"leaderboard {board_id!r} does not exist")
        self.id = board_id
        given = _query("period")
        if given is None:
            self.period = period_key(spec.reset, self.dependencies.clock())
        else:
            self.period = given
        self.resets_at = _read(lambda: resets_at(spec.reset, self.period))

    def header(self) -> dict[str, Any]:
        return {
            "board": self.id,
            "period": self.period,
            "resets_at": None if self.resets_at is None else self.resets_at.isoformat(),
        }


def _entry(entry: RankedEntry) -> dict[str, Any]:
    return {
        "rank": entry.rank,
        "position": entry.position,
        "player_id": entry.player_id,
        "score": entry.score,
        "achieved_at": entry.achieved_at.isoformat(),
        "metadata": entry.metadata,
    }


@app.get("/leaderboards/<board_id>/top")
def top(board_id: str) -> dict[str, Any]:
    board = _Board(board_id)
    store = board.dependencies.leaderboards
    limit = _integer("limit", 10)
    cursor = _query("cursor")
    page = _read(lambda: store.top(board.id, limit=limit, cursor=cursor, period=board.period))
    return {
        **board.header(),
        "count": store.count(board.id, period=board.period),
        "entries": [_entry(entry) for entry in page.entries],
        "next_cursor": page.next_cursor,
    }


@app.get("/leaderboards/<board_id>/players/<player_id>")
def player(board_id: str, player_id: str) -> dict[str, Any]:
    board = _Board(board_id)
    found = board.dependencies.leaderboards.rank_of(board.id, player_id, period=board.period)
    if found is None:
        raise NotFoundError(
            f"player {player_id!r} has no entry on leaderboard {board.id!r} "
            f"in period {board.period!r}"
        )
    return {**board.header(), "entry": _entry(found)}


@app.get("/leaderboards/<board_id>/players/<player_id>/around")
def around(board_id: str, player_id: str) -> dict[str, Any]:
    board = _Board(board_id)
    before = _integer("before", 5)
    after = _integer("after", 5)
    entries = _read(
        lambda: board.dependencies.leaderboards.around(
            board.id, player_id, before=before, after=after, period=board.period
        )
    )
    if not entries:
        raise NotFoundError(
            f"player {player_id!r} has no entry on leaderboard {board.id!r} "
            f"in period {board.period!r}"
        )
    return {**board.header(), "player_id": player_id, "entries": [_entry(e) for e in entries]}


@app.get("/leaderboards/<board_id>/ranks")
def ranks(board_id: str) -> dict[str, Any]:
    board = _Board(board_id)
    text = _query("players")
    players = [] if text is None else [name for name in text.split(",") if name]
    if not players:
        raise BadRequestError("players must name at least one player, e.g. players=a,b,c")
    if len(players) > PLAYERS_MAX:
        raise BadRequestError(f"players names {len(players)} players; at most {PLAYERS_MAX}")
    wanted = list(dict.fromkeys(players))  # each once, in the order asked
    # One ranks_of: its requests do not grow with the players named (rank_of each would).
    found = _read(
        lambda: board.dependencies.leaderboards.ranks_of(board.id, wanted, period=board.period)
    )
    held = {entry.player_id for entry in found}
    return {
        **board.header(),
        "entries": [_entry(entry) for entry in found],
        "missing": [player_id for player_id in wanted if player_id not in held],
    }


@app.get("/leaderboards/<board_id>/count")
def count(board_id: str) -> dict[str, Any]:
    board = _Board(board_id)
    return {
        **board.header(),
        "count": board.dependencies.leaderboards.count(board.id, board.period),
    }


def _stock(record: StockRecord) -> dict[str, Any]:
    item = record.item
    return {
        "warehouse": item.warehouse,
        "name": item.name,
        "quantity": item.quantity,
        "unit_price": format_money(item.unit_price),
        "category": item.category,
        "reorder_level": item.reorder_level,
        "updated_at": item.updated_at.isoformat(),
        "uploaded_at": record.uploaded_at.isoformat(),
        "source": record.source,
        "row": record.row,
    }


@app.get("/inventory/items/<sku>")
def stock_item(sku: str) -> dict[str, Any]:
    if not _SKU.fullmatch(sku):
        raise BadRequestError(
            f"sku must be 1-{MAX_KEY_CHARS} characters of {KEY_CHARS}, got {sku[:80]!r}"
        )
    records = root.get().inventory.stock_of(sku)
    if not records:
        raise NotFoundError(f"sku {sku!r} is in no warehouse")
    return {
        "sku": sku,
        "quantity": sum(record.item.quantity for record in records),
        "warehouses": [_stock(record) for record in records],
    }


@app.get("/inventory/summaries/<day>")
def summary(day: str) -> Response[str]:
    wanted: date | None = None
    if day != LATEST:
        if not _DAY.fullmatch(day):
            raise BadRequestError(f"date must be YYYY-MM-DD or 'latest', got {day[:80]!r}")
        try:
            wanted = date.fromisoformat(day)
        except ValueError:
            raise BadRequestError(f"date {day!r} is not a calendar date") from None
    found = root.get().inventory.summary(wanted)
    if found is None:
        raise NotFoundError(f"no inventory summary for {day}")
    return Response(status_code=200, content_type=JSON_TYPE, body=found.model_dump_json())


@app.get("/inventory/imports/<import_id>")
def import_record(import_id: str) -> Response[str]:
    found = _read(lambda: root.get().inventory.import_record(import_id))
    if found is None:
        raise NotFoundError(f"import {import_id!r} is unknown")
    return Response(status_code=200, content_type=JSON_TYPE, body=found.model_dump_json())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
