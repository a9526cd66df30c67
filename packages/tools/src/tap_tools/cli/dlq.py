"""``tap dlq list|show|redrive``: read and redrive the two dead-letter queues, local or in AWS.

The letters are the bodies `tap_core.encode_body` writes (through
`tap_aws.adapters.deadletters.SqsDeadLetters`), and the messages SQS itself moved to the scores
dead-letter queue after ``SCORES.max_receive_count`` receives (a submission that kept failing,
or a body the function could not read): such a body is listed as ``moved by SQS`` with why, and
redriven when it is a submission. Reading is ReceiveMessage without
DeleteMessage: SQS has no peek, so the letters read stay invisible for ``--visibility``
seconds. Redriving is receive, SendMessage of the raw input to the main queue, DeleteMessage
(moto has no StartMessageMoveTask, and a letter's body is not the original message anyway).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from tap_tools.cli import PIPE_CLOSED_LINE

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

QUEUES: Final = ("scores", "inventory")
"""``--queue`` choices; `_where` maps each to its ``tap_aws.resources.Outputs`` key."""
RECEIVE_MAX: Final = 10
"""SQS's limit of messages per ReceiveMessage."""
LIST_VISIBILITY_SECONDS: Final = 5
REDRIVE_VISIBILITY_SECONDS: Final = 30
"""How long a letter being redriven stays hidden: enough to send it and delete it."""

WHERE: Final = """\
Choose the queue with --queue scores|inventory, and say where it is with either
--outputs FILE (the JSON of the stack outputs, from `pulumi stack output --json` or the local
stack; its endpoint_url is used when present) or --queue-url URL [--endpoint-url URL].
A --queue-url whose host is not AWS's (an emulator's) is reached at its scheme and host
unless --endpoint-url says otherwise."""

PEEK: Final = """\
SQS has no peek: reading receives the letters without deleting them, so the letters read
stay invisible to other readers for --visibility seconds (default 5)."""

EXIT_STATUS: Final = f"""\
exit status:
  0  success
  1  an AWS error (the message is printed), or show found no such letter
  2  usage error (no queue given, an unreadable outputs file, redrive of the inventory queue)
{PIPE_CLOSED_LINE}"""

DLQ_HELP: Final = f"""\
Look at the dead letters of the scores queue or of the inventory rows, and send the scores
letters back to the main queue once their cause is fixed.

{WHERE}

  list     the approximate number of letters, then up to --max of them: source and reasons
  show ID  one letter in full (errors, raw input, time)
  redrive  (scores only) send the letters' raw input back to the main queue

Run 'tap dlq ACTION --help' for an action's options.

examples:
  tap dlq list --queue scores --outputs outputs.json
  tap dlq redrive --queue scores --outputs outputs.json --max 100

{EXIT_STATUS}"""

LIST_HELP: Final = f"""\
Print the approximate number of letters on the queue, then up to --max of them, each with its
source (a message id, or BUCKET/KEY#ROW for an inventory row) and its reasons (code, field
and message); --json prints them whole. How many more are there but not listed is said, and
why.

{WHERE}

{PEEK}

examples:
  tap dlq list --queue scores --outputs outputs.json
  tap dlq list --queue inventory --queue-url https://sqs.../tap-inventory-rows-dlq-dev.fifo --json

{EXIT_STATUS}"""

SHOW_HELP: Final = f"""\
Print one letter in full: its source, when it was dead-lettered, its message group and
deduplication id, every error and the raw input. ID is a message id, a row as BUCKET/KEY#ROW,
or the letter's deduplication id; up to --max letters are read to find it.

{WHERE}

{PEEK}

examples:
  tap dlq show 0b3c2a1e-... --queue scores --outputs outputs.json
  tap dlq show tap-inventory-dev/inbound/stock.csv#14 --queue inventory --outputs outputs.json

{EXIT_STATUS}"""

