"""``tap inventory validate`` and ``summarize``: reports, summaries, exit codes, the core alone."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from tap_core.inventory import ValidRow, parse_inventory, summarize, validate_inventory
from tap_tools.cli import PIPE_CLOSED, main

if TYPE_CHECKING:
    from pathlib import Path

UPLOADED = "2026-11-24T12:00:00Z"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HEADER = "sku,warehouse,name,quantity,unit_price,category,reorder_level,updated_at,notes\n"
VALID = (
    HEADER
    + "A-1,north,Hammer,3,12.50,tools,5,2026-11-20T10:00:00Z,x\n"
    + 'B-2,north,"Nails, 100",0,0.05,,,,\n'
    + "C-3,south,Saw,40,25,tools,10,2026-11-24 12:04,\n"
)
SOME_INVALID = VALID + "A-1,north,Hammer,x,1,,,,\nD-4,south,Glue,1,1,,,2026-11-25,\n"
AWS_MODULES = ("boto3", "botocore", "aws_lambda_powertools", "pulumi", "pulumi_aws")


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inventory.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["inventory", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize(("text", "status"), [(VALID, 0), (SOME_INVALID, 1), ("sku,name\n", 2)])
def test_validate_json_is_the_report_and_the_status_says_how_it_went(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, status: int
) -> None:
    path = _file(tmp_path, text)
    code, out, _ = _run(capsys, "validate", str(path), "--json", "--uploaded-at", UPLOADED)
    expected = validate_inventory(io.BytesIO(text.encode()), NOW)
    assert code == status
    assert json.loads(out) == json.loads(expected.model_dump_json())


def test_validate_prints_a_readable_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, SOME_INVALID)
    code, out, _ = _run(capsys, "validate", str(path), "--uploaded-at", UPLOADED)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{path}: 5 records, 3 valid, 2 invalid"
    assert lines[1].startswith('  invalid_value: row 5, quantity: "x" is not allowed')
    assert lines[2].startswith("  duplicate_key: row 5: the key")
    assert lines[3].startswith("  invalid_value: row 6, updated_at:")
    assert lines[4].startswith('  warning: unknown columns ignored: "notes"')


def test_the_upload_time_decides_what_is_in_the_future(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, VALID)
    assert _run(capsys, "validate", str(path), "--uploaded-at", "2026-11-24T12:00")[0] == 0
    assert _run(capsys, "validate", str(path), "--uploaded-at", "2026-11-24T11:58Z")[0] == 1


def test_a_file_that_cannot_be_opened_is_unreadable_file_and_still_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "validate", str(tmp_path / "missing.csv"), "--json")
    report = json.loads(out)
    assert code == 2
    assert [error["code"] for error in report["file_errors"]] == ["unreadable_file"]
    assert (report["rows_total"], report["errors"]) == (0, [])
    code, out, _ = _run(capsys, "validate", str(tmp_path))  # a directory
    assert code == 2
    assert "unreadable_file" in out


def test_summarize_json_is_the_summary_of_the_valid_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, SOME_INVALID)
    argv = ["summarize", str(path), "--json", "--uploaded-at", UPLOADED, "--as-of", "2026-11-24"]
    code, out, err = _run(capsys, *argv)
    items = [
        event.item
        for event in parse_inventory(io.BytesIO(SOME_INVALID.encode()), NOW)
        if isinstance(event, ValidRow)
    ]
    expected = summarize(items, "2026-11-24T00:00:00+00:00")
    assert code == 1
    assert json.loads(out) == json.loads(expected.model_dump_json())
    assert err.startswith(f"{path}: 5 records, 3 valid, 2 invalid")


def test_summarize_prints_a_readable_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, VALID)
    code, out, _ = _run(capsys, "summarize", str(path), "--uploaded-at", UPLOADED)
    assert code == 0
    assert "3 items, 43 units, value 1037.50; 1 out of stock, 1 low on stock" in out
    assert "A-1 @ north: 3 of 5 (short 2) Hammer" in out


def test_summarize_of_an_unusable_file_is_empty_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, "sku;warehouse;name\n")
    code, out, err = _run(capsys, "summarize", str(path), "--json")
    assert code == 2
    assert json.loads(out)["items"] == 0
    assert "missing_column" in err


def test_a_time_that_is_not_iso_8601_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["inventory", "validate", str(_file(tmp_path, VALID)), "--uploaded-at", "noon"])
    assert exited.value.code == 2
    assert "not an ISO-8601 date" in capsys.readouterr().err


@pytest.mark.parametrize("moment", ["0001-01-01T00:00+01:00", "9999-12-31T23:30-01:00"])
@pytest.mark.parametrize(
    "option",
    [("validate", "--uploaded-at"), ("summarize", "--uploaded-at"), ("summarize", "--as-of")],
)
def test_a_time_outside_the_utc_years_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: tuple[str, str], moment: str
) -> None:
    """Given a time valid as written but before year 1 or after 9999 in UTC,
    when it is passed to a time option, then tap exits 2 with a message, not a traceback."""
    command, flag = option
    with pytest.raises(SystemExit) as exited:
        main(["inventory", command, str(_file(tmp_path, VALID)), flag, moment])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f'argument {flag}: "{moment}" is outside the years 1 to 9999' in err


def test_a_reader_that_closes_the_pipe_early_ends_the_run_quietly(tmp_path: Path) -> None:
    """Given a report far larger than a pipe holds, when the reader takes two lines and closes
    the pipe (``tap inventory validate big.csv --json | head -2``), then tap ends with no
    traceback on stderr (as the Python docs' SIGPIPE note shows) and exit status 141, as a
    process SIGPIPE ends: the help lists it, where 1 would read as invalid records."""
    bad_rows = "".join(f"S-{n},north,Hammer,x,1,,,,\n" for n in range(3000))
    path = _file(tmp_path, HEADER + bad_rows)
    with subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "tap_tools.cli", "inventory", "validate", str(path), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as tap:
        assert tap.stdout is not None
        assert tap.stderr is not None
        tap.stdout.read(200)  # the head of the report; the rest (> 64 KiB) is still unwritten
        tap.stdout.close()
        err = tap.stderr.read().decode()
        status = tap.wait(timeout=60)
    assert err == ""
    assert status == PIPE_CLOSED == 141


def test_the_inventory_commands_import_nothing_from_aws(tmp_path: Path) -> None:
    path = _file(tmp_path, SOME_INVALID)
    code = (
        "import sys\n"
        "from tap_tools.cli import main\n"
        f"main(['inventory', 'validate', {str(path)!r}, '--json'])\n"
        f"main(['inventory', 'summarize', {str(path)!r}])\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {AWS_MODULES!r})\n"
        "print('LOADED', loaded)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "LOADED []" in result.stdout
