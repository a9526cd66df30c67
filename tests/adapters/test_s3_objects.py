"""S3Objects: the core parser reads an object streamed from moto, whole or from a checkpoint."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError

from tap_aws.adapters.objects import S3Objects
from tap_core.inventory import ValidRow, parse_inventory
from tap_tools.testing import RequestCounter

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_s3 import S3Client

    from tap_tools.testing import AwsClients

UPLOADED = datetime(2026, 3, 1, tzinfo=UTC)
HEADER = b"sku,warehouse,name,quantity,unit_price,category,updated_at\n"


def _csv(rows: int) -> bytes:
    lines = [
        f"S-{n},w{n % 3},Item {n},{n},1.{n % 100:02d},tools,2026-02-01T00:00:00Z\n".encode()
        for n in range(rows)
    ]
    return HEADER + b"".join(lines)


def _bucket(client: S3Client, name: str, body: bytes) -> str:
    client.create_bucket(Bucket=name)
    client.put_object(Bucket=name, Key="inbound/a.csv", Body=body)
    return name


def _events(stream: io.BytesIO | object) -> list[tuple[str, int]]:
    parser = parse_inventory(stream, UPLOADED)  # type: ignore[arg-type]
    return [(e.item.sku, e.row) for e in parser if isinstance(e, ValidRow)]


class _Largest:
    """Wraps a stream and remembers the largest read it answered."""

    def __init__(self, stream: object) -> None:
        self._stream = stream
        self.largest = 0

    def read(self, size: int, /) -> bytes:
        data: bytes = self._stream.read(size)  # type: ignore[attr-defined]
        self.largest = max(self.largest, len(data))
        return data


def test_an_object_parses_as_the_same_bytes_in_memory(
    aws: AwsClients, unique_name: Callable[[str], str]
) -> None:
    # Given a 20,000-row CSV in a bucket (~1.3 MB)
    body = _csv(20_000)
    client = aws.s3()
    bucket = _bucket(client, unique_name("in"), body)
    counter = RequestCounter.attach(client)
    # When the parser reads it from S3
    with S3Objects(client).open(bucket, "inbound/a.csv") as stream:
        wrapped = _Largest(stream)
        events = _events(wrapped)
    # Then it finds what it finds in the same bytes in memory, read in bounded pieces
    assert events == _events(io.BytesIO(body))
    assert len(events) == 20_000
    assert wrapped.largest <= 1 << 20, "the stream never hands out more than was asked"
    assert counter.requests == {"HeadObject": 1, "GetObject": 1}


def test_a_resume_reads_from_the_checkpoint_offset(
    aws: AwsClients, unique_name: Callable[[str], str]
) -> None:
    # Given a parse that stopped at row 501 (its checkpoint)
    body = _csv(1_000)
    client = aws.s3()
    bucket = _bucket(client, unique_name("in"), body)
    objects = S3Objects(client)
    with objects.open(bucket, "inbound/a.csv") as stream:
        parser = parse_inventory(stream, UPLOADED)
        events = [e for e in parser if isinstance(e, ValidRow)]
        checkpoint = parser.checkpoint(events[500])
        version = stream.version
    # When the object is opened again at the checkpoint's offset
    with objects.open(bucket, "inbound/a.csv", offset=checkpoint.offset, version=version) as rest:
        resumed = parse_inventory(rest, UPLOADED, resume=checkpoint)
        tail = [(e.item.sku, e.row) for e in resumed if isinstance(e, ValidRow)]
    # Then it yields exactly the rows from there on
    assert tail == [(e.item.sku, e.row) for e in events[500:]]


def test_the_end_of_the_object_is_an_empty_stream_and_past_it_an_error(
    aws: AwsClients, unique_name: Callable[[str], str]
) -> None:
    body = _csv(3)
    client = aws.s3()
    bucket = _bucket(client, unique_name("in"), body)
    objects = S3Objects(client)
    assert objects.open(bucket, "inbound/a.csv", offset=len(body)).read(10) == b""
    with pytest.raises(ValueError, match="past the end"):
        objects.open(bucket, "inbound/a.csv", offset=len(body) + 1)
    with pytest.raises(ValueError, match="0 or more"):
        objects.open(bucket, "inbound/a.csv", offset=-1)


def test_a_replaced_object_is_not_read_as_the_old_version(
    aws: AwsClients, unique_name: Callable[[str], str]
) -> None:
    # Given the version of an upload, then another upload under the same key
    client = aws.s3()
    bucket = _bucket(client, unique_name("in"), _csv(10))
    objects = S3Objects(client)
    version = objects.version(bucket, "inbound/a.csv")
    client.put_object(Bucket=bucket, Key="inbound/a.csv", Body=_csv(11))
    # When a resume of the first upload opens the key
    # Then S3 refuses (the ETag no longer matches) rather than mixing two files
    with pytest.raises(ClientError) as caught:
        objects.open(bucket, "inbound/a.csv", offset=10, version=version)
    assert caught.value.response["Error"]["Code"] in {"PreconditionFailed", "412"}
