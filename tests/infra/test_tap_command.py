"""``tap infra plan``: the Pulumi program under mocks, reached through the ``tap`` command (here,
beside the other infra tests, for their pulumi_aws warning filters)."""

from __future__ import annotations

import pytest

from tap_aws.resources import SCORES, Outputs
from tap_tools.cli import main


def test_plan_lists_the_stack_and_its_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a suffix, When the plan runs, Then the queue it names carries that suffix and .fifo.
    status = main(["infra", "plan", "--suffix", "pr42"])
    out = capsys.readouterr().out
    assert status == 0
    assert "aws:sqs/queue:Queue" in out
    queue_line = next(line for line in out.splitlines() if f"{Outputs.MAIN_QUEUE_URL} =" in line)
    assert queue_line.endswith("/" + SCORES.queue.name("pr42"))
    assert queue_line.endswith("-pr42.fifo")


def test_plan_refuses_a_bad_suffix_as_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["infra", "plan", "--suffix", "Not OK"]) == 2
    assert '"Not OK"' in capsys.readouterr().err


def test_other_commands_still_refuse_unknown_arguments() -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--no-such-option"])
    assert exit_.value.code == 2


def test_plan_refuses_a_bad_board_id_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a board id the rule refuses; When planning; Then exit 2, one line naming it and the rule
    assert main(["infra", "plan", "--board", "Bad Id"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert 'leaderboard id "Bad Id" is not allowed: use 1-64 of a-z 0-9 _ -' in err
