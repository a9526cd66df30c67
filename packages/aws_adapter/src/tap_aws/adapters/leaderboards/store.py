"""``DynamoLeaderboards``: the ``Leaderboards`` port on one DynamoDB table, as entries (the
truth) plus a ``DynamoRankIndex`` on the same table.

It answers as ``InMemoryLeaderboards`` does (the same contract suite runs on both): reads are
planned by ``tap_core.leaderboard.reads`` and strongly consistent, writes decided by
``decide``. A submit reads the player's entry and held row (one BatchGetItem), writes the entry
alone (a PutItem on the condition of its revision; a failed condition is read and decided
again) and then, unless ``index="stream"``, applies the entry's move to the index inline (one
transaction, ``DynamoRankIndex.try_apply``), so a read after a submit reflects it. With
``index="stream"`` the table's stream feeds the index (the ``rank_index`` function) and reads
reflect a submit once the stream has delivered it.

With another ``RankIndex`` (``rank_index=``, e.g. a ``ValkeyRankIndex``) the table holds the
entries only: a submit writes the entry as above and, inline, hands the entry's ``Move`` to that
index (its ``apply``); reads ask the index for keys and places (one round trip each) and read the
entries of the players it returns in one BatchGetItem per 100 for their metadata. A row's score
and time are decoded from the key the index holds (exact: the key encodes both), so a row
never shows a score beside a rank it does not have, even when the index lags the entries (stream
mode): a read then shows the standings the index has reached, with the entries' metadata, as
``InMemoryLeaderboards`` does over a lagging index; the index never holds a player twice.

The item layout is ``layout``'s; the request costs are in ``packages/aws_adapter/README.md``.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from botocore.exceptions import ClientError

from tap_aws.adapters.leaderboards import layout
from tap_aws.adapters.leaderboards.rank_index import (
    DynamoRankIndex,
    entry_of,
    held_of,
    rank_row,
)
from tap_aws.adapters.tables import ensure_table
from tap_aws.resources import LEADERBOARD_TABLE, MAX_COUNT_SHARDS
from tap_core.leaderboard import (
    BoardSpecs,
    Entry,
    Move,
    Page,
    PageId,
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
from tap_core.leaderboard.index import NOTHING_HELD, RankIndexUnavailable
from tap_core.leaderboard.models import compact_json
from tap_core.leaderboard.moves import move_of, row_of
from tap_core.leaderboard.ranking import PLAYER_OFFSET

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from mypy_boto3_dynamodb import DynamoDBClient

    from tap_core.clock import Clock
    from tap_core.leaderboard import (
        Held,
        LeaderboardSpec,
        Outcome,
        Placed,
        RankIndex,
        ScoreSubmission,
    )
    from tap_core.leaderboard.models import Metadata

ATTEMPTS: Final = 8
"""How many times a submit is decided and written before its last error is raised."""
FIRST_PAUSE: Final = 0.02
"""The first retry's pause in seconds; it doubles each round."""
_BATCH_WRITE_MAX: Final = 25

IndexMode = Literal["inline", "stream"]
"""Who applies entry moves to the index: the submit itself, or the table's stream."""


