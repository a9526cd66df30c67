"""``InMemoryReports``: the ``Reports`` port in dicts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_core.app.ports import LATEST

if TYPE_CHECKING:
    from datetime import date


class InMemoryReports:
    """Summaries keyed by day (and `tap_core.app.ports.LATEST`), import reports by id."""

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