REDRIVE_HELP: Final = f"""\
Send the scores letters' raw input back to the main queue (main_queue_url in --outputs, or
--to URL), each with its original message group and the letter's deduplication id, then delete
it from the dead-letter queue. Fix the cause first: only the letters present when the run
starts move, once each, and the run stops at a letter it moved that failed again and came back
(left in place and reported). Letters whose raw input was cut are left in place and reported.

{WHERE}

examples:
  tap dlq redrive --queue scores --outputs outputs.json --max 100
  tap dlq redrive --queue scores --queue-url URL --to URL --json

{EXIT_STATUS}"""


class UsageError(Exception):
    """Bad arguments: printed, exit status 2."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from tap_tools.cli.demo import count  # noqa: PLC0415 - stdlib-only module, one home for it

    parser = commands.add_parser(
        "dlq",
        help="list, show and redrive the dead-letter queues' letters",
        description=DLQ_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--queue", choices=QUEUES, help="which dead-letter queue")
    common.add_argument("--outputs", metavar="FILE", help="JSON of the stack outputs")
    common.add_argument("--queue-url", metavar="URL", help="the dead-letter queue's URL")
    common.add_argument("--endpoint-url", metavar="URL", help="an emulator's endpoint")
    common.add_argument(
        "--visibility",
        type=count(minimum=0),
        default=LIST_VISIBILITY_SECONDS,
        metavar="SECONDS",
        help=f"how long letters read stay hidden (default {LIST_VISIBILITY_SECONDS})",
    )
    specs = (
        ("list", "count the letters and list some", LIST_HELP, 10),
        ("show", "print one letter in full", SHOW_HELP, 1000),
        ("redrive", "send scores letters back to the main queue", REDRIVE_HELP, 10),
    )
    for name, text, description, default_max in specs:
        action = actions.add_parser(
            name,
            parents=[common],
            help=text,
            description=description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        action.add_argument(
            "--max",
            type=count(minimum=1),
            default=default_max,
            metavar="N",
            help=f"letters to read at most (default {default_max})",
        )
        action.add_argument("--json", action="store_true", help="print JSON")
        if name == "show":
            action.add_argument("id", metavar="ID")
        if name == "redrive":
            action.add_argument("--to", metavar="URL", help="the main queue's URL")
        action.set_defaults(run=run)


def run(args: argparse.Namespace, client: SQSClient | None = None) -> int:
    """The command; ``client`` reaches the queue instead of one built from the settings (the
    local demo passes the emulator's, whose region and credentials it gives explicitly)."""
    from tap_aws.resources import Outputs  # noqa: PLC0415 - pure data, but not for --help

    try:
        queue_url, endpoint, outputs = _where(args)
        if args.action == "redrive":
            if args.queue != "scores":
                raise UsageError("redrive works on --queue scores only")
            target = args.to or outputs.get(Outputs.MAIN_QUEUE_URL)
            if not target:
                raise UsageError(f"redrive needs --to URL or {Outputs.MAIN_QUEUE_URL} in --outputs")
    except UsageError as error:
        print(f"tap dlq {args.action}: {error}", file=sys.stderr)
        return 2
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    try:
        if client is None:
            client = _client(endpoint, outputs)
        if args.action == "list":
            return _list(client, queue_url, args)
        if args.action == "show":
            return _show(client, queue_url, args)
        return _redrive(client, queue_url, str(target), args)
    except (BotoCoreError, ClientError) as error:
        print(f"tap dlq {args.action}: {error}", file=sys.stderr)
        return 1


def _where(args: argparse.Namespace) -> tuple[str, str | None, dict[str, Any]]:
    """(queue URL, endpoint or None, the outputs read) from the arguments; UsageError if not."""
    if args.queue is None:
        raise UsageError("pass --queue scores|inventory")
    if args.queue_url:
        return args.queue_url, args.endpoint_url or emulator_endpoint(args.queue_url), {}
    if not args.outputs:
        raise UsageError("pass --outputs FILE (the stack outputs JSON) or --queue-url URL")
    try:
        with Path(args.outputs).open(encoding="utf-8") as file:
            outputs = json.load(file)
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read the outputs {args.outputs}: {error}") from None
    if not isinstance(outputs, dict):
        raise UsageError(f"{args.outputs} is not a JSON object of stack outputs")
    from tap_aws.resources import Outputs  # noqa: PLC0415

    key = {"scores": Outputs.DLQ_URL, "inventory": Outputs.INVENTORY_DLQ_URL}[args.queue]
    if not isinstance(outputs.get(key), str):
        raise UsageError(f"{args.outputs} has no {key} (the {args.queue} dead-letter queue)")
    return outputs[key], args.endpoint_url or outputs.get(Outputs.ENDPOINT_URL), outputs


AWS_HOST_SUFFIXES: Final = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")
"""Hosts of AWS's own endpoints: a queue URL there is reached the usual way."""


def emulator_endpoint(queue_url: str) -> str | None:
    """The scheme and host of ``queue_url`` when it is not an AWS host (an emulator's, such as
    the local stack's ``http://127.0.0.1:PORT/123456789012/NAME``), else None: boto3 sends
    SQS requests to its endpoint, never to the queue URL's host."""
    from urllib.parse import urlsplit  # noqa: PLC0415

    parts = urlsplit(queue_url)
    host = (parts.hostname or "").lower()
    if not parts.scheme or not host or host.endswith(AWS_HOST_SUFFIXES):
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _client(endpoint: str | None, outputs: dict[str, Any]) -> SQSClient:
    """The SQS client; a local stack's outputs (they name its endpoint) give its region and
    the fake credentials its emulator takes, so no flag or variable is needed."""
    from tap_aws.clients import ClientFactory, client_config, endpoint_url  # noqa: PLC0415
    from tap_aws.resources import Outputs  # noqa: PLC0415
    from tap_aws.settings import get_settings  # noqa: PLC0415

    settings = get_settings()
    region = credentials = None
    if isinstance(outputs.get(Outputs.ENDPOINT_URL), str):
        from tap_tools.local.environment import local_client_settings  # noqa: PLC0415

        region, credentials = local_client_settings(outputs)
    return ClientFactory(
        config=client_config(settings),
        endpoint_url=endpoint or endpoint_url(settings),
        region=region,
        credentials=credentials,
    ).sqs()


def _receive(
    client: SQSClient, queue_url: str, limit: int, visibility: int, present: int | None = None
) -> Iterator[MessageTypeDef]:
    """Up to ``limit`` distinct messages, until a receive brings nothing new.

    A FIFO queue returns no letter of a message group while an earlier one of that group is
    in flight, so a receive of 10 that ends inside a group holds the rest of that group back
    until the letters read are visible again. With ``present`` (the count at the start), when
    fewer were read, each group read is released alone (its letters made visible at once) and
    received again (the last read first: a receive is cut inside its last group): the group
    comes back from its first letter, the held ones after it, while every other letter read
    stays hidden. A group of more than 10 letters still shows only its
    first 10: SQS returns no more of it until those are deleted.
    """
    seen: set[str] = set()
    handles: dict[str, dict[str, str]] = {}
    """By message group, the latest receipt handle of each of its letters read."""

    def fetch() -> list[MessageTypeDef]:
        messages = client.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=RECEIVE_MAX
            if present is not None
            else min(RECEIVE_MAX, limit - len(seen)),
            VisibilityTimeout=visibility,
            AttributeNames=["All"],
        ).get("Messages", [])
        new = []
        for message in messages:
            group = message.get("Attributes", {}).get("MessageGroupId", "")
            handles.setdefault(group, {})[message["MessageId"]] = message["ReceiptHandle"]
            if message["MessageId"] not in seen and len(seen) < limit:
                seen.add(message["MessageId"])
                new.append(message)
        return new

    while len(seen) < limit and (new := fetch()):
        yield from new
    for group in reversed(list(handles)):  # a receive ends inside its last group, if any
        if present is None or len(seen) >= min(limit, present):
            return
        for handle in handles.pop(group).values():
            client.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0
            )
        while len(seen) < limit and (new := fetch()):
            yield from new


