"""``tap local up|invoke|demo`` as a user runs them: subprocesses for the long-running ones."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from tap_aws.resources import RANK_INDEXES, VALKEY_ONLY_OUTPUTS, Outputs
from tap_tools.cli import main
from tap_tools.cli.local import DEFAULT_SUMMARY_INTERVAL_TEXT, RANK_INDEX_CHOICES
from tap_tools.local import DEFAULT_SUMMARY_INTERVAL, BoardsFileError, load_boards
from tap_tools.testing import AwsClients
from tap_tools.valkey_server import INSTALL
from tests.local.conftest import submission

if TYPE_CHECKING:
    from pathlib import Path

TAP = [sys.executable, "-m", "tap_tools.cli"]
OUTPUT_KEYS = {
    value for name, value in vars(Outputs).items() if name.isupper()
} - VALKEY_ONLY_OUTPUTS


def _wait_for(path: Path, process: subprocess.Popen[str], seconds: float = 60) -> dict[str, str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().endswith("\n"):
            outputs: dict[str, str] = json.loads(path.read_text())
            return outputs
        if process.poll() is not None:
            pytest.fail(f"tap local up exited {process.returncode}: {process.communicate()}")
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"no outputs file after {seconds} s")


def test_up_writes_the_outputs_runs_the_functions_and_stops_cleanly_on_sigint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given `tap local up` running in its own process
    outputs_file = tmp_path / "outputs.json"
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [*TAP, "local", "up", "--outputs", str(outputs_file), "--summary-interval", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        outputs = _wait_for(outputs_file, process)
        # When a client sends a score and the summary is invoked from another process
        sqs = AwsClients(outputs[Outputs.ENDPOINT_URL]).sqs()
        sqs.send_message(
            QueueUrl=outputs[Outputs.MAIN_QUEUE_URL],
            MessageBody=submission("cli-1", "global", "cli-player", 42),
            MessageGroupId="cli-player",
            MessageDeduplicationId="cli-1",
        )
        status = main(["local", "invoke", "summary", "--outputs", str(outputs_file)])
        printed = capsys.readouterr().out
        time.sleep(1.5)
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    # Then the outputs had every key, the stack handled the message, and it stopped with 0
    assert set(outputs) == OUTPUT_KEYS
    assert status == 0
    assert "Daily summary" in printed
    assert process.returncode == 0, stderr
    assert "scores: batch of 1: 1 accepted" in stdout
    assert "summary: 0 items" in stdout
    assert "boards: global, weekly" in stdout
    assert stdout.rstrip().endswith("tap local up: stopped")
    assert stderr == ""


def test_demo_exits_0_and_prints_the_standings_dead_letters_and_summary() -> None:
    # Given / When the demo runs end to end
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [*TAP, "local", "demo", "--submissions", "60"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Then it succeeded and printed what it promises
    assert result.returncode == 0, result.stdout + result.stderr
    for expected in (
        "Top 10 of 'arena'",
        "around it",
        "scores dead-letter queue: about",
        "inventory dead-letter queue: about",
        "Daily summary",
    ):
        assert expected in result.stdout, expected


@pytest.mark.parametrize(
    "argv",
    [
        ["local", "up", "--port", "70000"],
        ["local", "up", "--summary-interval", "0"],
        ["local", "up", "--rank-index", "memcached"],
        ["local", "invoke", "lunch", "--outputs", "x.json"],
        ["local", "demo", "--submissions", "0"],
        ["local"],
    ],
)
def test_bad_arguments_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == 2


def test_an_unusable_leaderboards_or_outputs_file_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a boards file with a bad spec and an outputs file that is not JSON
    boards = tmp_path / "boards.json"
    boards.write_text(json.dumps([{"id": "global", "order": "sideways"}]))
    outputs = tmp_path / "outputs.json"
    outputs.write_text("not json")
    # When the commands read them / Then each is a usage error naming the file and the fault
    assert main(["local", "up", "--leaderboards", str(boards)]) == 2
    assert main(["local", "invoke", "summary", "--outputs", str(outputs)]) == 2
    err = capsys.readouterr().err
    assert f"{boards} is not a list of leaderboard specs: 0.order" in err
    assert f"cannot read the outputs {outputs}" in err


def test_boards_load_from_json_and_yaml_and_duplicates_are_refused(tmp_path: Path) -> None:
    json_file = tmp_path / "boards.json"
    json_file.write_text(json.dumps([{"id": "a", "order": "asc"}, {"id": "b"}]))
    yaml_file = tmp_path / "boards.yaml"
    yaml_file.write_text("- id: a\n  order: asc\n- id: b\n")
    twice = tmp_path / "twice.json"
    twice.write_text(json.dumps([{"id": "a"}, {"id": "a"}]))
    assert load_boards(json_file) == load_boards(yaml_file)
    assert [(b.id, b.order) for b in load_boards(json_file)] == [("a", "asc"), ("b", "desc")]
    with pytest.raises(BoardsFileError, match="defines a more than once"):
        load_boards(twice)


def test_the_help_text_default_is_the_stacks_default() -> None:
    assert float(DEFAULT_SUMMARY_INTERVAL_TEXT) == DEFAULT_SUMMARY_INTERVAL
    assert RANK_INDEX_CHOICES == RANK_INDEXES


def test_up_with_valkey_and_no_server_installed_exits_2_saying_how_to_install_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["local", "up", "--rank-index", "valkey"]) == 2
    assert INSTALL in capsys.readouterr().err
