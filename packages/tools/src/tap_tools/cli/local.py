"""``tap local up|invoke|demo``: the local stack (`tap_tools.local`) from the command line.

Like every command module, it imports only the standard library at module scope; the stack
(boto3, moto, Powertools) is imported when a command runs. The demo's work is in
`tap_tools.cli.local_demo`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from tap_tools.cli import PIPE_CLOSED_LINE
from tap_tools.cli.demo import count

if TYPE_CHECKING:
    from collections.abc import Callable

DEFAULT_SUMMARY_INTERVAL_TEXT: Final = "300"
"""``--summary-interval``'s default, as tap_tools.local.DEFAULT_SUMMARY_INTERVAL (a test ties
them): the command module does not import the stack for --help."""

EXIT_STATUS: Final = f"""\
exit status:
  0  success (up: stopped by Ctrl-C or SIGTERM)
  130  up: stopped at once by a second Ctrl-C
  1  the stack failed (the message is printed), or the demo found a message without an
     ending
  2  usage error (a bad option, an unreadable --leaderboards or --outputs file, moto's
     server not installed, a --port or --api-port in use, --rank-index valkey without a
     valkey-server or redis-server installed)
{PIPE_CLOSED_LINE}"""

NEEDS: Final = """\
Needs moto's server, which the tap-tools package brings (tap's packages are not on PyPI: in
this repository, uv sync --all-packages, or pip install ./packages/tools). `tap demo` runs the
core alone, in memory, without it."""

LOCAL_HELP: Final = f"""\
Run tap on this machine: an embedded AWS emulator (moto's server on 127.0.0.1), the same
resources the Pulumi program deploys (queues, tables, bucket, EventBridge rules), and the same
Lambda functions run in-process on real-shaped events.

  up       start the stack and keep it running until Ctrl-C; any AWS client (boto3, the AWS
           CLI with --endpoint-url) can send score messages to the FIFO queue and upload CSV
           files under the bucket's inbound/ prefix, and the functions react as in AWS; the
           read API answers over HTTP
  env      print the variables (AWS_ENDPOINT_URL, region, dummy credentials) that point
           boto3, AWS CLI v2 and tap dlq at a running stack, given its --outputs file
  invoke   run a function once against a running stack (invoke summary: the inventory
           summary), given the stack's --outputs file
  demo     start a stack, send generated score submissions (some invalid, some re-sent) and a
           CSV with bad rows, wait until all are handled, print the standings (through the
           HTTP API), the dead letters with their reasons and the inventory summary; then stop

{NEEDS}

Run 'tap local ACTION --help' for an action's options.

examples:
  tap local up --outputs outputs.json
  eval "$(tap local env --outputs outputs.json)"
  aws s3 cp stock.csv "s3://$(jq -r .inventory_bucket_name outputs.json)/inbound/stock.csv"
  aws sqs send-message --queue-url "$(jq -r .main_queue_url outputs.json)" \\
      --message-group-id player-1 --message-deduplication-id s-1 \\
      --message-body '{{"submission_id":"s-1","leaderboard_id":"global",
                       "player_id":"player-1","score":42,"achieved_at":"2026-12-01T10:00:00Z"}}'
  curl "$(jq -r .api_url outputs.json)/leaderboards/global/top?limit=5"
  tap local invoke summary --outputs outputs.json
  tap local demo

{EXIT_STATUS}"""

UP_HELP: Final = f"""\
Start the local stack and keep it running until Ctrl-C (or SIGTERM): the emulator, every
resource the Pulumi program deploys, the functions reacting to the queue, the bucket and the
schedule, and the read API over HTTP. It prints one line per batch, file and dead letter, and
the endpoints; --outputs writes the stack outputs (as `pulumi up` exports them, plus
endpoint_url) once everything is ready, for the AWS CLI, `tap dlq` and `tap local invoke`.

{NEEDS}

