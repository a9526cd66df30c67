"""End to end: the local stack fed through plain boto3 and read over HTTP, against oracles.

Every score message and every CSV row is counted to exactly one ending (applied/accepted,
unchanged, stale, or dead-lettered with its reason, read off the dead-letter queues), and the
standings served over HTTP are compared with ``InMemoryLeaderboards`` fed the same valid
submissions in the same per-player order; the rows with ``InMemoryInventoryStore``.
"""

from __future__ import annotations

import io
import json
import random
import time
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import ValidationError

from tap_aws.resources import SCORES, VALKEY_ONLY_OUTPUTS, Outputs
from tap_core.inventory import RowError, format_money, parse_inventory, summarize
from tap_core.leaderboard import LeaderboardSpec, ScoreSubmission
from tap_core.memory import InMemoryInventoryStore, InMemoryLeaderboards
from tap_tools.local import DEFAULT_BOARDS, LocalStack
from tests.local.conftest import HEADER, Client, achieved, submission, threads_now

if TYPE_CHECKING:
    from collections.abc import Iterator

BOARDS = (
    *DEFAULT_BOARDS,
    LeaderboardSpec(id="kills", order="desc", operator="increment", reset="weekly", min_score=0),
)
PLAYERS = [f"p{n}" for n in range(6)]


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    before = threads_now()
    with LocalStack(boards=BOARDS, summary_interval=None) as running:
        yield running
    assert threads_now() <= before, "the stack left threads running"


@pytest.fixture(scope="module")
def client(stack: LocalStack) -> Client:
    return Client(stack)


def _messages(rng: random.Random) -> list[tuple[str, str]]:
    """(group, body): valid submissions, re-sent ones, and every kind of bad one."""
    messages: list[tuple[str, str]] = []
    for number in range(36):
        player = rng.choice(PLAYERS)
        board = rng.choice(BOARDS).id
        score = rng.randrange(1, 9) if board == "kills" else rng.randrange(100, 1000)
        messages.append((player, submission(f"s{number}", board, player, score, number)))
    for index in (3, 10, 20):  # at-least-once: the same submission again, as a new message
        messages.append(messages[index])
    messages += [
        ("broken", '{"submission_id": "s-x", "leaderboard_id": '),  # not JSON
        ("p0", submission("s-many", "global", "p0", "many")),  # not a valid submission
        ("p1", submission("s-nowhere", "nowhere", "p1", 5)),  # no such board
        ("p2", submission("s-negative", "kills", "p2", -3)),  # below the board's minimum
    ]
    return messages


def _expected_scores(sent: list[Any]) -> tuple[InMemoryLeaderboards, Counter[str], dict[str, str]]:
    """The oracle after the valid submissions; endings; dead message id -> first error code."""
    oracle = InMemoryLeaderboards(BOARDS, clock=lambda: datetime.now(UTC))
    endings: Counter[str] = Counter()
    dead: dict[str, str] = {}
    for message in sent:
        try:
            parsed = ScoreSubmission.model_validate_json(message.body)
        except ValidationError as error:
            dead[message.message_id] = str(error.errors()[0]["type"])
            continue
        outcome = oracle.submit(parsed)
        if outcome.status == "rejected":
            dead[message.message_id] = str(outcome.code)
        else:
            endings[outcome.status] += 1
    return oracle, endings, dead


def _rows(stamp: str, skus: range, *, quantity: int = 5) -> list[str]:
    return [f"S{n},ams-1,Item {n},{quantity + n},2.50,tools,3,{stamp}" for n in skus]


def _expected_rows(
    store: InMemoryInventoryStore, key: str, lines: list[str]
) -> tuple[dict[str, int], dict[int, set[str]]]:
    """What the oracle store does with one upload: endings, and bad row -> error codes."""
    body = io.BytesIO((HEADER + "\n" + "\n".join(lines) + "\n").encode())
    valid = []
    bad: dict[int, set[str]] = {}
    for event in parse_inventory(body, datetime.now(UTC)):
        if isinstance(event, RowError):
            bad.setdefault(event.row, set()).add(event.code)
        else:
            valid.append(event)
    result = store.apply(valid, datetime.now(UTC), source=key)
    endings = {"applied": result.applied, "unchanged": result.unchanged, "stale": result.stale}
    return endings, bad


