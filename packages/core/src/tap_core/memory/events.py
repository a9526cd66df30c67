"""``InMemoryEvents``: the ``Events`` port as a list of the events put."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tap_core.app.ports import EventSpec


class InMemoryEvents:
    """Keeps the (spec, detail as a dict) of each event put, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[EventSpec, dict[str, Any]]] = []

    def put(self, spec: EventSpec, detail: str) -> None:
        parsed = json.loads(detail)
        if not isinstance(parsed, dict):
            raise ValueError(f"an event's detail must be a JSON object, got {detail[:80]!r}")
        self.sent.append((spec, parsed))
