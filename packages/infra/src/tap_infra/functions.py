"""A Lambda function with everything it needs to be observed: log group, tracing, alarm, role;
and, when it must reach something private (the Valkey rank index), its place in a VPC."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal, get_args

import pulumi
import pulumi_aws as aws

from tap_aws.resources import LOG_RETENTION_DAYS, FunctionSpec
from tap_infra import iam

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

RUNTIME: Final = "python3.13"
SERVICE: Final = "tap"
"""Powertools service name and metrics namespace of every function."""
ERRORS_ALARM_PERIOD_SECONDS: Final = 300

Architecture = Literal["arm64", "x86_64"]
ARCHITECTURES: Final[tuple[Architecture, ...]] = get_args(Architecture)


@dataclass(frozen=True, kw_only=True)
class FunctionSettings:
    """What every function of a stack shares, chosen once by the stack's config."""

    code: pulumi.Archive
    architecture: Architecture = "arm64"
    memory_mb: int | None = None
    """None: each spec's memory."""
    reserved_concurrency: int | None = None
    """None: unreserved (the account's pool)."""
    alarm_topic_arn: pulumi.Input[str] | None = None
    """Where the functions' and queues' alarms notify; None: no action."""

    def __post_init__(self) -> None:
        if self.reserved_concurrency is not None and self.reserved_concurrency < 1:
            raise ValueError(
                "reserved concurrency must be at least 1 (0 would disable every function), "
                f"got {self.reserved_concurrency}"
            )


ENI_CREATE_ACTIONS: Final = ("ec2:CreateNetworkInterface",)
"""Lambda makes the function's network interfaces with its role: in these subnets, with this
security group (the action takes both as resources, so the grant names them)."""
ENI_MANAGE_ACTIONS: Final = (
    "ec2:AssignPrivateIpAddresses",
    "ec2:DeleteNetworkInterface",
    "ec2:UnassignPrivateIpAddresses",
)
"""On network interfaces of the account and region (their ids are Lambda's, not known here)."""
ENI_DESCRIBE_ACTIONS: Final = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets")
"""EC2's Describe actions take no resource: ``"*"`` is the only resource AWS accepts."""


@dataclass(frozen=True, kw_only=True)
class VpcAttachment:
    """Where a function's network interfaces go: subnets and security groups, by id (for
    ``vpc_config``) and by ARN (for the role's least-privilege ENI grants)."""

    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]
    subnet_arns: Sequence[pulumi.Input[str]]
    security_group_arns: Sequence[pulumi.Input[str]]
    network_interfaces_arn: pulumi.Input[str]
    """``arn:aws:ec2:<region>:<account>:network-interface/*``."""

    def statements(self) -> list[iam.Statement]:
        """What Lambda needs of the function's role to attach it (AWSLambdaVPCAccessExecutionRole
        without its ``"*"`` where an action takes resources, and without logs)."""
        return [
            iam.allow(
                ENI_CREATE_ACTIONS,
                [*self.subnet_arns, *self.security_group_arns, self.network_interfaces_arn],
            ),
            iam.allow(ENI_MANAGE_ACTIONS, [self.network_interfaces_arn]),
            iam.allow(ENI_DESCRIBE_ACTIONS, ["*"]),
        ]

    def vpc_config(self) -> dict[str, pulumi.Input[Sequence[pulumi.Input[str]]]]:
        """The function's ``vpc_config``."""
        return {"subnet_ids": self.subnet_ids, "security_group_ids": self.security_group_ids}


@dataclass(frozen=True, kw_only=True)
class ObservedFunctionArgs:
    """What differs between tap's functions; the rest (tracing, logs, alarm) is the same."""

    spec: FunctionSpec
    suffix: str
    settings: FunctionSettings
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """The settings variables; exactly the names the spec lists."""
    statements: Sequence[iam.Statement] = ()
    """The role's grants beyond logs and X-Ray: listed actions on exact ARNs."""
    dead_letter_arn: pulumi.Input[str] | None = None
    """Queue for async invocations that fail every retry (Lambda's ``dead_letter_config``)."""
    optional_environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Settings beyond the spec's, whose fields have a default the stack overrides (the Valkey
    rank index's, `tap_aws.resources.VALKEY_ENVIRONMENT`)."""
    vpc: VpcAttachment | None = None
    """None: the function runs in Lambda's own network, outside any VPC."""

    def __post_init__(self) -> None:
        given, wanted = set(self.environment), set(self.spec.environment)
        if given != wanted:
            raise ValueError(
                f"function {self.spec.stem!r}: environment must set exactly {sorted(wanted)}; "
                f"missing {sorted(wanted - given)}, unexpected {sorted(given - wanted)}"
            )
        if twice := wanted & set(self.optional_environment):
            raise ValueError(
                f"function {self.spec.stem!r}: {sorted(twice)} are its spec's variables, "
                "not optional ones"
            )


