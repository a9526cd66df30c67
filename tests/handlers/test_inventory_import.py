"""``inventory_import``: an uploaded CSV on moto's S3, its rows applied or dead-lettered."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from tap_aws.functions import inventory_import
from tap_aws.functions.bootstrap import ImportDependencies
from tap_aws.objects import S3Objects
from tap_aws.testing import AwsClients, MotoServer
from tap_core.memory import InMemoryDeadLetters, InMemoryInventoryStore
from tests.handlers.conftest import FakeContext, emitted_metrics, fixed_clock, load_event

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_s3 import S3Client

HEADER = "sku,warehouse,name,quantity,unit_price,category,reorder_level\n"
GOOD = [
    "A-1,north,Nails,10,0.05,tools,5\n",
    "A-2,north,Screws,0,0.10,tools,5\n",
]
BAD = [
    "A-3,north,Bolts,many,-1,tools,5\n",  # two bad values: one letter, two errors
    "A-4,,Washers,1,0.01,tools,5\n",  # a missing warehouse
]


@pytest.fixture(scope="module")
def aws() -> Iterator[AwsClients]:
    server = MotoServer()
    server.start()
    yield AwsClients(server.endpoint)
    server.stop()


@pytest.fixture
def s3(aws: AwsClients) -> S3Client:
    return aws.s3()


@pytest.fixture
def bucket(s3: S3Client) -> str:
    name = f"tap-inventory-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def store() -> InMemoryInventoryStore:
    return InMemoryInventoryStore()


@pytest.fixture
def dead_letters() -> InMemoryDeadLetters:
    return InMemoryDeadLetters()


@pytest.fixture(autouse=True)
def wired(
    s3: S3Client, store: InMemoryInventoryStore, dead_letters: InMemoryDeadLetters
) -> Iterator[None]:
    inventory_import.root.use(ImportDependencies(store, S3Objects(s3), dead_letters, fixed_clock))
    yield
    inventory_import.root.reset()


def upload(s3: S3Client, bucket: str, key: str, body: str) -> dict[str, Any]:
    """Put the object and the Object Created event EventBridge delivers for it (moto's shape)."""
    data = body.encode()
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    event = load_event("s3_object_created.json")
    event["resources"] = [f"arn:aws:s3:::{bucket}"]
    event["detail"]["bucket"]["name"] = bucket
    event["detail"]["object"].update(
        key=key, size=len(data), eTag=hashlib.md5(data, usedforsecurity=False).hexdigest()
    )
    return event


def test_valid_rows_are_applied_and_bad_rows_dead_lettered_one_letter_each(
    *,
    s3: S3Client,
    bucket: str,
    store: InMemoryInventoryStore,
    dead_letters: InMemoryDeadLetters,
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a CSV of 2 good rows and 2 bad ones, uploaded
    event = upload(s3, bucket, "inbound/stock.csv", HEADER + GOOD[0] + BAD[0] + GOOD[1] + BAD[1])
    # When its Object Created event is handled
    outcome = inventory_import.lambda_handler(event, context)
    # Then the good rows are in the store and each bad row is one letter with all its errors
    assert (outcome["applied"], outcome["rejected"], outcome["stale"]) == (2, 2, 0)
    assert sorted(item.sku for item in store.items()) == ["A-1", "A-2"]
    letters = [json.loads(body) for body in dead_letters.bodies()]
    assert [letter["source"]["row"] for letter in letters] == [3, 5]
    assert {e["field"] for e in letters[0]["errors"]} == {"quantity", "unit_price"}
    assert [e["field"] for e in letters[1]["errors"]] == ["warehouse"]
    assert letters[0]["source"]["version"] == event["detail"]["object"]["eTag"].join('""')
    assert len(set(dead_letters.groups())) == 1  # one group per file
    metrics = emitted_metrics(capsys.readouterr().out)
    assert (metrics["RowsImported"], metrics["RowsRejected"], metrics["RowsStale"]) == (
        [2],
        [2],
        [0],
    )


def test_the_same_event_again_applies_nothing(
    s3: S3Client, bucket: str, store: InMemoryInventoryStore, context: FakeContext
) -> None:
    event = upload(s3, bucket, "inbound/again.csv", HEADER + "".join(GOOD))
    first = inventory_import.lambda_handler(event, context)
    again = inventory_import.lambda_handler(event, context)
    assert (first["applied"], again["applied"], again["unchanged"]) == (2, 0, 2)
    assert len(list(store.items())) == 2


def test_a_file_without_its_header_is_one_letter(
    s3: S3Client, bucket: str, dead_letters: InMemoryDeadLetters, context: FakeContext
) -> None:
    event = upload(s3, bucket, "inbound/headless.csv", "".join(GOOD))
    outcome = inventory_import.lambda_handler(event, context)
    assert outcome["applied"] == 0
    assert outcome["file_errors"]
    (letter,) = [json.loads(body) for body in dead_letters.bodies()]
    assert letter["source"]["row"] == 1
    assert [e["code"] for e in letter["errors"]] == outcome["file_errors"]


def test_an_event_without_an_etag_names_the_field(context: FakeContext) -> None:
    event = load_event("s3_object_created.json")
    del event["detail"]["object"]["eTag"]
    with pytest.raises(ValueError, match=r"detail\.object\.etag"):
        inventory_import.lambda_handler(event, context)