def test_the_outputs_carry_every_stack_output_and_the_queues_follow_the_specs(
    stack: LocalStack, client: Client
) -> None:
    # Given the running stack / When its outputs and its scores queue are read
    keys = {value for name, value in vars(Outputs).items() if name.isupper()} - VALKEY_ONLY_OUTPUTS
    attributes = client.sqs.get_queue_attributes(
        QueueUrl=stack.outputs[Outputs.MAIN_QUEUE_URL], AttributeNames=["All"]
    )["Attributes"]
    # Then every key the infra exports is there, and the queue is the spec's
    assert set(stack.outputs) == keys
    assert all(stack.outputs.values())
    assert stack.outputs[Outputs.MAIN_QUEUE_URL].endswith(".fifo")
    assert attributes["FifoQueue"] == "true"
    assert attributes["DeduplicationScope"] == "messageGroup"  # high-throughput FIFO
    assert attributes["FifoThroughputLimit"] == "perMessageGroupId"
    assert attributes["VisibilityTimeout"] == str(SCORES.queue.visibility_timeout_seconds)
    redrive = json.loads(attributes["RedrivePolicy"])
    assert int(redrive["maxReceiveCount"]) == SCORES.max_receive_count
    assert redrive["deadLetterTargetArn"].endswith(SCORES.dlq.name("local"))
    # and the bucket is versioned, as the deployed one is (each upload its own version)
    bucket = stack.outputs[Outputs.INVENTORY_BUCKET_NAME]
    assert client.s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_every_score_message_has_one_ending_and_the_api_serves_the_oracles_standings(
    stack: LocalStack, client: Client
) -> None:
    # Given submissions sent with boto3: valid, re-sent, invalid, rejected
    client.send(_messages(random.Random(3)))
    oracle, endings, dead = _expected_scores(client.sent)
    # When the stack has handled them all
    stack.wait_idle(60)
    counts = stack.counts()
    letters = client.drain(Outputs.DLQ_URL)
    # Then each message ended once: accepted, unchanged, or dead-lettered with its reason
    assert {
        letter["source"]["message_id"]: letter["errors"][0]["code"] for letter in letters
    } == dead
    assert counts.get("scores.accepted", 0) == endings["accepted"]
    assert counts.get("scores.unchanged", 0) == endings["unchanged"]
    assert endings["accepted"] + endings["unchanged"] + len(letters) == len(client.sent)
    assert counts["scores.handled"] == len(client.sent)
    assert "scores.retried" not in counts
    assert endings["unchanged"] >= 3  # the re-sent ones at least
    # And the API over HTTP answers what the oracle answers
    for spec in BOARDS:
        status, page = client.get(f"/leaderboards/{spec.id}/top", limit=100)
        expected = oracle.top(spec.id, limit=100)
        assert status == 200
        assert [(e["rank"], e["player_id"], e["score"]) for e in page["entries"]] == [
            (e.rank, e.player_id, e.score) for e in expected.entries
        ]
        assert page["count"] == oracle.count(spec.id)
        player = expected.entries[len(expected.entries) // 2].player_id
        status, found = client.get(f"/leaderboards/{spec.id}/players/{player}")
        rank = oracle.rank_of(spec.id, player)
        assert status == 200
        assert rank is not None
        assert found["entry"]["rank"] == rank.rank
        status, around = client.get(
            f"/leaderboards/{spec.id}/players/{player}/around", before=1, after=1
        )
        assert status == 200
        assert [e["player_id"] for e in around["entries"]] == [
            e.player_id for e in oracle.around(spec.id, player, before=1, after=1)
        ]
    status, missing = client.get("/leaderboards/nowhere/top")
    assert status == 404
    assert "nowhere" in missing["message"]


def test_every_csv_row_has_one_ending_and_the_summary_is_the_oracles(
    stack: LocalStack, client: Client
) -> None:
    # Given a first upload with good and bad rows, then an older export of some of the same
    # items (stale), the same rows again and a new one
    oracle = InMemoryInventoryStore()
    first = [
        *_rows(achieved(30), range(8)),
        "S90,ams-1,Bad,-1,2.50,tools,3," + achieved(30),  # a negative quantity
        "S91,ams-1,Bad,1,2,50,tools,3," + achieved(30),  # a decimal comma: one field too many
        "S92,ams-1,Bad,1,2.50,tools,3,yesterday",  # not a time
    ]
    second = [
        *_rows(achieved(240), range(3)),
        *_rows(achieved(30), range(3, 6)),
        "S20,ams-1,New,1,1.00,tools,0," + achieved(1),
    ]
    expected_endings: Counter[str] = Counter()
    expected_bad: dict[tuple[str, int], set[str]] = {}
    # When each is uploaded with boto3 under the inbound prefix and handled
    for key, lines in (("inbound/first.csv", first), ("inbound/second.csv", second)):
        # S3's event time (the upload time, to the second) orders rows of the same updated_at:
        # a second apart, the oracle's upload times order them the same way.
        time.sleep(1.05)
        client.upload(key, lines)
        endings, bad = _expected_rows(oracle, key, lines)
        expected_endings.update(endings)
        expected_bad.update({(key, row): codes for row, codes in bad.items()})
        stack.wait_idle(60)
    client.upload("inbound/notes.txt", ["not a csv"])  # the rule matches *.csv only
    client.upload("elsewhere/other.csv", first)  # and only under the inbound prefix
    stack.wait_idle(60)
    counts = stack.counts()
    letters = client.drain(Outputs.INVENTORY_DLQ_URL)
    # Then every row ended once, and each bad one is a letter naming its row and reasons
    assert counts["inventory.files"] == 2
    for ending in ("applied", "unchanged", "stale"):
        assert counts.get(f"rows.{ending}", 0) == expected_endings[ending], ending
    assert expected_endings["stale"] == 3
    assert {
        (letter["source"]["key"], letter["source"]["row"]): {e["code"] for e in letter["errors"]}
        for letter in letters
    } == expected_bad
    assert sum(expected_endings.values()) + len(letters) == len(first) + len(second)
    # And the summary the function stores is the oracle's, and the API serves it
    result = stack.invoke_summary()
    expected = summarize(oracle.items(), as_of="now")
    assert result["items"] == expected.items
    status, served = client.get("/inventory/summaries/latest")
    assert status == 200
    assert (served["items"], served["units"], served["value"]) == (
        expected.items,
        expected.units,
        format_money(expected.value),
    )
