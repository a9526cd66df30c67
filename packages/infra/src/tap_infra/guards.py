"""tap's secure defaults as CrossGuard resource validations, in a module tests can import.

Each `Guard` checks one resource type's inputs (engine, camelCase names such as
``fifoQueue``) and returns what is wrong. ``policy_pack/__main__.py`` wraps them in
``ResourceValidationPolicy`` objects for ``pulumi preview --policy-pack``; constructing the
``PolicyPack`` starts a gRPC server, so nothing else may import that module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from tap_aws.resources import FIFO_SUFFIX, RANK_INDEX_CACHE, Env

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pulumi_policy import ReportViolation, ResourceValidationArgs, StackValidationArgs

Props = Mapping[str, Any]

WILDCARD_RESOURCE_ACTIONS: Final = frozenset(
    {
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
        # What Lambda asks of a VPC function's role to find its subnets and interfaces.
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
    }
)
"""Actions AWS only grants on ``"*"``; any other action must name its resources."""
ENCRYPTION_ALGORITHMS: Final = frozenset({"aws:kms", "aws:kms:dsse", "AES256"})
MAX_STREAM_RETRIES: Final = 10_000
MAX_STREAM_RECORD_AGE: Final = 604_800
"""Lambda's bounds for a stream mapping's retries and record age (-1, the default, is none)."""
STREAM_VIEW: Final = "NEW_AND_OLD_IMAGES"
"""What a stream-fed function of tap reads: a move needs the entry's old key and its new."""
TABLE: Final = "aws:dynamodb/table:Table"
MAPPING: Final = "aws:lambda/eventSourceMapping:EventSourceMapping"
_STREAM_SOURCE = re.compile(r"arn:[^:]+:(dynamodb:[^:]*:[^:]*:table/[^/]+/stream/|kinesis:)")
_TABLE_STREAM = re.compile(r"arn:[^:]+:dynamodb:[^:]*:[^:]*:table/([^/]+)/stream/")


@dataclass(frozen=True, slots=True)
class Guard:
    """One mandatory rule for one resource type."""

    name: str
    description: str
    resource_type: str
    check: Callable[[Props], list[str]]

    def validate(self, args: ResourceValidationArgs, report: ReportViolation) -> None:
        """The CrossGuard ``validate`` callback: one violation per problem found."""
        if args.resource_type != self.resource_type:
            return
        for problem in self.check(args.props):
            report(f"{args.name}: {problem}", args.urn)


def _statements(document: object) -> list[dict[str, Any]] | None:
    """The statements of a JSON policy document; None while the value is still unknown."""
    if not isinstance(document, str):
        return None
    parsed = json.loads(document)
    statements = parsed.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _denies_insecure_transport(props: Props) -> list[str]:
    statements = _statements(props.get("policy"))
    if statements is None:
        return []
    for statement in statements:
        condition = statement.get("Condition", {}).get("Bool", {})
        if (
            statement.get("Effect") == "Deny"
            and statement.get("Principal") == "*"
            and str(condition.get("aws:SecureTransport")).lower() == "false"
        ):
            return []
    return ["the policy must deny requests without TLS (aws:SecureTransport false)"]


def _queue(props: Props) -> list[str]:
    problems = []
    if not props.get("sqsManagedSseEnabled") and not props.get("kmsMasterKeyId"):
        problems.append("server-side encryption is off (sqsManagedSseEnabled or kmsMasterKeyId)")
    name = props.get("name")
    if isinstance(name, str) and bool(props.get("fifoQueue")) != name.endswith(FIFO_SUFFIX):
        problems.append(f"name {name!r} must end {FIFO_SUFFIX!r} exactly when fifoQueue is set")
    return problems


