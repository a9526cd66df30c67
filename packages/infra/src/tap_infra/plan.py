"""``tap infra plan``: run the program under mocks and show what it would create.

No Pulumi CLI, no provider plugins, no credentials: `tap_infra.mocks.CapturingMocks`
stands in for the engine, so the resources and outputs come from the same code ``pulumi up``
runs. The lead wires `main` into the ``tap`` CLI.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TextIO

import pulumi

from tap_aws.resources import RANK_INDEXES
from tap_infra import mocks
from tap_infra.functions import ARCHITECTURES
from tap_infra.mocks import CapturingMocks
from tap_infra.stack import (
    DEFAULT_SUFFIX,
    TapStackArgs,
    architecture,
    define,
    leaderboards_json,
    rank_index,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tap_infra.mocks import Captured

STACK_NAME: Final = "tap"
KEY_SETTINGS: Final = (
    "name",
    "bucket",
    "fifoQueue",
    "deduplicationScope",
    "fifoThroughputLimit",
    "visibilityTimeoutSeconds",
    "redrivePolicy",
    "billingMode",
    "streamEnabled",
    "streamViewType",
    "runtime",
    "handler",
    "architectures",
    "memorySize",
    "timeout",
    "reservedConcurrentExecutions",
    "retentionInDays",
    "eventSourceArn",
    "startingPosition",
    "batchSize",
    "maximumBatchingWindowInSeconds",
    "parallelizationFactor",
    "functionResponseTypes",
    "bisectBatchOnFunctionError",
    "maximumRetryAttempts",
    "maximumRecordAgeInSeconds",
    "destinationConfig",
    "filterCriteria",
    "eventPattern",
    "scheduleExpression",
    "routeKey",
    "authorizationType",
    "metricName",
    "threshold",
    "cidrBlock",
    "availabilityZone",
    "mapPublicIpOnLaunch",
    "vpcEndpointType",
    "serviceName",
    "privateDnsEnabled",
    "routeTableIds",
    "subnetId",
    "routeTableId",
    "securityGroupId",
    "ipProtocol",
    "fromPort",
    "toPort",
    "referencedSecurityGroupId",
    "prefixListId",
    "engine",
    "majorEngineVersion",
    "subnetIds",
    "securityGroupIds",
    "vpcConfig",
)
"""The inputs worth a glance; the rest (policies, code) are in ``pulumi preview --diff``."""


@dataclass(frozen=True, slots=True)
class Plan:
    resources: list[Captured]
    outputs: dict[str, Any]

    def of_type(self, type_token: str) -> list[Captured]:
        return mocks.of_type(self.resources, type_token)

    def one(self, type_token: str, name: str) -> Captured:
        return mocks.one(self.resources, type_token, name)


def run(args: TapStackArgs, stack: str = "plan") -> Plan:
    """Build the stack under mocks; the resources it registers and its resolved outputs."""
    capturing = CapturingMocks()
    pulumi.runtime.set_mocks(capturing, project=STACK_NAME, stack=stack, preview=False)
    resolved: dict[str, Any] = {}

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> pulumi.Output[None]:
        outputs = define(STACK_NAME, args)
        return pulumi.Output.all(**outputs).apply(resolved.update)

    program()
    return Plan(resources=list(capturing.resources), outputs=resolved)


def _plain(value: Any) -> Any:
    """The engine carries every number as a float: show 7, not 7.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def settings(resource: Captured) -> dict[str, Any]:
    """The resource's `KEY_SETTINGS` that it sets."""
    return {key: _plain(resource.inputs[key]) for key in KEY_SETTINGS if key in resource.inputs}


def render(plan: Plan, out: TextIO) -> None:
    """One line per resource (type token, name, key settings), then the outputs."""
    out.write(f"{len(plan.resources)} resources\n")
    for resource in plan.resources:
        shown = json.dumps(settings(resource), sort_keys=True)
        out.write(f"{resource.type_token}  {resource.name}  {shown}\n")
    out.write("outputs\n")
    out.writelines(f"  {key} = {plan.outputs[key]}\n" for key in sorted(plan.outputs))


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tap infra plan",
        description="Show the AWS resources `pulumi up` would create, without credentials.",
        epilog="Example: tap infra plan --suffix pr42 --board global --rank-index valkey. "
        "Exit codes: 0 listed, 2 bad arguments.",
    )
    parser.add_argument("--suffix", default=DEFAULT_SUFFIX, help="environment suffix (dev)")
    parser.add_argument("--architecture", choices=ARCHITECTURES, default="arm64")
    parser.add_argument(
        "--board",
        action="append",
        dest="boards",
        metavar="ID",
        help="a leaderboard id (repeatable; default: one board named global)",
    )
    parser.add_argument(
        "--rank-index",
        choices=RANK_INDEXES,
        default=RANK_INDEXES[0],
        help=f"where the ranks are kept (stack config rankIndex; default {RANK_INDEXES[0]}); "
        "valkey adds the VPC, its endpoints and security groups and the cache",
    )
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    options = parser().parse_args(argv)
    try:
        args = TapStackArgs(
            suffix=options.suffix,
            code=pulumi.AssetArchive({}),  # the bundle's bytes do not change the plan
            leaderboards_json=leaderboards_json([{"id": b} for b in options.boards or ["global"]]),
            architecture=architecture(options.architecture),
            rank_index=rank_index(options.rank_index),
        )
        plan = run(args)
    except ValueError as error:
        sys.stderr.write(f"tap infra plan: {error}\n")
        return 2
    try:
        render(plan, out or sys.stdout)
    except BrokenPipeError:
        # The reader left (`| head`): as the Python docs' SIGPIPE note advises, point stdout
        # at devnull so the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0
