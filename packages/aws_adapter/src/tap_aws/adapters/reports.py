"""``S3Reports``: the core's ``Reports`` port as JSON objects of the inventory bucket, under its
reports prefix.

``reports/summary-YYYY-MM-DD.json`` holds a day's summary and ``reports/summary-latest.json``
a copy of the last one written (the read API reads the summaries' DynamoDB items instead: see
``tap_aws.functions.routes.inventory``). ``reports/imports/<import_id>.json`` is an import's
report, its `tap_core.inventory.ImportRecord` once done
(`tap_core.inventory.import_id` derives the id from the object's bucket, key and version).
``reports/imports/<import_id>/keys-<row>.bin`` holds the key claims of that import's rows
before ``row``, which the part starting there reads instead of the file before it
(``tap_core.inventory.csv.key_claims``: 12 bytes a distinct key).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from tap_aws.resources import IMPORT_REPORTS
from tap_core.app.ports import LATEST

if TYPE_CHECKING:
    from datetime import date

    from mypy_boto3_s3 import S3Client

JSON_TYPE: Final = "application/json"
BYTES_TYPE: Final = "application/octet-stream"


def summary_key(prefix: str, day: date | str) -> str:
    """The object key of ``day``'s summary (or of the latest, for `LATEST`)."""
    label = day if isinstance(day, str) else day.isoformat()
    return f"{prefix}summary-{label}.json"


def import_report_key(prefix: str, import_id: str) -> str:
    """The object key of the report of import ``import_id``."""
    return f"{prefix}{IMPORT_REPORTS}{import_id}.json"


def import_keys_key(prefix: str, import_id: str, row: int) -> str:
    """The object key of the key claims of import ``import_id``'s rows before ``row``."""
    return f"{prefix}{IMPORT_REPORTS}{import_id}/keys-{row}.bin"


class S3Reports:
    """`tap_core.app.ports.Reports` as objects of the inventory bucket under its reports
    prefix."""

    def __init__(self, bucket: str, prefix: str, client: S3Client | None = None) -> None:
        if client is None:
            from tap_aws import clients  # noqa: PLC0415 - built on first use, not at import

            client = clients.s3()
        self._client = client
        self._bucket = bucket
        self._prefix = prefix

    def put_summary(self, day: date, body: str) -> str:
        key = summary_key(self._prefix, day)
        for target in (key, summary_key(self._prefix, LATEST)):
            self._client.put_object(
                Bucket=self._bucket, Key=target, Body=body.encode(), ContentType=JSON_TYPE
            )
        return key

    def put_import_report(self, import_id: str, body: str) -> str:
        key = import_report_key(self._prefix, import_id)
        self._client.put_object(
            Bucket=self._bucket, Key=key, Body=body.encode(), ContentType=JSON_TYPE
        )
        return key

    def put_import_keys(self, import_id: str, row: int, body: bytes) -> str:
        key = import_keys_key(self._prefix, import_id, row)
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=BYTES_TYPE)
        return key

    def import_keys(self, import_id: str, row: int) -> bytes | None:
        return self._read(import_keys_key(self._prefix, import_id, row))

    def summary(self, day: date | str) -> str | None:
        found = self._read(summary_key(self._prefix, day))
        return None if found is None else found.decode()

    def _read(self, key: str) -> bytes | None:
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=key)
        except self._client.exceptions.NoSuchKey:
            return None
        return response["Body"].read()
