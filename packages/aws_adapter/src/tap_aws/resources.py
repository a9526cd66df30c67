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
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping

# Re-exported (``as``): the components and the local stack read every resource from here.
from tap_core.app.ports import IMPORT_CONTINUED as IMPORT_CONTINUED  # noqa: PLC0414
from tap_core.app.ports import EventSpec as EventSpec  # noqa: PLC0414
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

_SUFFIX = re.compile(r"[a-z0-9][a-z0-9-]{0,19}")

AttributeType = Literal["S", "N", "B"]
StreamView = Literal["NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY"]


def check_suffix(suffix: str) -> str:
    """The environment suffix, or ValueError naming what is allowed (it ends up in every name)."""
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(
            f"environment suffix {suffix!r} is not allowed; allowed: 1-20 of a-z 0-9 -, "
            "starting with a letter or digit"
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
    stream_view: StreamView | None = None
    """The table's change stream (DynamoDB Streams) and what its records carry; None: none."""

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
    """An SQS queue; a FIFO queue's name ends ``.fifo`` whatever the stem."""

    stem: str
    fifo: bool
    visibility_timeout_seconds: int = LAMBDA_TIMEOUT_SECONDS * VISIBILITY_FACTOR
    retention_seconds: int = 4 * 24 * 3600
    content_based_deduplication: bool = False

    def name(self, suffix: str) -> str:
        base = resource_name(self.stem, suffix)
        return base + FIFO_SUFFIX if self.fifo else base


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


LEADERBOARD_TABLE: Final = TableSpec(
    stem="leaderboard",
    keys=KeySchema(("pk", "S"), ("sk", "S")),
    stream_view="NEW_AND_OLD_IMAGES",
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
    queue=QueueSpec(stem="scores", fifo=True),
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
    API_URL: Final = "api_url"
    ENDPOINT_URL: Final = "endpoint_url"
    """Local stack only: the emulator's endpoint for any AWS client."""


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
"""The leaderboard table's stream, applied to the rank index in batches. Not yet in
`FUNCTIONS`: it joins them with its Pulumi component (stream, event source mapping)."""


@dataclass(frozen=True, slots=True)
class StreamSourceSpec:
    """A DynamoDB stream's event source mapping: how Lambda batches, retries and filters it
    (the local stack's pump delivers the same way)."""

    batch_size: int
    batching_window_seconds: int
    maximum_retry_attempts: int
    maximum_record_age_seconds: int
    bisect_batch_on_function_error: bool
    starting_position: Literal["TRIM_HORIZON", "LATEST"]
    filter_pattern: Mapping[str, object]
    """An event filter (EventBridge pattern syntax) on the records: only entry items."""
    report_batch_item_failures: bool = True


RANK_INDEX_STREAM: Final = StreamSourceSpec(
    batch_size=1000,
    batching_window_seconds=1,
    maximum_retry_attempts=10,
    maximum_record_age_seconds=6 * 3600,
    bisect_batch_on_function_error=True,
    starting_position="TRIM_HORIZON",
    filter_pattern=MappingProxyType({"dynamodb": {"Keys": {"sk": {"S": [{"prefix": "P#"}]}}}}),
)
"""``RANK_INDEX_FUNCTION``'s mapping on ``LEADERBOARD_TABLE``'s stream: big batches and a short
window (the upper tree nodes are written once per transaction group of a batch), partial
batch responses (the function reports the first record of a player it could not apply),
bisect and bounded retries (then the on-failure destination), entries only (the index's own
items start ``H#``, ``R#``, ``N#``, so its writes never feed back)."""

FUNCTIONS: Final = (
    SCORES_FUNCTION,
    INVENTORY_IMPORT_FUNCTION,
    INVENTORY_SUMMARY_FUNCTION,
    API_FUNCTION,
)

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
