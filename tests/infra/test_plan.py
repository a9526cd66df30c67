"""``tap_infra.plan.main``: the stack listed without credentials, and its outputs."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from tap_aws.resources import FUNCTIONS, Outputs
from tap_infra.plan import main

if TYPE_CHECKING:
    import pytest


def _plan(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_plan_lists_every_resource_and_output() -> None:
    code, text = _plan("--suffix", "pr42", "--board", "global", "--board", "weekly")
    assert code == 0
    lines = text.splitlines()
    count = int(lines[0].split()[0])
    resources = lines[1 : 1 + count]
    assert len(resources) == count > 50
    assert all(re.fullmatch(r"\S+:\S+  \S+  \{.*\}", line) for line in resources)
    assert any(
        line.startswith("aws:sqs/queue:Queue  tap-leaderboard-scores-queue  ")
        and '"name": "tap-scores-pr42.fifo"' in line
        and '"fifoQueue": true' in line
        for line in resources
    )
    assert any('"handler": "tap_aws.functions.scores.lambda_handler"' in line for line in resources)
    assert any('"retentionInDays": 7}' in line for line in resources)  # ints, not 7.0
    outputs = dict(line.strip().split(" = ", 1) for line in lines[2 + count :])
    assert lines[1 + count] == "outputs"
    assert set(outputs) >= {Outputs.MAIN_QUEUE_URL, Outputs.API_URL, Outputs.INVENTORY_DLQ_URL}
    assert outputs[Outputs.DYNAMODB_TABLE_NAME] == "tap-leaderboard-pr42"


def test_plan_architecture_reaches_the_functions() -> None:
    code, text = _plan("--architecture", "x86_64")
    assert code == 0
    functions = [line for line in text.splitlines() if line.startswith("aws:lambda/function:")]
    assert len(functions) == len(FUNCTIONS)
    assert all('"architectures": ["x86_64"]' in line for line in functions)


def test_plan_reports_a_bad_suffix_with_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, text = _plan("--suffix", "Not OK")
    assert code == 2
    assert text == ""
    assert 'environment suffix "Not OK" is not allowed' in capsys.readouterr().err


def test_plan_reports_a_bad_board_id(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = _plan("--board", "Has Spaces")
    assert code == 2
    assert "config leaderboards" in capsys.readouterr().err


STREAM_PREFIX = "arn:aws:dynamodb:us-east-1:123456789012:table/tap-leaderboard-pr42/stream/"


def test_plan_shows_the_stream_the_rank_index_function_and_its_mapping() -> None:
    code, text = _plan("--suffix", "pr42")
    assert code == 0
    lines = {line.split("  ")[1]: line for line in text.splitlines() if line.count("  ") >= 2}
    table = lines["tap-leaderboard-table"]
    assert '"streamEnabled": true' in table
    assert '"streamViewType": "NEW_AND_OLD_IMAGES"' in table
    function = lines["tap-leaderboard-rank-index-function-function"]
    assert '"handler": "tap_aws.functions.rank_index.lambda_handler"' in function
    assert '"name": "tap-rank-index-pr42"' in function
    mapping = lines["tap-leaderboard-rank-index-mapping"]
    for shown in (
        f'"eventSourceArn": "{STREAM_PREFIX}',
        '"startingPosition": "TRIM_HORIZON"',
        '"batchSize": 1000',
        '"maximumBatchingWindowInSeconds": 1',
        '"bisectBatchOnFunctionError": true',
        '"maximumRetryAttempts": 10',
        '"maximumRecordAgeInSeconds": 3600',
        '"destinationArn": "arn:aws:sqs:us-east-1:123456789012:tap-rank-index-dlq-pr42"',
        '"functionResponseTypes": ["ReportBatchItemFailures"]',
        "filterCriteria",
    ):
        assert shown in mapping, shown
    assert '"threshold": 60000' in lines["tap-leaderboard-rank-index-iterator-age"]
    queue = lines["tap-leaderboard-scores-queue"]
    assert '"deduplicationScope": "messageGroup"' in queue
    assert '"fifoThroughputLimit": "perMessageGroupId"' in queue
