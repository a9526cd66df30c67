"""``S3Reports`` on moto's server: a day's summary and the latest, a missing day is None; an
import's report and its key claims by row."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING

import pytest

from tap_aws.adapters.reports import S3Reports, summary_key
from tap_aws.resources import INVENTORY_BUCKET
from tap_core.app.ports import LATEST
from tap_tools.testing import AwsClients, MotoServer

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def aws() -> Iterator[AwsClients]:
    server = MotoServer()
    server.start()
    yield AwsClients(server.endpoint)
    server.stop()


def test_summaries_are_kept_by_day_and_as_the_latest(aws: AwsClients) -> None:
    # Given an empty bucket
    bucket = f"tap-reports-{uuid.uuid4().hex[:12]}"
    client = aws.s3()
    client.create_bucket(Bucket=bucket)
    reports = S3Reports(bucket, INVENTORY_BUCKET.reports_prefix, client)
    assert reports.summary(LATEST) is None
    # When two days' summaries are put, the later last
    reports.put_summary(date(2026, 11, 30), '{"day": 30}')
    key = reports.put_summary(date(2026, 12, 1), '{"day": 1}')
    # Then each day is read back, the latest is the later, and the key is under reports/
    assert key == "reports/summary-2026-12-01.json"
    assert reports.summary(date(2026, 11, 30)) == '{"day": 30}'
    assert reports.summary("2026-12-01") == '{"day": 1}'
    assert reports.summary(LATEST) == '{"day": 1}'
    assert reports.summary("2026-11-29") is None
    head = client.head_object(Bucket=bucket, Key=summary_key("reports/", "2026-11-30"))
    assert head["ContentType"] == "application/json"


def test_an_import_report_is_kept_under_reports_imports(aws: AwsClients) -> None:
    bucket = f"tap-reports-{uuid.uuid4().hex[:12]}"
    client = aws.s3()
    client.create_bucket(Bucket=bucket)
    reports = S3Reports(bucket, INVENTORY_BUCKET.reports_prefix, client)
    key = reports.put_import_report("abc_-1", '{"status": "done"}')
    assert key == "reports/imports/abc_-1.json"
    found = client.get_object(Bucket=bucket, Key=key)
    assert found["ContentType"] == "application/json"
    assert found["Body"].read() == b'{"status": "done"}'


def test_an_imports_key_claims_are_kept_by_row_under_its_reports(aws: AwsClients) -> None:
    # Given an empty bucket
    bucket = f"tap-reports-{uuid.uuid4().hex[:12]}"
    client = aws.s3()
    client.create_bucket(Bucket=bucket)
    reports = S3Reports(bucket, INVENTORY_BUCKET.reports_prefix, client)
    assert reports.import_keys("abc_-1", 7) is None
    # When the claims before two rows are put
    body = bytes(range(256)) * 3
    key = reports.put_import_keys("abc_-1", 7, body)
    reports.put_import_keys("abc_-1", 9, b"other")
    # Then each is read back by its row, byte for byte, under the import's reports
    assert key == "reports/imports/abc_-1/keys-7.bin"
    assert reports.import_keys("abc_-1", 7) == body
    assert reports.import_keys("abc_-1", 9) == b"other"
    assert reports.import_keys("abc_-1", 8) is None
