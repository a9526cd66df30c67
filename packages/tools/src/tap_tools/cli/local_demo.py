"""``tap local demo``: the local stack on generated input, watched as it runs, then read back.

It starts a `tap_tools.local.LocalStack` with the boards of ``tap demo``, sends the
generated submissions of `tap_tools.cli.demo_leaderboards` (some invalid, some re-sent)
to the FIFO queue with boto3 (``SendMessageBatch`` of 10, pausing while the queue is deep:
moto's FIFO send slows as the queue fills), uploads CSV files of
`tap_tools.cli.demo_inventory` (one with bad rows, then an older export of the same items,
whose rows are stale), waits until all is handled and prints the standings through the HTTP
API, the dead letters with their reasons (``tap dlq list``) and the inventory summary.
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from tap_aws.adapters.deadletters import BATCH_MAX as SEND_BATCH

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

    from tap_tools.local import LocalStack

QUEUE_DEPTH_MAX: Final = 100
"""The demo waits for the stack to drain the queue below this before sending more."""
PLAYERS: Final = 60
CSV_ROWS: Final = 120
WAIT_SECONDS: Final = 120.0
TOP: Final = 10


def _watch(line: str) -> None:
    """One line of what the stack did, as it happens."""
    print(f"  | {line}", flush=True)


def _group(body: bytes) -> str:
    """The message group: the submission's player, as a game server would choose it."""
    try:
        player = json.loads(body).get("player_id")
    except (ValueError, AttributeError):
        player = None
    return player if isinstance(player, str) and player else "unparsed"


def send_submissions(sqs: SQSClient, queue_url: str, bodies: list[bytes]) -> int:
    """Send ``bodies`` in batches of 10, each with its own deduplication id; how many sent."""
    sent = 0
    for start in range(0, len(bodies), SEND_BATCH):
        while _depth(sqs, queue_url) > QUEUE_DEPTH_MAX:
            time.sleep(0.1)
        entries: list[SendMessageBatchRequestEntryTypeDef] = [
            {
                "Id": str(index),
                "MessageBody": body.decode(),
                "MessageGroupId": _group(body),
                # A re-sent body is a new message (at-least-once delivery by the sender).
                "MessageDeduplicationId": uuid.uuid4().hex,
            }
            for index, body in enumerate(bodies[start : start + SEND_BATCH])
        ]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        sent += len(response.get("Successful", []))
    return sent