MOVED_BY_SQS: Final = "moved_by_sqs"
"""The code of a message SQS moved to a dead-letter queue (not a letter tap wrote)."""


def _is_letter(body: object) -> bool:
    return isinstance(body, dict) and {"source", "errors", "raw"} <= set(body)


def _moved(message: MessageTypeDef) -> dict[str, Any]:
    """A body SQS moved here after the main queue's maxReceiveCount, as a letter: its reason
    says so, and whether the body is a submission (redriven) or not (left in place)."""
    from pydantic import ValidationError  # noqa: PLC0415

    from tap_aws.resources import SCORES  # noqa: PLC0415
    from tap_core.errors import describe  # noqa: PLC0415
    from tap_core.leaderboard import ScoreSubmission  # noqa: PLC0415

    body = message.get("Body", "")
    why = f"moved by SQS after {SCORES.max_receive_count} receives"
    try:
        ScoreSubmission.model_validate_json(body)
    except ValidationError as error:
        message_text, submission = f"{why}; not a submission: {describe(error)}", False
    else:
        message_text, submission = f"{why}: a valid submission that kept failing", True
    return {
        "source": {"kind": "moved", "message_id": message["MessageId"], "submission": submission},
        "errors": [{"code": MOVED_BY_SQS, "field": None, "message": message_text}],
        "raw": body,
        "raw_cut": 0,
        "at": None,
    }