def _queue_throughput(props: Props) -> list[str]:
    """High-throughput FIFO: both settings on a work queue, none on a standard queue."""
    scope, limit = props.get("deduplicationScope"), props.get("fifoThroughputLimit")
    if not props.get("fifoQueue"):
        return (
            ["deduplicationScope/fifoThroughputLimit are FIFO settings"] if scope or limit else []
        )
    problems = []
    if limit == "perMessageGroupId" and scope != "messageGroup":
        problems.append(
            "fifoThroughputLimit perMessageGroupId needs deduplicationScope messageGroup"
        )
    # A FIFO queue with a redrive policy is a work queue a function consumes: per-group quotas
    # let it scale with the message groups (the players); a DLQ keeps the default quota.
    if props.get("redrivePolicy") and (scope, limit) != ("messageGroup", "perMessageGroupId"):
        problems.append(
            "a FIFO work queue runs in high-throughput mode (deduplicationScope messageGroup, "
            f"fifoThroughputLimit perMessageGroupId), not {scope!r}/{limit!r}"
        )
    return problems


def _table(props: Props) -> list[str]:
    problems = []
    if props.get("billingMode") != "PAY_PER_REQUEST":
        problems.append(f"billingMode is {props.get('billingMode')!r}, not PAY_PER_REQUEST")
    if not (props.get("pointInTimeRecovery") or {}).get("enabled"):
        problems.append("point-in-time recovery is off")
    if not (props.get("serverSideEncryption") or {}).get("enabled"):
        problems.append("server-side encryption with KMS is off")
    if props.get("streamEnabled") and not props.get("streamViewType"):
        problems.append("the stream is on without a streamViewType")
    return problems


def _public_access_block(props: Props) -> list[str]:
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    return [f"{flag} is not true" for flag in flags if props.get(flag) is not True]


