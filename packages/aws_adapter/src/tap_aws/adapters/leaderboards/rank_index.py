"""``DynamoRankIndex``: the core's ``RankIndex`` port on the leaderboard table, and the
stream's records read as moves.

Items (``layout``): held rows ``H#{player}`` beside the entries, rank rows ``R#{key}`` under
the page key, the tree of counts' nodes (``count_shards`` items per node, spread over
``node_partitions`` keys). Reads fetch their nodes in one BatchGetItem across keys and shards.

`apply` settles the moves against the held rows (one BatchGetItem per 100 players), cuts the
net moves into groups (``tap_core.leaderboard.moves.groups``: at most 100 items, as many
players as fit, each node once per group with the group's merged changes) and writes each
group as one TransactWriteItems: every held row on the condition that it still holds the
revision it was settled against. ``ADD`` is not idempotent, but a group is atomic: a duplicate,
a retried or bisected batch, or a move that arrives after a newer one finds a held row moved,
the transaction is cancelled whole, and its players are read and settled again (a superseded
move then settles to nothing). The ``ClientRequestToken`` is derived from the group's content,
so botocore's resend of a group whose answer was lost is not applied twice. The synchronous
store (``DynamoLeaderboards``) and the ``rank_index`` stream function both use `apply`.
"""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from botocore.exceptions import ClientError

from tap_aws.adapters.leaderboards import layout
from tap_aws.adapters.tables import ensure_table
from tap_aws.resources import BATCH_GET_ITEM_KEYS, LEADERBOARD_TABLE, MAX_COUNT_SHARDS
from tap_core.leaderboard import Entry, Held, PageId, Placed, counts, decode_sort_key
from tap_core.leaderboard.index import NOTHING_HELD, RankIndexUnavailable
from tap_core.leaderboard.moves import Record, groups, move_of, settle
from tap_core.leaderboard.ranking import SCORE_PREFIX_LENGTH

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from mypy_boto3_dynamodb import DynamoDBClient

    from tap_core.leaderboard import BoardSpecs, Move
    from tap_core.leaderboard.moves import Group, Slot

ATTEMPTS: Final = 8
"""Rounds of settle-and-write before `apply` gives up on the players still unwritten."""
FIRST_PAUSE: Final = 0.02
"""The pause in seconds before the second round; it doubles each round."""
_TOKEN_LENGTH: Final = 36
"""DynamoDB's longest ClientRequestToken."""
_RETRYABLE: Final = frozenset({"ConditionalCheckFailed", "TransactionConflict", "None"})


class Unapplied(NamedTuple):
    """Players whose moves `DynamoRankIndex.try_apply` could not write, and why."""

    slots: frozenset[Slot]
    error: Exception


def _child(name: str) -> str:
    return f"c{name}"


def children_of(item: Mapping[str, Any]) -> dict[str, int]:
    """A node item's nonzero child counts."""
    return {
        name[1:]: int(value["N"])
        for name, value in item.items()
        if name.startswith("c") and int(value["N"])
    }


def entry_of(player_id: str, item: Mapping[str, Any]) -> Entry:
    """The entry an entry item (or a stream image of one) holds."""
    text = item.get("m")
    return Entry(
        player_id=player_id,
        score=int(item["s"]["N"]),
        achieved_at=decode_sort_key("desc", item["k"]["S"])[1],
        submission_id=item["sid"]["S"],
        metadata=None if text is None else json.loads(text["S"]),
        revision=int(item["rev"]["N"]),
        counted=tuple(value["S"] for value in item.get("cnt", {}).get("L", [])),
    )


def rank_row(page: str, key: str, row: str | None) -> dict[str, Any]:
    """The rank row of ``key`` on page key ``page``, with the entry's metadata (``row``)."""
    item: dict[str, Any] = {"pk": {"S": page}, "sk": {"S": f"R#{key}"}}
    if row is not None:
        item["m"] = {"S": row}
    return item


