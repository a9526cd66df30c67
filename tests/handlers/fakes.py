"""In-memory stand-ins for the functions' own ports (the core's come from ``tap_core.memory``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tap_aws.adapters.reports import LATEST

if TYPE_CHECKING:
    from datetime import date
    from typing import Any

    from tap_aws.resources import EventSpec


class InMemoryReports:
    """:class:`tap_aws.adapters.reports.Reports` in dicts: summaries keyed by day (and
    ``latest``), import reports by import id."""

    def __init__(self) -> None:
        self.bodies: dict[str, str] = {}
        self.imports: dict[str, str] = {}

    def put_import_report(self, import_id: str, body: str) -> str:
        self.imports[import_id] = body
        return f"imports/{import_id}.json"

    def put_summary(self, day: date, body: str) -> str:
        self.bodies[day.isoformat()] = body
        self.bodies[LATEST] = body
        return day.isoformat()

    def summary(self, day: date | str) -> str | None:
        return self.bodies.get(day if isinstance(day, str) else day.isoformat())


class InMemoryEvents:
    """:class:`tap_aws.adapters.events.Events` as a list of the (spec, detail) of each event put."""

    def __init__(self) -> None:
        self.sent: list[tuple[EventSpec, dict[str, Any]]] = []

    def put(self, spec: EventSpec, detail: str) -> None:
        self.sent.append((spec, json.loads(detail)))
