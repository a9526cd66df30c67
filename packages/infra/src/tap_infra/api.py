"""The read API: an HTTP API in front of the api function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import pulumi
import pulumi_aws as aws

from tap_aws.resources import (
    API_FUNCTION,
    LOG_RETENTION_DAYS,
    READ_API,
    Env,
    resource_name,
)
from tap_infra import iam
from tap_infra.functions import FunctionSettings, ObservedFunction, ObservedFunctionArgs

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tap_aws.resources import CorsSpec
    from tap_infra.leaderboard import BoardSettings
    from tap_infra.valkey import RankIndexAccess

PUBLIC_ROUTES: Final = READ_API.public_routes
"""Standings anyone may read: public, and throttled so no one client can run up the bill."""
IAM_ROUTES: Final = READ_API.iam_routes
"""Stock levels and imports: callers sign with SigV4 (``AWS_IAM``)."""
THROTTLE_RATE: Final = 50.0
THROTTLE_BURST: Final = 100
READ_ACTIONS: Final = ("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query")
ACCESS_LOG_FORMAT: Final = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"routeKey":"$context.routeKey","status":"$context.status",'
    '"latency":"$context.responseLatency","error":"$context.integrationErrorMessage"}'
)


def cors_configuration(cors: CorsSpec | None) -> dict[str, object] | None:
    """The HTTP API's ``cors_configuration`` of the shared spec (None: CORS off)."""
    if cors is None:
        return None
    return {
        "allow_origins": list(cors.allow_origins),
        "allow_methods": list(cors.allow_methods),
        "allow_headers": list(cors.allow_headers),
        "max_age": cors.max_age_seconds,
    }


@dataclass(frozen=True, kw_only=True)
class ReadApiArgs:
    suffix: str
    functions: FunctionSettings
    boards: BoardSettings
    leaderboard_table_name: pulumi.Input[str]
    leaderboard_table_arn: pulumi.Input[str]
    inventory_table_name: pulumi.Input[str]
    inventory_table_arns: Sequence[pulumi.Input[str]]
    throttle_rate: float = THROTTLE_RATE
    throttle_burst: int = THROTTLE_BURST
    rank_index: RankIndexAccess | None = None
    """The Valkey rank index's settings and network; None: the DynamoDB index, no VPC."""


class ReadApi(pulumi.ComponentResource):
    """HTTP API + api function; leaderboard routes public and throttled, inventory routes IAM."""

    api: aws.apigatewayv2.Api
    stage: aws.apigatewayv2.Stage
    handler: ObservedFunction

    def __init__(
        self, name: str, args: ReadApiArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:api:ReadApi", name, None, opts)
        self.handler = self._create_handler(name, args)
        api_name = resource_name("api", args.suffix)
        self.api = aws.apigatewayv2.Api(
            f"{name}-api",
            name=api_name,
            protocol_type="HTTP",
            cors_configuration=cors_configuration(READ_API.cors),
            opts=pulumi.ResourceOptions(parent=self),
        )
        routes = self._create_routes(name)
        self.stage = self._create_stage(name, args, api_name, routes)
        self._create_permission(name)
        self.register_outputs({"api_url": self.stage.invoke_url})

    def _create_handler(self, name: str, args: ReadApiArgs) -> ObservedFunction:
        return ObservedFunction(
            f"{name}-function",
            ObservedFunctionArgs(
                spec=API_FUNCTION,
                suffix=args.suffix,
                settings=args.functions,
                environment={
                    Env.LEADERBOARD_TABLE: args.leaderboard_table_name,
                    **args.boards.environment(),
                    Env.INVENTORY_TABLE: args.inventory_table_name,
                },
                # Every route reads a table: the summaries too (their DynamoDB items), so the
                # API needs no S3 read.
                statements=[
                    iam.allow(
                        READ_ACTIONS, [args.leaderboard_table_arn, *args.inventory_table_arns]
                    ),
                ],
                optional_environment=args.rank_index.environment if args.rank_index else {},
                vpc=args.rank_index.vpc if args.rank_index else None,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_routes(self, name: str) -> list[aws.apigatewayv2.Route]:
        """The handler's integration and every route to it: public ones, then IAM ones."""
        child = pulumi.ResourceOptions(parent=self)
        integration = aws.apigatewayv2.Integration(
            f"{name}-integration",
            api_id=self.api.id,
            integration_type="AWS_PROXY",
            integration_uri=self.handler.function.invoke_arn,
            payload_format_version="2.0",
            opts=child,
        )
        target = pulumi.Output.concat("integrations/", integration.id)
        return [
            aws.apigatewayv2.Route(
                f"{name}-{kind.lower()}-{index}",
                api_id=self.api.id,
                route_key=route_key,
                authorization_type=kind,
                target=target,
                opts=child,
            )
            for kind, keys in (("NONE", PUBLIC_ROUTES), ("AWS_IAM", IAM_ROUTES))
            for index, route_key in enumerate(keys)
        ]

    def _create_stage(
        self,
        name: str,
        args: ReadApiArgs,
        api_name: str,
        routes: list[aws.apigatewayv2.Route],
    ) -> aws.apigatewayv2.Stage:
        """The auto-deployed default stage: access logs, public routes throttled."""
        access_logs = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            name=f"/aws/apigateway/{api_name}",
            retention_in_days=LOG_RETENTION_DAYS,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.apigatewayv2.Stage(
            f"{name}-stage",
            api_id=self.api.id,
            name="$default",
            auto_deploy=True,
            default_route_settings={
                "throttling_rate_limit": args.throttle_rate,
                "throttling_burst_limit": args.throttle_burst,
            },
            route_settings=[
                {
                    "route_key": route_key,
                    "throttling_rate_limit": args.throttle_rate,
                    "throttling_burst_limit": args.throttle_burst,
                }
                for route_key in PUBLIC_ROUTES
            ],
            access_log_settings={"destination_arn": access_logs.arn, "format": ACCESS_LOG_FORMAT},
            # Route settings name routes by key: they must exist first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=routes),
        )

    def _create_permission(self, name: str) -> None:
        """API Gateway may invoke the handler: any stage and route of this API only."""
        aws.lambda_.Permission(
            f"{name}-permission",
            action="lambda:InvokeFunction",
            function=self.handler.function.name,
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(self.api.execution_arn, "/*/*"),
            opts=pulumi.ResourceOptions(parent=self),
        )