def _depth(sqs: SQSClient, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def csv_body(lines: list[str]) -> bytes:
    from tap_tools.cli.demo_inventory import HEADER  # noqa: PLC0415

    return ("\ufeff" + HEADER + "\r\n" + "\r\n".join(lines) + "\r\n").encode()


def get_json(api_url: str, path: str, **query: object) -> tuple[int, Any]:
    """(status, JSON body) of a GET of the local API."""
    url = api_url + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _entry(entry: dict[str, Any]) -> str:
    return (
        f"    #{entry['rank']:<4} pos {entry['position']:<4} {entry['player_id']:<14} "
        f"{entry['score']:>10}  {entry['achieved_at']}"
    )


def print_summary(summary: dict[str, Any]) -> None:
    """The inventory summary, as ``tap demo`` prints it."""
    print(
        f"Daily summary {summary.get('as_of')}: {summary.get('items')} items, "
        f"{summary.get('units')} units, value {_money(summary.get('value'))}; "
        f"{summary.get('out_of_stock')} out of stock, {summary.get('low_stock_total')} low"
    )
    for name, totals in (summary.get("by_warehouse") or {}).items():
        print(
            f"  {name:<8} {totals.get('items'):>4} items {totals.get('units'):>7} units"
            f"  {_money(totals.get('value')):>12}"
        )


def _money(value: object) -> str:
    """A summary's money string (``format_money`` wrote it) as ``tap demo`` prints money."""
    from decimal import Decimal, InvalidOperation  # noqa: PLC0415

    from tap_core.inventory import format_money  # noqa: PLC0415

    try:
        return format_money(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


def _standings(api_url: str, board: str) -> None:
    status, page = get_json(api_url, f"/leaderboards/{board}/top", limit=TOP)
    if status != 200:
        print(f"  GET top of {board}: {status} {page}")
        return
    print(
        f"\nTop {TOP} of {board!r} (period {page['period']}, {page['count']} players), "
        f"GET {api_url}/leaderboards/{board}/top?limit={TOP}:"
    )
    for entry in page["entries"]:
        print(_entry(entry))
    if not page["entries"]:
        return
    player = page["entries"][-1]["player_id"]
    status, found = get_json(api_url, f"/leaderboards/{board}/players/{player}")
    rank = found.get("entry", found).get("rank") if status == 200 else status
    print(f"  {player}: rank {rank}; around it (before=2, after=2):")
    status, around = get_json(
        api_url, f"/leaderboards/{board}/players/{player}/around", before=2, after=2
    )
    for entry in around.get("entries", []) if status == 200 else []:
        print(_entry(entry))


def _dead_letters(stack: LocalStack) -> None:
    from tap_aws.resources import Outputs  # noqa: PLC0415
    from tap_tools.cli import build_parser  # noqa: PLC0415 - the dlq command's reading, reused
    from tap_tools.cli.dlq import run  # noqa: PLC0415
    from tap_tools.local.wiring import emulator_clients  # noqa: PLC0415

    sqs = emulator_clients(stack.endpoint_url).sqs()
    for queue, key in (("scores", Outputs.DLQ_URL), ("inventory", Outputs.INVENTORY_DLQ_URL)):
        print()
        arguments = build_parser().parse_args(
            [
                "dlq",
                "list",
                "--queue",
                queue,
                "--queue-url",
                stack.outputs[key],
                "--endpoint-url",
                stack.endpoint_url,
                "--max",
                "100",
            ]
        )
        run(arguments, sqs)


def run_local_demo(submissions: int, seed: int) -> int:
    from tap_aws.resources import INVENTORY_BUCKET, Outputs  # noqa: PLC0415
    from tap_tools.cli.demo_inventory import generate_rows  # noqa: PLC0415
    from tap_tools.cli.demo_leaderboards import BOARDS, generate  # noqa: PLC0415
    from tap_tools.local import EmulatorMissing, LocalStack  # noqa: PLC0415
    from tap_tools.local.wiring import emulator_clients  # noqa: PLC0415

    now = datetime.now(UTC).replace(microsecond=0)
    rng = random.Random(seed)
    bodies = list(generate(submissions, PLAYERS, now, rng))
    started = time.monotonic()
    try:
        stack = LocalStack(
            boards=BOARDS,
            summary_interval=None,
            report=_watch,
        )
        stack.start()
    except EmulatorMissing as error:
        print(f"tap local demo: {error}")
        return 2
    try:
        print(f"tap local demo: stack up in {time.monotonic() - started:.1f} s")
        print(f"  endpoint {stack.endpoint_url}, API {stack.api_url}\n")
        aws = emulator_clients(stack.endpoint_url)
        sqs = aws.sqs()
        s3 = aws.s3()
        bucket = stack.outputs[Outputs.INVENTORY_BUCKET_NAME]
        first = generate_rows(CSV_ROWS, now - timedelta(hours=1), rng, bad=True)
        older = generate_rows(CSV_ROWS, now - timedelta(days=2), rng, bad=False)
        print(f"sending {len(bodies)} score messages and 2 CSV uploads...")
        sent = send_submissions(sqs, stack.outputs[Outputs.MAIN_QUEUE_URL], bodies)
        for name, lines in (("erp-today.csv", first), ("erp-old-export.csv", older)):
            s3.put_object(
                Bucket=bucket, Key=f"{INVENTORY_BUCKET.inbound_prefix}{name}", Body=csv_body(lines)
            )
        stack.wait_idle(WAIT_SECONDS)
        stack.invoke_summary()
        counts = stack.counts()
        print(f"\nall handled in {time.monotonic() - started:.1f} s")
        endings = {
            "accepted": counts.get("scores.accepted", 0),
            "unchanged": counts.get("scores.unchanged", 0),
            "dead-lettered": counts.get("dead_letters.scores", 0),
            "redriven by SQS": counts.get("scores.redriven", 0),
        }
        print(f"\nScore messages: {sent} sent; endings:")
        for name, number in endings.items():
            print(f"  {name:<18} {number:>6}")
        print(f"  {'total':<18} {sum(endings.values()):>6}")
        rows = {name: counts.get(f"rows.{name}", 0) for name in ("applied", "unchanged", "stale")}
        rows["dead-lettered"] = counts.get("dead_letters.inventory", 0)
        print(
            f"Inventory rows: {len(first) + len(older)} in 2 files; endings: "
            + ", ".join(f"{name} {number}" for name, number in rows.items())
        )
        for spec in BOARDS:
            _standings(stack.api_url, spec.id)
        _dead_letters(stack)
        status, stored = get_json(stack.api_url, "/inventory/summaries/latest")
        print(f"\nGET {stack.api_url}/inventory/summaries/latest -> {status}")
        print_summary(stored if status == 200 else {})
        if sum(endings.values()) != sent:
            print("ERROR: some messages have no ending")
            return 1
        return 0
    finally:
        stack.stop()