def _bucket_encryption(props: Props) -> list[str]:
    rules = props.get("rules") or []
    algorithms = {
        (rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm") for rule in rules
    }
    if not algorithms or not algorithms <= ENCRYPTION_ALGORITHMS:
        return [f"default encryption must be one of {sorted(ENCRYPTION_ALGORITHMS)}"]
    return []


def _bucket_versioning(props: Props) -> list[str]:
    status = (props.get("versioningConfiguration") or {}).get("status")
    return [] if status == "Enabled" else [f"versioning is {status!r}, not Enabled"]


def _function(props: Props) -> list[str]:
    problems = []
    if (props.get("tracingConfig") or {}).get("mode") != "Active":
        problems.append("X-Ray active tracing is off")
    if not (props.get("loggingConfig") or {}).get("logGroup"):
        problems.append("no explicit log group (loggingConfig.logGroup)")
    if props.get("reservedConcurrentExecutions") == 0:
        problems.append("reserved concurrency 0 disables the function")
    return problems


def _log_group(props: Props) -> list[str]:
    days = props.get("retentionInDays")
    return [] if isinstance(days, int | float) and days > 0 else ["logs are kept forever"]


def _event_source_mapping(props: Props) -> list[str]:
    problems = []
    source = props.get("eventSourceArn")
    if isinstance(source, str) and source.startswith("arn:aws:sqs:"):
        if source.endswith(FIFO_SUFFIX) and props.get("maximumBatchingWindowInSeconds"):
            problems.append("FIFO queues reject maximumBatchingWindowInSeconds")
        if "ReportBatchItemFailures" not in (props.get("functionResponseTypes") or []):
            problems.append("without ReportBatchItemFailures one bad message retries the batch")
    return problems


def _is_stream_mapping(props: Props) -> bool:
    """A mapping from a DynamoDB or Kinesis stream; while its ARN is unknown (a preview of a
    new stack), a starting position says so: only stream sources take one."""
    source = props.get("eventSourceArn")
    if isinstance(source, str):
        return bool(_STREAM_SOURCE.match(source))
    return props.get("startingPosition") is not None


def _bounded(value: object, low: int, high: int) -> bool:
    return isinstance(value, int | float) and low <= value <= high


def _stream_mapping(props: Props) -> list[str]:
    """A stream stalls on a record that always fails unless retries end and it is set aside."""
    if not _is_stream_mapping(props):
        return []
    problems = []
    if not ((props.get("destinationConfig") or {}).get("onFailure") or {}).get("destinationArn"):
        problems.append("no on-failure destination: records given up on would leave no trace")
    if props.get("bisectBatchOnFunctionError") is not True:
        problems.append("bisectBatchOnFunctionError is off: one bad record fails its whole batch")
    if not _bounded(props.get("maximumRetryAttempts"), 0, MAX_STREAM_RETRIES):
        problems.append(
            f"maximumRetryAttempts is {props.get('maximumRetryAttempts')!r}, not 0 to "
            f"{MAX_STREAM_RETRIES}: a failing record is retried until it expires"
        )
    if not _bounded(props.get("maximumRecordAgeInSeconds"), 60, MAX_STREAM_RECORD_AGE):
        problems.append(
            f"maximumRecordAgeInSeconds is {props.get('maximumRecordAgeInSeconds')!r}, not 60 "
            f"to {MAX_STREAM_RECORD_AGE}: the shard waits on a failing record until it expires"
        )
    if "ReportBatchItemFailures" not in (props.get("functionResponseTypes") or []):
        problems.append("without ReportBatchItemFailures a failure retries the whole batch")
    return problems


def _role_policy(props: Props) -> list[str]:
    statements = _statements(props.get("policy"))
    problems: list[str] = []
    for statement in statements or []:
        if statement.get("Effect") != "Allow":
            continue
        actions = [str(action) for action in _as_list(statement.get("Action"))]
        resources = _as_list(statement.get("Resource"))
        problems.extend(
            f"action {action!r} is a wildcard"
            for action in actions
            if action == "*" or action.endswith(":*")
        )
        if "*" in resources and not set(actions) <= WILDCARD_RESOURCE_ACTIONS:
            problems.append(f"{sorted(actions)} granted on every resource ('*')")
    return problems


def _event_target(props: Props) -> list[str]:
    problems = []
    if not (props.get("deadLetterConfig") or {}).get("arn"):
        problems.append("no dead-letter queue for events it cannot deliver")
    if not props.get("retryPolicy"):
        problems.append("no retry policy")
    return problems


def _schedule(props: Props) -> list[str]:
    return _event_target(props.get("target") or {})


GUARDS: Final = (
    Guard("sqs-encrypted-and-fifo-named", "SQS queues are encrypted; FIFO names end .fifo",
          "aws:sqs/queue:Queue", _queue),
    Guard("sqs-fifo-high-throughput", "FIFO work queues deduplicate and scale per group",
          "aws:sqs/queue:Queue", _queue_throughput),
    Guard("sqs-tls-only", "SQS queue policies deny requests without TLS",
          "aws:sqs/queuePolicy:QueuePolicy", _denies_insecure_transport),
    Guard("sns-tls-only", "SNS topic policies deny requests without TLS",
          "aws:sns/topicPolicy:TopicPolicy", _denies_insecure_transport),
    Guard("dynamodb-on-demand-pitr-encrypted", "DynamoDB: on-demand, PITR, KMS encryption",
          "aws:dynamodb/table:Table", _table),
    Guard("s3-block-public-access", "S3 buckets block every kind of public access",
          "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", _public_access_block),
    Guard("s3-encrypted", "S3 buckets encrypt objects by default",
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          _bucket_encryption),
    Guard("s3-versioned", "S3 buckets keep versions",
          "aws:s3/bucketVersioning:BucketVersioning", _bucket_versioning),
    Guard("s3-tls-only", "S3 bucket policies deny requests without TLS",
          "aws:s3/bucketPolicy:BucketPolicy", _denies_insecure_transport),
    Guard("lambda-traced-and-logged", "Lambda: X-Ray active, explicit log group",
          "aws:lambda/function:Function", _function),
    Guard("log-retention", "Log groups expire their logs",
          "aws:cloudwatch/logGroup:LogGroup", _log_group),
    Guard("sqs-trigger-fifo-safe", "SQS triggers report partial failures; FIFO: no window",
          "aws:lambda/eventSourceMapping:EventSourceMapping", _event_source_mapping),
    Guard("stream-trigger-bounded",
          "Stream triggers: on-failure destination, bisect, bounded retries and record age",
          "aws:lambda/eventSourceMapping:EventSourceMapping", _stream_mapping),
    Guard("iam-least-privilege", "Role policies list actions and name their resources",
          "aws:iam/rolePolicy:RolePolicy", _role_policy),
    Guard("eventbridge-target-dlq", "EventBridge targets retry, then dead-letter",
          "aws:cloudwatch/eventTarget:EventTarget", _event_target),
    Guard("schedule-dlq", "Schedules retry, then dead-letter",
          "aws:scheduler/schedule:Schedule", _schedule),
)  # fmt: skip


BUCKET: Final = "aws:s3/bucket:Bucket"
BUCKET_COMPANIONS: Final = {
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "public access block",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "default encryption"
    ),
    "aws:s3/bucketVersioning:BucketVersioning": "versioning",
    "aws:s3/bucketPolicy:BucketPolicy": "bucket policy (TLS only)",
}
"""Since AWS provider v4 a bucket's settings are resources of their own: a bucket without
them is public-capable, unencrypted by KMS and unversioned, and no per-resource rule sees it."""


