"""The upload rule's pattern matches exactly the CSV keys under the inbound prefix.

The pattern is the one the stack deploys (read from the planned EventRule), matched by
``tests.infra.pattern`` against the real "Object Created" sample with only the key and
bucket changed.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tap_aws.resources import INVENTORY_BUCKET, Outputs
from tests.infra.pattern import matches

if TYPE_CHECKING:
    from tap_infra.plan import Plan

SAMPLE = json.loads((Path(__file__).parent / "events" / "s3_object_created.json").read_text())


def _event(bucket: str, key: str, detail_type: str = "Object Created") -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(SAMPLE)
    event["detail-type"] = detail_type
    event["detail"]["bucket"]["name"] = bucket
    event["detail"]["object"]["key"] = key
    return event


@pytest.fixture
def pattern(planned: Plan) -> dict[str, Any]:
    rule = planned.one("aws:cloudwatch/eventRule:EventRule", "tap-inventory-upload-rule")
    parsed: dict[str, Any] = json.loads(rule.inputs["eventPattern"])
    return parsed


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("inbound/a.csv", True),
        ("inbound/2026/12/01/stock.csv", True),
        ("inbound/.csv", True),
        ("inbound/a.txt", False),
        ("inbound/a.csv.txt", False),
        ("inbound/a.CSV", False),
        ("other/a.csv", False),
        ("a.csv", False),
        ("reports/inbound/a.csv", False),
        ("inbound", False),
    ],
)
def test_upload_rule_matches_only_csv_keys_under_inbound(
    pattern: dict[str, Any], planned: Plan, key: str, expected: bool
) -> None:
    bucket = planned.outputs[Outputs.INVENTORY_BUCKET_NAME]
    assert matches(pattern, _event(bucket, key)) is expected


def test_upload_rule_ignores_other_buckets_and_event_types(
    pattern: dict[str, Any], planned: Plan
) -> None:
    bucket = planned.outputs[Outputs.INVENTORY_BUCKET_NAME]
    assert matches(pattern, _event(bucket, "inbound/a.csv"))
    assert not matches(pattern, _event("someone-elses-bucket", "inbound/a.csv"))
    assert not matches(pattern, _event(bucket, "inbound/a.csv", detail_type="Object Deleted"))


def test_the_real_sample_is_not_an_inventory_upload(pattern: dict[str, Any]) -> None:
    """The unmodified AWS sample (a .jpg at the root of example-bucket) does not match."""
    assert not matches(pattern, SAMPLE)


def test_two_list_entries_would_be_an_or() -> None:
    """Why the spec uses one wildcard: prefix and suffix as two entries match either."""
    or_pattern = {"detail": {"object": {"key": [{"prefix": "inbound/"}, {"suffix": ".csv"}]}}}
    assert matches(or_pattern, _event("b", "other/a.csv"))
    and_pattern = INVENTORY_BUCKET.upload_pattern("b")
    assert not matches(and_pattern, _event("b", "other/a.csv"))


def test_the_matcher_refuses_operators_it_does_not_know() -> None:
    with pytest.raises(NotImplementedError, match="anything-but"):
        matches({"source": [{"anything-but": "x"}]}, {"source": "y"})


CONTINUED = json.loads(
    (Path(__file__).parent.parent / "events" / "import_continued.json").read_text()
)


def test_the_continuation_rule_matches_import_continued_events_only(planned: Plan) -> None:
    # Given the deployed continuation rule and the function its target invokes
    rule = planned.one("aws:cloudwatch/eventRule:EventRule", "tap-inventory-continued-rule")
    pattern = json.loads(rule.inputs["eventPattern"])
    target = planned.one("aws:cloudwatch/eventTarget:EventTarget", "tap-inventory-continued-target")
    # Then it matches the continuation event, and neither an upload nor another source's event
    assert rule.inputs["eventBusName"] == "default"
    assert matches(pattern, CONTINUED)
    assert not matches(pattern, SAMPLE)
    assert not matches(pattern, {**CONTINUED, "source": "someone.else"})
    assert target.inputs["arn"].endswith(":function:tap-inventory-import-test")


@pytest.mark.parametrize(
    "key",
    [
        "inbound/a.csv",
        "inbound/.csv",
        "inbound/deep/b.csv",
        "inbound/UPPER.CSV",
        "inbound/notes.txt",
        "elsewhere/clean.csv",
        "inbound.csv",
        "Inbound/a.csv",
    ],
)
def test_is_upload_says_what_the_upload_rule_matches(key: str) -> None:
    """The local stack reports the uploads the rule ignores by `is_upload`: it must agree."""
    pattern = INVENTORY_BUCKET.upload_pattern("b")
    assert INVENTORY_BUCKET.is_upload(key) == matches(pattern, _event("b", key))