class DynamoLeaderboards:
    """The ``Leaderboards`` port on DynamoDB; answers exactly as ``InMemoryLeaderboards``.

    ``specs`` define the boards (a duplicate id raises ValueError); ``client`` is a boto3
    DynamoDB client (built on first use when None); ``clock`` returns the current time.
    ``count_shards`` (1 to `MAX_COUNT_SHARDS`, 1 by default: off) splits every node of
    the tree of counts into that many items; ``node_partitions`` spreads the nodes over that
    many partition keys (``DynamoRankIndex``). ``index``: ``"inline"`` (a library's default:
    a submit is reflected by the next read) or ``"stream"`` (the deployed path: the table's
    stream and the ``rank_index`` function apply the moves, in batches). ``rank_index``: the
    index the entries are ranked by (None: a ``DynamoRankIndex`` on the same table, with
    ``count_shards`` and ``node_partitions``; else any ``RankIndex``, see the module).
    """

    def __init__(
        self,
        table_name: str,
        specs: Iterable[LeaderboardSpec],
        client: DynamoDBClient | None = None,
        clock: Clock | None = None,
        *,
        count_shards: int = 1,
        node_partitions: int = layout.NODE_PARTITIONS,
        index: IndexMode = "inline",
        rank_index: RankIndex | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if clock is None:
            raise ValueError("DynamoLeaderboards needs a clock, e.g. lambda: datetime.now(UTC)")
        if not 1 <= count_shards <= MAX_COUNT_SHARDS:
            raise ValueError(
                f"DynamoLeaderboards count_shards is 1 to {MAX_COUNT_SHARDS}, got {count_shards}"
            )
        self._specs = BoardSpecs(specs)
        if client is None:
            from tap_aws import clients  # noqa: PLC0415 - built on first use, not at import

            client = clients.dynamodb()
        self._client = client
        self._clock = clock
        self._sleep = sleep
        self.table_name = table_name
        self.count_shards = count_shards
        self.mode: IndexMode = index
        self.index = DynamoRankIndex(
            table_name,
            client,
            node_partitions=node_partitions,
            count_shards=count_shards,
            sleep=sleep,
        )
        self.rank_index = rank_index
        """The index reads go through when it is not the table's own (None: ``index``)."""

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
        page = PageId(spec.id, period_key(spec.reset, submission.achieved_at))
        pk = layout.page_key(*page)
        pause = FIRST_PAUSE
        sent: tuple[Entry, Outcome] | None = None  # a write whose answer was an error
        for attempt in range(ATTEMPTS):
            stored, held = self._entry(page, submission.player_id)
            if sent is not None and stored == sent[0]:
                return self._index(spec, page, stored, held, sent[1])  # it was written
            decision = decide(spec, stored, submission, self._now())
            entry = decision.entry
            if entry is None:
                return self._index(spec, page, stored, held, decision.outcome)
            key = encode_sort_key(spec.order, entry.score, entry.achieved_at, entry.player_id)
            put: dict[str, Any] = {"TableName": self.table_name, "Item": entry_item(pk, entry, key)}
            if decision.expected_revision is None:
                put["ConditionExpression"] = "attribute_not_exists(pk)"
            else:
                put["ConditionExpression"] = "rev = :rev"
                put["ExpressionAttributeValues"] = {":rev": {"N": str(decision.expected_revision)}}
            try:
                self._client.put_item(**put)
            except ClientError as error:
                code = error.response["Error"]["Code"]
                if attempt == ATTEMPTS - 1 or code != "ConditionalCheckFailedException":
                    raise
                sent = (entry, decision.outcome)
                self._sleep(pause)
                pause *= 2
                continue
            return self._index(spec, page, entry, held, decision.outcome)
        raise AssertionError("unreachable")  # pragma: no cover

    def _index(
        self,
        spec: LeaderboardSpec,
        page: PageId,
        entry: Entry | None,
        held: Held,
        outcome: Outcome,
    ) -> Outcome:
        """Inline: bring the player's held key up to ``entry`` (nothing when it is there; a
        submit whose index write was lost is caught up by the next submit of the player).

        Another index holds no row here to compare with: the entry's key is applied at its
        revision whatever the outcome (a move its index already holds changes nothing), so a
        submit retried after the index failed catches the index up."""
        if self.mode == "inline" and entry is not None and self.rank_index is not None:
            key = encode_sort_key(spec.order, entry.score, entry.achieved_at, entry.player_id)
            row = row_of(entry)
            self.rank_index.apply([Move(page, entry.player_id, held.key, key, entry.revision, row)])
            return outcome
        if self.mode == "inline" and entry is not None and held.revision < entry.revision:
            # The index is behind the entry: its key, or only the metadata shown beside it
            key = encode_sort_key(spec.order, entry.score, entry.achieved_at, entry.player_id)
            move = Move(page, entry.player_id, held.key, key, entry.revision, row_of(entry))
            unapplied = self.index.try_apply([move], {(page, entry.player_id): held})
            if unapplied is not None:
                raise unapplied.error
        return outcome

    def _now(self) -> datetime:
        moment = self._clock()
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    def _entry(self, page: PageId, player_id: str) -> tuple[Entry | None, Held]:
        """The player's entry and what the index holds for them: one BatchGetItem (another
        index: the entry alone, its stored key and revision standing for what is held)."""
        pk = layout.page_key(*page)
        entry, held = None, NOTHING_HELD
        if self.rank_index is not None:
            for item in self.index.get([layout.entry_key(pk, player_id)]):
                entry, held = entry_of(player_id, item), held_of(item)
            return entry, held
        for item in self.index.get(
            [layout.entry_key(pk, player_id), layout.held_key(pk, player_id)]
        ):
            if item["sk"]["S"].startswith(layout.ENTRY_PREFIX):
                entry = entry_of(player_id, item)
            else:
                held = held_of(item)
        return entry, held

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
        page = PageId(board_id, plan.period)
        if self.rank_index is not None:
            placed = self.rank_index.top(page, plan.limit + 1, plan.after)
            more = len(placed) > plan.limit
            del placed[plan.limit :]
            resume = plan.next_cursor(placed[-1].key) if more else None
            rows = self._ported(plan.spec, page, placed)
            return Page(rows, resume, plan.period, plan.resets_at)

        def read() -> Page | None:
            items = self.index.rank_rows(page, plan.after, plan.limit + 1, forward=True)
            more = len(items) > plan.limit
            items = items[: plan.limit]
            keys = [item["sk"]["S"][2:] for item in items]
            if not keys:
                return Page([], None, plan.period, plan.resets_at)
            placed = (1, 1) if plan.after is None else self._place(page, keys[0])
            if placed is None:
                return None  # the first row moved after it was read
            entries = _rows(plan.spec, items, keys, *placed)
            next_cursor = plan.next_cursor(keys[-1]) if more else None
            return Page(entries, next_cursor, plan.period, plan.resets_at)

        return _again("top", read)

    def rank_of(
        self, board_id: str, player_id: str, period: str | None = None
    ) -> RankedEntry | None:
        found = self.ranks_of(board_id, [player_id], period=period)
        return found[0] if found else None

    def ranks_of(
        self, board_id: str, player_ids: Iterable[str], period: str | None = None
    ) -> list[RankedEntry]:
        plan, players = plan_ranks_of(
            self._specs, board_id, player_ids, period=period, clock=self._clock
        )
        page = PageId(board_id, plan.period)
        if self.rank_index is not None:
            return self._ported(plan.spec, page, self.rank_index.ranks_of(page, players))

        def read() -> list[RankedEntry] | None:
            kept = self._kept(page, players)
            nodes = self.index.nodes(
                page, {n for _, key in kept.values() for n in counts.rank_nodes(key)}
            )
            found = []
            for entry, key in kept.values():
                if not counts.counted(key, nodes):
                    return None  # the player moved between the two reads
                rank = counts.rank_from(key, nodes)
                position = counts.position_from(key, nodes, self.index.place(page, key, nodes))
                found.append(_row(plan.spec, key, entry, rank, position))
            found.sort(key=lambda one: one.position)
            return found if _consistent(found, consecutive=False) else None

        return _again("ranks_of", read)

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
        page = PageId(board_id, plan.period)
        if self.rank_index is not None:
            placed = self.rank_index.around(page, player_id, before, after)
            return self._ported(plan.spec, page, placed)

        def read() -> list[RankedEntry] | None:
            kept = self._kept(page, [player_id]).get(player_id)
            if kept is None:
                return []
            stored, key = kept
            above = self.index.rank_rows(page, key, before, forward=False)[::-1]
            below = self.index.rank_rows(page, key, after, forward=True)
            first = above[0]["sk"]["S"][2:] if above else key
            wanted = set(counts.rank_nodes(key)) | set(counts.nodes_for(first[:16]))
            nodes = self.index.nodes(page, wanted)
            if not counts.counted(key, nodes):
                return None  # the player moved after its key was read
            position = counts.position_from(
                key, nodes, self._tied_above(page, key, above, before, nodes)
            )
            player_row = rank_row(layout.page_key(*page), key, None)
            if stored is not None and stored.metadata is not None:
                player_row["m"] = {"S": compact_json(stored.metadata)}
            items = [*above, player_row, *below]
            keys = [item["sk"]["S"][2:] for item in items]
            first_rank = counts.rank_from(first, nodes)
            found = _rows(plan.spec, items, keys, first_rank, position - len(above))
            return found if _consistent(found) else None

        return _again("around", read)

    def count(self, board_id: str, period: str | None = None) -> int:
        plan = plan_page(self._specs, board_id, period=period, clock=self._clock)
        if self.rank_index is not None:
            return self.rank_index.count(PageId(board_id, plan.period))
        return self.index.count(PageId(board_id, plan.period))

    def repair(self, board_id: str, period: str) -> None:
        """Rebuild the page's index (held rows, rank rows, tree of counts) from its entries.

        The counts are written whole into shard 0 of each node and every other shard item is
        deleted (a repaired node reads the same with any ``count_shards``). A player removed
        from the entries keeps a held row without a key (a tombstone at its revision).

        Another index (``rank_index``): every entry's current key is applied to it at the
        entry's revision (a lost or flushed index then reads as a rebuilt one; a key it holds
        already changes nothing). Only the page's entry partitions are read.
        """
        plan = plan_page(self._specs, board_id, period=period, clock=self._clock)
        if self.rank_index is not None:
            self._reapply(self.rank_index, plan.spec, PageId(board_id, plan.period))
            return
        pk = layout.page_key(board_id, plan.period)
        entries, helds, present = self._page(pk)
        writes: list[dict[str, Any]] = []
        keys = []
        wanted: set[tuple[str, str]] = set()
        for player, item in entries.items():
            entry = entry_of(player, item)
            key = encode_sort_key(plan.spec.order, entry.score, entry.achieved_at, player)
            keys.append(key)
            metadata = row_of(entry)
            row = rank_row(pk, key, metadata)
            wanted.add((pk, row["sk"]["S"]))
            writes.append({"PutRequest": {"Item": row}})
            writes.append({"PutRequest": {"Item": held_item(pk, player, key, entry.revision)}})
            if item["k"]["S"] != key:
                writes.append({"PutRequest": {"Item": {**item, "k": {"S": key}}}})
        for player, item in helds.items():
            if player not in entries and "k" in item:
                revision = int(item["rev"]["N"]) + 1
                writes.append({"PutRequest": {"Item": held_item(pk, player, None, revision)}})
        for item in node_items(pk, counts.build(keys), self.index.node_partitions):
            wanted.add((item["pk"]["S"], item["sk"]["S"]))
            writes.append({"PutRequest": {"Item": item}})
        writes += [
            {"DeleteRequest": {"Key": {"pk": {"S": part}, "sk": {"S": sk}}}}
            for part, sk in sorted(present - wanted)
        ]
        self._write_all(writes)

    def _page(
        self, pk: str
    ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], set[tuple[str, str]]]:
        """A page's entry items and held rows by player, and the keys of its index items."""
        entries: dict[str, dict[str, Any]] = {}
        helds: dict[str, dict[str, Any]] = {}
        present: set[tuple[str, str]] = set()
        for part in layout.entry_partitions(pk):
            for item in self._all(part):
                sk = item["sk"]["S"]
                (entries if sk.startswith(layout.ENTRY_PREFIX) else helds)[sk[2:]] = item
        for part in {pk, *layout.node_partition_keys(pk, self.index.node_partitions)}:
            for item in self._all(part):
                if item["sk"]["S"][:2] in {"R#", "N#"}:
                    present.add((item["pk"]["S"], item["sk"]["S"]))
        return entries, helds, present

    def _write_all(self, writes: list[dict[str, Any]]) -> None:
        """``writes`` in BatchWriteItems of 25, backing off while some come back unprocessed."""
        for start in range(0, len(writes), _BATCH_WRITE_MAX):
            request = {self.table_name: writes[start : start + _BATCH_WRITE_MAX]}
            pause = FIRST_PAUSE
            while request:
                answer = self._client.batch_write_item(RequestItems=request)  # type: ignore[arg-type]
                request = answer.get("UnprocessedItems") or {}  # type: ignore[assignment]
                if request:  # throttled: back off before sending what was left, as AWS advises
                    self._sleep(pause)
                    pause = min(pause * 2, 1.0)

    # -- another rank index -------------------------------------------------------------

    def _ported(
        self, spec: LeaderboardSpec, page: PageId, placed: list[Placed]
    ) -> list[RankedEntry]:
        """Rows of keys another index placed: score, time and player decoded from each key
        (what the index ranked), metadata from the players' entries (one BatchGetItem per
        100, none when nothing is placed)."""
        if not placed:
            return []
        pk = layout.page_key(*page)
        keys = [layout.entry_key(pk, one.key[PLAYER_OFFSET:]) for one in placed]
        metadata: dict[str, Metadata | None] = {}
        for item in self.index.get(keys):
            text = item.get("m")
            player = item["sk"]["S"][len(layout.ENTRY_PREFIX) :]
            metadata[player] = None if text is None else json.loads(text["S"])
        rows = []
        for key, rank, position in placed:
            score, achieved_at, player = decode_sort_key(spec.order, key)
            found = metadata.get(player)
            rows.append(RankedEntry(rank, position, player, score, achieved_at, found))
        return rows

    def _reapply(self, index: RankIndex, spec: LeaderboardSpec, page: PageId) -> None:
        """Apply every entry of ``page`` to ``index`` at its revision (see `repair`)."""
        moves = []
        for part in layout.entry_partitions(layout.page_key(*page)):
            for item in self._all(part):
                sk = item["sk"]["S"]
                if not sk.startswith(layout.ENTRY_PREFIX):
                    continue
                move = move_of(
                    page, spec.order, None, entry_of(sk[len(layout.ENTRY_PREFIX) :], item)
                )
                if move is not None:  # an entry always moves from nothing
                    moves.append(move)
        index.apply(moves)

    # -- helpers ------------------------------------------------------------------------

    def _kept(self, page: PageId, players: Iterable[str]) -> dict[str, tuple[Entry | None, str]]:
        """Per player the index holds a key for: its entry (None: none yet) and that key, from
        one BatchGetItem (per 50 players) of entries and held rows."""
        pk = layout.page_key(*page)
        keys = [k for p in players for k in (layout.entry_key(pk, p), layout.held_key(pk, p))]
        entries: dict[str, Entry] = {}
        held: dict[str, str] = {}
        for item in self.index.get(keys):
            sk = item["sk"]["S"]
            if sk.startswith(layout.ENTRY_PREFIX):
                entries[sk[2:]] = entry_of(sk[2:], item)
            elif "k" in item:
                held[sk[2:]] = item["k"]["S"]
        return {player: (entries.get(player), key) for player, key in held.items()}

    def _place(self, page: PageId, key: str) -> tuple[int, int] | None:
        """The rank and position of an indexed ``key``; None when the nodes no longer count it
        (it moved after it was read)."""
        nodes = self.index.nodes(page, set(counts.rank_nodes(key)))
        if not counts.counted(key, nodes):
            return None
        rank = counts.rank_from(key, nodes)
        return rank, counts.position_from(key, nodes, self.index.place(page, key, nodes))

    def _tied_above(
        self,
        page: PageId,
        key: str,
        above: list[dict[str, Any]],
        before: int,
        nodes: Mapping[str, Mapping[str, int]],
    ) -> int:
        """``DynamoRankIndex.place``, read off the rows just above the key when they reach
        past its tie group (or the top of the page): then no COUNT query is needed."""
        prefix = f"R#{key[: counts.TIME_PREFIX_LENGTH]}"
        tied = sum(1 for row in above if row["sk"]["S"].startswith(prefix))
        if len(above) < before or (above and tied < len(above)):
            return tied
        return self.index.place(page, key, nodes)

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
    """The page key of a board's page in one period (``layout.page_key``)."""
    return layout.page_key(board_id, period)


