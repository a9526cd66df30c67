"""In-memory stand-ins for the functions' own ports (the core's come from ``tap_core.memory``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_aws.functions.reports import LATEST

if TYPE_CHECKING:
    from datetime import date


class InMemoryReports:
    """:class:`tap_aws.functions.reports.Reports` in a dict keyed by day (and ``latest``)."""

    def __init__(self) -> None:
        self.bodies: dict[str, str] = {}

    def put_summary(self, day: date, body: str) -> str:
        self.bodies[day.isoformat()] = body
        self.bodies[LATEST] = body
        return day.isoformat()

    def summary(self, day: date | str) -> str | None:
        return self.bodies.get(day if isinstance(day, str) else day.isoformat())
