"""``api``: the read API's routes over HTTP API v2 events; 400s name the parameter, 404s."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tap_aws.functions import api
from tap_aws.functions.bootstrap import ApiDependencies
from tap_aws.functions.routes.requests import INVENTORY_CACHE, LEADERBOARD_CACHE
from tap_core.inventory import ImportRecord, InventoryItem, import_id, summarize
from tap_core.leaderboard import LeaderboardSpec, RankIndexUnavailable, ScoreSubmission
from tap_core.memory import InMemoryInventoryStore, InMemoryLeaderboards, InMemoryRankIndex
from tests.handlers.conftest import NOW, FakeContext, api_get, fixed_clock, load_event

if TYPE_CHECKING:
    from collections.abc import Iterator

BOARDS = [LeaderboardSpec(id="global"), LeaderboardSpec(id="weekly", reset="weekly")]
SCORES = {f"p{n}": 10 * n for n in range(1, 8)}  # p7 best (70) ... p1 last (10)


@pytest.fixture
def inventory() -> InMemoryInventoryStore:
    return InMemoryInventoryStore()


@pytest.fixture(autouse=True)
def wired(inventory: InMemoryInventoryStore) -> Iterator[None]:
    board = InMemoryLeaderboards(BOARDS, fixed_clock)
    for board_id in ("global", "weekly"):
        for player, score in SCORES.items():
            outcome = board.submit(
                ScoreSubmission(
                    submission_id=f"{board_id}-{player}",
                    leaderboard_id=board_id,
                    player_id=player,
                    score=score,
                    achieved_at=NOW - timedelta(hours=1),
                )
            )
            assert outcome.status == "accepted"
    api.root.use(ApiDependencies(board, {b.id: b for b in BOARDS}, inventory, fixed_clock))
    yield
    api.root.reset()


def test_top_pages_through_the_board_with_what_a_live_page_needs(context: FakeContext) -> None:
    # Given 7 players on a weekly board; When the first page of 3 is read
    status, first = api_get(context, "/leaderboards/weekly/top", limit="3")
    # Then it holds the best 3, the count, the period and when it resets
    assert status == 200
    assert [(e["player_id"], e["rank"]) for e in first["entries"]] == [
        ("p7", 1),
        ("p6", 2),
        ("p5", 3),
    ]
    assert first["count"] == 7
    assert first["period"] == "2026-W49"
    assert first["resets_at"] == "2026-12-07T00:00:00+00:00"
    # When the pages are followed by their cursors
    seen = [e["player_id"] for e in first["entries"]]
    cursor = first["next_cursor"]
    while cursor is not None:
        status, page = api_get(context, "/leaderboards/weekly/top", limit="3", cursor=cursor)
        assert status == 200
        seen.extend(e["player_id"] for e in page["entries"])
        cursor = page["next_cursor"]
    # Then every player appears once, in order
    assert seen == [f"p{n}" for n in range(7, 0, -1)]


def test_a_player_its_neighbours_several_ranks_and_the_count(context: FakeContext) -> None:
    status, body = api_get(context, "/leaderboards/global/players/p5")
    assert (status, body["entry"]["rank"], body["entry"]["score"]) == (200, 3, 50)
    assert body["resets_at"] is None
    assert body["period"] == "all"

    status, body = api_get(context, "/leaderboards/global/players/p5/around", before="1", after="2")
    assert status == 200
    assert [e["player_id"] for e in body["entries"]] == ["p6", "p5", "p4", "p3"]

    status, body = api_get(context, "/leaderboards/global/ranks", players="p1,nobody,p7")
    assert status == 200
    assert [(e["player_id"], e["rank"]) for e in body["entries"]] == [("p7", 1), ("p1", 7)]
    assert body["missing"] == ["nobody"]

    status, body = api_get(context, "/leaderboards/global/count")
    assert (status, body["count"]) == (200, 7)


@pytest.mark.parametrize(
    ("path", "query", "named"),
    [
        ("/leaderboards/global/top", {"limit": "ten"}, "limit"),
        ("/leaderboards/global/top", {"limit": "0"}, "limit"),
        ("/leaderboards/global/top", {"limit": "101"}, "limit"),
        ("/leaderboards/global/top", {"limit": "9" * 5000}, "limit"),
        ("/leaderboards/global/top", {"cursor": "not-a-cursor"}, "cursor"),
        ("/leaderboards/weekly/top", {"period": "2026-13"}, "period"),
        ("/leaderboards/global/count", {"period": "2026-W49"}, "period"),
        ("/leaderboards/global/players/p1/around", {"before": "51"}, "before"),
        ("/leaderboards/global/players/p1/around", {"after": "-1"}, "after"),
        ("/leaderboards/global/ranks", {}, "players"),
        (
            "/leaderboards/global/ranks",
            {"players": ",".join(f"p{n}" for n in range(101))},
            "players",
        ),
        ("/inventory/summaries/yesterday", {}, "date"),
        ("/inventory/summaries/2026-02-30", {}, "date"),
        ("/inventory/items/A%201", {}, "sku"),
        ("/inventory/items/" + "A" * 65, {}, "sku"),
        ("/inventory/imports/not-an-id", {}, "import_id"),
        ("/inventory/imports/" + import_id("b", "k" * 1025, "v"), {}, "import_id"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(
    context: FakeContext, path: str, query: dict[str, str], named: str
) -> None:
    status, body = api_get(context, path, **query)
    assert status == 400
    assert named in body["message"]


def test_a_cursor_of_another_board_is_a_400(context: FakeContext) -> None:
    _, page = api_get(context, "/leaderboards/weekly/top", limit="1")
    status, body = api_get(context, "/leaderboards/global/top", cursor=page["next_cursor"])
    assert status == 400
    assert "cursor" in body["message"]


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/leaderboards/nowhere/top", "nowhere"),
        ("/leaderboards/nowhere/count", "nowhere"),
        ("/leaderboards/global/players/nobody", "nobody"),
        ("/leaderboards/global/players/nobody/around", "nobody"),
        ("/inventory/summaries/2026-11-30", "2026-11-30"),
        ("/inventory/summaries/latest", "latest"),
        ("/inventory/items/NOPE-1", "NOPE-1"),
        ("/inventory/imports/" + import_id("b", "inbound/k.csv", "v"), "import"),
    ],
)
def test_an_unknown_board_player_or_day_is_a_404(
    context: FakeContext, path: str, named: str
) -> None:
    status, body = api_get(context, path)
    assert status == 404
    assert named in body["message"]


LONG = "x" * 5000


@pytest.mark.parametrize(
    ("path", "query"),
    [
        (f"/leaderboards/{LONG}/top", {}),
        (f"/leaderboards/global/players/{LONG}", {}),
        ("/leaderboards/global/top", {"limit": LONG}),
        ("/leaderboards/global/top", {"cursor": LONG}),
        (f"/inventory/items/{LONG}", {}),
        (f"/inventory/summaries/{LONG}", {}),
        (f"/inventory/imports/{LONG}", {}),
        ("/inventory/imports/" + import_id("b", "k" * 1000, "v"), {}),
    ],
)
def test_no_error_echoes_an_input_of_any_length(
    context: FakeContext, path: str, query: dict[str, str]
) -> None:
    status, body = api_get(context, path, **query)
    assert status in {400, 404}
    assert len(body["message"]) < 300, body["message"]


def test_a_stored_summary_is_served_by_date_and_as_the_latest(
    context: FakeContext, inventory: InMemoryInventoryStore
) -> None:
    # Given two days' summaries kept, the later first
    later, earlier = summarize([_item("A", "north", 2)], "2026-12-01"), summarize([], "2026-11-30")
    inventory.keep_summary(NOW.date(), later)
    inventory.keep_summary(NOW.date() - timedelta(days=1), earlier)
    # Then each day is served, and the latest is the later one
    assert api_get(context, "/inventory/summaries/2026-11-30") == (
        200,
        json.loads(earlier.model_dump_json()),
    )
    status, latest = api_get(context, "/inventory/summaries/latest")
    assert (status, latest["as_of"], latest["items"]) == (200, "2026-12-01", 1)


def _item(sku: str, warehouse: str, quantity: int) -> InventoryItem:
    return InventoryItem(
        sku=sku,
        warehouse=warehouse,
        name=f"{sku} thing",
        quantity=quantity,
        unit_price=Decimal("1.50"),
        category="tools",
        reorder_level=1,
        updated_at=NOW - timedelta(hours=2),
    )


def test_an_item_is_served_in_every_warehouse(
    context: FakeContext, inventory: InMemoryInventoryStore
) -> None:
    # Given one SKU in two warehouses, and other SKUs beside it
    inventory.apply(
        [_item("A-1", "south", 3), _item("A-1", "north", 4), _item("A-10", "north", 9)],
        NOW,
        "inbound/a.csv",
    )
    # When it is read
    status, body = api_get(context, "/inventory/items/A-1")
    # Then it is that SKU alone, each warehouse in order, with the total quantity
    assert status == 200
    assert (body["sku"], body["quantity"]) == ("A-1", 7)
    assert [(w["warehouse"], w["quantity"]) for w in body["warehouses"]] == [
        ("north", 4),
        ("south", 3),
    ]
    first = body["warehouses"][0]
    assert (first["unit_price"], first["source"], first["updated_at"]) == (
        "1.50",
        "inbound/a.csv",
        "2026-12-01T10:00:00+00:00",
    )


def test_an_import_is_served_by_its_id(
    context: FakeContext, inventory: InMemoryInventoryStore
) -> None:
    record = ImportRecord.begin("tap-inventory-dev", "inbound/a.csv", '"e"', NOW, NOW)
    inventory.save_import(record, replacing=None)
    status, body = api_get(context, f"/inventory/imports/{record.import_id}")
    assert status == 200
    assert (body["status"], body["key"], body["rows_valid"]) == ("started", "inbound/a.csv", 0)
    assert ImportRecord.model_validate(body) == record


ROUTES = (
    "/inventory/items/A-1",
    "/inventory/summaries/latest",
    "/leaderboards/global/top",
    "/leaderboards/weekly/top",
    "/leaderboards/weekly/count",
    "/leaderboards/global/players/p3/around",
    "/leaderboards/global/ranks",
)
PARAMETERS = ("limit", "cursor", "period", "before", "after", "players")


@settings(max_examples=100)
@given(
    route=st.sampled_from(ROUTES),
    query=st.dictionaries(
        st.sampled_from(PARAMETERS),
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
        | st.integers(-(10**20), 10**20).map(str),
        max_size=4,
    ),
)
def test_no_query_makes_a_500(route: str, query: dict[str, str]) -> None:
    # Given any values for the parameters of any route; When it is read
    status, body = api_get(FakeContext(), route, **query)
    # Then the answer is a page or a 4xx with a message, never a server error
    assert status in {200, 400, 404}, body
    if status != 200:
        assert body["message"]


PATH_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"], exclude_characters="/?#"),
    min_size=1,
    max_size=300,
)


@settings(max_examples=100)
@given(route=st.sampled_from(("/inventory/items/", "/inventory/imports/")), value=PATH_TEXT)
def test_no_sku_or_import_id_makes_a_500(route: str, value: str) -> None:
    # Given any text as the SKU or the import id; When it is read
    status, body = api_get(FakeContext(), route + value)
    # Then the answer is a 4xx with a message (nothing is stored), never a server error
    assert status in {400, 404}, body
    assert body["message"]


class _CountingLeaderboards:
    """The board the API reads, recording which of its reads each request made."""

    def __init__(self, board: Any) -> None:
        self._board = board
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        return getattr(self._board, name)


def test_ranks_of_many_players_is_one_read_of_the_board(context: FakeContext) -> None:
    # Given the API's board, its reads counted
    wired = api.root.get()
    counting = _CountingLeaderboards(wired.leaderboards)
    api.root.use(ApiDependencies(counting, wired.boards, wired.inventory, wired.clock))
    # When seven players (one named twice) and an unknown one are asked for
    names = ",".join([*SCORES, "p3", "nobody"])
    status, body = api_get(context, "/leaderboards/global/ranks", players=names)
    # Then one ranks_of answers, best first, and the unknown one is missing
    assert status == 200
    assert counting.calls == ["ranks_of"]
    assert [e["player_id"] for e in body["entries"]] == sorted(SCORES, key=SCORES.__getitem__)[::-1]
    assert body["missing"] == ["nobody"]


def test_leaderboards_may_be_cached_briefly_and_inventory_never(
    context: FakeContext, inventory: InMemoryInventoryStore
) -> None:
    inventory.apply([_item("A-1", "north", 4)], NOW, "inbound/a.csv")
    for path, expected in (
        ("/leaderboards/global/top", LEADERBOARD_CACHE),
        ("/leaderboards/global/count", LEADERBOARD_CACHE),
        ("/inventory/items/A-1", INVENTORY_CACHE),
    ):
        event = load_event("http_api_v2_get.json")
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event["rawQueryString"] = ""
        event["queryStringParameters"] = None
        response = api.lambda_handler(event, context)
        assert response["statusCode"] == 200, (path, response)
        assert response["headers"]["Cache-Control"] == expected, path
    assert LEADERBOARD_CACHE.startswith("public, max-age=")
    assert INVENTORY_CACHE == "no-store"


class _UnreachableIndex(InMemoryRankIndex):
    """A rank index whose server is down: every read raises, as a server-backed adapter does."""

    def _down(self, *_: object, **__: object) -> Any:
        raise RankIndexUnavailable("the rank index at redis://10.0.0.9:6379 cannot answer")

    count_below = top = around = ranks_of = count = _down


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/leaderboards/global/top", {}),
        ("/leaderboards/global/players/p1", {}),
        ("/leaderboards/global/players/p1/around", {}),
        ("/leaderboards/global/ranks", {"players": "p1,p2"}),
        ("/leaderboards/global/count", {}),
    ],
)
def test_an_unreachable_rank_index_is_a_503_that_names_no_endpoint(
    context: FakeContext, inventory: InMemoryInventoryStore, path: str, query: dict[str, str]
) -> None:
    # Given a board whose entries are stored but whose rank index cannot answer
    board = InMemoryLeaderboards(BOARDS, fixed_clock, index=_UnreachableIndex())
    outcome = board.submit(
        ScoreSubmission(
            submission_id="s1",
            leaderboard_id="global",
            player_id="p1",
            score=5,
            achieved_at=NOW - timedelta(hours=1),
        )
    )
    assert outcome.status == "accepted"  # the entry is the truth: written, not lost
    api.root.use(ApiDependencies(board, {b.id: b for b in BOARDS}, inventory, fixed_clock))
    # When a leaderboard route is read
    event = load_event("http_api_v2_get.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = urlencode(query)
    event["queryStringParameters"] = query or None
    response = api.lambda_handler(event, context)
    # Then it is a 503 asking the client to come back, saying nothing of the server
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == str(api.RETRY_AFTER_SECONDS)
    assert "try again" in json.loads(response["body"])["message"]
    assert "10.0.0.9" not in response["body"]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/leaderboards/global/top", {"period": "x" * 5000}),
        ("/leaderboards/weekly/count", {"period": "2026-W" + "9" * 5000}),
        ("/leaderboards/" + "b" * 5000 + "/top", {}),
        ("/leaderboards/global/top", {"cursor": "c" * 5000}),
        ("/inventory/imports/" + "i" * 5000, {}),
    ],
)
def test_an_error_quotes_a_long_input_cut(
    context: FakeContext, path: str, query: dict[str, str]
) -> None:
    status, body = api_get(context, path, **query)
    assert status in (400, 404)
    assert len(body["message"]) < 300, body["message"][:400]


def test_a_cursor_keeps_reading_its_period_after_the_rollover(context: FakeContext) -> None:
    """A client paging a weekly board when the week turns finishes the week it started."""
    now = [NOW]
    board = InMemoryLeaderboards(BOARDS, lambda: now[0])
    for player, score in SCORES.items():
        board.submit(
            ScoreSubmission(
                submission_id=f"s-{player}",
                leaderboard_id="weekly",
                player_id=player,
                score=score,
                achieved_at=NOW - timedelta(hours=1),
            )
        )
    api.root.use(
        ApiDependencies(board, {b.id: b for b in BOARDS}, InMemoryInventoryStore(), lambda: now[0])
    )
    status, first = api_get(context, "/leaderboards/weekly/top", limit="3")
    assert (status, first["period"]) == (200, "2026-W49")
    now[0] = NOW + timedelta(days=7)  # the next week: its page is empty
    status, rest = api_get(
        context, "/leaderboards/weekly/top", limit="10", cursor=first["next_cursor"]
    )
    assert status == 200, rest
    assert rest["period"] == first["period"]
    assert rest["count"] == len(SCORES)
    assert [e["player_id"] for e in first["entries"] + rest["entries"]] == [
        f"p{n}" for n in range(7, 0, -1)
    ]
    # Asking for another period with that cursor is still refused, naming the cursor
    status, refused = api_get(
        context, "/leaderboards/weekly/top", cursor=first["next_cursor"], period="2026-W50"
    )
    assert status == 400
    assert "cursor" in refused["message"]