def entry_item(pk: str, entry: Entry, key: str) -> dict[str, Any]:
    """The entry item of ``entry`` (encoded sort key ``key``) on the page ``pk``, under its
    entry partition. Also how a bulk load writes entries (see `page_items`)."""
    item: dict[str, Any] = {
        **layout.entry_key(pk, entry.player_id),
        "s": {"N": str(entry.score)},
        "sid": {"S": entry.submission_id},
        "k": {"S": key},
        "rev": {"N": str(entry.revision)},
    }
    if entry.counted:
        item["cnt"] = {"L": [{"S": sid} for sid in entry.counted]}
    if entry.metadata is not None:
        item["m"] = {"S": compact_json(entry.metadata)}
    return item


def held_item(pk: str, player_id: str, key: str | None, revision: int) -> dict[str, Any]:
    """The held row of a player on page ``pk``: the key the index holds (None: removed)."""
    item: dict[str, Any] = {**layout.held_key(pk, player_id), "rev": {"N": str(revision)}}
    if key is not None:
        item["k"] = {"S": key}
    return item


def node_items(
    pk: str, tree: Mapping[str, Mapping[str, int]], partitions: int = layout.NODE_PARTITIONS
) -> Iterator[dict[str, Any]]:
    """The node items (shard 0, whole counts) of a tree of counts (``counts.build``)."""
    for node, children in tree.items():
        item: dict[str, Any] = layout.node_key(pk, node, 0, partitions)
        for child, number in children.items():
            item[f"c{child}"] = {"N": str(number)}
        yield item