class ObservedFunction(pulumi.ComponentResource):
    """Lambda + least-privilege role + ``/aws/lambda/<name>`` log group (7 days) + errors alarm."""

    function: aws.lambda_.Function
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    errors_alarm: aws.cloudwatch.MetricAlarm

    def __init__(
        self, name: str, args: ObservedFunctionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:functions:ObservedFunction", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        function_name = args.spec.name(args.suffix)
        # Created before the function so Lambda never auto-creates it without retention.
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=args.spec.log_group(args.suffix),
            retention_in_days=LOG_RETENTION_DAYS,
            opts=child,
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            name=function_name,
            assume_role_policy=iam.assume_role("lambda.amazonaws.com"),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=self.role.id,
            policy=self._policy(args),
            opts=child,
        )
        self.function = self._create_function(name, args, function_name, policy)
        self.errors_alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-errors",
            name=f"{function_name}-errors",
            namespace="AWS/Lambda",
            metric_name="Errors",
            dimensions={"FunctionName": self.function.name},
            statistic="Sum",
            period=ERRORS_ALARM_PERIOD_SECONDS,
            evaluation_periods=1,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=[topic] if (topic := args.settings.alarm_topic_arn) is not None else [],
            opts=child,
        )
        self.register_outputs(
            {
                "function_name": self.function.name,
                "function_arn": self.function.arn,
                "log_group": self.log_group.name,
                "errors_alarm_name": self.errors_alarm.name,
            }
        )

    def _policy(self, args: ObservedFunctionArgs) -> pulumi.Output[str]:
        statements: list[iam.Statement] = [
            iam.allow(
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                [pulumi.Output.concat(self.log_group.arn, ":*")],
            ),
            # X-Ray's PutTraceSegments and PutTelemetryRecords take no resource ARN: "*" is
            # the only resource AWS accepts for them.
            iam.allow(["xray:PutTelemetryRecords", "xray:PutTraceSegments"], ["*"]),
            *args.statements,
            *(args.vpc.statements() if args.vpc is not None else []),
        ]
        if args.dead_letter_arn is not None:
            statements.append(iam.allow(["sqs:SendMessage"], [args.dead_letter_arn]))
        return iam.document(*statements)

    def _create_function(
        self,
        name: str,
        args: ObservedFunctionArgs,
        function_name: str,
        policy: aws.iam.RolePolicy,
    ) -> aws.lambda_.Function:
        settings = args.settings
        variables: dict[str, pulumi.Input[str]] = {
            "POWERTOOLS_SERVICE_NAME": SERVICE,
            "POWERTOOLS_METRICS_NAMESPACE": SERVICE,
            **args.environment,
            **args.optional_environment,
        }
        return aws.lambda_.Function(
            f"{name}-function",
            name=function_name,
            role=self.role.arn,
            runtime=RUNTIME,
            handler=args.spec.handler,
            code=settings.code,
            architectures=[settings.architecture],
            memory_size=settings.memory_mb
            if settings.memory_mb is not None
            else args.spec.memory_mb,
            timeout=args.spec.timeout_seconds,
            reserved_concurrent_executions=settings.reserved_concurrency,
            tracing_config={"mode": "Active"},
            logging_config={"log_format": "JSON", "log_group": self.log_group.name},
            environment={"variables": variables},
            vpc_config=args.vpc.vpc_config() if args.vpc is not None else None,
            dead_letter_config=(
                {"target_arn": args.dead_letter_arn} if args.dead_letter_arn is not None else None
            ),
            # The role's grants must exist before the function runs (logs, DLQ, X-Ray).
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, self.log_group]),
        )
