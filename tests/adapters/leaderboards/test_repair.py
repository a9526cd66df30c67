"""repair rebuilds the rank items and counts from the entries alone."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from hypothesis import given
from hypothesis import strategies as st

from tap_aws.leaderboards import DynamoLeaderboards
from tap_aws.leaderboards.store import page_key
from tap_aws.testing import AwsClients
from tap_core.memory import InMemoryLeaderboards
from tests.unit.leaderboard.strategies import NOW, numbered, specs, submissions

if TYPE_CHECKING:
    from tap_aws.testing import MotoServer
    from tap_core.leaderboard import LeaderboardSpec, ScoreSubmission

MAX_EXAMPLES = 5
STREAMS = st.lists(submissions(), max_size=25).map(numbered)


@given(spec=specs(), stream=STREAMS, lost=st.sets(st.sampled_from(["R#", "N#"]), min_size=1))
def test_repair_after_losing_derived_items_equals_the_in_memory_store(
    moto_server: MotoServer,
    fast_transactions: None,
    spec: LeaderboardSpec,
    stream: list[ScoreSubmission],
    lost: set[str],
) -> None:
    # Given a random workload applied to both stores
    client = AwsClients(moto_server.endpoint).dynamodb()
    store = DynamoLeaderboards(f"tap-lb-{uuid.uuid4().hex[:12]}", [spec], client, lambda: NOW)
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
    # Then every read equals the in-memory store's
    assert store.top("board", limit=100) == memory.top("board", limit=100)
    assert store.count("board") == memory.count("board")
    for player in {item.player_id for item in stream}:
        assert store.rank_of("board", player) == memory.rank_of("board", player)
        assert store.around("board", player, before=2, after=2) == memory.around(
            "board", player, before=2, after=2
        )