def page_items(
    spec: LeaderboardSpec,
    period: str,
    entries: Iterable[Entry],
    partitions: int = layout.NODE_PARTITIONS,
) -> Iterator[dict[str, Any]]:
    """Every item of a page holding ``entries``, as ``repair`` leaves it (a bulk load's state:
    entry, held, rank and node items)."""
    pk = layout.page_key(spec.id, period)
    keys = []
    for entry in entries:
        key = encode_sort_key(spec.order, entry.score, entry.achieved_at, entry.player_id)
        keys.append(key)
        item = entry_item(pk, entry, key)
        yield item
        yield held_item(pk, entry.player_id, key, entry.revision)
        yield rank_row(pk, key, item["m"]["S"] if "m" in item else None)
    yield from node_items(pk, counts.build(keys), partitions)


T = TypeVar("T")
READ_ATTEMPTS: Final = 3
"""Reads of a page that moved under them before a read gives up (``RankIndexUnavailable``, the
API's 503): one player moving can spoil one read, hardly three in a row."""


def _again(what: str, read: Callable[[], T | None]) -> T:
    """``read`` again while it finds the rows moved under it (None), up to `READ_ATTEMPTS`."""
    for _ in range(READ_ATTEMPTS):
        found = read()
        if found is not None:
            return found
    raise RankIndexUnavailable(f"{what}: the page moved under {READ_ATTEMPTS} reads in a row")


def _consistent(found: list[RankedEntry], *, consecutive: bool = True) -> bool:
    """An answer that can be true of one moment: each player once, positions from 1 up and
    distinct (``consecutive``: each one more than the last), ranks at most the positions."""
    players = {entry.player_id for entry in found}
    positions = [entry.position for entry in found]
    if len(players) != len(found) or len(set(positions)) != len(positions):
        return False
    if any(entry.position < 1 or entry.rank > entry.position for entry in found):
        return False
    return not consecutive or positions == list(range(positions[0], positions[0] + len(found)))


def _row(
    spec: LeaderboardSpec, key: str, entry: Entry | None, rank: int, position: int
) -> RankedEntry:
    """The row of an indexed ``key``: the entry's when the index holds the entry's own key,
    else what the key says (an index behind its entries never shows a score beside a rank it
    does not have), with the entry's metadata."""
    score, achieved_at, player = decode_sort_key(spec.order, key)
    metadata = None if entry is None else entry.metadata
    return RankedEntry(rank, position, player, score, achieved_at, metadata)


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
        text = item.get("m")
        metadata = None if text is None else json.loads(text["S"])
        rows.append(RankedEntry(rank, position, player, score, achieved_at, metadata))
    return rows
