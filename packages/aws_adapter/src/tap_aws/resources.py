"""The AWS resources tap runs on, defined once: the Pulumi components and the local stack read them.

Everything that must agree between what is deployed and what runs on one machine lives here:
table keys and indexes, queue attributes (FIFO, redrive, visibility), bucket prefixes, the
EventBridge pattern for CSV uploads, and the names of the stack outputs. Names are built from a
stem and the environment suffix by `resource_name` (and `queue_name`, which adds the
``.fifo`` that AWS requires of FIFO queue names), so no caller spells a name by hand.

Pure data and pure functions: no boto3, no Pulumi, no environment. It is the one module of
``tap_aws`` that ``tap_infra`` imports, so every fact the program shares with the functions
(the default bus, the import reports' prefix, the bound on count shards) has its home here.
The custom events (``EventSpec``, ``IMPORT_CONTINUED``) are the use cases' and live in
``tap_core.app.ports``; they are named here too so the components and the local stack find
every resource here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum, auto
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

if TYPE_CHECKING:
    from collections.abc import Mapping

# Re-exported (``as``): the components and the local stack read every resource from here.
from tap_core.app.ports import IMPORT_CONTINUED as IMPORT_CONTINUED  # noqa: PLC0414
from tap_core.app.ports import EventSpec as EventSpec  # noqa: PLC0414
from tap_core.errors import show
from tap_core.leaderboard import counts

PREFIX: Final = "tap"
ENV_PREFIX: Final = "TAP_"
"""What every settings variable starts with (``tap_aws.settings.Settings`` reads them)."""
FIFO_SUFFIX: Final = ".fifo"
LAMBDA_TIMEOUT_SECONDS: Final = 60
"""Every function's timeout; queue visibility timeouts derive from it."""
VISIBILITY_FACTOR: Final = 6
"""AWS's guidance for an SQS event source: visibility at least 6x the function timeout."""
LOG_RETENTION_DAYS: Final = 7

_SUFFIX = re.compile(r"(?=[a-z0-9-]{1,20}$)[a-z0-9]+(?:-[a-z0-9]+)*")
"""1-20 of a-z 0-9 -, no hyphen first, last or twice in a row (an ElastiCache cache name's
rules, the strictest of the names a suffix ends up in)."""

AttributeType = Literal["S", "N", "B"]
DeduplicationScope = Literal["queue", "messageGroup"]
FifoThroughputLimit = Literal["perQueue", "perMessageGroupId"]
StreamViewType = Literal["NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY"]


def check_suffix(suffix: str) -> str:
    """The environment suffix, or ValueError naming what is allowed (it ends up in every name)."""
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(
            f"environment suffix {show(suffix)} is not allowed; allowed: 1-20 of a-z 0-9 -, "
            "a letter or digit first and last, no two hyphens in a row"
        )
    return suffix


def resource_name(stem: str, suffix: str) -> str:
    """``tap-<stem>-<suffix>``: the physical name of a table, bucket, function or queue."""
    return f"{PREFIX}-{stem}-{check_suffix(suffix)}"