def bucket_companions(resources: Sequence[tuple[str, Props]]) -> list[str]:
    """Every bucket has each companion resource, pointing at it by name (the bucket's id)."""
    buckets = sorted(str(props.get("bucket")) for kind, props in resources if kind == BUCKET)
    configured = {(kind, props.get("bucket")) for kind, props in resources}
    return [
        f"bucket {bucket!r} has no {what}"
        for bucket in buckets
        for kind, what in BUCKET_COMPANIONS.items()
        if (kind, bucket) not in configured
    ]


def stream_fed_tables(resources: Sequence[tuple[str, Props]]) -> list[str]:
    """Every table of the stack whose stream feeds a mapping streams new and old images.

    A mapping names its table by the stream's ARN (``...:table/<name>/stream/<label>``);
    while that ARN is unknown (a preview of a new stack) there is nothing to compare yet.
    """
    tables = {props.get("name"): props for kind, props in resources if kind == TABLE}
    problems = []
    for kind, props in resources:
        source = props.get("eventSourceArn")
        found = _TABLE_STREAM.match(source) if isinstance(source, str) else None
        if kind != MAPPING or found is None or found.group(1) not in tables:
            continue
        table = tables[found.group(1)]
        if not table.get("streamEnabled") or table.get("streamViewType") != STREAM_VIEW:
            problems.append(
                f"table {found.group(1)!r} feeds a function from its stream: the stream must "
                f"be on with {STREAM_VIEW}, not {table.get('streamViewType')!r}"
            )
    return sorted(problems)


FUNCTION: Final = "aws:lambda/function:Function"
REPLICATION_GROUP: Final = "aws:elasticache/replicationGroup:ReplicationGroup"
CACHE_CLUSTER: Final = "aws:elasticache/cluster:Cluster"
SECURITY_GROUP: Final = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE: Final = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
GROUP_RULE: Final = "aws:ec2/securityGroupRule:SecurityGroupRule"
SUBNET: Final = "aws:ec2/subnet:Subnet"
VPC: Final = "aws:ec2/vpc:Vpc"
ROUTE_TABLE: Final = "aws:ec2/routeTable:RouteTable"
ROUTE: Final = "aws:ec2/route:Route"
ASSOCIATION: Final = "aws:ec2/routeTableAssociation:RouteTableAssociation"
INTERNET_GATEWAY: Final = "aws:ec2/internetGateway:InternetGateway"
ANYWHERE: Final = frozenset({"0.0.0.0/0", "::/0"})
TLS_SCHEME: Final = "rediss://"
ALL_PROTOCOLS: Final = frozenset({"-1", "all"})


