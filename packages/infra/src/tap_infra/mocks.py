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


@dataclass(frozen=True, slots=True)
class Captured:
    """One resource the program registered: its type token, logical name and inputs."""

    type_token: str
    name: str
    inputs: dict[str, Any]
    """Engine (camelCase) property names, e.g. ``fifoQueue``, ``redrivePolicy``."""

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
        self.resources.append(Captured(args.typ, args.name, dict(args.inputs)))
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
        return resource_id, outputs

    def call(
        self,
        args: pulumi.runtime.MockCallArgs,  # noqa: ARG002 (no program calls a data source)
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None

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
