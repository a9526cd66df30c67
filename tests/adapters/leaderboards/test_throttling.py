"""Throttled requests and lost answers are retried by botocore: a submit is applied once.

The failing client is a real boto3 client on the moto server with a ``before-send`` hook that
answers the first ``K`` requests of each operation with a throttling error itself (the request
never reaches moto), as DynamoDB does under load; botocore's ``standard`` retry mode resends.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.config import Config
from botocore.httpsession import URLLib3Session

from tap_aws.adapters.leaderboards import DynamoLeaderboards, DynamoRankIndex
from tap_aws.adapters.leaderboards.rank_index import ATTEMPTS, FIRST_PAUSE
from tap_aws.adapters.leaderboards.store import page_key
from tap_core.leaderboard import LeaderboardSpec, RankIndexUnavailable, ScoreSubmission
from tap_core.memory import InMemoryLeaderboards
from tap_tools.testing import AwsClients, RequestCounter

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mypy_boto3_dynamodb import DynamoDBClient

    from tap_tools.testing import MotoServer

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SPECS = [LeaderboardSpec(id="best"), LeaderboardSpec(id="sum", operator="increment")]
K = 2
"""Throttled answers per operation before requests go through (botocore's limit is 5 tries)."""
PREFIX = "com.amazonaws.dynamodb.v20120810#"
ERRORS = {
    "ThrottlingException": "com.amazon.coral.availability#ThrottlingException",
    "ProvisionedThroughputExceededException": f"{PREFIX}ProvisionedThroughputExceededException",
}


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


class _Throttle:
    """A ``before-send`` hook: the first ``K`` requests of every operation get ``code``."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.answered: Counter[str] = Counter()

    def __call__(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        if self.answered[operation] >= K:
            return None  # sent to moto
        self.answered[operation] += 1
        body = json.dumps({"__type": ERRORS[self.code], "message": "Rate exceeded"}).encode()
        headers = HTTPHeaders()
        headers["x-amzn-RequestId"] = uuid.uuid4().hex
        headers["Content-Type"] = "application/x-amz-json-1.0"
        return AWSResponse(request.url, 400, headers, _Body(body))


def _client(moto_server: MotoServer) -> DynamoDBClient:
    return AwsClients(
        moto_server.endpoint,
        config=Config(retries={"mode": "standard", "total_max_attempts": K + 1}),
    ).dynamodb()


def _state(client: DynamoDBClient, table: str, pk: str) -> dict[str, dict[str, Any]]:
    """The page's items by sort key; a node's zero counts (left by a -1) are no count at all."""
    answer = client.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ConsistentRead=True,
    )
    state = {}
    for found in answer["Items"]:
        sk = found["sk"]["S"]
        item = dict(found)
        if sk.startswith("N#"):
            item = {name: value for name, value in item.items() if value != {"N": "0"}}
            if set(item) == {"pk", "sk"}:
                continue
        state[sk] = item
    return state


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_throttled_submits_and_reads_are_retried_and_applied_once(
    moto_server: MotoServer, fast_transactions: None, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses: list[float] = []  # botocore's back-off pauses, recorded instead of slept
    monkeypatch.setattr("botocore.endpoint.time", SimpleNamespace(sleep=pauses.append))
    # Given a board with a few players, and a client throttled K times per operation
    plain = AwsClients(moto_server.endpoint).dynamodb()
    table = f"tap-lb-{uuid.uuid4().hex[:12]}"
    DynamoLeaderboards(table, SPECS, plain, lambda: NOW).ensure_table()
    memory = InMemoryLeaderboards(SPECS, lambda: NOW)
    client = _client(moto_server)
    store = DynamoLeaderboards(table, SPECS, client, lambda: NOW)
    counter = RequestCounter.attach(client)
    throttle = _Throttle(code)
    # botocore's stubs type a hook as returning None; a before-send hook may return a response
    client.meta.events.register("before-send.dynamodb", cast("Callable[..., None]", throttle))
    for board in ("best", "sum"):
        for number, player in enumerate(["a", "b", "c", "a"]):
            sub = ScoreSubmission(
                submission_id=f"{board}-{number}",
                leaderboard_id=board,
                player_id=player,
                score=10 + number,
                achieved_at=NOW - timedelta(minutes=number),
            )
            # When it is submitted through throttled requests
            # Then the outcome is the in-memory store's (a second write would make it differ)
            assert store.submit(sub) == memory.submit(sub)
        # And every read answers as the in-memory store does
        assert store.top(board, limit=10) == memory.top(board, limit=10)
        assert store.count(board) == memory.count(board)
        for player in ("a", "b", "c"):
            assert store.rank_of(board, player) == memory.rank_of(board, player)
            assert store.around(board, player, before=1, after=1) == memory.around(
                board, player, before=1, after=1
            )
        assert store.ranks_of(board, ["a", "c"]) == memory.ranks_of(board, ["a", "c"])
        # And repair finds nothing to change: the counts were applied exactly once
        pk = page_key(board, "all")
        before = _state(plain, table, pk)
        store.repair(board, "all")
        assert _state(plain, table, pk) == before
    # And the throttling did happen, on every operation, and was retried
    used = {"PutItem", "TransactWriteItems", "Query", "BatchGetItem", "BatchWriteItem"}
    assert set(throttle.answered) == used
    assert all(times == K for times in throttle.answered.values())
    assert all(counter.requests[operation] > counter.calls[operation] for operation in used)
    assert len(pauses) == K * len(used)  # each resend after a back-off pause
    assert all(pause > 0 for pause in pauses)


class _LostAnswer:
    """A ``before-send`` hook: the first TransactWriteItems reaches moto and is applied, but
    its answer is replaced by a 500, so botocore resends it (a lost response)."""

    def __init__(self) -> None:
        self.http = URLLib3Session()
        self.tokens: list[str] = []

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        self.tokens.append(json.loads(request.body)["ClientRequestToken"])
        if len(self.tokens) > 1:
            return None
        applied = self.http.send(request)
        assert applied.status_code == 200
        body = json.dumps({"__type": f"{PREFIX}InternalServerError", "message": "lost"}).encode()
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.0"
        return AWSResponse(request.url, 500, headers, _Body(body))


@pytest.mark.parametrize("earlier", [None, 5], ids=["new-entry", "improved-entry"])
@pytest.mark.parametrize("board", ["best", "sum"])
def test_a_transaction_whose_answer_was_lost_is_applied_once(
    moto_server: MotoServer,
    fast_transactions: None,
    monkeypatch: pytest.MonkeyPatch,
    board: str,
    earlier: int | None,
) -> None:
    monkeypatch.setattr("botocore.endpoint.time", SimpleNamespace(sleep=lambda _: None))
    # Given a board (with the player's earlier entry or not)
    plain = AwsClients(moto_server.endpoint).dynamodb()
    table = f"tap-lb-{uuid.uuid4().hex[:12]}"
    DynamoLeaderboards(table, SPECS, plain, lambda: NOW).ensure_table()
    memory = InMemoryLeaderboards(SPECS, lambda: NOW)
    client = _client(moto_server)
    store = DynamoLeaderboards(table, SPECS, client, lambda: NOW, sleep=lambda _: None)
    subs = [
        ScoreSubmission(
            submission_id=f"s{number}",
            leaderboard_id=board,
            player_id=player,
            score=score,
            achieved_at=NOW - timedelta(minutes=number),
        )
        for number, (player, score) in enumerate([("b", 7), ("a", earlier), ("a", 9)])
        if score is not None
    ]
    for sub in subs[:-1]:
        assert store.submit(sub) == memory.submit(sub)
    # When the last submit's transaction is applied but its answer lost, and botocore resends
    lost = _LostAnswer()
    client.meta.events.register(
        "before-send.dynamodb.TransactWriteItems", cast("Callable[..., None]", lost)
    )
    outcome = store.submit(subs[-1])
    # Then the resend carried the same ClientRequestToken (DynamoDB answers it as the first,
    # without applying it again); moto ignores tokens, so there the resend is cancelled by the
    # entry's condition and the store, deciding again, finds its own write: a duplicate
    assert lost.tokens[0] == lost.tokens[1]
    assert memory.submit(subs[-1]).status == "accepted"
    assert outcome.status == "accepted" or outcome.code == "duplicate"
    # And the entry and the counts hold the submit exactly once
    assert store.count(board) == memory.count(board)
    assert store.top(board) == memory.top(board)
    assert store.rank_of(board, "a") == memory.rank_of(board, "a")
    pk = page_key(board, "all")
    before = _state(plain, table, pk)
    store.repair(board, "all")
    assert _state(plain, table, pk) == before


class _AlwaysUnprocessed:
    """A client whose every BatchGetItem leaves all its keys unprocessed (a throttled table)."""

    def __init__(self) -> None:
        self.calls = 0

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.calls += 1
        return {"Responses": {}, "UnprocessedKeys": RequestItems}


def test_unprocessed_keys_are_read_again_a_bounded_number_of_times() -> None:
    client, pauses = _AlwaysUnprocessed(), list[float]()
    index = DynamoRankIndex("tap-throttled", client, sleep=pauses.append)  # type: ignore[arg-type]
    with pytest.raises(RankIndexUnavailable, match="tap-throttled"):
        index.get([{"pk": {"S": "a"}, "sk": {"S": "b"}}])
    assert client.calls == ATTEMPTS
    assert pauses[0] == FIRST_PAUSE
    assert all(later == 2 * earlier for earlier, later in itertools.pairwise(pauses))