@dataclass(frozen=True, slots=True)
class KeySchema:
    """A table's or index's partition key and optional sort key (attribute name, type)."""

    hash_key: tuple[str, AttributeType]
    range_key: tuple[str, AttributeType] | None = None


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """A global secondary index: its name, keys and projection."""

    name: str
    keys: KeySchema
    projection: Literal["ALL", "KEYS_ONLY", "INCLUDE"] = "ALL"
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A DynamoDB table: on-demand, keys, indexes, an optional TTL attribute."""

    stem: str
    keys: KeySchema
    indexes: tuple[IndexSpec, ...] = ()
    ttl_attribute: str | None = None
    stream: StreamViewType | None = None
    """The table's DynamoDB stream and what each record carries; None: no stream."""

    def name(self, suffix: str) -> str:
        return resource_name(self.stem, suffix)

    def attribute_definitions(self) -> dict[str, AttributeType]:
        """Every key attribute of the table and its indexes, with its type, once each."""
        found: dict[str, AttributeType] = {}
        for schema in (self.keys, *(index.keys for index in self.indexes)):
            for key in (schema.hash_key, schema.range_key):
                if key is not None:
                    found[key[0]] = key[1]
        return found


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """An SQS queue; a FIFO queue's name ends ``.fifo`` whatever the stem.

    A FIFO queue in high-throughput mode (`high_throughput`) deduplicates per message group
    and takes its throughput quota per message group, not per queue; None leaves AWS's
    defaults (``queue``, ``perQueue``).
    """

    stem: str
    fifo: bool
    visibility_timeout_seconds: int = LAMBDA_TIMEOUT_SECONDS * VISIBILITY_FACTOR
    retention_seconds: int = 4 * 24 * 3600
    content_based_deduplication: bool = False
    deduplication_scope: DeduplicationScope | None = None
    fifo_throughput_limit: FifoThroughputLimit | None = None

    def __post_init__(self) -> None:
        if not self.fifo and (self.deduplication_scope or self.fifo_throughput_limit):
            raise ValueError(
                f"queue {self.stem!r}: deduplication scope and throughput limit are FIFO settings"
            )
        if (
            self.fifo_throughput_limit == "perMessageGroupId"
            and self.deduplication_scope != "messageGroup"
        ):
            # SQS refuses the pair: a per-group quota needs per-group deduplication.
            raise ValueError(
                f"queue {self.stem!r}: fifo_throughput_limit perMessageGroupId needs "
                "deduplication_scope messageGroup"
            )

    @property
    def high_throughput(self) -> bool:
        """Both settings of SQS's high-throughput FIFO mode are on."""
        return (self.deduplication_scope, self.fifo_throughput_limit) == (
            "messageGroup",
            "perMessageGroupId",
        )

    def name(self, suffix: str) -> str:
        base = resource_name(self.stem, suffix)
        return base + FIFO_SUFFIX if self.fifo else base

    def fifo_attributes(self) -> dict[str, str]:
        """The FIFO attributes as SQS's CreateQueue takes them (none for a standard queue)."""
        if not self.fifo:
            return {}
        attributes = {
            "FifoQueue": "true",
            "ContentBasedDeduplication": str(self.content_based_deduplication).lower(),
        }
        if self.deduplication_scope is not None:
            attributes["DeduplicationScope"] = self.deduplication_scope
        if self.fifo_throughput_limit is not None:
            attributes["FifoThroughputLimit"] = self.fifo_throughput_limit
        return attributes


@dataclass(frozen=True, slots=True)
class QueueWithDlq:
    """A work queue and the dead-letter queue SQS redrives to after ``max_receive_count``."""

    queue: QueueSpec
    dlq: QueueSpec
    max_receive_count: int = 5

    def __post_init__(self) -> None:
        if self.queue.fifo != self.dlq.fifo:
            raise ValueError("a FIFO queue needs a FIFO dead-letter queue (and only then)")


@dataclass(frozen=True, slots=True)
class BucketSpec:
    """The inventory bucket: CSV uploads under ``inbound_prefix``, reports under the other."""

    stem: str
    inbound_prefix: str
    reports_prefix: str
    csv_suffix: str = ".csv"

    def name(self, suffix: str) -> str:
        return resource_name(self.stem, suffix)

    @property
    def upload_rule(self) -> str:
        """What the upload rule matches, in words (for messages about what it does not)."""
        return f"under {self.inbound_prefix} ending {self.csv_suffix}, case-sensitive"

    def is_upload(self, key: str) -> bool:
        """Whether `upload_pattern` matches an object created at ``key``."""
        return (
            key.startswith(self.inbound_prefix)
            and key.endswith(self.csv_suffix)
            and len(key) >= len(self.inbound_prefix) + len(self.csv_suffix)
        )

    def created_pattern(self, bucket_name: str) -> dict[str, object]:
        """The EventBridge pattern for every "Object Created" in the bucket."""
        return {
            "source": ["aws.s3"],
            "detail-type": ["Object Created"],
            "detail": {"bucket": {"name": [bucket_name]}},
        }

    def upload_pattern(self, bucket_name: str) -> dict[str, object]:
        """The EventBridge pattern for "Object Created" of CSV keys under the inbound prefix.

        A list under one key is an OR in EventBridge, so prefix and suffix are one ``wildcard``
        (their AND), not two entries.
        """
        return {
            "source": ["aws.s3"],
            "detail-type": ["Object Created"],
            "detail": {
                "bucket": {"name": [bucket_name]},
                "object": {"key": [{"wildcard": f"{self.inbound_prefix}*{self.csv_suffix}"}]},
            },
        }


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """A Lambda function: its stem and its handler, a dotted path into ``tap_aws.functions``."""

    stem: str
    handler: str
    timeout_seconds: int = LAMBDA_TIMEOUT_SECONDS
    memory_mb: int = 512
    environment: tuple[str, ...] = field(default=())
    """The settings variables the function reads (see ``tap_aws.settings``)."""

    def name(self, suffix: str) -> str:
        return resource_name(self.stem, suffix)

    def log_group(self, suffix: str) -> str:
        return f"/aws/lambda/{self.name(suffix)}"