def _variables(props: Props) -> Mapping[str, Any]:
    return ((props.get("environment") or {}).get("variables")) or {}


def caches_tls_only(resources: Sequence[tuple[str, Props]]) -> list[str]:
    """Caches take TLS only and encrypt at rest; functions reach Valkey by ``rediss://``.

    An ElastiCache Serverless cache is always both (the provider has no setting to get
    wrong); a replication group or a cluster must say so. A URL still unknown (a preview)
    is not judged.
    """
    problems = []
    for kind, props in resources:
        name = props.get("name") or props.get("replicationGroupId") or props.get("clusterId")
        if kind == REPLICATION_GROUP:
            if props.get("transitEncryptionEnabled") is not True:
                problems.append(f"cache {name!r}: transit encryption is off")
            elif props.get("transitEncryptionMode") == "preferred":
                problems.append(
                    f"cache {name!r}: transit encryption mode 'preferred' takes plaintext"
                )
            if props.get("atRestEncryptionEnabled") not in (True, "true"):
                problems.append(f"cache {name!r}: encryption at rest is off")
        elif kind == CACHE_CLUSTER and not props.get("replicationGroupId"):
            if props.get("transitEncryptionEnabled") is not True:
                problems.append(f"cache {name!r}: transit encryption is off")
        elif kind == FUNCTION:
            url = _variables(props).get(Env.VALKEY_URL)
            if isinstance(url, str) and not url.startswith(TLS_SCHEME):
                problems.append(f"function {name!r}: {Env.VALKEY_URL.value} is not {TLS_SCHEME}")
    return problems


def _cache_ports(resources: Sequence[tuple[str, Props]]) -> set[int]:
    """The ports the stack's caches listen on: a serverless cache's two, any other's own."""
    ports = {RANK_INDEX_CACHE.port, RANK_INDEX_CACHE.reader_port}
    ports.update(
        int(props["port"])
        for kind, props in resources
        if kind in (REPLICATION_GROUP, CACHE_CLUSTER) and isinstance(props.get("port"), int | float)
    )
    return ports


def _ingress(resources: Sequence[tuple[str, Props]]) -> list[tuple[str, Props, list[str]]]:
    """Every ingress permission of the stack, wherever it is written: (where, rule, sources)."""
    found: list[tuple[str, Props, list[str]]] = []
    for kind, props in resources:
        if kind == SECURITY_GROUP:
            for rule in props.get("ingress") or []:
                sources = [*(rule.get("cidrBlocks") or []), *(rule.get("ipv6CidrBlocks") or [])]
                found.append((f"group {props.get('name')!r}", rule, sources))
        elif kind == GROUP_RULE and props.get("type") == "ingress":
            sources = [*(props.get("cidrBlocks") or []), *(props.get("ipv6CidrBlocks") or [])]
            found.append((f"rule of group {props.get('securityGroupId')!r}", props, sources))
        elif kind == INGRESS_RULE:
            sources = [c for c in (props.get("cidrIpv4"), props.get("cidrIpv6")) if c]
            found.append((f"rule of group {props.get('securityGroupId')!r}", props, sources))
    return found


def _covers(rule: Props, port: int) -> bool:
    protocol = str(rule.get("ipProtocol", rule.get("protocol", "tcp"))).lower()
    if protocol in ALL_PROTOCOLS:
        return True
    low, high = rule.get("fromPort"), rule.get("toPort")
    if not isinstance(low, int | float) or not isinstance(high, int | float):
        return False
    return protocol in ("tcp", "6") and low <= port <= high


def cache_port_not_public(resources: Sequence[tuple[str, Props]]) -> list[str]:
    """No security group lets 0.0.0.0/0 or ::/0 in on a cache's port."""
    ports = _cache_ports(resources)
    return [
        f"{where} lets {source} in on cache port {port}"
        for where, rule, sources in _ingress(resources)
        for source in sources
        if source in ANYWHERE
        for port in sorted(ports)
        if _covers(rule, port)
    ]


