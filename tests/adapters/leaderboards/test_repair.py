"""repair rebuilds the rank items and counts from the entries alone."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from hypothesis import given
from hypothesis import strategies as st

from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_aws.adapters.leaderboards.store import entry_item, page_items, page_key
from tap_core.leaderboard import Entry, LeaderboardSpec, ScoreSubmission, encode_sort_key
from tap_core.memory import InMemoryLeaderboards
from tap_tools.testing import AwsClients, put_items
from tests.unit.leaderboard.strategies import NOW, numbered, specs, submissions

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from tap_tools.testing import MotoServer

MAX_EXAMPLES = 5
STREAMS = st.lists(submissions(), max_size=25).map(numbered)


@given(
    spec=specs(),
    stream=STREAMS,
    lost=st.sets(st.sampled_from(["R#", "N#"]), min_size=1),
    shards=st.sampled_from([1, 3]),
)
def test_repair_after_losing_derived_items_equals_the_in_memory_store(
    *,
    moto_server: MotoServer,
    fast_transactions: None,
    spec: LeaderboardSpec,
    stream: list[ScoreSubmission],
    lost: set[str],
    shards: int,
) -> None:
    # Given a random workload applied to both stores (counts in 1 or 3 shards per node)
    client = AwsClients(moto_server.endpoint).dynamodb()
    name = f"tap-lb-{uuid.uuid4().hex[:12]}"
    store = DynamoLeaderboards(name, [spec], client, lambda: NOW, count_shards=shards)
    store.ensure_table()
    memory = InMemoryLeaderboards([spec], lambda: NOW)
    for item in stream:
        assert store.submit(item) == memory.submit(item)
    # When the rank items and/or tree nodes are lost (a crash, a bad migration), then repaired
    pk = page_key("board", "all")
    items = client.query(
        TableName=store.table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
    )["Items"]
    for row in items:
        if row["sk"]["S"][:2] in lost:
            client.delete_item(TableName=store.table_name, Key={"pk": row["pk"], "sk": row["sk"]})
    store.repair("board", "all")
    # Then every read equals the in-memory store's, and only shard 0 of each node is left
    assert store.top("board", limit=100) == memory.top("board", limit=100)
    left = client.query(
        TableName=store.table_name,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :n)",
        ExpressionAttributeValues={":pk": {"S": pk}, ":n": {"S": "N#"}},
    )["Items"]
    assert not [row for row in left if "!" in row["sk"]["S"]]
    assert store.count("board") == memory.count("board")
    for player in {item.player_id for item in stream}:
        assert store.rank_of("board", player) == memory.rank_of("board", player)
        assert store.around("board", player, before=2, after=2) == memory.around(
            "board", player, before=2, after=2
        )


class _ThrottlingWrites:
    """A DynamoDB client whose first BatchWriteItem keeps back all but one of its items as
    ``UnprocessedItems`` (as a throttled table does); every other call goes through."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.throttled = 0

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> dict[str, Any]:  # noqa: N803
        if self.throttled == 0:
            self.throttled += 1
            (table, writes), *_ = RequestItems.items()
            sent = self._client.batch_write_item(RequestItems={table: writes[:1]})
            assert not sent.get("UnprocessedItems")
            return {"UnprocessedItems": {table: writes[1:]}}
        answer: dict[str, Any] = self._client.batch_write_item(RequestItems=RequestItems)
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_repair_backs_off_and_resends_what_a_throttled_batch_left(
    moto_server: MotoServer, fast_transactions: None
) -> None:
    # Given a board with a few entries whose rank items are lost, and a table that throttles
    client = AwsClients(moto_server.endpoint).dynamodb()
    spec = LeaderboardSpec(id="board")
    pauses: list[float] = []
    name = f"tap-lb-{uuid.uuid4().hex[:12]}"
    store = DynamoLeaderboards(name, [spec], client, lambda: NOW)
    store.ensure_table()
    memory = InMemoryLeaderboards([spec], lambda: NOW)
    for item in numbered(
        [
            ScoreSubmission(
                submission_id=f"s{n}",
                leaderboard_id="board",
                player_id=f"p{n}",
                score=n * 10,
                achieved_at=NOW,
            )
            for n in range(6)
        ]
    ):
        assert store.submit(item) == memory.submit(item)
    pk = page_key("board", "all")
    for row in client.query(
        TableName=name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
    )["Items"]:
        if row["sk"]["S"].startswith("R#"):
            client.delete_item(TableName=name, Key={"pk": row["pk"], "sk": row["sk"]})
    throttling = _ThrottlingWrites(client)
    repairing = DynamoLeaderboards(
        name, [spec], cast("DynamoDBClient", throttling), lambda: NOW, sleep=pauses.append
    )
    # When it is repaired
    repairing.repair("board", "all")
    # Then it paused before resending, and nothing was dropped
    assert throttling.throttled == 1
    assert pauses, "no back-off before resending unprocessed items"
    assert store.top("board", limit=100) == memory.top("board", limit=100)


def _page(client: DynamoDBClient, table: str, pk: str) -> list[dict[str, Any]]:
    query: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ConsistentRead": True,
    }
    found: list[dict[str, Any]] = []
    while True:
        answer = client.query(**query)
        found += answer["Items"]
        if "LastEvaluatedKey" not in answer:
            return sorted(found, key=lambda item: item["sk"]["S"])
        query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def test_a_bulk_loaded_page_is_the_page_repair_builds(
    moto_server: MotoServer, fast_queries: None
) -> None:
    """``page_items`` (what scale tests and the bench load straight into moto) writes the
    items ``repair`` builds from the same entries, and nothing else."""
    # Given 300 entries (some on equal scores), written as entries then repaired on one
    # table, and as page_items straight into moto's backend on another
    spec = LeaderboardSpec(id="board", order="asc")
    entries = [
        Entry(
            f"p{n:03d}",
            n % 40,
            NOW - timedelta(seconds=n % 7),
            f"s{n}",
            {"n": n} if n % 3 else None,
        )
        for n in range(300)
    ]
    client = AwsClients(moto_server.endpoint).dynamodb()
    repaired, loaded = (
        DynamoLeaderboards(f"tap-lb-{uuid.uuid4().hex[:12]}", [spec], client, lambda: NOW)
        for _ in range(2)
    )
    pk = page_key("board", "all")
    for store in (repaired, loaded):
        store.ensure_table()
    for entry in entries:
        key = encode_sort_key("asc", entry.score, entry.achieved_at, entry.player_id)
        client.put_item(TableName=repaired.table_name, Item=entry_item(pk, entry, key))
    repaired.repair("board", "all")
    put_items(loaded.table_name, page_items(spec, "all", entries))
    # Then both tables hold the same items
    assert _page(client, loaded.table_name, pk) == _page(client, repaired.table_name, pk)