def _letter(message: MessageTypeDef) -> dict[str, Any]:
    """The letter's JSON, with the SQS facts beside it; a body that is no letter was moved by
    SQS itself (`_moved`)."""
    try:
        parsed = json.loads(message.get("Body", ""))
    except ValueError:
        parsed = None
    letter: dict[str, Any] = parsed if _is_letter(parsed) else _moved(message)
    attributes = message.get("Attributes", {})
    letter["sqs"] = {
        "message_id": message["MessageId"],
        "group_id": attributes.get("MessageGroupId"),
        "deduplication_id": attributes.get("MessageDeduplicationId"),
        "receive_count": attributes.get("ApproximateReceiveCount"),
    }
    return letter


def _source(letter: dict[str, Any]) -> str:
    source = letter.get("source")
    if not isinstance(source, dict):
        return str(letter["sqs"]["message_id"])
    if source.get("kind") == "row":
        return f"{source.get('bucket')}/{source.get('key')}#{source.get('row')}"
    return str(source.get("message_id"))


def _reason(error: dict[str, Any]) -> str:
    """``code (field): message``, as the local stack's log words a letter's error."""
    field = f" ({error.get('field')})" if error.get("field") else ""
    return f"{error.get('code')}{field}: {error.get('message')}"


def _reasons(letter: dict[str, Any]) -> str:
    return "; ".join(_reason(error) for error in letter.get("errors", []))


def _approximate_count(client: SQSClient, queue_url: str) -> int:
    """The queue's ApproximateNumberOfMessages: its visible letters."""
    return int(
        client.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
    )


def _list(client: SQSClient, queue_url: str, args: argparse.Namespace) -> int:
    count = _approximate_count(client, queue_url)
    letters = [
        _letter(m) for m in _receive(client, queue_url, args.max, args.visibility, present=count)
    ]
    if args.json:
        print(json.dumps({"approximate_count": count, "letters": letters}, ensure_ascii=False))
        return 0
    print(f"{args.queue} dead-letter queue: about {count} letters")
    for letter in letters:
        print(f"  {_source(letter)}  {_reasons(letter)}")
    if len(letters) < count:
        print(
            f"  ({count - len(letters)} more not listed: past --max {args.max}, or after the "
            "first 10 letters of their message group (an inventory file's rows are one "
            "group), which SQS does not return until those 10 are deleted)"
        )
    return 0


