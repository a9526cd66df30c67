"""``EventBridgeEvents`` on moto's server: an event put on the default bus reaches a rule with
the spec's pattern, shaped as EventBridge delivers it; a failed entry is an error."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tap_aws.adapters.events import EventBridgeEvents, EventsFailure
from tap_aws.resources import DEFAULT_BUS, IMPORT_CONTINUED
from tap_tools.testing import RequestCounter

if TYPE_CHECKING:
    from collections.abc import Callable

    from tap_tools.testing import AwsClients


def test_an_event_reaches_the_rule_of_its_spec(
    aws: AwsClients, unique_name: Callable[[str], str]
) -> None:
    # Given a rule with the continuation's pattern on the default bus, targeting a queue
    events, sqs = aws.events(), aws.sqs()
    queue_url = sqs.create_queue(QueueName=unique_name("events"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    rule = unique_name("continued")
    events.put_rule(
        Name=rule, EventBusName=DEFAULT_BUS, EventPattern=json.dumps(IMPORT_CONTINUED.pattern())
    )
    events.put_targets(Rule=rule, EventBusName=DEFAULT_BUS, Targets=[{"Id": "q", "Arn": queue_arn}])
    counter = RequestCounter.attach(events)
    # When one event is put through the adapter
    EventBridgeEvents(events).put(IMPORT_CONTINUED, json.dumps({"part": 1, "import_id": "x"}))
    # Then it cost one request and the queue holds it with the spec's source and detail type
    assert counter.requests == {"PutEvents": 1}
    (message,) = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)["Messages"]
    delivered = json.loads(message["Body"])
    assert (delivered["source"], delivered["detail-type"]) == (
        IMPORT_CONTINUED.source,
        IMPORT_CONTINUED.detail_type,
    )
    assert delivered["detail"] == {"part": 1, "import_id": "x"}


class _Refusing:
    """A client whose PutEvents reports the entry failed, as a throttled EventBridge does."""

    def put_events(self, **_: Any) -> dict[str, Any]:
        return {
            "FailedEntryCount": 1,
            "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}],
        }


def test_a_failed_entry_is_an_error_naming_it() -> None:
    with pytest.raises(EventsFailure, match="ThrottlingException: slow down"):
        EventBridgeEvents(_Refusing()).put(IMPORT_CONTINUED, "{}")  # type: ignore[arg-type]
