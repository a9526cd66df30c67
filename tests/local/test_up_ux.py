"""``tap local up`` as a newcomer meets it: a busy port, Ctrl-C, what it prints."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING

import pytest

from tap_aws.resources import Outputs
from tap_tools.cli.local import SAME_PRESS_SECONDS, STOPPED_NOW
from tap_tools.testing import AwsClients
from tests.local.conftest import HEADER

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

TAP = [sys.executable, "-m", "tap_tools.cli"]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


@pytest.mark.parametrize("option", ["--port", "--api-port"])
def test_a_busy_port_is_a_usage_error_naming_it_at_once(option: str, busy_port: int) -> None:
    # When the stack is asked for a port something else listens on
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [*TAP, "local", "up", option, str(busy_port)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    # Then it says which option and port, exits 2, and does not wait
    assert done.returncode == 2, done
    assert f"{option} {busy_port}: cannot listen on it (in use)" in done.stderr
    assert time.monotonic() - started < 20
    assert "ready" not in done.stdout


class Up:
    """`tap local up` in a subprocess; its stdout lines as they come."""

    def __init__(self, tmp_path: Path) -> None:
        self.outputs_file = tmp_path / "outputs.json"
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            [*TAP, "local", "up", "--outputs", str(self.outputs_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, seconds: float = 60) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        self.process.kill()
        pytest.fail(f"no line with {text!r} after {seconds} s; seen: {self.seen[-20:]}")

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()

    def outputs(self) -> dict[str, str]:
        self.wait_for("tap local up: ready")
        outputs: dict[str, str] = json.loads(self.outputs_file.read_text())
        return outputs


def _upload_big_csv(outputs: dict[str, str], rows: int) -> str:
    body = "\n".join(
        [HEADER, *(f"S{i},w1,Item {i},{i},1.50,tools,0,2026-01-01" for i in range(rows))]
    )
    key = "inbound/big.csv"
    AwsClients(outputs[Outputs.ENDPOINT_URL]).s3().put_object(
        Bucket=outputs[Outputs.INVENTORY_BUCKET_NAME], Key=key, Body=body.encode()
    )
    return key


def test_ctrl_c_during_an_import_says_what_it_finishes_and_checkpoints_it(
    tmp_path: Path,
) -> None:
    # Given an import under way
    up = Up(tmp_path)
    try:
        key = _upload_big_csv(up.outputs(), 20_000)
        started = up.wait_for(f"inventory: importing s3://tap-inventory-local/{key} (part 0)")
        time.sleep(1)
        # When Ctrl-C is pressed once
        up.process.send_signal(signal.SIGINT)
        stopping = up.wait_for("tap local up: stopping")
        # Then it says what it is finishing, the import stops at its next row with its
        # checkpoint saved and handed on, and the stack stops soon
        ended = up.wait_for(f"inventory: {key} (part 0: continued)", 30)
        up.wait_for("tap local up: stopped", 30)
        assert up.process.wait(timeout=30) == 0
    finally:
        up.close()
    assert "import id " in started
    assert f"stopping: finishing the import of {key} at row " in stopping
    assert "Ctrl-C again to stop now" in stopping
    assert "import id " in ended


def test_a_second_ctrl_c_stops_at_once(tmp_path: Path) -> None:
    # Given an import under way and a first Ctrl-C
    up = Up(tmp_path)
    try:
        key = _upload_big_csv(up.outputs(), 20_000)
        up.wait_for(f"inventory: importing s3://tap-inventory-local/{key}")
        up.process.send_signal(signal.SIGINT)
        up.wait_for("tap local up: stopping")
        # When Ctrl-C is pressed again (not at the same moment: that is the same press,
        # signalled twice, as under `uv run`)
        time.sleep(2 * SAME_PRESS_SECONDS)
        pressed = time.monotonic()
        up.process.send_signal(signal.SIGINT)
        # Then it stops at once, saying so, with its own exit status
        status = up.process.wait(timeout=10)
        up.wait_for("stopped now, without finishing", 5)
    finally:
        up.close()
    assert status == STOPPED_NOW
    assert time.monotonic() - pressed < 10


def test_one_ctrl_c_signalled_twice_at_once_is_one_press(tmp_path: Path) -> None:
    # Given a stack at rest
    up = Up(tmp_path)
    try:
        up.outputs()
        # When one Ctrl-C reaches it twice at once (the terminal's, and uv run's forwarded)
        up.process.send_signal(signal.SIGINT)
        up.process.send_signal(signal.SIGINT)
        # Then it stops cleanly, as after one press
        up.wait_for("tap local up: stopped", 30)
        status = up.process.wait(timeout=30)
    finally:
        up.close()
    assert status == 0
    assert not any("stopped now" in line for line in up.seen)
