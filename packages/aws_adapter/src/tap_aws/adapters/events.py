"""``EventBridgeEvents``: the core's ``Events`` port (``tap_core.app.ports``) on EventBridge.

A use case that hands work on to a later invocation (an import when its time runs low) emits
an event of an `tap_core.app.ports.EventSpec` on the account's default bus; a rule with
the spec's pattern routes it back. Tests use ``tap_core.memory.InMemoryEvents``.

Cost: one ``PutEvents`` per event. An entry EventBridge reports failed (throttled, an internal
error) is `EventsFailure`, never dropped: the caller's invocation fails and is retried.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_aws.resources import DEFAULT_BUS

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

    from tap_core.app.ports import EventSpec


class EventsFailure(RuntimeError):
    """EventBridge did not take an event."""


class EventBridgeEvents:
    """`tap_core.app.ports.Events` on EventBridge's default bus."""

    def __init__(self, client: EventBridgeClient | None = None) -> None:
        if client is None:
            from tap_aws import clients  # noqa: PLC0415 - built on first use, not at import

            client = clients.events()
        self._client = client

    def put(self, spec: EventSpec, detail: str) -> None:
        response = self._client.put_events(
            Entries=[
                {
                    "Source": spec.source,
                    "DetailType": spec.detail_type,
                    "Detail": detail,
                    "EventBusName": DEFAULT_BUS,
                }
            ]
        )
        if response.get("FailedEntryCount"):
            (entry,) = response["Entries"]
            raise EventsFailure(
                f"EventBridge did not take the {spec.detail_type!r} event: "
                f"{entry.get('ErrorCode')}: {entry.get('ErrorMessage')}"
            )
