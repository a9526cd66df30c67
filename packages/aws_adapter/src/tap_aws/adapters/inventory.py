"""``DynamoInventoryStore``: the core's ``InventoryStore``, ``ImportLedger`` and
``SummaryArchive`` ports on one DynamoDB table (``tap_aws.resources.INVENTORY_TABLE``).

It answers as ``InMemoryInventoryStore`` does (the same contract suite runs on both): the core's
`decide` picks each row's outcome against the stored record, and a conditional
``TransactWriteItems`` replaces a record only with a greater `StockRecord.stamp`, so concurrent
imports converge without a read-then-write race. Conflicts and throttling are retried with
backoff; what still fails raises `StoreFailure`, never a silent drop.

The table design, how an upload is applied per chunk of `CHUNK` rows, and the request and
capacity costs are in ``packages/aws_adapter/README.md`` ("DynamoInventoryStore").
"""

from __future__ import annotations

import time
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from tap_aws.adapters.tables import ensure_table
from tap_aws.resources import INVENTORY_TABLE
from tap_core.inventory import (
    ImportRecord,
    ImportTally,
    InventoryItem,
    InventorySummary,
    StockRecord,
    decide,
    parse_import_id,
    provenance,
)
from tap_core.inventory import encode_instant as _encode

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from datetime import date

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef

    from tap_core.inventory import ImportDecision, ImportResult, LocatedItem

CHUNK: Final = 100
"""Rows per BatchGetItem and per TransactWriteItems (both AWS limits are 100)."""
ATTEMPTS: Final = 8
"""Rounds of one chunk's read or write before giving up (unprocessed keys, conflicts)."""
BACKOFF_SECONDS: Final = 0.02
"""The first retry's pause; it doubles each round."""
RETRIABLE_REASONS: Final = frozenset(
    {
        "TransactionConflict",
        "ThrottlingError",
        "ProvisionedThroughputExceeded",
        "InternalServerError",
    }
)
"""Cancellation reasons of a transaction item that retrying can cure."""

_STOCK: Final = "stock#"
_WAREHOUSE: Final = "w#"
_IMPORT: Final = "import#"
_SUMMARY: Final = "summary"
SUMMARY_BYTES_MAX: Final = 390_000
"""The largest compressed summary an item takes (DynamoDB's item limit is 400 KB, keys and
attribute names included)."""
_CONDITION: Final = "attribute_not_exists(pk) OR stamp < :stamp"

Item = dict[str, Any]


class StoreFailure(RuntimeError):
    """Rows that could not be written after every retry (nothing was silently dropped)."""


def stock_key(sku: str, warehouse: str) -> dict[str, AttributeValueTypeDef]:
    """The table key of one (sku, warehouse) record."""
    return {"pk": {"S": f"{_STOCK}{sku}"}, "sk": {"S": f"{_WAREHOUSE}{warehouse}"}}


def _instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def to_item(record: StockRecord) -> dict[str, AttributeValueTypeDef]:
    """A stock record as a DynamoDB item."""
    item = record.item
    found: dict[str, AttributeValueTypeDef] = {
        **stock_key(item.sku, item.warehouse),
        "sku": {"S": item.sku},
        "warehouse": {"S": item.warehouse},
        "name": {"S": item.name},
        "quantity": {"N": str(item.quantity)},
        "unit_price": {"S": format(item.unit_price, "f")},
        "category": {"S": item.category},
        "reorder_level": {"N": str(item.reorder_level)},
        "updated_at": {"S": _encode(item.updated_at)},
        "uploaded_at": {"S": _encode(record.uploaded_at)},
        "stamp": {"S": record.stamp},
    }
    if record.source is not None:
        found["source"] = {"S": record.source}
    if record.row is not None:
        found["row"] = {"N": str(record.row)}
    if record.import_id is not None:
        found["import_id"] = {"S": record.import_id}
    return found


def from_item(item: Item) -> StockRecord:
    """The stock record a DynamoDB item holds."""
    return StockRecord(
        InventoryItem(
            sku=item["sku"]["S"],
            warehouse=item["warehouse"]["S"],
            name=item["name"]["S"],
            quantity=int(item["quantity"]["N"]),
            unit_price=Decimal(item["unit_price"]["S"]),
            category=item["category"]["S"],
            reorder_level=int(item["reorder_level"]["N"]),
            updated_at=_instant(item["updated_at"]["S"]),
        ),
        _instant(item["uploaded_at"]["S"]),
        item["source"]["S"] if "source" in item else None,
        int(item["row"]["N"]) if "row" in item else None,
        item["import_id"]["S"] if "import_id" in item else None,
    )


@dataclass
class _Key:
    """One key of a chunk: its rows (chunk index, item, row, import id) and what is known to
    be stored."""

    rows: list[tuple[int, InventoryItem, int | None, str | None]]
    stored: StockRecord | None = None


