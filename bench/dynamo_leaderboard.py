"""DynamoLeaderboards on moto: requests, items and capacity units per operation, beside naive.

Boards of N entries (10^3, 10^4 and 10^5; ``--quick``: 10^3), uniform scores, their page
(entries, rank items and the tree's nodes, about 8 items per entry: 814,011 at 10^5) written
straight into the in-process moto backend (``tap_tools.testing.put_items`` of the store's
``page_items``), with moto's Query shimmed to read only the slice of the partition it can
reach (``query_sorted_partitions``: unshimmed, one Query sorts the whole table, ~50 s at 10^5).
For submit, top, rank_of, around and count: the requests and the items read (returned or
scanned, through botocore's hooks), and capacity units estimated from the sizes of the items
each request read or wrote (``tap_tools.capacity``, AWS's rules; moto reports none): a key a
GetItem or BatchGetItem asks for costs its RCU found or not, a Query its items' summed size, a
transaction's write the larger of the item before and after, twice. The sizes come from the
items themselves, read before and after each request by a second, uncounted client.

Beside it, in the same run, the naive design: the entry item with a global secondary index on
its encoded sort key (the ``R#`` items stand for the index): a submit is GetItem + PutItem
(its WCU include the index's delete and put of the moved key), a rank a ``Select=COUNT``
query over the index above the player, a count a COUNT over all of it (a COUNT is paged at
1 MB scanned, one request each: moto's pages, by its own item sizes, are the "requests"; the
pages AWS's item sizes give are "AWS req"). Then, at 10^3, the counts tree sharded
(``count_shards``): writes per root item per new entry, and what reads cost. Deterministic
counts, not timings.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from bench.timing import options
from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_aws.adapters.leaderboards.layout import entry_key
from tap_aws.adapters.leaderboards.store import entry_item, page_items, page_key
from tap_aws.resources import MAX_COUNT_SHARDS
from tap_core.leaderboard import Entry, LeaderboardSpec, ScoreSubmission, encode_sort_key
from tap_tools.capacity import item_size, query_pages, query_read_units, read_units, write_units
from tap_tools.testing import (
    AwsClients,
    MotoServer,
    RequestCounter,
    journal_transactions,
    put_items,
    query_sorted_partitions,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from mypy_boto3_dynamodb import DynamoDBClient

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SPEC = LeaderboardSpec(id="b")
PK = page_key("b", "all")
NEW_ENTRIES: Final = 30
"""New players submitted to measure the writes each root shard takes."""


def _sub(player: str, score: int, sid: str) -> ScoreSubmission:
    return ScoreSubmission(
        submission_id=sid, leaderboard_id="b", player_id=player, score=score, achieved_at=NOW
    )


def _load(store: DynamoLeaderboards, size: int) -> list[str]:
    """``size`` entries of uniform scores, their page written straight into moto's backend
    (``put_items`` of the store's own ``page_items``: what ``repair`` would leave)."""
    rng = random.Random(size)
    entries = []
    for number in range(size):
        score = rng.randrange(10**9)
        at = NOW - timedelta(seconds=rng.randrange(10**6))
        entries.append(Entry(f"p{number:06d}", score, at, "s"))
    put_items(store.table_name, page_items(SPEC, "all", entries))
    return [entry.player_id for entry in entries]


@dataclass
class _Meter:
    """Capacity units of what one client's requests read and wrote, from the items' sizes.

    A second client (``probe``, not counted) reads the items a request names before and after
    it: what the request read or wrote is sized from them.
    """

    probe: DynamoDBClient
    table: str
    rcu: float = 0.0
    wcu: int = 0
    pages: int = 0
    """Requests a COUNT query takes on AWS (1 MB pages), where moto answers in one."""
    node_updates: Counter[str] = field(default_factory=Counter)
    _before: dict[tuple[str, str], int] = field(default_factory=dict)

    def attach(self, client: DynamoDBClient) -> None:
        client.meta.events.register("provide-client-params.dynamodb", self._on_params)
        client.meta.events.register("after-call.dynamodb", self._on_call)

    def reset(self) -> None:
        self.rcu, self.wcu, self.pages = 0.0, 0, 0

    def _size(self, key: tuple[str, str]) -> int:
        pk, sk = key
        item = self.probe.get_item(
            TableName=self.table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
        ).get("Item")
        return 0 if item is None else item_size(item)

    def _written(self, params: dict[str, Any]) -> list[tuple[str, str]]:
        keys = []
        for action in params.get("TransactItems", []):
            [(kind, body)] = action.items()
            key = body["Item"] if kind == "Put" else body["Key"]
            keys.append((key["pk"]["S"], key["sk"]["S"]))
            if kind == "Update":
                self.node_updates[key["sk"]["S"]] += 1
        if "Item" in params:  # PutItem
            keys.append((params["Item"]["pk"]["S"], params["Item"]["sk"]["S"]))
        return keys

    def _on_params(self, params: dict[str, Any], **_: Any) -> None:
        self._before = {sk: self._size(sk) for sk in self._written(params)}

    def _on_call(self, parsed: dict[str, Any], model: Any, **kwargs: Any) -> None:
        name = model.name
        params = kwargs["context"].get("bench_params", {})
        if name in {"TransactWriteItems", "PutItem"}:
            for sk, before in self._before.items():
                self.wcu += write_units(
                    max(before, self._size(sk)), transactional=name == "TransactWriteItems"
                )
        elif name == "GetItem":
            self.rcu += read_units(item_size(parsed.get("Item", {})), consistent=True)
        elif name == "BatchGetItem":
            found = {
                (item["pk"]["S"], item["sk"]["S"]): item_size(item)
                for items in parsed.get("Responses", {}).values()
                for item in items
            }
            for request in params.get("RequestItems", {}).values():
                for key in request["Keys"]:
                    size = found.get((key["pk"]["S"], key["sk"]["S"]), 0)
                    self.rcu += read_units(size, consistent=True)
        elif name == "Query":
            self._query(parsed, params)

    def _query(self, parsed: dict[str, Any], params: dict[str, Any]) -> None:
        if params.get("Select") != "COUNT":
            returned = [item_size(item) for item in parsed.get("Items", [])]
            self.rcu += query_read_units(returned, consistent=True)
            self.pages += 1
            return
        # A COUNT reads (and is charged for) the items it counts: size this request's page
        # (the same query, returning its items) with the probe.
        query = {key: value for key, value in params.items() if key != "Select"}
        sizes = [item_size(item) for item in self.probe.query(**query).get("Items", [])]
        self.rcu += query_read_units(sizes, consistent=True)
        self.pages += query_pages(sum(sizes))


def _keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["bench_params"] = params


def _naive_submit(store: DynamoLeaderboards, client: DynamoDBClient, meter: _Meter) -> None:
    """GetItem + PutItem of the entry; the index's delete and put of the moved key added."""
    player = "p000002"
    item = client.get_item(
        TableName=store.table_name,
        Key=entry_key(PK, player),
        ConsistentRead=True,
    )["Item"]
    key = encode_sort_key("desc", 10**9 + 1, NOW, player)
    entry = Entry(player, 10**9 + 1, NOW, "naive", revision=int(item["rev"]["N"]) + 1)
    client.put_item(TableName=store.table_name, Item=entry_item(PK, entry, key))
    old_index = {"pk": item["pk"], "sk": item["sk"], "k": item["k"]}  # keys-only projection
    new_index = {"pk": item["pk"], "sk": item["sk"], "k": {"S": key}}
    meter.wcu += write_units(item_size(old_index)) + write_units(item_size(new_index))


def _naive_count(store: DynamoLeaderboards, client: DynamoDBClient, high: str | None) -> int:
    """A ``Select=COUNT`` over the index: the whole page, or its keys up to ``high``, one
    request per 1 MB page scanned."""
    query: dict[str, Any] = {
        "TableName": store.table_name,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
        "ExpressionAttributeValues": {
            ":pk": {"S": PK},
            ":low": {"S": "R#"},
            ":high": {"S": "R$" if high is None else f"R#{high}"},
        },
        "Select": "COUNT",
        "ConsistentRead": True,
    }
    found = 0
    while True:
        answer = client.query(**query)
        found += int(answer["Count"])
        if "LastEvaluatedKey" not in answer:
            return found
        query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _naive_rank(store: DynamoLeaderboards, client: DynamoDBClient, player: str) -> int:
    item = client.get_item(
        TableName=store.table_name,
        Key=entry_key(PK, player),
        ConsistentRead=True,
    )["Item"]
    return _naive_count(store, client, item["k"]["S"])


def _operations(
    store: DynamoLeaderboards, client: DynamoDBClient, meter: _Meter, players: list[str]
) -> dict[str, Callable[[], object]]:
    someone = players[7]
    return {
        "submit accepted": lambda: store.submit(_sub(players[len(players) // 2], 10**9, "bench")),
        "top 100": lambda: store.top("b", limit=100),
        "rank_of": lambda: store.rank_of("b", someone),
        "around 5/5": lambda: store.around("b", someone),
        "count": lambda: store.count("b"),
        "naive submit": lambda: _naive_submit(store, client, meter),
        "naive rank_of": lambda: _naive_rank(store, client, someone),
        "naive count": lambda: _naive_count(store, client, None),
    }


HEADER: Final = (
    f"{'N':>7} {'k':>2} {'operation':<16} {'requests':>8} {'AWS req':>7} {'items':>7}"
    f" {'RCU':>7} {'WCU':>5}"
)


def _report(
    store: DynamoLeaderboards,
    client: DynamoDBClient,
    meter: _Meter,
    size: int,
    operations: dict[str, Callable[[], object]],
) -> None:
    counter = RequestCounter.attach(client)
    for label, operation in operations.items():
        counter.reset()
        meter.reset()
        operation()
        items = max(counter.items_scanned, counter.items_returned)
        # AWS's requests: moto's, with each query's 1 MB pages by AWS's item sizes
        aws = counter.total_requests - counter.calls["Query"] + meter.pages
        print(
            f"{size:>7,} {store.count_shards:>2} {label:<16} {counter.total_requests:>8}"
            f" {aws:>7} {items:>7,} {meter.rcu:>7.1f} {meter.wcu:>5}"
        )


def _store(
    client: DynamoDBClient, probe: DynamoDBClient, name: str, shards: int
) -> tuple[DynamoLeaderboards, _Meter]:
    store = DynamoLeaderboards(name, [SPEC], client, lambda: NOW, count_shards=shards)
    store.ensure_table()
    meter = _Meter(probe, name)
    meter.attach(client)
    client.meta.events.register("provide-client-params.dynamodb", _keep_params)
    return store, meter


def _hot_writes(store: DynamoLeaderboards, meter: _Meter) -> float:
    """The most updates one root item took per new entry, over ``NEW_ENTRIES`` submits."""
    meter.node_updates.clear()
    for number in range(NEW_ENTRIES):
        store.submit(_sub(f"new{number:03d}", 5 * 10**8 + number, f"new{number}"))
    roots = [times for sk, times in meter.node_updates.items() if sk.split("!")[0] == "N#"]
    return max(roots) / NEW_ENTRIES


def main(argv: Sequence[str]) -> None:
    quick = options(__doc__, argv).quick
    journal_transactions()
    query_sorted_partitions()
    server = MotoServer()
    server.start()
    clients = AwsClients(server.endpoint)
    try:
        probe = clients.dynamodb()
        print("DynamoLeaderboards: per operation on a board of N entries (k: count shards)")
        print("RCU: strongly consistent reads; WCU: transactions 2x, naive index writes included")
        print(HEADER)
        for size in (1_000,) if quick else (1_000, 10_000, 100_000):
            client = clients.dynamodb()
            store, meter = _store(client, probe, f"tap-lb-bench-{size}", 1)
            players = _load(store, size)
            _report(store, client, meter, size, _operations(store, client, meter, players))
            client.delete_table(TableName=store.table_name)  # moto's memory back for the next
        print(f"Hot item: the root node N# (its shards), {NEW_ENTRIES} new entries, empty board")
        print(f"{'k':>2} {'root writes / new entry':>24}")
        for count_shards in (1, MAX_COUNT_SHARDS):
            client = clients.dynamodb()
            name = f"tap-lb-bench-hot{count_shards}"
            store, meter = _store(client, probe, name, count_shards)
            print(f"{count_shards:>2} {_hot_writes(store, meter):>24.2f}")
        print(f"Reads with the counts sharded (k={MAX_COUNT_SHARDS}), bulk-loaded (all in shard 0)")
        print(HEADER)
        client = clients.dynamodb()
        store, meter = _store(client, probe, "tap-lb-bench-sharded", MAX_COUNT_SHARDS)
        players = _load(store, 1_000)
        reads = _operations(store, client, meter, players)
        wanted = ("submit accepted", "top 100", "rank_of", "around 5/5", "count")
        _report(store, client, meter, 1_000, {name: reads[name] for name in wanted})
    finally:
        server.stop()