StartingPosition = Literal["LATEST", "TRIM_HORIZON"]


@dataclass(frozen=True, slots=True)
class StreamMappingSpec:
    """How a function reads a table's stream: the settings of Lambda's event source mapping,
    which the local stack's stream pump follows too (batch, window, retries, partial failures).

    Failed records: the function reports them (``ReportBatchItemFailures``) and Lambda retries
    from the first one; a batch that raises is bisected; a record still failing after
    ``maximum_retry_attempts`` retries or older than ``maximum_record_age_seconds`` is given
    up, and Lambda sends a note of it (shard, sequence numbers; not the records) to the
    on-failure destination. Only items whose ``entry_key_attribute`` begins with
    ``entry_key_prefix`` reach the function (`filter_pattern`, `admits`).
    """

    table: TableSpec
    batch_size: int
    batching_window_seconds: int
    maximum_retry_attempts: int
    maximum_record_age_seconds: int
    entry_key_attribute: str
    entry_key_prefix: str
    bisect_on_error: bool = True
    starting_position: StartingPosition = "TRIM_HORIZON"
    parallelization_factor: int = 1
    iterator_age_alarm_seconds: int = 60
    """The alarm on the function's ``IteratorAge``: how stale the index may get unnoticed."""

    def __post_init__(self) -> None:
        # Lambda's bounds for stream sources; -1 ("forever") is refused on purpose.
        bounds = {
            "batch_size": (self.batch_size, 1, 10_000),
            "batching_window_seconds": (self.batching_window_seconds, 0, 300),
            "maximum_retry_attempts": (self.maximum_retry_attempts, 0, 10_000),
            "maximum_record_age_seconds": (self.maximum_record_age_seconds, 60, 604_800),
            "parallelization_factor": (self.parallelization_factor, 1, 10),
        }
        for name, (value, low, high) in bounds.items():
            if not low <= value <= high:
                raise ValueError(f"stream mapping {name}: {value} is not {low} to {high}")
        if self.table.stream is None:
            raise ValueError(f"table {self.table.stem!r} has no stream to read")

    def filter_pattern(self) -> dict[str, object]:
        """Lambda's filter (``filter_criteria``) of the records the function is given."""
        prefix = [{"prefix": self.entry_key_prefix}]
        return {"dynamodb": {"Keys": {self.entry_key_attribute: {"S": prefix}}}}

    def admits(self, record: Mapping[str, Any]) -> bool:
        """Whether `filter_pattern` lets ``record`` (a stream record, as GetRecords or Lambda's
        event gives it) through: the local stack's pump filters with this."""
        keys = record.get("dynamodb", {}).get("Keys", {})
        value = keys.get(self.entry_key_attribute, {}).get("S")
        return isinstance(value, str) and value.startswith(self.entry_key_prefix)


LEADERBOARD_TABLE: Final = TableSpec(
    stem="leaderboard",
    keys=KeySchema(("pk", "S"), ("sk", "S")),
    # The rank index is fed from the entries' changes: a move needs the old key and the new.
    stream="NEW_AND_OLD_IMAGES",
)
"""Entries (the truth) and the rank index; its stream (old and new images of each entry)
feeds the index through ``RANK_INDEX_FUNCTION`` (``RANK_INDEX_STREAM``)."""
BATCH_GET_ITEM_KEYS: Final = 100
"""DynamoDB's most keys per BatchGetItem."""
MAX_COUNT_SHARDS: Final = BATCH_GET_ITEM_KEYS // (2 * (len(counts.LEVELS) - 1))
"""The most shards per node of the leaderboard's counts tree (``countShards``,
``DynamoLeaderboards(count_shards=)``) for which every read still fetches its nodes in one
BatchGetItem: a read asks for at most two paths of nodes (``around``: the player's and its
first row's)."""
INVENTORY_TABLE: Final = TableSpec(stem="inventory", keys=KeySchema(("pk", "S"), ("sk", "S")))