class DynamoRankIndex:
    """The ``RankIndex`` port on DynamoDB (see the module).

    ``count_shards`` (1 to `MAX_COUNT_SHARDS`) splits each node into that many items, a
    group's changes going to one of them (reads sum them); ``node_partitions`` spreads the
    nodes over that many partition keys. Every reader and writer of a table uses the same
    values (more count shards when reading is harmless).
    """

    def __init__(
        self,
        table_name: str,
        client: DynamoDBClient | None = None,
        *,
        node_partitions: int = layout.NODE_PARTITIONS,
        count_shards: int = 1,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if node_partitions < 1:
            raise ValueError(f"node_partitions is 1 or more, got {node_partitions}")
        if not 1 <= count_shards <= MAX_COUNT_SHARDS:
            raise ValueError(f"count_shards is 1 to {MAX_COUNT_SHARDS}, got {count_shards}")
        if client is None:
            from tap_aws import clients  # noqa: PLC0415 - built on first use, not at import

            client = clients.dynamodb()
        self._client = client
        self._sleep = sleep
        self.table_name = table_name
        self.node_partitions = node_partitions
        self.count_shards = count_shards

    def ensure_table(self) -> None:
        """Create the table from the shared spec when it is missing; wait until it is active."""
        ensure_table(self._client, self.table_name, LEADERBOARD_TABLE)

    # -- writes -------------------------------------------------------------------------

    def apply(self, moves: Iterable[Move]) -> None:
        unapplied = self.try_apply(moves)
        if unapplied is not None:
            raise unapplied.error

    def try_apply(
        self, moves: Iterable[Move], held: Mapping[Slot, Held] | None = None
    ) -> Unapplied | None:
        """Apply ``moves`` (see the module); None when every player's newest move is held.

        ``held``: what the index holds for the moves' players, when the caller has read it
        (else one BatchGetItem per 100 players). Otherwise the players not written and the
        last error: a cancelled group's players are read and settled again, up to `ATTEMPTS`
        rounds, and any other error stops at once.
        """
        pending = list(moves)
        pause = FIRST_PAUSE
        error: Exception | None = None
        for _ in range(ATTEMPTS):
            slots = {(move.page, move.player_id) for move in pending}
            if held is None:
                held = self.held(slots)
            retry: set[Slot] = set()
            for number, group in enumerate(groups(_nearby(settle(held, pending)))):
                try:
                    self._write(group, held)
                except ClientError as failed:
                    error = failed
                    if not _retryable(failed):
                        left = groups(_nearby(settle(held, pending)))[number:]
                        done = {(m.page, m.player_id) for g in left for m in g.moves}
                        return Unapplied(frozenset(done | retry), failed)
                    retry |= {(move.page, move.player_id) for move in group.moves}
            if not retry:
                return None
            pending = [move for move in pending if (move.page, move.player_id) in retry]
            held = None
            self._sleep(pause)
            pause *= 2
        last = error or RuntimeError("unreachable: a round that retries had an error")
        return Unapplied(frozenset((m.page, m.player_id) for m in pending), last)

    def _write(self, group: Group, held: Mapping[Slot, Held]) -> None:
        """One group as one transaction (see the module)."""
        shown = [
            (m.page, m.player_id, held.get((m.page, m.player_id), NOTHING_HELD).revision, m)
            for m in group.moves
        ]
        token = hashlib.sha256(
            json.dumps([self.table_name, [[*s[:3], *s[3][2:5]] for s in shown]]).encode()
        ).hexdigest()[:_TOKEN_LENGTH]
        shard = zlib.crc32(token.encode()) % self.count_shards
        actions: list[dict[str, Any]] = []
        for page, player, was, move in shown:
            actions += self._player_actions(move, page, player, was)
        for page, nodes in group.nodes.items():
            for node, children in nodes.items():
                actions.append({"Update": self._node_update(page, node, children, shard)})
        self._client.transact_write_items(
            TransactItems=actions,  # type: ignore[arg-type]
            ClientRequestToken=token,
        )

    def _player_actions(
        self, move: Move, page: PageId, player: str, was: int
    ) -> list[dict[str, Any]]:
        """The held row on the condition that it holds revision ``was``, and the rank rows."""
        pk = layout.page_key(*page)
        item: dict[str, Any] = {**layout.held_key(pk, player), "rev": {"N": str(move.revision)}}
        if move.new_key is not None:
            item["k"] = {"S": move.new_key}
        put: dict[str, Any] = {"TableName": self.table_name, "Item": item}
        if was == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "rev = :was"
            put["ExpressionAttributeValues"] = {":was": {"N": str(was)}}
        actions: list[dict[str, Any]] = [{"Put": put}]
        if move.old_key is not None and move.old_key != move.new_key:
            old = {"pk": {"S": pk}, "sk": {"S": f"R#{move.old_key}"}}
            actions.append({"Delete": {"TableName": self.table_name, "Key": old}})
        if move.new_key is not None:  # a new key's row, or the same key's row with new metadata
            row = rank_row(pk, move.new_key, move.row)
            actions.append({"Put": {"TableName": self.table_name, "Item": row}})
        return actions

    def _node_update(
        self, page: PageId, node: str, children: Mapping[str, int], shard: int
    ) -> dict[str, Any]:
        names = {f"#c{i}": _child(child) for i, child in enumerate(children)}
        values = {f":v{i}": {"N": str(change)} for i, change in enumerate(children.values())}
        return {
            "TableName": self.table_name,
            "Key": layout.node_key(layout.page_key(*page), node, shard, self.node_partitions),
            "UpdateExpression": "ADD " + ", ".join(f"#c{i} :v{i}" for i in range(len(children))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    # -- reads (the port) ---------------------------------------------------------------

    def count(self, page: PageId) -> int:
        return counts.size(self.nodes(page, {counts.ROOT}).get(counts.ROOT, {}))

    def count_below(self, page: PageId, key: str) -> int:
        return self._below(page, [key])[key]

    def top(self, page: PageId, limit: int, after: str | None = None) -> list[Placed]:
        keys = [row["sk"]["S"][2:] for row in self.rank_rows(page, after, limit, forward=True)]
        if after is None and keys:  # the first row of the page is first
            return self._placed_from(keys, 1, 1)
        return self._placed(page, keys)

    def around(self, page: PageId, player_id: str, before: int, after: int) -> list[Placed]:
        key = self.held({(page, player_id)}).get((page, player_id), NOTHING_HELD).key
        if key is None:
            return []
        above = [row["sk"]["S"][2:] for row in self.rank_rows(page, key, before, forward=False)]
        below = [row["sk"]["S"][2:] for row in self.rank_rows(page, key, after, forward=True)]
        return self._placed(page, [*above[::-1], key, *below])

    def ranks_of(self, page: PageId, player_ids: Iterable[str]) -> list[Placed]:
        slots = {(page, player) for player in player_ids}
        keys = [held.key for held in self.held(slots).values() if held.key is not None]
        below = self._below(page, [*keys, *(key[:SCORE_PREFIX_LENGTH] for key in keys)])
        placed = [Placed(key, below[key[:SCORE_PREFIX_LENGTH]] + 1, below[key] + 1) for key in keys]
        return sorted(placed, key=lambda one: one.position)

    # -- reads (shared with DynamoLeaderboards) -----------------------------------------

    def held(self, slots: Iterable[Slot]) -> dict[Slot, Held]:
        """What the index holds for ``slots`` (BatchGetItem per 100; missing: nothing)."""
        by_key: dict[tuple[str, str], Slot] = {}
        for page, player in slots:
            key = layout.held_key(layout.page_key(*page), player)
            by_key[key["pk"]["S"], key["sk"]["S"]] = (page, player)
        items = self.get([{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in by_key])
        return {by_key[item["pk"]["S"], item["sk"]["S"]]: held_of(item) for item in items}

    def nodes(self, page: PageId, nodes: set[str]) -> dict[str, dict[str, int]]:
        """The counts of ``nodes``, each summed over its shards, in one BatchGetItem (per 100)
        across partition keys."""
        pk = layout.page_key(*page)
        keys = [
            layout.node_key(pk, node, shard, self.node_partitions)
            for node in sorted(nodes)
            for shard in range(self.count_shards)
        ]
        found: dict[str, dict[str, int]] = {}
        for item in self.get(keys):
            children = found.setdefault(layout.node_of(item["sk"]["S"]), {})
            for child, number in children_of(item).items():
                children[child] = children.get(child, 0) + number
        return {
            node: {child: number for child, number in children.items() if number}
            for node, children in found.items()
        }

    def place(self, page: PageId, key: str, nodes: Mapping[str, Mapping[str, int]]) -> int:
        """Keys the index holds with ``key``'s score and time and a smaller player id, for a
        ``key`` it holds: a COUNT Query, only when the deepest node says another key shares
        the prefix (one request per 1 MB of tied rows scanned)."""
        prefix = key[: counts.TIME_PREFIX_LENGTH]
        deepest = nodes.get(prefix[: counts.LEVELS[-2]], {})
        if deepest.get(prefix[counts.LEVELS[-2] :], 0) <= 1:
            return 0
        return self._tied(page, key, select_count=True) - 1  # BETWEEN includes the key

    def rank_rows(
        self, page: PageId, start: str | None, limit: int, *, forward: bool
    ) -> list[dict[str, Any]]:
        """Up to ``limit`` rank rows after (``forward``) or before the key ``start`` (None:
        from the first), nearest first: one Query."""
        if limit == 0:
            return []
        pk = layout.page_key(*page)
        query: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :r)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":r": {"S": "R#"}},
            "ScanIndexForward": forward,
            "Limit": limit,
            "ConsistentRead": True,
        }
        if start is not None:
            query["ExclusiveStartKey"] = {"pk": {"S": pk}, "sk": {"S": f"R#{start}"}}
        return list(self._client.query(**query).get("Items", []))

    def get(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The items of ``keys`` that exist: strongly consistent BatchGetItem per 100, keys left
        unprocessed (throttling) read again after a doubling pause, up to `ATTEMPTS` rounds;
        then ``RankIndexUnavailable`` (the API's 503), naming the table."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), BATCH_GET_ITEM_KEYS):
            chunk = keys[start : start + BATCH_GET_ITEM_KEYS]
            request: dict[str, Any] = {self.table_name: {"Keys": chunk, "ConsistentRead": True}}
            for attempt in range(ATTEMPTS):
                if attempt:
                    self._sleep(FIRST_PAUSE * 2 ** (attempt - 1))
                answer = self._client.batch_get_item(RequestItems=request)
                found += answer.get("Responses", {}).get(self.table_name, [])
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                left = len(request[self.table_name]["Keys"])
                raise RankIndexUnavailable(
                    f"{left} keys of table {self.table_name} stayed unprocessed after "
                    f"{ATTEMPTS} reads (throttled)"
                )
        return found

    # -- helpers ------------------------------------------------------------------------

    def _placed(self, page: PageId, keys: list[str]) -> list[Placed]:
        """Consecutive keys of the page with their places (the first's read from the tree)."""
        if not keys:
            return []
        first = keys[0]
        nodes = self.nodes(page, set(counts.rank_nodes(first)))
        rank = counts.rank_from(first, nodes)
        position = counts.position_from(first, nodes, self.place(page, first, nodes))
        return self._placed_from(keys, rank, position)

    @staticmethod
    def _placed_from(keys: list[str], rank: int, position: int) -> list[Placed]:
        placed, previous = [], keys[0][:SCORE_PREFIX_LENGTH]
        for offset, key in enumerate(keys):
            if not key.startswith(previous):
                rank, previous = position + offset, key[:SCORE_PREFIX_LENGTH]
            placed.append(Placed(key, rank, position + offset))
        return placed

    def _below(self, page: PageId, targets: list[str]) -> dict[str, int]:
        """How many indexed keys sort before each target (any string): the tree for its
        first 31 characters, then the rank rows that share them and sort before it."""
        wanted = {
            target[:low]
            for target in targets
            for low in counts.LEVELS
            if low < len(target[: counts.TIME_PREFIX_LENGTH])
        }
        nodes = self.nodes(page, wanted)
        found = {}
        for target in targets:
            total = counts.count_below(target[: counts.TIME_PREFIX_LENGTH], nodes)
            prefix = target[: counts.TIME_PREFIX_LENGTH]
            deepest = nodes.get(prefix[: counts.LEVELS[-2]], {})
            if len(target) > counts.TIME_PREFIX_LENGTH and deepest.get(
                prefix[counts.LEVELS[-2] :], 0
            ):
                total += self._tied(page, target, select_count=False)
            found[target] = total
        return found

    def _tied(self, page: PageId, target: str, *, select_count: bool) -> int:
        """Rank rows with the target's 31-character prefix up to the target (with it when
        ``select_count``: a COUNT of BETWEEN; else strictly before it)."""
        prefix = target[: counts.TIME_PREFIX_LENGTH]
        query: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": {
                ":pk": {"S": layout.page_key(*page)},
                ":low": {"S": f"R#{prefix}"},
                ":high": {"S": f"R#{target}"},
            },
            "ConsistentRead": True,
        }
        if select_count:
            query["Select"] = "COUNT"
        else:
            query["ProjectionExpression"] = "sk"
        found = 0
        while True:
            answer = self._client.query(**query)
            if select_count:
                found += int(answer["Count"])
            else:
                items = answer.get("Items", [])
                found += sum(1 for item in items if item["sk"]["S"] < f"R#{target}")
            if "LastEvaluatedKey" not in answer:
                return found
            query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _nearby(net: list[Move]) -> list[Move]:
    """``net`` in key order: neighbours share more of their paths, so more of them fit one
    group (fewer transactions, fewer writes of the upper nodes)."""
    return sorted(net, key=lambda move: (move.page, move.new_key or move.old_key or ""))


def held_of(item: Mapping[str, Any]) -> Held:
    """What a held row holds."""
    return Held(item.get("k", {}).get("S"), int(item["rev"]["N"]))


def _retryable(error: ClientError) -> bool:
    """A cancelled group whose only reasons are a moved held row or a conflict: read again."""
    code = error.response["Error"]["Code"]
    if code == "TransactionConflictException":
        return True
    if code != "TransactionCanceledException":
        return False
    reasons = {
        reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])
    }
    return reasons <= _RETRYABLE


def stream_record(record: Mapping[str, Any], boards: BoardSpecs) -> Record | None:
    """The move a DynamoDB stream record of the leaderboard table carries, with its sequence
    number: None for an item that is not an entry, a board ``boards`` does not define, or a
    change that keeps the entry's key (the core's ``move_of`` decides).

    ``record`` is one element of a Lambda event's ``Records`` (or of GetRecords), with the
    stream's view type NEW_AND_OLD_IMAGES.
    """
    change = record["dynamodb"]
    pk, sk = change["Keys"]["pk"]["S"], change["Keys"]["sk"]["S"]
    page = layout.page_of_entry(pk)
    if page is None or not sk.startswith(layout.ENTRY_PREFIX):
        return None
    spec = boards.get(page[0])
    if spec is None:
        return None
    player = sk[len(layout.ENTRY_PREFIX) :]
    old, new = change.get("OldImage"), change.get("NewImage")
    move = move_of(
        PageId(spec.id, page[1]),
        spec.order,
        None if old is None else entry_of(player, old),
        None if new is None else entry_of(player, new),
    )
    return None if move is None else Record(int(change["SequenceNumber"]), move)
