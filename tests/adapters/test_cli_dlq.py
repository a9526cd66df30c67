"""``tap dlq``: list, show and redrive on moto FIFO queues made from the resource specs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import pytest

from tap_aws.adapters.deadletters import SqsDeadLetters
from tap_aws.resources import INVENTORY_ROWS_DLQ, SCORES, Outputs, QueueSpec
from tap_core import DeadLetter, LetterError, MessageSource, RowSource
from tap_tools.cli import build_parser, main
from tap_tools.cli.dlq import emulator_endpoint, run
from tap_tools.testing import FAKE_ACCESS_KEY, FAKE_SECRET_KEY, REGION

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType

    from tap_tools.testing import AwsClients

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    # The command builds its own client, as in use; moto accepts these.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


def _queue(client: SQSClient, spec: QueueSpec, name: str) -> str:
    attributes: dict[QueueAttributeNameType, str] = {
        "FifoQueue": "true",
        "VisibilityTimeout": str(spec.visibility_timeout_seconds),
        "MessageRetentionPeriod": str(spec.retention_seconds),
    }
    return client.create_queue(QueueName=f"{name}.fifo", Attributes=attributes)["QueueUrl"]


def _scores_queues(
    aws: AwsClients, unique_name: Callable[[str], str]
) -> tuple[SQSClient, str, str]:
    """An SQS client, and a new scores dead-letter queue and main queue made from the spec."""
    client = aws.sqs()
    dlq = _queue(client, SCORES.dlq, unique_name("scores-dlq"))
    return client, dlq, _queue(client, SCORES.queue, unique_name("scores"))


def _score_letter(message_id: str, group: str, raw: str) -> DeadLetter:
    error = LetterError("invalid_score", "score", "score must be a whole number")
    return DeadLetter(MessageSource(message_id, group), (error,), raw, AT)


def _row_letter(row: int) -> DeadLetter:
    error = LetterError("bad_quantity", "Quantity", "not a whole number")
    return DeadLetter(RowSource("inv", "inbound/a.csv", row, "v1"), (error,), f"A-{row},x", AT)


def _outputs(tmp_path: Path, endpoint: str, **urls: str) -> str:
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({Outputs.ENDPOINT_URL: endpoint, **urls}))
    return str(path)


def _drain(client: SQSClient, url: str) -> list[tuple[str, str, str]]:
    """(body, group, dedup id) of every message, deleting them."""
    found = []
    while messages := client.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=60
    ).get("Messages", []):
        for message in messages:
            attributes = message["Attributes"]
            found.append(
                (
                    message["Body"],
                    attributes["MessageGroupId"],
                    attributes["MessageDeduplicationId"],
                )
            )
            client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def _kept(client: SQSClient, url: str) -> int:
    """Messages on the queue, visible or in flight."""
    attributes = client.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def test_list_counts_the_letters_and_prints_each_source_and_reason(
    aws: AwsClients,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given three row letters in each of two inventory rows DLQs made from its spec
    # (moto's FIFO receive with visibility 0 then returns only a group's last message, so
    # each listing reads its own queue)
    client = aws.sqs()
    urls = [_queue(client, INVENTORY_ROWS_DLQ, unique_name("rows-dlq")) for _ in range(2)]
    for url in urls:
        SqsDeadLetters(url, client).send([_row_letter(row) for row in (2, 3, 4)])
    json_outputs, text_outputs = (
        _outputs(tmp_path / str(n), aws.endpoint, **{Outputs.INVENTORY_DLQ_URL: url})
        for n, url in enumerate(urls)
    )
    # When listing one as JSON and the other as text, without hiding them
    common = ["--queue", "inventory", "--visibility", "0"]
    status = main(["dlq", "list", *common, "--outputs", json_outputs, "--json"])
    listed = json.loads(capsys.readouterr().out)
    text_status = main(["dlq", "list", *common, "--outputs", text_outputs])
    text = capsys.readouterr().out
    # Then the count and every letter's source and reason are there, and nothing was deleted
    assert (status, text_status) == (0, 0)
    assert listed["approximate_count"] == 3
    assert sorted(letter["source"]["row"] for letter in listed["letters"]) == [2, 3, 4]
    assert listed["letters"][0]["errors"][0]["code"] == "bad_quantity"
    assert "about 3 letters" in text
    for row in (2, 3, 4):
        assert f"inv/inbound/a.csv#{row}  bad_quantity (Quantity): not a whole number" in text
    assert [_kept(client, url) for url in urls] == [3, 3]


def test_list_stops_at_max(
    aws: AwsClients,
    unique_name: Callable[[str], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given five score letters in five groups
    client = aws.sqs()
    url = _queue(client, SCORES.dlq, unique_name("scores-dlq"))
    SqsDeadLetters(url, client).send([_score_letter(f"m{n}", f"g{n}", "{}") for n in range(5)])
    # When listing at most 2
    where = ["--queue", "scores", "--queue-url", url, "--endpoint-url", aws.endpoint]
    status = main(["dlq", "list", *where, "--max", "2", "--visibility", "0", "--json"])
    # Then the count is all five and two letters are printed
    listed = json.loads(capsys.readouterr().out)
    assert status == 0
    assert listed["approximate_count"] == 5
    assert len(listed["letters"]) == 2
    # and as text, the three not listed are said to be there
    text_status = main(["dlq", "list", *where, "--max", "2", "--visibility", "0"])
    text = capsys.readouterr().out
    assert text_status == 0
    assert "about 5 letters" in text
    assert sum(line.startswith("  m") for line in text.splitlines()) == 2
    assert "(3 more not listed: past --max 2" in text


def test_show_prints_the_whole_letter_found_by_message_id_or_dedup_id(
    aws: AwsClients,
    unique_name: Callable[[str], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given two score letters
    client = aws.sqs()
    url = _queue(client, SCORES.dlq, unique_name("scores-dlq"))
    wanted = _score_letter("m-2", "player-2", '{"score": "x"}')
    SqsDeadLetters(url, client).send([_score_letter("m-1", "player-1", "{}"), wanted])
    where = ["--queue", "scores", "--queue-url", url, "--endpoint-url", aws.endpoint]
    # When showing one by its message id, then by its deduplication id
    by_id = main(["dlq", "show", "m-2", *where, "--visibility", "0", "--json"])
    shown = json.loads(capsys.readouterr().out)
    by_dedup = main(["dlq", "show", wanted.deduplication_id, *where, "--visibility", "0"])
    text = capsys.readouterr().out
    # Then it is that letter, in full
    assert (by_id, by_dedup) == (0, 0)
    assert shown["source"]["message_id"] == "m-2"
    assert shown["raw"] == '{"score": "x"}'
    assert shown["at"] == AT.isoformat()
    assert shown["errors"] == [
        {"code": "invalid_score", "field": "score", "message": "score must be a whole number"}
    ]
    assert "source:  m-2" in text
    assert "error:   invalid_score (score): score must be a whole number" in text
    # And an id no letter has is exit 1
    assert main(["dlq", "show", "nope", *where, "--visibility", "0"]) == 1


def test_redrive_moves_the_raw_inputs_with_their_group_and_dedup_id(
    aws: AwsClients,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given three score letters, one with a raw input too big to keep whole
    client, dlq, main_queue = _scores_queues(aws, unique_name)
    whole = [_score_letter("m-1", "p-1", '{"s": 1}'), _score_letter("m-2", "p-2", '{"s": 2}')]
    cut = _score_letter("m-3", "p-3", "x" * 300_000)
    SqsDeadLetters(dlq, client).send([*whole, cut])
    outputs = _outputs(
        tmp_path, aws.endpoint, **{Outputs.DLQ_URL: dlq, Outputs.MAIN_QUEUE_URL: main_queue}
    )
    # When redriving
    status = main(["dlq", "redrive", "--queue", "scores", "--outputs", outputs])
    out = capsys.readouterr().out
    # Then the two whole ones are on the main queue with their group and dedup id, gone from
    # the DLQ; the cut one stays and is reported
    assert status == 0
    assert "moved 2 letters" in out
    assert "left in place: m-3" in out
    moved = sorted(_drain(client, main_queue))
    assert moved == [
        ('{"s": 1}', "p-1", whole[0].deduplication_id),
        ('{"s": 2}', "p-2", whole[1].deduplication_id),
    ]
    assert _kept(client, dlq) == 1


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["dlq", "list", "--queue-url", "http://x"], "--queue"),
        (["dlq", "list", "--queue", "scores"], "--outputs"),
        (["dlq", "redrive", "--queue", "inventory", "--queue-url", "http://x"], "scores"),
        (["dlq", "redrive", "--queue", "scores", "--queue-url", "http://x"], "--to"),
        (["dlq", "list", "--queue", "scores", "--outputs", "/no/such/file.json"], "cannot read"),
    ],
)
def test_a_missing_or_bad_choice_is_a_usage_error_naming_what_to_pass(
    argv: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given arguments that lack a choice; When running; Then exit 2 naming it
    assert main(argv) == 2
    assert named in capsys.readouterr().err


def test_an_aws_error_is_exit_1_with_a_message_and_no_traceback(
    aws: AwsClients, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a queue that does not exist
    url = f"{aws.endpoint}/123456789012/tap-missing.fifo"
    # When listing it
    status = main(
        ["dlq", "list", "--queue", "scores", "--queue-url", url, "--endpoint-url", aws.endpoint]
    )
    err = capsys.readouterr().err
    # Then exit 1 with AWS's message
    assert status == 1
    assert "tap dlq list:" in err
    assert "Traceback" not in err


def test_redrive_moves_at_most_max_to_the_queue_given_with_to(
    aws: AwsClients,
    unique_name: Callable[[str], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given three score letters in three groups
    client, dlq, main_queue = _scores_queues(aws, unique_name)
    SqsDeadLetters(dlq, client).send([_score_letter(f"m{n}", f"g{n}", str(n)) for n in range(3)])
    # When redriving at most 2 to the queue named with --to, as JSON
    where = ["--queue", "scores", "--queue-url", dlq, "--endpoint-url", aws.endpoint]
    status = main(["dlq", "redrive", *where, "--to", main_queue, "--max", "2", "--json"])
    # Then two moved, and one letter is still on the DLQ
    assert status == 0
    assert json.loads(capsys.readouterr().out) == {
        "present": 3,
        "moved": 2,
        "left": [],
        "dead_lettered_again": [],
    }
    assert len(_drain(client, main_queue)) == 2
    assert _kept(client, dlq) == 1


class _FailsAgain:
    """An SQS client whose main queue dead-letters every message sent to it at once, as the
    scores function does with a submission that is still invalid: a new letter whose source
    is the message id SendMessage returned."""

    def __init__(self, client: SQSClient, dlq: str) -> None:
        self._client = client
        self._dlq = dlq

    def __getattr__(self, name: str) -> object:
        return getattr(self._client, name)

    def send_message(self, **request: Any) -> Any:
        response = self._client.send_message(**request)
        letter = _score_letter(response["MessageId"], request["MessageGroupId"], "{}")
        SqsDeadLetters(self._dlq, self._client).send([letter])
        return response


def test_redrive_moves_each_letter_present_at_the_start_once_even_if_it_fails_again(
    aws: AwsClients,
    unique_name: Callable[[str], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given five score letters whose inputs are still invalid: each one redriven is
    # dead-lettered again at once
    client, dlq, main_queue = _scores_queues(aws, unique_name)
    SqsDeadLetters(dlq, client).send([_score_letter(f"m{n}", f"g{n}", "{}") for n in range(5)])
    # When redriving with room for 100
    where = ["--queue", "scores", "--queue-url", dlq, "--endpoint-url", aws.endpoint]
    args = build_parser().parse_args(
        ["dlq", "redrive", *where, "--to", main_queue, "--max", "100", "--json"]
    )
    status = run(args, cast("SQSClient", _FailsAgain(client, dlq)))
    # Then exactly the five present moved, once each, and the five new letters are kept
    assert status == 0
    report = json.loads(capsys.readouterr().out)
    assert report["moved"] == 5
    assert report["present"] == 5
    assert len(_drain(client, main_queue)) == 5
    assert _kept(client, dlq) == 5


def test_redrive_stops_at_a_letter_it_moved_that_came_back(
    aws: AwsClients,
    unique_name: Callable[[str], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given one letter, redriven into a main queue that dead-letters it again, while the
    # count at the start is more than the letters there (a letter arrived meanwhile)
    client, dlq, main_queue = _scores_queues(aws, unique_name)
    SqsDeadLetters(dlq, client).send([_score_letter("m0", "g0", "{}")])
    where = ["--queue", "scores", "--queue-url", dlq, "--endpoint-url", aws.endpoint]
    args = build_parser().parse_args(["dlq", "redrive", *where, "--to", main_queue])
    proxy = _FailsAgain(client, dlq)
    counts = iter([2])

    def count_twice(**request: Any) -> Any:
        answer = client.get_queue_attributes(**request)
        answer["Attributes"]["ApproximateNumberOfMessages"] = str(next(counts))
        return answer

    proxy.get_queue_attributes = count_twice  # type: ignore[attr-defined]
    # When redriving
    status = run(args, cast("SQSClient", proxy))
    # Then it moved once, stopped at the letter that came back and left it listable
    out = capsys.readouterr().out
    assert status == 0
    assert "moved 1 letters" in out
    assert "dead-lettered again" in out
    assert len(_drain(client, main_queue)) == 1
    assert _kept(client, dlq) == 1


def test_a_queue_url_on_an_emulator_is_reached_at_its_host(
    aws: AwsClients,
    unique_name: Callable[[str], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a letter on a queue of the emulator, named only by its URL
    client = aws.sqs()
    url = _queue(client, SCORES.dlq, unique_name("scores-dlq"))
    SqsDeadLetters(url, client).send([_score_letter("m-1", "g-1", "{}")])
    # When listing it with --queue-url alone
    status = main(["dlq", "list", "--queue", "scores", "--queue-url", url, "--json"])
    # Then the URL's host was the endpoint
    assert status == 0
    assert json.loads(capsys.readouterr().out)["approximate_count"] == 1


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("http://127.0.0.1:4566/123456789012/q.fifo", "http://127.0.0.1:4566"),
        ("https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo", None),
        ("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q.fifo", None),
        ("not a url", None),
    ],
)
def test_only_a_host_that_is_not_aws_becomes_the_endpoint(url: str, endpoint: str | None) -> None:
    assert emulator_endpoint(url) == endpoint


def test_list_shows_every_letter_when_a_receive_ends_inside_a_message_group(
    aws: AwsClients,
    unique_name: Callable[[str], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given 12 letters: 9 groups of one, then one player's three, so a receive of 10 takes the
    # player's first letter and the FIFO queue holds the other two behind it
    client = aws.sqs()
    url = _queue(client, SCORES.dlq, unique_name("scores-dlq"))
    letters = [_score_letter(f"m{n}", f"g{n}", "{}") for n in range(9)]
    letters += [_score_letter(f"p{n}", "player", "{}") for n in range(3)]
    SqsDeadLetters(url, client).send(letters)
    # When listing them (letters read stay hidden for the default 5 s)
    where = ["--queue", "scores", "--queue-url", url, "--endpoint-url", aws.endpoint]
    status = main(["dlq", "list", *where, "--max", "100", "--json"])
    # Then all 12 are listed, exactly as counted
    listed = json.loads(capsys.readouterr().out)
    assert status == 0
    assert listed["approximate_count"] == 12
    assert sorted(letter["source"]["message_id"] for letter in listed["letters"]) == sorted(
        [*(f"m{n}" for n in range(9)), "p0", "p1", "p2"]
    )


def test_messages_sqs_moved_are_listed_with_why_and_submissions_redriven(
    aws: AwsClients,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given, on the scores DLQ, what SQS moves there after maxReceiveCount receives (the main
    # queue's own bodies: a valid submission that kept failing, and a body no one can read)
    # beside a letter the function wrote
    client, dlq, main_queue = _scores_queues(aws, unique_name)
    submission = json.dumps(
        {
            "submission_id": "s-9",
            "leaderboard_id": "global",
            "player_id": "p-9",
            "score": 90,
            "achieved_at": "2026-11-30T11:00:00Z",
        }
    )
    for body, group, dedup in ((submission, "p-9", "s-9"), ("{not json", "p-8", "junk-1")):
        client.send_message(
            QueueUrl=dlq, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=dedup
        )
    letter = _score_letter("m-1", "p-1", '{"s": 1}')
    SqsDeadLetters(dlq, client).send([letter])
    outputs = _outputs(
        tmp_path, aws.endpoint, **{Outputs.DLQ_URL: dlq, Outputs.MAIN_QUEUE_URL: main_queue}
    )
    where = ["--queue", "scores", "--outputs", outputs]
    # When listing: each says why it is there
    assert main(["dlq", "list", *where, "--visibility", "0"]) == 0
    listed = capsys.readouterr().out
    receives = f"moved by SQS after {SCORES.max_receive_count} receives"
    assert f"{receives}: a valid submission" in listed
    assert f"{receives}; not a submission" in listed
    assert "invalid_score (score)" in listed
    # When redriving: the submission goes back with its group and a fresh deduplication id
    # (its own may still be inside the main queue's 5-minute window), the letter as before,
    # and the unreadable body stays, with its reason
    assert main(["dlq", "redrive", *where]) == 0
    out = capsys.readouterr().out
    assert "moved 2 letters" in out
    assert "not a submission" in out
    moved = {body: (group, dedup) for body, group, dedup in _drain(client, main_queue)}
    assert set(moved) == {submission, '{"s": 1}'}
    assert moved[submission][0] == "p-9"
    assert moved[submission][1] != "s-9"
    assert moved['{"s": 1}'] == ("p-1", letter.deduplication_id)
    assert _kept(client, dlq) == 1