SCORES: Final = QueueWithDlq(
    # High-throughput FIFO: order is kept within a message group (a player: see the README's
    # "A submission"), and each group has its own quota, so the queue scales with the players.
    queue=QueueSpec(
        stem="scores",
        fifo=True,
        deduplication_scope="messageGroup",
        fifo_throughput_limit="perMessageGroupId",
    ),
    dlq=QueueSpec(stem="scores-dlq", fifo=True, retention_seconds=14 * 24 * 3600),
)
INVENTORY_ROWS_DLQ: Final = QueueSpec(
    stem="inventory-rows-dlq", fifo=True, retention_seconds=14 * 24 * 3600
)

INVENTORY_BUCKET: Final = BucketSpec(
    stem="inventory", inbound_prefix="inbound/", reports_prefix="reports/"
)
IMPORT_REPORTS: Final = "imports/"
"""Where, under the bucket's reports prefix, the import reports are
(``tap_aws.adapters.reports.import_report_key``)."""


@dataclass(frozen=True, slots=True)
class CorsSpec:
    """The read API's CORS configuration: API Gateway answers preflight ``OPTIONS`` with it and
    adds ``Access-Control-Allow-Origin`` to responses to requests with an allowed ``Origin``."""

    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...] = ()
    max_age_seconds: int = 0

    def allows(self, origin: str) -> bool:
        return "*" in self.allow_origins or origin in self.allow_origins


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """The read API (an HTTP API): its route keys (``METHOD /path/{proxy+}``), public and
    signed (``AWS_IAM``), and its CORS configuration."""

    public_routes: tuple[str, ...]
    iam_routes: tuple[str, ...]
    cors: CorsSpec | None = None

    def route(self, method: str, path: str) -> str | None:
        """The route key API Gateway would match ``method`` and ``path`` to, or None (a 404)."""
        for key in (*self.public_routes, *self.iam_routes):
            route_method, template = key.split(" ", 1)
            prefix = template.removesuffix("{proxy+}")
            if method == route_method and path.startswith(prefix) and len(path) > len(prefix):
                return key
        return None


READ_API: Final = ApiSpec(
    public_routes=("GET /leaderboards/{proxy+}",),
    iam_routes=("GET /inventory/{proxy+}",),
    # Anyone may read the standings, from any page: a browser game calls the API cross-origin.
    # No credentials are allowed, so "*" exposes nothing a plain request would not.
    cors=CorsSpec(allow_origins=("*",), allow_methods=("GET",), max_age_seconds=3600),
)


class Outputs:
    """The stack output keys, the same for ``pulumi up`` and ``tap local up``."""

    MAIN_QUEUE_URL: Final = "main_queue_url"
    DLQ_URL: Final = "dlq_url"
    DYNAMODB_TABLE_NAME: Final = "dynamodb_table_name"
    LAMBDA_FUNCTION_NAME: Final = "lambda_function_name"
    DLQ_ALARM_NAME: Final = "dlq_alarm_name"
    INVENTORY_BUCKET_NAME: Final = "inventory_bucket_name"
    INVENTORY_INBOUND_PREFIX: Final = "inventory_inbound_prefix"
    INVENTORY_TABLE_NAME: Final = "inventory_table_name"
    INVENTORY_DLQ_URL: Final = "inventory_dlq_url"
    INVENTORY_EVENTS_DLQ_URL: Final = "inventory_events_dlq_url"
    """Where EventBridge, the Scheduler and Lambda's async invocations put the inventory events
    they could not deliver (`INVENTORY_EVENTS_DLQ`)."""
    API_URL: Final = "api_url"
    VALKEY_URL: Final = "valkey_url"
    """Stacks with ``rankIndex: valkey`` only: the rank index's endpoint as a ``rediss://`` URL."""
    ENDPOINT_URL: Final = "endpoint_url"
    """Local stack only: the emulator's endpoint for any AWS client."""
    REGION: Final = "region"
    """Local stack only: the one region the emulator's resources are in (``--region``)."""


LOCAL_ONLY_OUTPUTS: Final = frozenset({Outputs.ENDPOINT_URL, Outputs.REGION})
"""The outputs the local stack adds to those ``pulumi up`` exports."""
VALKEY_ONLY_OUTPUTS: Final = frozenset({Outputs.VALKEY_URL})
"""The outputs a stack (deployed or local) has only when its rank index is Valkey."""


RankIndexKind = Literal["dynamodb", "valkey"]
RANK_INDEXES: Final[tuple[RankIndexKind, ...]] = get_args(RankIndexKind)
"""What may hold a deployment's rank index (stack config ``rankIndex``, ``TAP_RANK_INDEX``,
``tap local up --rank-index``): the first is the default."""


