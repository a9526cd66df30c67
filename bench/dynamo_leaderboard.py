"""DynamoLeaderboards on moto: requests and items read per operation, beside the naive design.

A board of N entries (10^3 and 10^4; ``--quick``: 10^3), uniform scores, bulk-loaded with
BatchWriteItem and ``repair`` (moto's transactions are too slow to submit them one by one).
For submit, top, rank_of, around and count: the requests, the items read (returned or
scanned, through botocore's hooks) and estimated read units (``tap_aws.capacity``: 1 RCU per
4 KB strongly consistent, from the item sizes read), next to the naive design where a rank is
a ``Select=COUNT`` query over the rank items above the player (its scanned items grow with the
rank). Deterministic counts, not timings.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bench.timing import options
from tap_aws.capacity import item_size, read_units
from tap_aws.leaderboards import DynamoLeaderboards
from tap_aws.leaderboards.store import entry_item, page_key
from tap_aws.testing import AwsClients, MotoServer, RequestCounter, copy_tables_once_per_transaction
from tap_core.leaderboard import Entry, LeaderboardSpec, ScoreSubmission, encode_sort_key

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SPEC = LeaderboardSpec(id="b")


def _load(store: DynamoLeaderboards, size: int) -> list[str]:
    rng = random.Random(size)
    pk = page_key("b", "all")
    writes: list[Any] = []
    players = []
    for number in range(size):
        player, score = f"p{number:06d}", rng.randrange(10**9)
        at = NOW - timedelta(seconds=rng.randrange(10**6))
        key = encode_sort_key("desc", score, at, player)
        writes.append({"PutRequest": {"Item": entry_item(pk, Entry(player, score, at, "s"), key)}})
        players.append(player)
    for start in range(0, len(writes), 25):
        store._client.batch_write_item(  # noqa: SLF001 - a bench's bulk load
            RequestItems={store.table_name: writes[start : start + 25]}
        )
    store.repair("b", "all")
    return players


def _naive_rank(store: DynamoLeaderboards, player: str) -> None:
    client = store._client  # noqa: SLF001
    pk = page_key("b", "all")
    item = client.get_item(
        TableName=store.table_name,
        Key={"pk": {"S": pk}, "sk": {"S": f"P#{player}"}},
        ConsistentRead=True,
    )["Item"]
    query: dict[str, Any] = {
        "TableName": store.table_name,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
        "ExpressionAttributeValues": {
            ":pk": {"S": pk},
            ":low": {"S": "R#"},
            ":high": {"S": f"R#{item['k']['S']}"},
        },
        "Select": "COUNT",
        "ConsistentRead": True,
    }
    while True:  # AWS splits a COUNT query into 1 MB pages (moto does not)
        answer = client.query(**query)
        if "LastEvaluatedKey" not in answer:
            return
        query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


RANK_ITEM_BYTES = 60  # about what a rank item holds (keys, no metadata): what a COUNT scans


class _Units:
    """Read units of the responses seen: per response, its items' bytes / 4 KB, rounded up."""

    def __init__(self) -> None:
        self.units = 0.0

    def __call__(self, parsed: dict[str, Any], **_: Any) -> None:
        items = [*parsed.get("Items", [])]
        if "Item" in parsed:
            items.append(parsed["Item"])
        for found in parsed.get("Responses", {}).values():
            items.extend(found)
        size = sum(item_size(item) for item in items)
        if parsed.get("ScannedCount") and not items:  # a COUNT query reads what it scans
            size = int(parsed["ScannedCount"]) * RANK_ITEM_BYTES
        if size:
            self.units += read_units(size, consistent=True)


def _report(store: DynamoLeaderboards, client: Any, size: int, players: list[str]) -> None:
    counter = RequestCounter.attach(client)
    units = _Units()
    client.meta.events.register("after-call.dynamodb", units)
    someone = players[7]
    operations: dict[str, Callable[[], object]] = {
        "submit accepted": lambda: store.submit(
            ScoreSubmission(
                submission_id="bench",
                leaderboard_id="b",
                player_id=players[len(players) // 2],
                score=10**9,
                achieved_at=NOW,
            )
        ),
        "top 100": lambda: store.top("b", limit=100),
        "rank_of": lambda: store.rank_of("b", someone),
        "around 5/5": lambda: store.around("b", someone),
        "count": lambda: store.count("b"),
        "naive rank_of": lambda: _naive_rank(store, someone),
    }
    for label, operation in operations.items():
        counter.reset()
        units.units = 0.0
        operation()
        items = max(counter.items_scanned, counter.items_returned)
        print(f"{size:>6} {label:<16} {counter.total_requests:>8} {items:>8} {units.units:>7.1f}")
    client.meta.events.unregister("after-call.dynamodb", units)


def main(argv: Sequence[str]) -> None:
    quick = options(__doc__, argv).quick
    copy_tables_once_per_transaction()
    server = MotoServer()
    server.start()
    try:
        client = AwsClients(server.endpoint).dynamodb()
        print("DynamoLeaderboards: requests, items read and RCU per operation (N entries)")
        print(f"{'N':>6} {'operation':<16} {'requests':>8} {'items':>8} {'RCU':>7}")
        for size in (1_000,) if quick else (1_000, 10_000):
            store = DynamoLeaderboards(f"tap-lb-bench-{size}", [SPEC], client, lambda: NOW)
            store.ensure_table()
            players = _load(store, size)
            _report(store, client, size, players)
    finally:
        server.stop()
