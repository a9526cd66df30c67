"""``InMemoryReports``: the ``Reports`` port in dicts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_core.app.ports import LATEST

if TYPE_CHECKING:
    from datetime import date


class InMemoryReports:
    """Summaries keyed by day (and `tap_core.app.ports.LATEST`), import reports by id, key
    claims by import id and row."""

    def __init__(self) -> None:
        self.bodies: dict[str, str] = {}
        self.imports: dict[str, str] = {}
        self.keys: dict[tuple[str, int], bytes] = {}
        """Key claims by (import id, row)."""

    def put_import_report(self, import_id: str, body: str) -> str:
        self.imports[import_id] = body
        return f"imports/{import_id}.json"

    def put_import_keys(self, import_id: str, row: int, body: bytes) -> str:
        self.keys[import_id, row] = body
        return f"imports/{import_id}/keys-{row}.bin"

    def import_keys(self, import_id: str, row: int) -> bytes | None:
        return self.keys.get((import_id, row))

    def put_summary(self, day: date, body: str) -> str:
        self.bodies[day.isoformat()] = body
        self.bodies[LATEST] = body
        return day.isoformat()

    def summary(self, day: date | str) -> str | None:
        return self.bodies.get(day if isinstance(day, str) else day.isoformat())