@dataclass(frozen=True, slots=True)
class CacheSpec:
    """An ElastiCache Serverless cache (``rankIndex: valkey``): engine, version and the ports
    AWS gives every serverless cache (the endpoint, and the reader endpoint one above it)."""

    stem: str
    engine: Literal["valkey"]
    major_engine_version: str
    port: int = 6379
    reader_port: int = 6380
    cluster: bool = True
    """The endpoint speaks cluster mode (a serverless cache always does): ``TAP_VALKEY_CLUSTER``."""

    def name(self, suffix: str) -> str:
        return resource_name(self.stem, suffix)

    @property
    def ports(self) -> tuple[int, int]:
        """The lowest and highest port a client may connect to."""
        return (min(self.port, self.reader_port), max(self.port, self.reader_port))

    def url(self, address: str, port: int) -> str:
        """``rediss://address:port``: TLS always, as a serverless cache only accepts TLS."""
        return f"rediss://{address}:{port}"


RANK_INDEX_CACHE: Final = CacheSpec(stem="rank-index", engine="valkey", major_engine_version="8")
"""The Valkey rank index of a stack with ``rankIndex: valkey``."""


class Env(StrEnum):
    """The variables the stack sets and the functions read their settings from: each is
    ``TAP_`` and its member's name, and its `field` is the ``tap_aws.settings.Settings`` field
    it fills (pydantic-settings reads a field from exactly that variable). What each holds is
    documented once, on its field."""

    @staticmethod
    def _generate_next_value_(name: str, *_: object) -> str:
        return f"{ENV_PREFIX}{name}"

    LEADERBOARD_TABLE = auto()
    LEADERBOARDS = auto()
    LEADERBOARD_COUNT_SHARDS = auto()
    LEADERBOARD_INDEX = auto()
    RANK_INDEX = auto()
    VALKEY_URL = auto()
    VALKEY_CLUSTER = auto()
    SCORES_DLQ_URL = auto()
    INVENTORY_TABLE = auto()
    INVENTORY_BUCKET = auto()
    INVENTORY_DLQ_URL = auto()

    @property
    def field(self) -> str:
        """The settings field: ``Env.INVENTORY_TABLE.field == "inventory_table"``."""
        return self.name.lower()

    def __repr__(self) -> str:
        # Shown in messages (a list of missing variables) as the plain name it is.
        return repr(self.value)


RESOURCE_OUTPUTS: Final[Mapping[Env, str]] = MappingProxyType(
    {
        Env.LEADERBOARD_TABLE: Outputs.DYNAMODB_TABLE_NAME,
        Env.SCORES_DLQ_URL: Outputs.DLQ_URL,
        Env.INVENTORY_TABLE: Outputs.INVENTORY_TABLE_NAME,
        Env.INVENTORY_BUCKET: Outputs.INVENTORY_BUCKET_NAME,
        Env.INVENTORY_DLQ_URL: Outputs.INVENTORY_DLQ_URL,
    }
)
"""The resource settings (a name or URL a function reaches an AWS resource by: what
``Settings.need`` gives) and the stack output that carries each, so a running stack's outputs
give the functions' variables back."""


SCORES_FUNCTION: Final = FunctionSpec(
    stem="scores",
    handler="tap_aws.functions.scores.lambda_handler",
    environment=(
        Env.LEADERBOARD_TABLE,
        Env.LEADERBOARDS,
        Env.LEADERBOARD_COUNT_SHARDS,
        Env.LEADERBOARD_INDEX,
        Env.SCORES_DLQ_URL,
    ),
)
INVENTORY_IMPORT_FUNCTION: Final = FunctionSpec(
    stem="inventory-import",
    handler="tap_aws.functions.inventory_import.lambda_handler",
    environment=(Env.INVENTORY_TABLE, Env.INVENTORY_BUCKET, Env.INVENTORY_DLQ_URL),
)
INVENTORY_SUMMARY_FUNCTION: Final = FunctionSpec(
    stem="inventory-summary",
    handler="tap_aws.functions.inventory_summary.lambda_handler",
    environment=(Env.INVENTORY_TABLE, Env.INVENTORY_BUCKET),
)
API_FUNCTION: Final = FunctionSpec(
    stem="api",
    handler="tap_aws.functions.api.lambda_handler",
    environment=(
        Env.LEADERBOARD_TABLE,
        Env.LEADERBOARDS,
        Env.LEADERBOARD_COUNT_SHARDS,
        Env.INVENTORY_TABLE,
    ),
)
RANK_INDEX_FUNCTION: Final = FunctionSpec(
    stem="rank-index",
    handler="tap_aws.functions.rank_index.lambda_handler",
    environment=(Env.LEADERBOARD_TABLE, Env.LEADERBOARDS, Env.LEADERBOARD_COUNT_SHARDS),
)
"""Applies the leaderboard table's stream of entry changes to the rank index, in batches."""
FUNCTIONS: Final = (
    SCORES_FUNCTION,
    INVENTORY_IMPORT_FUNCTION,
    INVENTORY_SUMMARY_FUNCTION,
    API_FUNCTION,
    RANK_INDEX_FUNCTION,
)