examples:
  tap local up --outputs outputs.json
  tap local up --port 4566 --api-port 8080 --leaderboards boards.json --summary-interval 60
  tap local up --region eu-west-2 --outputs outputs.json
  tap local up --rank-index valkey --outputs outputs.json

--rank-index valkey keeps the ranks in a real Valkey (or Redis) server that the stack starts on
127.0.0.1 and stops with itself, as a deployment with rankIndex: valkey keeps them in
ElastiCache; outputs then include valkey_url. It needs valkey-server or redis-server on the
PATH (on Debian or Ubuntu: apt-get install -y redis-server). Without the flag the ranks stay in
the DynamoDB table, and nothing more is needed.

Ctrl-C (or SIGTERM) stops it: it says what it is finishing (an import stops at its next row
and saves its checkpoint, as when a Lambda invocation runs out of time); a second Ctrl-C stops
it at once (exit 130; the emulator's state lives in the process and goes with it). --region
makes the resources in that region; a request signed for another is refused, saying so.

{EXIT_STATUS}"""

INVOKE_HELP: Final = f"""\
Run one function once against a stack that `tap local up --outputs FILE` started, and print
what it returned: `summary` writes the inventory summary now (as the daily schedule does).

examples:
  tap local invoke summary --outputs outputs.json

{EXIT_STATUS}"""

DEMO_HELP: Final = f"""\
Start a stack, send generated score submissions (some invalid, some re-sent) to the FIFO queue
and two CSV files (one with bad rows, one an older export) to the bucket, watch each batch,
file and dead letter as it is handled, then print the standings through the HTTP API, the dead
letters with their reasons and the inventory summary; then stop the stack.

{NEEDS}

examples:
  tap local demo
  tap local demo --submissions 1000 --seed 3

{EXIT_STATUS}"""


RANK_INDEX_CHOICES: Final = ("dynamodb", "valkey")
"""``--rank-index``'s choices, the first the default: tap_aws.resources.RANK_INDEXES (a test
ties them; the command module does not import tap_aws for --help)."""
DEFAULT_REGION_TEXT: Final = "us-east-1"
"""``--region``'s default, as tap_tools.local.provision.REGION (a test ties them)."""
_REGION: Final = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}")
ENV_HELP: Final = f"""\
Print what an AWS client needs to reach a running local stack, read from its outputs file:
AWS_ENDPOINT_URL (boto3, AWS CLI v2 and tap read it; AWS CLI v1 needs --endpoint-url), the
stack's region as AWS_REGION and AWS_DEFAULT_REGION, and the dummy credentials the emulator
accepts (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).

examples:
  eval "$(tap local env --outputs outputs.json)"
  tap local env --outputs outputs.json --format dotenv > .env.local

{EXIT_STATUS}"""
SAME_PRESS_SECONDS: Final = 0.25
"""Signals this close to the first are the same Ctrl-C: a terminal signals the whole process
group, and a parent such as ``uv run`` forwards the signal to the child too."""
STOPPED_NOW: Final = 130
"""``tap local up``'s exit status when a second Ctrl-C stops it without finishing (128 + SIGINT)."""


class UsageError(Exception):
    """Bad arguments or files: printed, exit status 2."""


def port(text: str) -> int:
    """An argument type: a TCP port, 0 (a free one) to 65535."""
    number = count(minimum=0)(text)
    if number > 65535:
        from tap_core.errors import show  # noqa: PLC0415 - only on a usage error

        raise argparse.ArgumentTypeError(f"{show(text)} is not a port (0-65535)")
    return number


def region(text: str) -> str:
    """An argument type: an AWS region name (``us-east-1``, ``eu-west-2``)."""
    if not _REGION.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a region name like us-east-1")
    return text


