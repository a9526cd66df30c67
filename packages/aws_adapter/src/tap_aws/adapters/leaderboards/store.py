"""``DynamoLeaderboards``: the ``Leaderboards`` port on the base table of one DynamoDB table.

Every page (a board in one period) is one partition, ``pk = LB#{board}#{period}``:

- ``sk = P#{player}``: the entry (score, time, submission id, metadata, encoded key, revision,
  counted ids);
- ``sk = R#{encoded sort key}``: what a standings row needs, in rank order (the core's
  ``encode_sort_key`` is the sort key), so ``top`` is one Query;
- ``sk = N#{prefix}``: a node of the core's tree of counts (``tap_core.leaderboard.counts``),
  one number attribute ``c{child}`` per child, so a rank is a few node reads whatever the
  number of players. With ``count_shards=k`` (k > 1) each node is split into ``k`` shard
  items, ``N#{prefix}`` (shard 0) and ``N#{prefix}!{shard}``: a submit adds to one shard
  (chosen from its submission), a read sums all ``k`` in the same BatchGetItem, so the root
  and upper nodes every new entry updates take ``1/k`` of the writes each.

Reads are strongly consistent (read-your-writes; no GSI, which would be eventually
consistent). Reads are planned by ``tap_core.leaderboard.reads`` and writes decided by
``decide``, as ``InMemoryLeaderboards`` does. A submit is one GetItem and, when accepted, one
TransactWriteItems: the entry put on the condition ``decide`` names (its revision, or none),
the rank item moved, and ``ADD`` on the tree nodes where the old and new paths differ, with a
``ClientRequestToken`` derived from the decision (botocore's resend of a write whose answer was
lost is then not applied twice by DynamoDB). A cancelled transaction (the entry changed
meanwhile, or a conflict) is read and decided again.
"""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from tap_aws.adapters.tables import ensure_table
from tap_aws.resources import LEADERBOARD_TABLE
from tap_core.leaderboard import (
    BoardSpecs,
    Entry,
    Page,
    RankedEntry,
    check,
    counts,
    decide,
    decode_sort_key,
    encode_sort_key,
    period_key,
    plan_around,
    plan_page,
    plan_ranks_of,
    plan_top,
    unknown_board,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from mypy_boto3_dynamodb import DynamoDBClient

    from tap_core.clock import Clock
    from tap_core.leaderboard import LeaderboardSpec, Outcome, ScoreSubmission

ATTEMPTS: Final = 8
"""How many times a submit is decided and written before its last error is raised."""
FIRST_PAUSE: Final = 0.02
"""The first retry's pause in seconds; it doubles each round."""
_RETRYABLE: Final = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
_BATCH_GET_MAX: Final = 100
_BATCH_WRITE_MAX: Final = 25
_MOST_NODES_READ: Final = 2 * (len(counts.LEVELS) - 1)
"""At least the most nodes one read asks for: two paths (``around``: the player's and its first
row's)."""
MAX_COUNT_SHARDS: Final = _BATCH_GET_MAX // _MOST_NODES_READ
"""The most shards per node for which every read still fetches its nodes in one BatchGetItem."""
_SHARD_MARK: Final = "!"
_TOKEN_LENGTH: Final = 36
"""DynamoDB's longest ClientRequestToken."""


def _page_pk(board_id: str, period: str) -> str:
    return f"LB#{board_id}#{period}"


def _child(name: str) -> str:
    return f"c{name}"


def _node_sk(node: str, shard: int) -> str:
    """The sort key of one shard of a node (shard 0 is the node's unsharded item)."""
    return f"N#{node}" if shard == 0 else f"N#{node}{_SHARD_MARK}{shard}"


def _node_of(sk: str) -> str:
    """The node a node item (of any shard) counts for."""
    return sk[2:].split(_SHARD_MARK, 1)[0]


def _metadata(item: Mapping[str, Any]) -> Any:
    text = item.get("m")
    return None if text is None else json.loads(text["S"])


class DynamoLeaderboards:
    """The ``Leaderboards`` port on DynamoDB; answers exactly as ``InMemoryLeaderboards``.

    ``specs`` define the boards (a duplicate id raises ValueError); ``client`` is a boto3
    DynamoDB client (built on first use when None); ``clock`` returns the current time.
    ``count_shards`` (1 to :data:`MAX_COUNT_SHARDS`, 1 by default: off) splits every node of
    the tree of counts into that many items, for boards whose new entries come faster than
    one item takes writes; every reader and writer of a table must use the same value (or a
    larger one when reading).
    """

    def __init__(
        self,
        table_name: str,
        specs: Iterable[LeaderboardSpec],
        client: DynamoDBClient | None = None,
        clock: Clock | None = None,
        *,
        count_shards: int = 1,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if clock is None:
            raise ValueError("DynamoLeaderboards needs a clock, e.g. lambda: datetime.now(UTC)")
        if not 1 <= count_shards <= MAX_COUNT_SHARDS:
            raise ValueError(
                f"DynamoLeaderboards count_shards is 1 to {MAX_COUNT_SHARDS}, got {count_shards}"
            )
        self.count_shards = count_shards
        self._specs = BoardSpecs(specs)
        if client is None:
            from tap_aws import clients  # noqa: PLC0415 - built on first use, not at import

            client = clients.dynamodb()
        self._client = client
        self._clock = clock
        self._sleep = sleep
        self.table_name = table_name

    def ensure_table(self) -> None:
        """Create the table from the shared spec when it is missing; wait until it is active."""
        ensure_table(self._client, self.table_name, LEADERBOARD_TABLE)

    # -- writes -------------------------------------------------------------------------

    def submit(self, submission: ScoreSubmission) -> Outcome:
        spec = self._specs.get(submission.leaderboard_id)
        if spec is None:
            return unknown_board(submission.leaderboard_id)
        rejection = check(spec, submission, self._now())
        if rejection is not None:
            return rejection  # no request for what the submission earns on its own
        pk = _page_pk(spec.id, period_key(spec.reset, submission.achieved_at))
        pause = FIRST_PAUSE
        for attempt in range(ATTEMPTS):
            stored, old_key = self._entry(pk, submission.player_id)
            decision = decide(spec, stored, submission, self._now())
            if decision.entry is None:
                return decision.outcome
            expected, shard = decision.expected_revision, _shard(submission, self.count_shards)
            token = _request_token(self.table_name, pk, submission, expected, attempt)
            try:
                self._write(spec, pk, decision.entry, old_key, expected, shard=shard, token=token)
            except ClientError as error:
                if attempt == ATTEMPTS - 1 or not _retryable(error):
                    raise
                self._sleep(pause)
                pause *= 2
                continue
            return decision.outcome
        raise AssertionError("unreachable")  # pragma: no cover

    def _now(self) -> datetime:
        moment = self._clock()
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    def _entry(self, pk: str, player_id: str) -> tuple[Entry | None, str | None]:
        item = self._client.get_item(
            TableName=self.table_name,
            Key={"pk": {"S": pk}, "sk": {"S": f"P#{player_id}"}},
            ConsistentRead=True,
        ).get("Item")
        if item is None:
            return None, None
        return _entry_of(player_id, item), item["k"]["S"]

    def _write(
        self,
        spec: LeaderboardSpec,
        pk: str,
        entry: Entry,
        old_key: str | None,
        expected: int | None,
        *,
        shard: int,
        token: str,
    ) -> None:
        key = encode_sort_key(spec.order, entry.score, entry.achieved_at, entry.player_id)
        player = entry_item(pk, entry, key)
        rank = rank_item(pk, key, player)
        put: dict[str, Any] = {"TableName": self.table_name, "Item": player}
        if expected is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "rev = :rev"
            put["ExpressionAttributeValues"] = {":rev": {"N": str(expected)}}
        actions: list[dict[str, Any]] = [{"Put": put}]
        actions.append({"Put": {"TableName": self.table_name, "Item": rank}})
        if old_key is not None and old_key != key:
            actions.append(
                {
                    "Delete": {
                        "TableName": self.table_name,
                        "Key": {"pk": {"S": pk}, "sk": {"S": f"R#{old_key}"}},
                    }
                }
            )
        by_node: dict[str, dict[str, int]] = {}
        for (node, child), change in counts.deltas(old_key, key).items():
            by_node.setdefault(node, {})[child] = change
        for node, children in by_node.items():
            names = {f"#c{i}": _child(child) for i, child in enumerate(children)}
            values = {f":v{i}": {"N": str(change)} for i, change in enumerate(children.values())}
            actions.append(
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": {"pk": {"S": pk}, "sk": {"S": _node_sk(node, shard)}},
                        "UpdateExpression": "ADD "
                        + ", ".join(f"#c{i} :v{i}" for i in range(len(children))),
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": values,
                    }
                }
            )
        self._client.transact_write_items(
            TransactItems=actions,  # type: ignore[arg-type]
            ClientRequestToken=token,
        )

    # -- reads --------------------------------------------------------------------------

    def top(
        self,
        board_id: str,
        limit: int = 10,
        cursor: str | None = None,
        period: str | None = None,
    ) -> Page:
        plan = plan_top(
            self._specs, board_id, limit=limit, cursor=cursor, period=period, clock=self._clock
        )
        pk = _page_pk(board_id, plan.period)
        query: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :r)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":r": {"S": "R#"}},
            "Limit": plan.limit + 1,
            "ConsistentRead": True,
        }
        if plan.after is not None:
            query["ExclusiveStartKey"] = {"pk": {"S": pk}, "sk": {"S": f"R#{plan.after}"}}
        items = self._client.query(**query).get("Items", [])
        more = len(items) > plan.limit
        items = items[: plan.limit]
        keys = [item["sk"]["S"][2:] for item in items]
        if not keys:
            return Page([], None, plan.period, plan.resets_at)
        if plan.after is None:
            first_rank, first_position = 1, 1
        else:
            first_rank, first_position = self._place(pk, keys[0])
        entries = _rows(plan.spec, items, keys, first_rank, first_position)
        next_cursor = plan.next_cursor(keys[-1]) if more else None
        return Page(entries, next_cursor, plan.period, plan.resets_at)

    def rank_of(
        self, board_id: str, player_id: str, period: str | None = None
    ) -> RankedEntry | None:
        plan = plan_page(self._specs, board_id, period=period, clock=self._clock)
        pk = _page_pk(board_id, plan.period)
        stored, key = self._entry(pk, player_id)
        if stored is None or key is None:
            return None
        rank, position = self._place(pk, key)
        return _ranked(stored, rank, position)

    def ranks_of(
        self, board_id: str, player_ids: Iterable[str], period: str | None = None
    ) -> list[RankedEntry]:
        plan, players = plan_ranks_of(
            self._specs, board_id, player_ids, period=period, clock=self._clock
        )
        pk = _page_pk(board_id, plan.period)
        items = self._batch_get(pk, [f"P#{player}" for player in players])
        held = [(_entry_of(sk[2:], item), item["k"]["S"]) for sk, item in items.items()]
        nodes = self._nodes(pk, {node for _, key in held for node in counts.rank_nodes(key)})
        found = []
        for entry, key in held:
            rank = counts.rank_from(key, nodes)
            position = counts.position_from(key, nodes, self._tied_before(pk, key, nodes))
            found.append(_ranked(entry, rank, position))
        found.sort(key=lambda entry: entry.position)
        return found

    def around(
        self,
        board_id: str,
        player_id: str,
        before: int = 5,
        after: int = 5,
        period: str | None = None,
    ) -> list[RankedEntry]:
        plan = plan_around(
            self._specs,
            board_id,
            before=before,
            after=after,
            period=period,
            clock=self._clock,
        )
        pk = _page_pk(board_id, plan.period)
        stored, key = self._entry(pk, player_id)
        if stored is None or key is None:
            return []
        above = self._neighbours(pk, key, before, forward=False)[::-1]
        below = self._neighbours(pk, key, after, forward=True)
        first = above[0]["sk"]["S"][2:] if above else key
        wanted = set(counts.rank_nodes(key)) | set(counts.nodes_for(first[:16]))
        nodes = self._nodes(pk, wanted)
        position = counts.position_from(key, nodes, self._tied_above(pk, key, above, before, nodes))
        player_row = {"sk": {"S": f"R#{key}"}}
        if stored.metadata is not None:
            player_row["m"] = {"S": json.dumps(stored.metadata)}
        items = [*above, player_row, *below]
        keys = [item["sk"]["S"][2:] for item in items]
        first_rank = counts.rank_from(first, nodes)
        return _rows(plan.spec, items, keys, first_rank, position - len(above))

    def count(self, board_id: str, period: str | None = None) -> int:
        plan = plan_page(self._specs, board_id, period=period, clock=self._clock)
        pk = _page_pk(board_id, plan.period)
        if self.count_shards > 1:  # the root's shards in one BatchGetItem
            return counts.size(self._nodes(pk, {counts.ROOT}).get(counts.ROOT, {}))
        root = self._client.get_item(
            TableName=self.table_name,
            Key={"pk": {"S": pk}, "sk": {"S": _node_sk(counts.ROOT, 0)}},
            ConsistentRead=True,
        ).get("Item", {})
        return counts.size(_children(root))

    def repair(self, board_id: str, period: str) -> None:
        """Recompute the page's rank items and tree of counts from its entries.

        The counts are written whole into shard 0 of each node and every other shard item is
        deleted (a repaired node reads the same with any ``count_shards``).
        """
        plan = plan_page(self._specs, board_id, period=period, clock=self._clock)
        pk = _page_pk(board_id, plan.period)
        entries: dict[str, dict[str, Any]] = {}
        ranks: set[str] = set()
        nodes_present: set[str] = set()
        for item in self._all(pk):
            sk = item["sk"]["S"]
            if sk.startswith("P#"):
                entries[sk] = item
            elif sk.startswith("R#"):
                ranks.add(sk)
            elif sk.startswith("N#"):
                nodes_present.add(sk)
        writes: list[dict[str, Any]] = []
        keys = []
        wanted_ranks = set()
        for sk, item in entries.items():
            entry = _entry_of(sk[2:], item)
            key = encode_sort_key(plan.spec.order, entry.score, entry.achieved_at, entry.player_id)
            keys.append(key)
            wanted_ranks.add(f"R#{key}")
            writes.append({"PutRequest": {"Item": rank_item(pk, key, item)}})
            if item["k"]["S"] != key:
                writes.append({"PutRequest": {"Item": {**item, "k": {"S": key}}}})
        tree = counts.build(keys)
        writes += [{"PutRequest": {"Item": item}} for item in node_items(pk, tree)]
        stale = (ranks - wanted_ranks) | (nodes_present - {_node_sk(node, 0) for node in tree})
        writes += [
            {"DeleteRequest": {"Key": {"pk": {"S": pk}, "sk": {"S": sk}}}} for sk in sorted(stale)
        ]
        for start in range(0, len(writes), _BATCH_WRITE_MAX):
            request = {self.table_name: writes[start : start + _BATCH_WRITE_MAX]}
            pause = FIRST_PAUSE
            while request:
                answer = self._client.batch_write_item(RequestItems=request)  # type: ignore[arg-type]
                request = answer.get("UnprocessedItems") or {}  # type: ignore[assignment]
                if request:  # throttled: back off before sending what was left, as AWS advises
                    self._sleep(pause)
                    pause = min(pause * 2, 1.0)

    # -- helpers ------------------------------------------------------------------------

    def _place(self, pk: str, key: str) -> tuple[int, int]:
        nodes = self._nodes(pk, set(counts.rank_nodes(key)))
        rank = counts.rank_from(key, nodes)
        return rank, counts.position_from(key, nodes, self._tied_before(pk, key, nodes))

    def _tied_above(
        self,
        pk: str,
        key: str,
        above: list[dict[str, Any]],
        before: int,
        nodes: Mapping[str, Mapping[str, int]],
    ) -> int:
        """:meth:`_tied_before`, read off the rows just above the key when they reach past its
        tie group (or the top of the page): then no COUNT query is needed."""
        prefix = f"R#{key[: counts.TIME_PREFIX_LENGTH]}"
        tied = sum(1 for row in above if row["sk"]["S"].startswith(prefix))
        if len(above) < before or (above and tied < len(above)):
            return tied
        return self._tied_before(pk, key, nodes)

    def _tied_before(self, pk: str, key: str, nodes: Mapping[str, Mapping[str, int]]) -> int:
        """Keys with the same score and microsecond and a smaller player id (a COUNT query,
        only when the deepest node says another key shares the prefix; one request per 1 MB
        of tied rows scanned, as DynamoDB pages a COUNT like any Query)."""
        prefix = key[: counts.TIME_PREFIX_LENGTH]
        deepest = nodes.get(prefix[: counts.LEVELS[-2]], {})
        if deepest.get(prefix[counts.LEVELS[-2] :], 0) <= 1:
            return 0
        query: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": {
                ":pk": {"S": pk},
                ":low": {"S": f"R#{prefix}"},
                ":high": {"S": f"R#{key}"},
            },
            "Select": "COUNT",
            "ConsistentRead": True,
        }
        found = 0
        while True:
            answer = self._client.query(**query)
            found += int(answer["Count"])
            if "LastEvaluatedKey" not in answer:
                return found - 1  # BETWEEN includes the key itself
            query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def _nodes(self, pk: str, nodes: set[str]) -> dict[str, dict[str, int]]:
        """The counts of ``nodes``, each summed over its shards."""
        sks = [
            _node_sk(node, shard) for node in sorted(nodes) for shard in range(self.count_shards)
        ]
        found: dict[str, dict[str, int]] = {}
        for sk, item in self._batch_get(pk, sks).items():
            children = found.setdefault(_node_of(sk), {})
            for child, number in _children(item).items():
                children[child] = children.get(child, 0) + number
        return {
            node: {child: number for child, number in children.items() if number}
            for node, children in found.items()
        }

    def _batch_get(self, pk: str, sks: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(sks), _BATCH_GET_MAX):
            keys = [
                {"pk": {"S": pk}, "sk": {"S": sk}} for sk in sks[start : start + _BATCH_GET_MAX]
            ]
            request: dict[str, Any] = {self.table_name: {"Keys": keys, "ConsistentRead": True}}
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self.table_name, []):
                    found[item["sk"]["S"]] = item
                request = answer.get("UnprocessedKeys") or {}
        return found

    def _neighbours(self, pk: str, key: str, limit: int, *, forward: bool) -> list[Any]:
        """Up to ``limit`` rank items after (``forward``) or before ``key``, nearest first."""
        if limit == 0:
            return []
        answer = self._client.query(
            TableName=self.table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :r)",
            ExpressionAttributeValues={":pk": {"S": pk}, ":r": {"S": "R#"}},
            ExclusiveStartKey={"pk": {"S": pk}, "sk": {"S": f"R#{key}"}},
            ScanIndexForward=forward,
            Limit=limit,
            ConsistentRead=True,
        )
        return list(answer.get("Items", []))

    def _all(self, pk: str) -> Iterable[dict[str, Any]]:
        query: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }
        while True:
            answer = self._client.query(**query)
            yield from answer.get("Items", [])
            last = answer.get("LastEvaluatedKey")
            if not last:
                return
            query["ExclusiveStartKey"] = last


