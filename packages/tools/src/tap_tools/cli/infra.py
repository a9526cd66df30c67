"""``tap infra plan``: the Pulumi program run under mocks, from ``tap_infra.plan``.

tap-tools depends on tap-infra (tools -> infra -> aws_adapter -> core). tap_infra (and so
Pulumi) is imported only when the command runs, so the other commands never load it; a missing
tap_infra is still a usage error that says how to install it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Final

INFRA_HELP: Final = """\
Show what `pulumi up` in packages/infra would create, without credentials, the Pulumi CLI or a
network: the program runs under Pulumi's mocks and every resource is listed with its type
token, its name and its key settings, then the stack outputs.

examples:
  tap infra plan
  tap infra plan --suffix pr42 --board global --board weekly
  tap infra plan --rank-index valkey     # adds the VPC, endpoints, security groups, cache

exit status:
  0  the plan was printed
  2  usage error (a bad suffix, board id, architecture or rank index), or tap-infra is not
     installed"""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "infra",
        help="show the AWS resources the Pulumi program would create (offline)",
        description=INFRA_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    plan = actions.add_parser(
        "plan",
        help="list resources and outputs under mocks",
        description=INFRA_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,  # tap_infra.plan's own parser answers --help with its options
    )
    plan.set_defaults(run=run_plan, passthrough=True)


def run_plan(args: argparse.Namespace) -> int:
    try:
        from tap_infra.plan import main  # noqa: PLC0415 - optional, and heavy (pulumi_aws)
    except ModuleNotFoundError as error:
        print(
            f"tap infra plan: {error.name} is not installed; install the workspace "
            "(uv sync --all-packages) or tap-infra",
            file=sys.stderr,
        )
        return 2
    return main(args.options)