def seconds(text: str) -> float:
    """An argument type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        from tap_core.errors import show  # noqa: PLC0415 - only on a usage error

        raise argparse.ArgumentTypeError(f"{show(text)} is not a positive number of seconds")
    return value


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "local",
        help="run the whole system on this machine against an embedded AWS emulator",
        description=LOCAL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    up = actions.add_parser(
        "up",
        help="start the local stack and run until Ctrl-C",
        description=UP_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    up.add_argument(
        "--port", type=port, default=0, help="the emulator's port (default 0: a free one)"
    )
    up.add_argument(
        "--api-port", type=port, default=0, help="the read API's port (default 0: a free one)"
    )
    up.add_argument(
        "--outputs", metavar="FILE", help="write the stack outputs (JSON) here once ready"
    )
    up.add_argument(
        "--region",
        type=region,
        default=DEFAULT_REGION_TEXT,
        help=f"the region the resources are made in; requests signed for another are refused "
        f"(default {DEFAULT_REGION_TEXT})",
    )
    up.add_argument(
        "--leaderboards",
        metavar="FILE",
        help="a JSON (or, with PyYAML installed, YAML) list of leaderboard specs; default: "
        "global (desc, best, never) and weekly (desc, best, weekly)",
    )
    up.add_argument(
        "--summary-interval",
        type=seconds,
        default=float(DEFAULT_SUMMARY_INTERVAL_TEXT),
        metavar="S",
        help=f"seconds between scheduled inventory summaries "
        f"(default {DEFAULT_SUMMARY_INTERVAL_TEXT})",
    )
    up.add_argument(
        "--rank-index",
        choices=RANK_INDEX_CHOICES,
        default=RANK_INDEX_CHOICES[0],
        help=f"what keeps the ranks: the DynamoDB table, or a Valkey server the stack starts "
        f"(needs valkey-server or redis-server; default {RANK_INDEX_CHOICES[0]})",
    )
    up.set_defaults(run=run_up)

    env = actions.add_parser(
        "env",
        help="print the variables that point AWS clients at a running stack",
        description=ENV_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _outputs_argument(env)
    env.add_argument(
        "--format",
        choices=("sh", "dotenv", "json"),
        default="sh",
        help="sh: export lines (default); dotenv: NAME=value lines; json: an object",
    )
    env.set_defaults(run=run_env)

    invoke = actions.add_parser(
        "invoke",
        help="run a function once against a running stack",
        description=INVOKE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    invoke.add_argument("function", choices=("summary",), help="the function to run")
    _outputs_argument(invoke)
    invoke.set_defaults(run=run_invoke)

    demo = actions.add_parser(
        "demo",
        help="run the local stack on generated input and print what happened",
        description=DEMO_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument(
        "--submissions",
        type=count(minimum=1),
        default=300,
        metavar="N",
        help="score submissions to send (default 300)",
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.set_defaults(run=run_demo)


def _outputs_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--outputs FILE`` every command on a running stack reads it from."""
    parser.add_argument(
        "--outputs",
        metavar="FILE",
        required=True,
        help="the outputs file `tap local up --outputs` wrote",
    )


def _say(line: str) -> None:
    print(line, flush=True)


def _fail(action: str, error: BaseException | str, status: int) -> int:
    print(f"tap local {action}: {error}", file=sys.stderr)
    return status


