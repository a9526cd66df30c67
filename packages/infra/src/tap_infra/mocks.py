"""Pulumi mocks that record every resource: what the tests, the plan and the policies read.

Shipped beside the components (as structlog ships its testing helpers) because ``tap infra
plan`` runs the program under them too. No cloud, no CLI, no credentials.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import pulumi

ACCOUNT: Final = "123456789012"
REGION: Final = "us-east-1"
STREAM_LABEL: Final = "2026-01-01T00:00:00.000"
"""The label AWS gives a table's stream (its creation time), for the stream's ARN."""
ZONES: Final = (f"{REGION}a", f"{REGION}b", f"{REGION}c")
ZONE_IDS: Final = ("use1-az1", "use1-az2", "use1-az4")
"""The availability zones (names, ids) ``aws.get_availability_zones`` answers with."""
EC2_KINDS: Final = {
    "aws:ec2/vpc:Vpc": ("vpc", "vpc"),
    "aws:ec2/subnet:Subnet": ("subnet", "subnet"),
    "aws:ec2/securityGroup:SecurityGroup": ("security-group", "sg"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ("security-group", "sg"),
    "aws:ec2/routeTable:RouteTable": ("route-table", "rtb"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("vpc-endpoint", "vpce"),
    "aws:ec2/internetGateway:InternetGateway": ("internet-gateway", "igw"),
}
"""EC2 resources' ARN kind and id prefix, as AWS writes them (``subnet/subnet-...``)."""
DATA_SOURCES: Final[dict[str, dict[str, Any]]] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": {
        "id": REGION,
        "names": list(ZONES),
        "zoneIds": list(ZONE_IDS),
    },
    "aws:index/getRegion:getRegion": {"id": REGION, "name": REGION, "region": REGION},
}
"""What each data source the program reads answers, by its token."""


@dataclass(frozen=True, slots=True)
class Captured:
    """One resource the program registered: its type token, logical name and inputs."""

    type_token: str
    name: str
    inputs: dict[str, Any]
    """Engine (camelCase) property names, e.g. ``fifoQueue``, ``redrivePolicy``."""
    id: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    """What the mocks answered (inputs and computed properties such as ``arn``)."""

    def stack_props(self) -> dict[str, Any]:
        """The resource as a CrossGuard stack validation sees it: its outputs, id included."""
        return {**self.outputs, "id": self.id}

    @property
    def urn(self) -> str:
        return f"urn:pulumi:test::tap::{self.type_token}::{self.name}"


def _service(type_token: str) -> str:
    """``aws:sqs/queue:Queue`` -> ``sqs``."""
    return type_token.split(":")[1].split("/", maxsplit=1)[0]


def _physical_name(args: pulumi.runtime.MockResourceArgs) -> str:
    for key in ("name", "bucket"):
        value = args.inputs.get(key)
        if isinstance(value, str) and value:
            return value
    return args.name


@dataclass
class CapturingMocks(pulumi.runtime.Mocks):
    """Returns plausible ids, ARNs and URLs, and keeps every resource's inputs in order."""

    resources: list[Captured] = field(default_factory=list)

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        physical = _physical_name(args)
        service = _service(args.typ)
        outputs: dict[str, Any] = {
            **args.inputs,
            "arn": f"arn:aws:{service}:{REGION}:{ACCOUNT}:{physical}",
        }
        if "name" not in outputs and "bucket" not in outputs:
            outputs["name"] = physical
        if args.typ == "aws:sqs/queue:Queue":
            outputs["url"] = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{physical}"
        elif args.typ == "aws:lambda/function:Function":
            outputs["arn"] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{physical}"
            outputs["invokeArn"] = f"arn:aws:apigateway:{REGION}:lambda:path/{physical}"
        elif args.typ == "aws:apigatewayv2/api:Api":
            outputs["executionArn"] = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{physical}"
        elif args.typ == "aws:apigatewayv2/stage:Stage":
            outputs["invokeUrl"] = f"https://{args.name}.execute-api.{REGION}.amazonaws.com/"
        elif args.typ == "aws:cloudwatch/logGroup:LogGroup":
            outputs["arn"] = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{physical}"
        elif args.typ == "aws:s3/bucket:Bucket":
            outputs["arn"] = f"arn:aws:s3:::{physical}"
        elif args.typ == "aws:dynamodb/table:Table":
            outputs["arn"] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{physical}"
            if args.inputs.get("streamEnabled"):
                outputs["streamArn"] = f"{outputs['arn']}/stream/{STREAM_LABEL}"
        # A bucket's id is its name, as in AWS: its companion resources refer to it by that.
        resource_id = physical if args.typ == "aws:s3/bucket:Bucket" else f"{physical}-id"
        if args.typ in EC2_KINDS:
            resource_id = self._ec2(args, physical, outputs)
        elif args.typ == "aws:elasticache/serverlessCache:ServerlessCache":
            address = f"{physical}-abc123.serverless.use1.cache.amazonaws.com"
            outputs["endpoints"] = [{"address": address, "port": 6379}]
            outputs["readerEndpoints"] = [{"address": address, "port": 6380}]
        self.resources.append(
            Captured(args.typ, args.name, dict(args.inputs), resource_id, outputs)
        )
        return resource_id, outputs

    @staticmethod
    def _ec2(args: pulumi.runtime.MockResourceArgs, physical: str, outputs: dict[str, Any]) -> str:
        """An EC2 resource's id and ARN as AWS shapes them, and the VPC's own route table."""
        kind, prefix = EC2_KINDS[args.typ]
        resource_id = f"{prefix}-{physical}"
        outputs["arn"] = f"arn:aws:ec2:{REGION}:{ACCOUNT}:{kind}/{resource_id}"
        if args.typ == "aws:ec2/vpc:Vpc":
            outputs["mainRouteTableId"] = f"rtb-main-{physical}"
            outputs["defaultSecurityGroupId"] = f"sg-default-{physical}"
        elif args.typ == "aws:ec2/vpcEndpoint:VpcEndpoint":
            outputs["prefixListId"] = f"pl-{physical}"
        return resource_id

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        """The data sources the Valkey network reads: the region and its zones. (No failures
        is ``[]``: Pulumi's mock server iterates the list, ``None`` included.)"""
        return dict(DATA_SOURCES.get(args.token, {})), []

    def of_type(self, type_token: str) -> list[Captured]:
        return of_type(self.resources, type_token)

    def one(self, type_token: str, name: str) -> Captured:
        return one(self.resources, type_token, name)


def of_type(resources: list[Captured], type_token: str) -> list[Captured]:
    """The resources of that type, in registration order."""
    return [r for r in resources if r.type_token == type_token]


def one(resources: list[Captured], type_token: str, name: str) -> Captured:
    """The resource of that type whose logical name is ``name``, or a clear KeyError."""
    for resource in of_type(resources, type_token):
        if resource.name == name:
            return resource
    known = sorted(r.name for r in of_type(resources, type_token))
    raise KeyError(f"no {type_token} named {name!r}; there are {known}")
