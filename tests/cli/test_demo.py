"""``tap demo``: every generated message gets exactly one ending, using the core alone."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import TYPE_CHECKING

from tap_tools.cli import main

if TYPE_CHECKING:
    import pytest

AWS_MODULES = ("boto3", "botocore", "aws_lambda_powertools", "pulumi", "pulumi_aws")


def test_demo_accounts_for_every_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--submissions", "400", "--players", "30", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    received = int(re.search(r"(\d+) messages received", out)[1])  # type: ignore[index]
    endings = dict(re.findall(r"^  ([a-z_:]+) +(\d+)$", out, flags=re.MULTILINE))
    total = int(endings.pop("total"))
    assert received >= 400
    assert total == received == sum(int(count) for count in endings.values())
    # The generator mixes in every kind of bad input; each shows up with its reason.
    assert {"accepted", "invalid", "rejected:unknown_board", "unchanged:duplicate"} <= set(endings)
    assert "Top 5 of 'arena'" in out
    assert "ERROR" not in out
    # A body is shown as text, cut, never as a bytes literal
    assert not re.search(r"\bb'|\bb\"", out)


def test_demo_prints_every_amount_of_money_alike(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--submissions", "20", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    summary = out[out.index("Daily summary") :]
    amounts = re.findall(r"value (\S+);|units +(\S+)$", summary, flags=re.MULTILINE)
    printed = [a or b for a, b in amounts]
    assert len(printed) >= 2
    assert all(re.fullmatch(r"\d+\.\d{2,4}", amount) for amount in printed), printed


def test_demo_gives_every_csv_record_one_ending(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--submissions", "50", "--seed", "11"]) == 0
    out = capsys.readouterr().out
    uploads = re.findall(r"^  (inbound/\S+) +(\d+) records: (.*)$", out, flags=re.MULTILINE)
    assert [name for name, _, _ in uploads] == [
        "inbound/erp-monday.csv",
        "inbound/erp-tuesday.csv",
        "inbound/erp-monday-again.csv",
    ]
    endings = []
    for _, records, counts in uploads:
        counted = {name: int(n) for name, n in re.findall(r"([a-z-]+) (\d+)", counts)}
        assert sum(counted.values()) == int(records)
        endings.append(counted)
    first, _, again = endings
    assert first["dead-lettered"] > 0
    # The re-sent upload changes nothing: its rows are unchanged or stale, its bad rows bad again.
    assert again["applied"] == 0
    assert again["dead-lettered"] == first["dead-lettered"]
    assert "duplicate_key: row" in out
    assert re.search(r"Daily summary \d{4}-\d{2}-\d{2}: \d+ items", out)


def test_demo_imports_nothing_from_aws() -> None:
    code = (
        "import sys\n"
        "from tap_tools.cli import main\n"
        "main(['demo', '--submissions', '20'])\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {AWS_MODULES!r})\n"
        "print('LOADED', loaded)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "LOADED []" in result.stdout