def _routes(resources: Sequence[tuple[str, Props]]) -> dict[object, list[Props]]:
    """Each route table's routes (id -> routes), written inline or as Route resources."""
    routes: dict[object, list[Props]] = {}
    for kind, props in resources:
        if kind == ROUTE_TABLE:
            routes.setdefault(props.get("id"), []).extend(props.get("routes") or [])
        elif kind == ROUTE:
            routes.setdefault(props.get("routeTableId"), []).append(props)
    return routes


def functions_in_private_subnets(resources: Sequence[tuple[str, Props]]) -> list[str]:
    """A function with a ``vpcConfig`` runs in subnets of this stack that give no public IP and
    whose route table (its own, else its VPC's main one) has no route to an internet gateway.

    Subnets are matched by id, as a stack validation sees resources (outputs, id included);
    ids still unknown (a preview of a new stack) are not judged.
    """
    subnets = {props.get("id"): props for kind, props in resources if kind == SUBNET}
    main_tables = {
        props.get("id"): props.get("mainRouteTableId") for k, props in resources if k == VPC
    }
    tables = {
        props.get("subnetId"): props.get("routeTableId")
        for k, props in resources
        if k == ASSOCIATION
    }
    gateways = {props.get("id") for kind, props in resources if kind == INTERNET_GATEWAY}
    routes = _routes(resources)
    problems = []
    for kind, props in resources:
        if kind != FUNCTION:
            continue
        name = props.get("name")
        subnet_ids = ((props.get("vpcConfig") or {}).get("subnetIds")) or []
        for subnet_id in (s for s in subnet_ids if isinstance(s, str)):
            subnet = subnets.get(subnet_id)
            if subnet is None:
                problems.append(f"function {name!r}: subnet {subnet_id!r} is not this stack's")
                continue
            if subnet.get("mapPublicIpOnLaunch"):
                problems.append(f"function {name!r}: subnet {subnet_id!r} gives public IPs")
            table = tables.get(subnet_id) or main_tables.get(subnet.get("vpcId"))
            for route in routes.get(table, []):
                gateway = route.get("gatewayId")
                if gateway in gateways or (isinstance(gateway, str) and gateway.startswith("igw-")):
                    problems.append(
                        f"function {name!r}: subnet {subnet_id!r} routes "
                        f"{route.get('destinationCidrBlock') or route.get('cidrBlock')!r} to "
                        f"internet gateway {gateway!r}"
                    )
    return problems


@dataclass(frozen=True, slots=True)
class StackGuard:
    """One mandatory rule over the whole stack (resources that must come together)."""

    name: str
    description: str
    check: Callable[[Sequence[tuple[str, Props]]], list[str]]

    def validate(self, args: StackValidationArgs, report: ReportViolation) -> None:
        """The CrossGuard stack ``validate`` callback."""
        for problem in self.check([(r.resource_type, r.props) for r in args.resources]):
            report(problem, None)


STACK_GUARDS: Final = (
    StackGuard(
        "s3-bucket-configured",
        "Every bucket has its public access block, encryption, versioning and TLS policy",
        bucket_companions,
    ),
    StackGuard(
        "dynamodb-stream-fed",
        "A table whose stream feeds a function streams NEW_AND_OLD_IMAGES",
        stream_fed_tables,
    ),
    StackGuard(
        "elasticache-tls-only",
        "Caches take TLS only and encrypt at rest; functions reach Valkey by rediss://",
        caches_tls_only,
    ),
    StackGuard(
        "cache-port-not-public",
        "No security group lets 0.0.0.0/0 or ::/0 in on a cache's port",
        cache_port_not_public,
    ),
    StackGuard(
        "lambda-private-subnets",
        "Functions in a VPC run in this stack's subnets: no public IPs, no internet gateway route",
        functions_in_private_subnets,
    ),
)
