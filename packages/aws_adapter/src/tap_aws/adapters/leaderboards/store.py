"""``DynamoLeaderboards``: the ``Leaderboards`` port on the base table of one DynamoDB table.

It answers as ``InMemoryLeaderboards`` does (the same contract suite runs on both): reads are
planned by ``tap_core.leaderboard.reads`` and strongly consistent, writes decided by
``decide``. A submit is one GetItem and, when accepted, one TransactWriteItems conditioned on
the entry's revision, with a ``ClientRequestToken`` derived from the decision, so a resent
write is not applied twice; a cancelled transaction is read and decided again.

The table design (entries, rank items and the sharded tree of counts, one partition per page)
and the request costs are in ``packages/aws_adapter/README.md`` ("DynamoLeaderboards").
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
from tap_aws.resources import BATCH_GET_ITEM_KEYS, LEADERBOARD_TABLE, MAX_COUNT_SHARDS
from tap_core.leaderboard import (
    BoardSpecs,
    Entry,
    Held,
    Page,
    PageId,
    Placed,
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
from tap_core.leaderboard.index import NOTHING_HELD
from tap_core.leaderboard.moves import Record, move_of, settle
from tap_core.leaderboard.ranking import SCORE_PREFIX_LENGTH

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from mypy_boto3_dynamodb import DynamoDBClient

    from tap_core.clock import Clock
    from tap_core.leaderboard import LeaderboardSpec, Move, Outcome, ScoreSubmission
    from tap_core.leaderboard.moves import Batch

ATTEMPTS: Final = 8
"""How many times a submit is decided and written before its last error is raised."""
FIRST_PAUSE: Final = 0.02
"""The first retry's pause in seconds; it doubles each round."""
_RETRYABLE: Final = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
_BATCH_GET_MAX: Final = BATCH_GET_ITEM_KEYS
_BATCH_WRITE_MAX: Final = 25
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
    ``count_shards`` (1 to `MAX_COUNT_SHARDS`, 1 by default: off) splits every node of
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
        """`_tied_before`, read off the rows just above the key when they reach past its
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

    Also how a bulk load writes entries (see `page_items`).
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


# -- the rank index on its own: the core's RankIndex port, and a stream batch's apply ----------


class DynamoRankIndex:
    """The core's ``RankIndex`` port on the leaderboard table: held keys, rank rows, a tree of
    counts whose nodes may spread over several partition keys.

    Items of a page ``pk = LB#{board}#{period}``: ``H#{player}`` (the key and revision the
    index holds for the player; no key once removed), ``R#{key}`` (a rank row: ``top`` and
    ``around`` are Queries), and the tree's nodes ``N#{prefix}`` (children ``c{digits}``; a
    stream shard's checkpoint ``q{shard}``) under ``pk`` or, with ``node_partitions=k`` > 1,
    under ``{pk}#N{i}`` for ``i = counts.node_partition(prefix, k)``: a read still fetches its
    nodes in one BatchGetItem.

    Two ways in, not to be mixed on one page:

    - `apply` (the port; a synchronous store): per player, the newest move of the call
      is one transaction (held row on the condition that its revision is older, rank rows, the
      node ADDs of that one move), so a retry or an older move changes nothing.
    - `apply_batch` (the stream): a shard's batch as ``tap_core.leaderboard.moves.Batch``
      says: every node written once per batch with the shard's checkpoint, then the players.

    Give it a table of its own while ``DynamoLeaderboards`` writes its own ``R#``/``N#`` items
    on the entries' table (the names are the same), which also keeps the index's writes out
    of the entries' stream.
    """

    def __init__(
        self,
        table_name: str,
        client: DynamoDBClient | None = None,
        *,
        node_partitions: int = 1,
    ) -> None:
        if node_partitions < 1:
            raise ValueError(f"node_partitions is 1 or more, got {node_partitions}")
        if client is None:
            from tap_aws import clients  # noqa: PLC0415 - built on first use, not at import

            client = clients.dynamodb()
        self._client = client
        self.table_name = table_name
        self.node_partitions = node_partitions

    def ensure_table(self) -> None:
        """Create the table from the shared spec when it is missing; wait until it is active."""
        ensure_table(self._client, self.table_name, LEADERBOARD_TABLE)

    # -- writes -------------------------------------------------------------------------

    def apply(self, moves: Iterable[Move]) -> None:
        moves = list(moves)
        held = self._held({(move.page, move.player_id) for move in moves})
        for move in settle(held, moves):
            actions = self._player_actions(move)
            by_node: dict[str, dict[str, int]] = {}
            for (node, child), change in counts.deltas(move.old_key, move.new_key).items():
                by_node.setdefault(node, {})[child] = change
            for node, children in by_node.items():
                update = self._node_update(move.page, node, children)
                actions.append({"Update": update})
            self._transact(actions)

    def apply_batch(self, batch: Batch) -> None:
        """Apply a stream shard's batch: each node written once, idempotently (see ``Batch``).

        Raises what the table raises; a retry of the same records (or a shorter or longer
        run from the same start) then counts every change once.
        """
        held = self._held(batch.slots())
        changes = batch.node_deltas(held)
        for page, nodes in batch.nodes(held).items():
            for node in sorted(nodes):
                self._checkpointed(batch, held, page, node, changes.get(page, {}).get(node, {}))
        for move in batch.net(held):
            self._transact(self._player_actions(move))

    def _checkpointed(
        self,
        batch: Batch,
        held: Mapping[tuple[PageId, str], Held],
        page: PageId,
        node: str,
        children: Mapping[str, int],
    ) -> None:
        first = self._node_update(page, node, children, shard=batch.shard, last=batch.last)
        first["ExpressionAttributeValues"][":first"] = {"N": str(batch.first)}
        first["ConditionExpression"] = "attribute_not_exists(#q) OR #q < :first"
        try:
            self._client.update_item(**first)
            return
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        item = self._client.get_item(
            TableName=self.table_name, Key=first["Key"], ConsistentRead=True
        ).get("Item", {})
        mark = int(item[f"q{batch.shard}"]["N"])
        if mark >= batch.last:
            return  # this node has counted the batch
        since = batch.node_deltas(held, mark).get(page, {}).get(node, {})
        again = self._node_update(page, node, since, shard=batch.shard, last=batch.last)
        again["ExpressionAttributeValues"][":mark"] = {"N": str(mark)}
        again["ConditionExpression"] = "#q = :mark"
        self._client.update_item(**again)  # a conflict raises: the batch is retried

    def _node_update(
        self,
        page: PageId,
        node: str,
        children: Mapping[str, int],
        *,
        shard: str | None = None,
        last: int = 0,
    ) -> dict[str, Any]:
        """An UpdateItem adding ``children`` to ``node``; with ``shard``, also setting the
        shard's checkpoint ``#q`` to ``last``."""
        names = {f"#c{i}": _child(child) for i, child in enumerate(children)}
        values = {f":v{i}": {"N": str(change)} for i, change in enumerate(children.values())}
        parts = []
        if children:
            parts.append("ADD " + ", ".join(f"#c{i} :v{i}" for i in range(len(children))))
        if shard is not None:
            parts.append("SET #q = :last")
            names["#q"] = f"q{shard}"
            values[":last"] = {"N": str(last)}
        return {
            "TableName": self.table_name,
            "Key": self._node_key(page, node),
            "UpdateExpression": " ".join(parts),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def _player_actions(self, move: Move) -> list[dict[str, Any]]:
        """The held row on the condition that it is older, and the rank rows it moves."""
        pk = _page_pk(*move.page)
        held: dict[str, Any] = {
            "pk": {"S": pk},
            "sk": {"S": f"H#{move.player_id}"},
            "rev": {"N": str(move.revision)},
        }
        if move.new_key is not None:
            held["k"] = {"S": move.new_key}
        actions: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": held,
                    "ConditionExpression": "attribute_not_exists(pk) OR rev < :rev",
                    "ExpressionAttributeValues": {":rev": {"N": str(move.revision)}},
                }
            }
        ]
        if move.old_key is not None and move.old_key != move.new_key:
            actions.append(
                {
                    "Delete": {
                        "TableName": self.table_name,
                        "Key": {"pk": {"S": pk}, "sk": {"S": f"R#{move.old_key}"}},
                    }
                }
            )
        if move.new_key is not None and move.old_key != move.new_key:
            row = {"pk": {"S": pk}, "sk": {"S": f"R#{move.new_key}"}}
            actions.append({"Put": {"TableName": self.table_name, "Item": row}})
        return actions

    def _transact(self, actions: list[dict[str, Any]]) -> None:
        """One player's transaction; a failed revision condition means a newer move is held."""
        try:
            self._client.transact_write_items(TransactItems=actions)  # type: ignore[arg-type]
        except ClientError as error:
            reasons = error.response.get("CancellationReasons", [])
            if not reasons or reasons[0].get("Code") != "ConditionalCheckFailed":
                raise

    # -- reads --------------------------------------------------------------------------

    def count(self, page: PageId) -> int:
        return counts.size(self._nodes(page, {counts.ROOT}).get(counts.ROOT, {}))

    def count_below(self, page: PageId, key: str) -> int:
        return self._below(page, [key])[key]

    def top(self, page: PageId, limit: int, after: str | None = None) -> list[Placed]:
        query: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :r)",
            "ExpressionAttributeValues": {":pk": {"S": _page_pk(*page)}, ":r": {"S": "R#"}},
            "Limit": limit,
            "ConsistentRead": True,
        }
        if after is not None:
            query["ExclusiveStartKey"] = {"pk": {"S": _page_pk(*page)}, "sk": {"S": f"R#{after}"}}
        keys = [item["sk"]["S"][2:] for item in self._client.query(**query).get("Items", [])]
        return self._placed(page, keys)

    def around(self, page: PageId, player_id: str, before: int, after: int) -> list[Placed]:
        key = self._held({(page, player_id)}).get((page, player_id), NOTHING_HELD).key
        if key is None:
            return []
        pk = _page_pk(*page)
        above = [row["sk"]["S"][2:] for row in self._neighbours(pk, key, before, forward=False)]
        below = [row["sk"]["S"][2:] for row in self._neighbours(pk, key, after, forward=True)]
        return self._placed(page, [*above[::-1], key, *below])

    def ranks_of(self, page: PageId, player_ids: Iterable[str]) -> list[Placed]:
        slots = {(page, player) for player in player_ids}
        keys = [held.key for held in self._held(slots).values() if held.key is not None]
        below = self._below(page, [*keys, *(key[:SCORE_PREFIX_LENGTH] for key in keys)])
        placed = [Placed(key, below[key[:SCORE_PREFIX_LENGTH]] + 1, below[key] + 1) for key in keys]
        return sorted(placed, key=lambda one: one.position)

    # -- helpers ------------------------------------------------------------------------

    def _placed(self, page: PageId, keys: list[str]) -> list[Placed]:
        """Consecutive keys of the page with their places (the first's read from the tree)."""
        if not keys:
            return []
        first = keys[0]
        below = self._below(page, [first, first[:SCORE_PREFIX_LENGTH]])
        rank, position = below[first[:SCORE_PREFIX_LENGTH]] + 1, below[first] + 1
        placed, previous = [], first[:SCORE_PREFIX_LENGTH]
        for offset, key in enumerate(keys):
            if not key.startswith(previous):
                rank, previous = position + offset, key[:SCORE_PREFIX_LENGTH]
            placed.append(Placed(key, rank, position + offset))
        return placed

    def _below(self, page: PageId, targets: list[str]) -> dict[str, int]:
        """How many indexed keys sort before each target: the tree for its first 31
        characters (a partial last level compares as a string prefix does), then a COUNT of
        the rank rows that share those 31 characters and sort before the target."""
        wanted = {
            target[:low]
            for target in targets
            for low in counts.LEVELS
            if low < len(target[: counts.TIME_PREFIX_LENGTH])
        }
        nodes = self._nodes(page, wanted)
        found = {}
        for target in targets:
            total = counts.count_below(target[: counts.TIME_PREFIX_LENGTH], nodes)
            if len(target) > counts.TIME_PREFIX_LENGTH:
                total += self._tied(page, target, nodes)
            found[target] = total
        return found

    def _tied(self, page: PageId, target: str, nodes: Mapping[str, Mapping[str, int]]) -> int:
        """Rank rows with the target's 31-character prefix that sort before it."""
        prefix = target[: counts.TIME_PREFIX_LENGTH]
        deepest = nodes.get(prefix[: counts.LEVELS[-2]], {})
        if deepest.get(prefix[counts.LEVELS[-2] :], 0) == 0:
            return 0
        query: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": {
                ":pk": {"S": _page_pk(*page)},
                ":low": {"S": f"R#{prefix}"},
                ":high": {"S": f"R#{target}"},
            },
            "ProjectionExpression": "sk",
            "ConsistentRead": True,
        }
        found = 0
        while True:
            answer = self._client.query(**query)
            found += sum(1 for item in answer.get("Items", []) if item["sk"]["S"] < f"R#{target}")
            if "LastEvaluatedKey" not in answer:
                return found
            query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def _node_key(self, page: PageId, node: str) -> dict[str, Any]:
        pk = _page_pk(*page)
        if self.node_partitions > 1:
            pk = f"{pk}#N{counts.node_partition(node, self.node_partitions)}"
        return {"pk": {"S": pk}, "sk": {"S": f"N#{node}"}}

    def _nodes(self, page: PageId, nodes: set[str]) -> dict[str, dict[str, int]]:
        """The counts of ``nodes`` in one BatchGetItem (per 100), across partition keys."""
        items = self._get([self._node_key(page, node) for node in sorted(nodes)])
        return {item["sk"]["S"][2:]: _children(item) for item in items}

    def _held(self, slots: Iterable[tuple[PageId, str]]) -> dict[tuple[PageId, str], Held]:
        """What the index holds for ``slots`` (BatchGetItem per 100)."""
        by_key = {(_page_pk(*page), f"H#{player}"): (page, player) for page, player in slots}
        items = self._get([{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in by_key])
        return {
            by_key[item["pk"]["S"], item["sk"]["S"]]: Held(
                item.get("k", {}).get("S"), int(item["rev"]["N"])
            )
            for item in items
        }

    def _get(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The items of ``keys`` that exist: strongly consistent BatchGetItem per 100."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), _BATCH_GET_MAX):
            chunk = keys[start : start + _BATCH_GET_MAX]
            request: dict[str, Any] = {self.table_name: {"Keys": chunk, "ConsistentRead": True}}
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                found += answer.get("Responses", {}).get(self.table_name, [])
                request = answer.get("UnprocessedKeys") or {}
        return found

    def _neighbours(self, pk: str, key: str, limit: int, *, forward: bool) -> list[Any]:
        """Up to ``limit`` rank rows after (``forward``) or before ``key``, nearest first."""
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


def stream_record(record: Mapping[str, Any], boards: BoardSpecs) -> Record | None:
    """The move a DynamoDB stream record of the leaderboard table carries, with its sequence
    number: None for an item that is not an entry, a board ``boards`` does not define, or a
    change that keeps the entry's key (the core's ``move_of`` decides).

    ``record`` is one element of a Lambda event's ``Records`` (or of GetRecords), with the
    stream's view type NEW_AND_OLD_IMAGES.
    """
    change = record["dynamodb"]
    pk, sk = change["Keys"]["pk"]["S"], change["Keys"]["sk"]["S"]
    parts = pk.split("#")
    if len(parts) != 3 or parts[0] != "LB" or not sk.startswith("P#"):
        return None
    spec = boards.get(parts[1])
    if spec is None:
        return None
    player = sk[2:]
    old, new = change.get("OldImage"), change.get("NewImage")
    move = move_of(
        PageId(spec.id, parts[2]),
        spec.order,
        None if old is None else _entry_of(player, old),
        None if new is None else _entry_of(player, new),
    )
    return None if move is None else Record(int(change["SequenceNumber"]), move)