VALKEY_FUNCTIONS: Final = (RANK_INDEX_FUNCTION, API_FUNCTION)
"""The functions that read or write the rank index: with ``rankIndex: valkey`` they run in the
cache's VPC. ``scores`` is not one: deployed, it writes entries only (the stream feeds the
index)."""
VALKEY_ENVIRONMENT: Final = (Env.RANK_INDEX, Env.VALKEY_URL, Env.VALKEY_CLUSTER)
"""What a Valkey stack sets on `VALKEY_FUNCTIONS` beyond their specs' variables; the settings'
defaults are the DynamoDB index, so a DynamoDB stack sets none of them."""

RANK_INDEX_STREAM: Final = StreamMappingSpec(
    table=LEADERBOARD_TABLE,
    # Hundreds to thousands of moves per batch, so the tree's upper nodes are written once
    # per batch, not once per submit; the window bounds what that costs in freshness.
    batch_size=1000,
    batching_window_seconds=1,
    # Failures are mostly throttling, and applying a batch again changes nothing: retry
    # often, then give up within the hour, well inside the stream's 24 h retention, so the
    # records the failure note points at can still be read (or run ``repair``).
    maximum_retry_attempts=10,
    maximum_record_age_seconds=3600,
    # TRIM_HORIZON, not LATEST: a mapping created (or re-created) after the stream misses
    # nothing written in between; re-reading up to 24 h is harmless as applying is idempotent.
    starting_position="TRIM_HORIZON",
    # One batch at a time per shard: the index checkpoints each shard's sequence number.
    parallelization_factor=1,
    # Entries (``sk = P#{player}``) only. The rank index's own items (H#, R#, N#) live on the
    # same table: without this filter every batch would feed the function its own writes.
    entry_key_attribute="sk",
    entry_key_prefix="P#",
)
"""The ``rank_index`` function's event source mapping on the leaderboard table's stream."""
RANK_INDEX_DLQ: Final = QueueSpec(
    stem="rank-index-dlq", fifo=False, retention_seconds=14 * 24 * 3600
)
"""The mapping's on-failure destination: notes of the stream records given up on. Standard,
not FIFO: Lambda's stream destinations are standard queues and topics (it sets no message
group), and each note is self-contained (shard and sequence range), so order is moot."""

INVENTORY_EVENTS_DLQ: Final = QueueSpec(
    stem="inventory-events-dlq", fifo=False, retention_seconds=14 * 24 * 3600
)
"""Where EventBridge, the Scheduler and Lambda's async invocations put events they could not
deliver; a standard queue, because none of the three can write to a FIFO one."""


DEFAULT_BUS: Final = "default"
"""The account's default EventBridge bus: S3's "Object Created" events arrive on it, and tap puts
its own events (``EventSpec``) there too."""

UPLOAD_RULE_STEM: Final = "inventory-upload"
"""The EventBridge rule for CSV uploads (``BucketSpec.upload_pattern``)."""
CONTINUED_RULE_STEM: Final = "inventory-continued"
"""The EventBridge rule for ``IMPORT_CONTINUED``, named by ``resource_name``."""

LOCAL_INVENTORY_EVENTS: Final = QueueSpec(stem="inventory-events", fifo=False)
"""Local stack only: moto's EventBridge cannot invoke a Lambda function, so both inventory rules
target this queue and the local stack hands each event it receives to ``inventory_import``."""

LOCAL_OBJECT_EVENTS: Final = QueueSpec(stem="inventory-objects", fifo=False)
"""Local stack only: every "Object Created" of the bucket (`BucketSpec.created_pattern`), so the
stack can say which uploads the import rule ignores, and why."""
LOCAL_OBJECTS_RULE_STEM: Final = "inventory-objects"
"""Local stack only: the rule that puts every "Object Created" on `LOCAL_OBJECT_EVENTS`."""