class DynamoInventoryStore:
    """The ``InventoryStore`` port on a DynamoDB table; answers as ``InMemoryInventoryStore``."""

    def __init__(
        self,
        table_name: str,
        client: DynamoDBClient | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if client is None:
            from tap_aws import clients  # noqa: PLC0415 - built on first use, not at import

            client = clients.dynamodb()
        self._client = client
        self.table_name = table_name
        self._sleep = sleep

    # --- the table ---

    def ensure_table(self) -> None:
        """Create the table from the shared spec when it is missing; wait until it is active."""
        ensure_table(self._client, self.table_name, INVENTORY_TABLE)

    # --- the port ---

    def apply(
        self,
        items: Iterable[InventoryItem | LocatedItem],
        uploaded_at: datetime,
        source: str | None = None,
    ) -> ImportResult:
        tally = ImportTally(uploaded_at, source)
        entries = iter(items)
        while chunk := list(islice(entries, CHUNK)):
            for decision in self._apply_chunk(chunk, uploaded_at, source):
                tally.count(decision)
        return tally.result()

    def get(self, sku: str, warehouse: str) -> StockRecord | None:
        found = self._client.get_item(
            TableName=self.table_name, Key=stock_key(sku, warehouse), ConsistentRead=True
        ).get("Item")
        return None if found is None else from_item(found)

    def items(self) -> Iterator[InventoryItem]:
        pages = self._client.get_paginator("scan").paginate(
            TableName=self.table_name,
            FilterExpression="begins_with(pk, :stock)",
            ExpressionAttributeValues={":stock": {"S": _STOCK}},
            ConsistentRead=True,
        )
        for page in pages:
            for found in page.get("Items", []):
                yield from_item(found).item

    def stock_of(self, sku: str) -> list[StockRecord]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self.table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :warehouse)",
            ExpressionAttributeValues={
                ":pk": {"S": f"{_STOCK}{sku}"},
                ":warehouse": {"S": _WAREHOUSE},
            },
            ConsistentRead=True,
        )
        return [from_item(found) for page in pages for found in page.get("Items", [])]

    # --- the ImportLedger ---

    def import_record(self, import_id: str) -> ImportRecord | None:
        """The record of one import (one consistent GetItem); ValueError for a malformed id."""
        found = self._client.get_item(
            TableName=self.table_name,
            Key=_import_key(*parse_import_id(import_id)),
            ConsistentRead=True,
        ).get("Item")
        return None if found is None else ImportRecord.model_validate_json(found["body"]["S"])

    def save_import(self, record: ImportRecord, *, replacing: int | None) -> bool:
        """One conditional PutItem: the stored record must be started at part ``replacing``
        with a lease ``record`` may take over (``ImportRecord.may_replace``: none, its owner's,
        or expired by ``record.lease_since``), or absent, for None. The lease is kept in
        top-level attributes too (``lease_owner``, ``lease_until`` as encoded instants, whose
        string order is time order), for the condition to read."""
        condition: dict[str, Any]
        if replacing is None:
            condition = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            values: dict[str, AttributeValueTypeDef] = {
                ":started": {"S": "started"},
                ":part": {"N": str(replacing)},
            }
            free = ["attribute_not_exists(lease_owner)"]
            if record.lease_owner is not None:
                free.append("lease_owner = :owner")
                values[":owner"] = {"S": record.lease_owner}
            if record.lease_since is not None:
                free.append("lease_until <= :since")
                values[":since"] = {"S": _encode(record.lease_since)}
            lease = " OR ".join(free)
            condition = {
                "ConditionExpression": f"#status = :started AND part = :part AND ({lease})",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": values,
            }
        item: dict[str, AttributeValueTypeDef] = {
            **_import_key(record.bucket, record.key, record.version),
            "status": {"S": record.status},
            "part": {"N": str(record.part)},
            "body": {"S": record.model_dump_json()},
        }
        if record.lease_owner is not None and record.lease_until is not None:
            item["lease_owner"] = {"S": record.lease_owner}
            item["lease_until"] = {"S": _encode(record.lease_until)}
        try:
            self._client.put_item(TableName=self.table_name, Item=item, **condition)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # --- the SummaryArchive ---

    def keep_summary(self, day: date, summary: InventorySummary) -> None:
        """One PutItem; ValueError naming the day when the summary is too large for an item."""
        body = zlib.compress(summary.model_dump_json().encode())
        if len(body) > SUMMARY_BYTES_MAX:
            raise ValueError(
                f"the summary of {day.isoformat()} is {len(body):,} bytes compressed; a "
                f"DynamoDB item takes at most {SUMMARY_BYTES_MAX:,}"
            )
        self._client.put_item(
            TableName=self.table_name,
            Item={"pk": {"S": _SUMMARY}, "sk": {"S": day.isoformat()}, "body": {"B": body}},
        )

    def summary(self, day: date | None) -> InventorySummary | None:
        """``day``'s summary (one GetItem) or the latest (one Query, newest day first)."""
        if day is None:
            found = self._client.query(
                TableName=self.table_name,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": _SUMMARY}},
                ScanIndexForward=False,
                Limit=1,
                ConsistentRead=True,
            ).get("Items", [])
            item = found[0] if found else None
        else:
            item = self._client.get_item(
                TableName=self.table_name,
                Key={"pk": {"S": _SUMMARY}, "sk": {"S": day.isoformat()}},
                ConsistentRead=True,
            ).get("Item")
        if item is None:
            return None
        return InventorySummary.model_validate_json(zlib.decompress(item["body"]["B"]))

    # --- one chunk ---

    def _apply_chunk(
        self,
        chunk: list[InventoryItem | LocatedItem],
        uploaded_at: datetime,
        source: str | None,
    ) -> list[ImportDecision]:
        keys: dict[tuple[str, str], _Key] = {}
        for index, entry in enumerate(chunk):
            item, row, imported = provenance(entry)
            keys.setdefault(item.key, _Key([])).rows.append((index, item, row, imported))
        for key, stored in self._read(list(keys)).items():
            keys[key].stored = stored
        decisions: list[ImportDecision | None] = [None] * len(chunk)
        pending = dict(keys)
        for attempt in range(ATTEMPTS):
            writes: dict[tuple[str, str], StockRecord] = {}
            for key, state in pending.items():
                winner = _decide_key(state, uploaded_at, source, decisions)
                if winner is not None:
                    writes[key] = winner
            if not writes:
                break
            if attempt:
                self._sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            pending = self._write(writes, keys)
            if not pending:
                break
        else:
            raise StoreFailure(
                f"{len(pending)} records of {self.table_name} could not be written after "
                f"{ATTEMPTS} rounds (conflicts or throttling)"
            )
        return [decision for decision in decisions if decision is not None]

    def _read(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], StockRecord]:
        """The stored records of ``keys`` (at most 100), unprocessed keys read again."""
        found: dict[tuple[str, str], StockRecord] = {}
        wanted = [stock_key(sku, warehouse) for sku, warehouse in keys]
        for attempt in range(ATTEMPTS):
            if attempt:
                self._sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            response = self._client.batch_get_item(RequestItems={self.table_name: {"Keys": wanted}})
            for raw in response.get("Responses", {}).get(self.table_name, []):
                record = from_item(raw)
                found[record.key] = record
            unprocessed = response.get("UnprocessedKeys") or {}
            wanted = list(unprocessed[self.table_name]["Keys"]) if unprocessed else []
            if not wanted:
                return found
        raise StoreFailure(
            f"{len(wanted)} keys of {self.table_name} stayed unprocessed after {ATTEMPTS} reads"
        )

    def _write(
        self, writes: dict[tuple[str, str], StockRecord], keys: dict[tuple[str, str], _Key]
    ) -> dict[tuple[str, str], _Key]:
        """Put every winner under the stamp condition; the keys to decide and write again."""
        order = list(writes)
        transaction: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": to_item(writes[key]),
                    "ConditionExpression": _CONDITION,
                    "ExpressionAttributeValues": {":stamp": {"S": writes[key].stamp}},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
            for key in order
        ]
        try:
            # A token per transaction: botocore's retry of a write whose answer was lost is
            # then recognised by DynamoDB instead of failing its own conditions.
            self._client.transact_write_items(
                TransactItems=transaction, ClientRequestToken=uuid.uuid4().hex
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons: list[dict[str, Any]] = list(error.response.get("CancellationReasons") or [])  # type: ignore[arg-type]
            return self._after_cancel(order, reasons, keys)
        for key in order:
            keys[key].stored = writes[key]
        return {}

    def _after_cancel(
        self,
        order: list[tuple[str, str]],
        reasons: list[dict[str, Any]],
        keys: dict[tuple[str, str], _Key],
    ) -> dict[tuple[str, str], _Key]:
        """After a cancelled transaction, learn what beat us; every key is written again."""
        if len(reasons) != len(order):
            # No per-item reasons (an error of the whole request): try every key again.
            return {key: keys[key] for key in order}
        for key, reason in zip(order, reasons, strict=True):
            code = reason.get("Code", "None")
            if code == "ConditionalCheckFailed" and "Item" in reason:
                keys[key].stored = from_item(reason["Item"])
            elif code not in {"None", "ConditionalCheckFailed"} | RETRIABLE_REASONS:
                raise StoreFailure(
                    f"writing {key!r} to {self.table_name} failed: {code}: "
                    f"{reason.get('Message', '')}"
                )
        return {key: keys[key] for key in order}


def _decide_key(
    state: _Key,
    uploaded_at: datetime,
    source: str | None,
    decisions: list[ImportDecision | None],
) -> StockRecord | None:
    """Decide the key's rows in order against what is stored; the record to write, if any."""
    current = state.stored
    winner: StockRecord | None = None
    for index, item, row, imported in state.rows:
        decision = decide(current, item, uploaded_at, source=source, row=row, import_id=imported)
        decisions[index] = decision
        if decision.record is not None:
            current = winner = decision.record
    return winner


def _import_key(bucket: str, key: str, version: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": f"{_IMPORT}{bucket}/{key}"}, "sk": {"S": version}}
