"""Nothing a client sends makes the read API a 500: every id is checked before any request, so
no key DynamoDB would refuse reaches it. The routes run on the DynamoDB adapters (moto) through
a client that enforces AWS's key size limits (``tap_tools.testing.KeyLimits``), since moto
checks them on writes only: a key over the limit would be a ValidationException, a 500."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from tap_aws.adapters.inventory import DynamoInventoryStore
from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_aws.functions import api
from tap_aws.functions.bootstrap import ApiDependencies
from tap_core.inventory import import_id
from tap_core.leaderboard import (
    Cursor,
    LeaderboardSpec,
    PageId,
    ScoreSubmission,
    encode_sort_key,
)
from tap_tools.testing import SORT_KEY_BYTES, AwsClients, KeyLimits
from tests.handlers.conftest import NOW, FakeContext, api_get, fixed_clock

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tap_tools.testing import MotoServer

BOARDS = [LeaderboardSpec(id="global")]
LONG = "p" * (SORT_KEY_BYTES + 100)
"""A player id, SKU or key part past what DynamoDB takes in a sort key."""


@pytest.fixture(scope="module")
def limits(moto_server: MotoServer) -> Iterator[KeyLimits]:
    enforced = KeyLimits()
    client = enforced.attach(AwsClients(moto_server.endpoint).dynamodb())
    suffix = uuid.uuid4().hex[:10]
    boards = DynamoLeaderboards(f"tap-lb-{suffix}", BOARDS, client, fixed_clock)
    boards.ensure_table()
    inventory = DynamoInventoryStore(f"tap-inv-{suffix}", client)
    inventory.ensure_table()
    submitted = boards.submit(
        ScoreSubmission(
            submission_id="s1",
            leaderboard_id="global",
            player_id="p1",
            score=10,
            achieved_at=NOW - timedelta(hours=1),
        )
    )
    assert submitted.status == "accepted"
    api.root.use(ApiDependencies(boards, {b.id: b for b in BOARDS}, inventory, fixed_clock))
    yield enforced
    api.root.reset()


def _get(path: str, **query: str) -> tuple[int, Any]:
    return api_get(FakeContext(), path, **query)


def _forged_cursor(key: str) -> str:
    """A cursor of the right board and period whose key was not made by the library."""
    return Cursor(board_id="global", period="all", after=key).encode()


def _forged_import(key: str) -> str:
    return import_id("bucket", key, "v1")


HOSTILE = [
    ("/leaderboards/global/players/" + quote(LONG), {}, "player_id"),
    ("/leaderboards/global/players/" + quote(LONG) + "/around", {}, "player_id"),
    ("/leaderboards/global/players/a%20b", {}, "player_id"),
    ("/leaderboards/global/ranks", {"players": f"p1,{LONG}"}, "players"),
    ("/leaderboards/global/ranks", {"players": "p1,a b"}, "players"),
    ("/leaderboards/global/top", {"cursor": _forged_cursor("0" * 31 + "#" + LONG)}, "cursor"),
    ("/leaderboards/global/top", {"cursor": _forged_cursor(LONG)}, "cursor"),
    ("/leaderboards/global/top", {"cursor": _forged_cursor("")}, "cursor"),
    ("/leaderboards/global/top", {"period": LONG}, "period"),
    ("/leaderboards/" + LONG + "/top", {}, "leaderboard"),
    ("/inventory/items/" + LONG, {}, "sku"),
    ("/inventory/imports/" + _forged_import("k" * 3000), {}, "import_id"),
    ("/inventory/imports/" + base64.urlsafe_b64encode(LONG.encode()).decode(), {}, "import_id"),
    ("/inventory/summaries/" + LONG, {}, "date"),
]


@pytest.mark.parametrize(("path", "query", "named"), HOSTILE, ids=lambda v: str(v)[:40])
def test_an_id_dynamodb_would_refuse_is_a_400_or_404_naming_it(
    limits: KeyLimits, path: str, query: dict[str, str], named: str
) -> None:
    refused = len(limits.refused)
    status, body = _get(path, **query)
    assert status in (400, 404), body
    assert named in body["message"]
    assert len(body["message"]) < 400  # the value is shown cut, never echoed whole
    assert len(limits.refused) == refused  # no request DynamoDB would refuse was sent


def test_the_limits_refuse_what_aws_refuses(limits: KeyLimits) -> None:
    """The enforcing client is what makes the test above able to fail."""
    store: DynamoLeaderboards = api.root.get().leaderboards  # type: ignore[assignment]
    refused = len(limits.refused)
    with pytest.raises(ClientError, match="ValidationException"):
        store.index.get([{"pk": {"S": "LB#global#all"}, "sk": {"S": LONG}}])
    with pytest.raises(ClientError, match="ValidationException"):
        store.index.rank_rows(PageId("global", "all"), LONG, 1, forward=True)
    assert len(limits.refused) == refused + 2
    # A core read refuses such an id itself, before any request
    with pytest.raises(ValueError, match="player id"):
        store.rank_of("global", LONG)
    assert len(limits.refused) == refused + 2


def test_valid_ids_still_read(limits: KeyLimits) -> None:
    status, body = _get("/leaderboards/global/players/p1")
    assert (status, body["entry"]["rank"]) == (200, 1)
    key = encode_sort_key("desc", 10, NOW - timedelta(hours=1), "p1")
    status, body = _get("/leaderboards/global/top", cursor=_forged_cursor(key))
    assert (status, body["entries"]) == (200, [])