def run_up(args: argparse.Namespace) -> int:
    try:
        from tap_tools.local import (  # noqa: PLC0415 - see the module doc
            DEFAULT_BOARDS,
            BoardsFileError,
            EmulatorMissing,
            LocalStack,
            PortUnavailable,
            ServerMissing,
            load_boards,
        )
    except ImportError as error:
        return _fail("up", error, 2)
    try:
        boards = load_boards(Path(args.leaderboards)) if args.leaderboards else DEFAULT_BOARDS
    except BoardsFileError as error:
        return _fail("up", error, 2)
    stop = threading.Event()
    first: list[float] = []

    def on_signal() -> None:
        now = time.monotonic()
        if not first:
            first.append(now)
            stop.set()
        elif now - first[0] > SAME_PRESS_SECONDS:  # the second Ctrl-C: no more waiting
            _say(f"tap local up: stopped now, without finishing ({STOPPED_NOW} exit status)")
            os._exit(STOPPED_NOW)

    previous = _on_signals(on_signal)
    stack = LocalStack(
        port=args.port,
        api_port=args.api_port,
        region=args.region,
        boards=boards,
        summary_interval=args.summary_interval,
        report=_say,
        log_requests=True,
        rank_index=args.rank_index,
    )
    try:
        stack.start()
    except (EmulatorMissing, ServerMissing) as error:
        _restore(previous)
        return _fail("up", error, 2)
    except PortUnavailable as error:
        _restore(previous)
        option = {"emulator": "--port", "api": "--api-port"}[error.role]
        return _fail(
            "up",
            f"{option} {error.port}: cannot listen on it ({error.reason}); "
            "choose another port, or 0 for a free one",
            2,
        )
    except Exception as error:  # noqa: BLE001 - a failed start is reported, not a traceback
        _restore(previous)
        return _fail("up", error, 1)
    try:
        if args.outputs:
            Path(args.outputs).write_text(json.dumps(stack.outputs, indent=2) + "\n")
        _say("tap local up: ready; the stack outputs:")
        _say(json.dumps(stack.outputs, indent=2))
        from tap_tools.local.environment import client_environment, render  # noqa: PLC0415

        _say(
            "for AWS clients (boto3, AWS CLI v2, tap dlq), in your shell "
            '(or `eval "$(tap local env --outputs FILE)"`):'
        )
        _say(render(client_environment(stack.outputs)))
        _say(f"boards: {', '.join(board.id for board in boards)}; Ctrl-C stops the stack")
        stop.wait()
        work = stack.finishing()
        stack.hurry()
        if work:
            _say(f"tap local up: stopping: finishing {'; '.join(work)}; Ctrl-C again to stop now")
        else:
            _say("tap local up: stopping")
    except OSError as error:
        return _fail("up", error, 2)
    finally:
        stack.stop()
        _restore(previous)
    _say("tap local up: stopped")
    return 0


def _on_signals(handler: Callable[[], None]) -> dict[int, Any]:
    """Route SIGINT and SIGTERM to ``handler``; the handlers they had, to restore."""
    previous: dict[int, Any] = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        previous[number] = signal.signal(number, lambda *_: handler())
    return previous


def _restore(previous: dict[int, Any]) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler)


def read_outputs(path: str) -> dict[str, Any]:
    """The stack outputs in ``path``; UsageError naming the file when unusable."""
    try:
        outputs = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read the outputs {path}: {error}") from None
    if not isinstance(outputs, dict):
        raise UsageError(f"{path} is not a JSON object of stack outputs")
    return outputs


def run_env(args: argparse.Namespace) -> int:
    try:
        outputs = read_outputs(args.outputs)
        from tap_tools.local.environment import client_environment, render  # noqa: PLC0415
        from tap_tools.local.wiring import MissingOutput  # noqa: PLC0415

        variables = client_environment(outputs)
    except (UsageError, MissingOutput) as error:
        return _fail("env", error, 2)
    print(render(variables, args.format))
    return 0


def run_invoke(args: argparse.Namespace) -> int:
    try:
        outputs = read_outputs(args.outputs)
        from tap_tools.local.invocations import (  # noqa: PLC0415 - see the module doc
            MissingOutput,
            invoke_summary,
        )
    except UsageError as error:
        return _fail("invoke", error, 2)
    try:
        summary = invoke_summary(outputs)
    except MissingOutput as error:
        return _fail("invoke", error, 2)
    except Exception as error:  # noqa: BLE001 - an AWS or function error, reported
        return _fail("invoke", error, 1)
    from tap_tools.cli.local_demo import print_summary  # noqa: PLC0415

    print_summary(summary)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from tap_tools.cli.local_demo import run_local_demo  # noqa: PLC0415 - see the module doc

    return run_local_demo(args.submissions, args.seed)