def _show(client: SQSClient, queue_url: str, args: argparse.Namespace) -> int:
    present = _approximate_count(client, queue_url)
    for message in _receive(client, queue_url, args.max, args.visibility, present=present):
        letter = _letter(message)
        if args.id in (_source(letter), letter["sqs"]["deduplication_id"], message["MessageId"]):
            if args.json:
                print(json.dumps(letter, ensure_ascii=False))
                return 0
            print(f"source:  {_source(letter)}")
            print(f"at:      {letter.get('at')}")
            print(f"group:   {letter['sqs']['group_id']}")
            print(f"dedup:   {letter['sqs']['deduplication_id']}")
            for error in letter.get("errors", []):
                print(f"error:   {_reason(error)}")
            print(f"raw:     {letter.get('raw')}")
            return 0
    from tap_core.errors import show  # noqa: PLC0415

    print(f"tap dlq show: no letter {show(args.id)} among those read", file=sys.stderr)
    return 1


def _redrive(client: SQSClient, queue_url: str, target: str, args: argparse.Namespace) -> int:
    """Move the letters present when it starts, each at most once.

    A redriven message that fails again is dead-lettered again as a new letter (its source is
    the message id SendMessage returned), so reading on would move it again and again. The run
    notes the approximate count at the start and stops at it (or at ``--max``), and a letter
    whose source is a message this run sent, or whose deduplication id it has seen, ends the
    run: it is left in place, visible again, and reported as dead-lettered again.
    """
    present = _approximate_count(client, queue_url)
    budget = min(args.max, present)
    sent: set[str] = set()
    """Message ids SendMessage returned: a letter from one of them failed again."""
    seen: set[str] = set()
    """Deduplication ids of the letters read."""
    moved: list[str] = []
    left: list[str] = []
    again: list[str] = []
    for message in _receive(client, queue_url, budget, REDRIVE_VISIBILITY_SECONDS):
        letter = _letter(message)
        source = letter.get("source")
        dedup = letter["sqs"]["deduplication_id"] or message["MessageId"]
        if (isinstance(source, dict) and source.get("message_id") in sent) or dedup in seen:
            again.append(_source(letter))
            client.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
            break
        seen.add(dedup)
        raw = letter.get("raw")
        group = letter["sqs"]["group_id"]
        by_sqs = source if isinstance(source, dict) and source.get("kind") == "moved" else None
        if by_sqs is not None and not by_sqs.get("submission"):
            left.append(f"{_source(letter)}: {_reasons(letter)}")
            continue
        if letter.get("raw_cut") != 0 or not isinstance(raw, str) or not group:
            left.append(f"{_source(letter)}: the raw input was cut or is missing")
            continue
        if by_sqs is not None:
            # The original deduplication id may still be within the main queue's 5-minute
            # window, where SQS would accept the resend and drop it: a fresh one, derived
            # from this message, so a resend of this redrive stays one message
            dedup = f"redrive-{message['MessageId']}"[:128]
        response = client.send_message(
            QueueUrl=target, MessageBody=raw, MessageGroupId=group, MessageDeduplicationId=dedup
        )
        sent.add(response["MessageId"])
        client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        moved.append(_source(letter))
    if args.json:
        print(
            json.dumps(
                {
                    "present": present,
                    "moved": len(moved),
                    "left": left,
                    "dead_lettered_again": again,
                },
                ensure_ascii=False,
            )
        )
    else:
        print(f"moved {len(moved)} letters to {target} (about {present} were present at the start)")
        for reason in left:
            print(f"  left in place: {reason}")
        for source in again:
            print(
                f"  stopped at {source}: a letter this run moved was dead-lettered again "
                "(fix its cause first); it is left in place"
            )
    return 0