def page_key(board_id: str, period: str) -> str:
    """The partition key of a board's page in one period."""
    return _page_pk(board_id, period)


def entry_item(pk: str, entry: Entry, key: str) -> dict[str, Any]:
    """The player item of ``entry`` (encoded sort key ``key``) on the page ``pk``.

    Also how a bulk load writes entries (see :func:`page_items`).
    """
    item: dict[str, Any] = {
        "pk": {"S": pk},
        "sk": {"S": f"P#{entry.player_id}"},
        "s": {"N": str(entry.score)},
        "sid": {"S": entry.submission_id},
        "k": {"S": key},
        "rev": {"N": str(entry.revision)},
    }
    if entry.counted:
        item["cnt"] = {"L": [{"S": sid} for sid in entry.counted]}
    if entry.metadata is not None:
        text = json.dumps(entry.metadata, separators=(",", ":"), ensure_ascii=False)
        item["m"] = {"S": text}
    return item


def rank_item(pk: str, key: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    """The rank item of the entry item ``entry`` (encoded sort key ``key``): its standings row."""
    item: dict[str, Any] = {"pk": {"S": pk}, "sk": {"S": f"R#{key}"}}
    if "m" in entry:
        item["m"] = entry["m"]
    return item


def node_items(pk: str, tree: Mapping[str, Mapping[str, int]]) -> Iterator[dict[str, Any]]:
    """The node items (shard 0, whole counts) of a tree of counts (``counts.build``)."""
    for node, children in tree.items():
        item: dict[str, Any] = {"pk": {"S": pk}, "sk": {"S": _node_sk(node, 0)}}
        for child, number in children.items():
            item[_child(child)] = {"N": str(number)}
        yield item


def page_items(
    spec: LeaderboardSpec, period: str, entries: Iterable[Entry]
) -> Iterator[dict[str, Any]]:
    """Every item of a page holding ``entries``, as ``repair`` leaves it (a bulk load's state:
    entry, rank and node items)."""
    pk = _page_pk(spec.id, period)
    keys = []
    for entry in entries:
        key = encode_sort_key(spec.order, entry.score, entry.achieved_at, entry.player_id)
        keys.append(key)
        item = entry_item(pk, entry, key)
        yield item
        yield rank_item(pk, key, item)
    yield from node_items(pk, counts.build(keys))


def _shard(submission: ScoreSubmission, shards: int) -> int:
    """The shard a submission's counts go to: spread by its ids, the same on every retry."""
    if shards == 1:
        return 0
    return zlib.crc32(f"{submission.player_id}#{submission.submission_id}".encode()) % shards


def _request_token(
    table: str, pk: str, submission: ScoreSubmission, expected: int | None, attempt: int
) -> str:
    """The transaction's ClientRequestToken: the same for botocore's resends of one write (so
    a write whose answer was lost is not applied twice), new for each decided attempt."""
    text = f"{table}\n{pk}\n{submission.player_id}\n{submission.submission_id}\n{expected}"
    return hashlib.sha256(f"{text}\n{attempt}".encode()).hexdigest()[:_TOKEN_LENGTH]


def _retryable(error: ClientError) -> bool:
    if error.response["Error"]["Code"] == "TransactionConflictException":
        return True
    if error.response["Error"]["Code"] != "TransactionCanceledException":
        return False
    reasons = error.response.get("CancellationReasons", [])
    codes = {reason.get("Code") for reason in reasons} - {"None", None}
    return not reasons or (bool(codes) and codes <= _RETRYABLE)


def _children(item: Mapping[str, Any]) -> dict[str, int]:
    return {
        name[1:]: int(value["N"])
        for name, value in item.items()
        if name.startswith("c") and int(value["N"])
    }


def _entry_of(player_id: str, item: Mapping[str, Any]) -> Entry:
    return Entry(
        player_id=player_id,
        score=int(item["s"]["N"]),
        achieved_at=decode_sort_key("desc", item["k"]["S"])[1],
        submission_id=item["sid"]["S"],
        metadata=_metadata(item),
        revision=int(item["rev"]["N"]),
        counted=tuple(value["S"] for value in item.get("cnt", {}).get("L", [])),
    )


def _ranked(entry: Entry, rank: int, position: int) -> RankedEntry:
    return RankedEntry(
        rank, position, entry.player_id, entry.score, entry.achieved_at, entry.metadata
    )


def _rows(
    spec: LeaderboardSpec,
    items: list[Any],
    keys: list[str],
    first_rank: int,
    first_position: int,
) -> list[RankedEntry]:
    """Standings rows of consecutive keys, the first at ``first_rank``/``first_position``."""
    rows = []
    rank, previous = first_rank, keys[0][:16]
    for offset, (item, key) in enumerate(zip(items, keys, strict=True)):
        position = first_position + offset
        if not key.startswith(previous):
            rank, previous = position, key[:16]
        score, achieved_at, player = decode_sort_key(spec.order, key)
        rows.append(RankedEntry(rank, position, player, score, achieved_at, _metadata(item)))
    return rows
