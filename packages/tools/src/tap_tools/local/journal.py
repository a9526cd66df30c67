"""What happened in the local stack: counters, and one line per event for a person watching.

`Journal` counts endings under dotted names (``scores.accepted``, ``rows.stale``,
``dead_letters.inventory``...) and hands each line to a ``report`` callable (the CLI prints;
tests collect). `WatchedLeaderboards` and `WatchedDeadLetters` wrap a function's
ports to count what the function did (accepted, unchanged, rejected; letters and their
reasons) without touching the function; `WatchedInventory` notes the row an import has
reached (what a stop waits for is said with it).
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from datetime import date, datetime

    from tap_core import DeadLetter, DeadLetters, SendReport
    from tap_core.app.ports import Inventory
    from tap_core.inventory import InventoryItem, InventorySummary, StockRecord
    from tap_core.inventory.imports import ImportRecord
    from tap_core.inventory.port import ImportResult, LocatedItem
    from tap_core.leaderboard import Leaderboards, Outcome, Page, RankedEntry, ScoreSubmission


class Journal:
    """Thread-safe counters and the stack's report lines."""

    def __init__(self, report: Callable[[str], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._report = report

    def count(self, name: str, number: int = 1) -> None:
        with self._lock:
            self._counts[name] += number

    def say(self, line: str) -> None:
        if self._report is not None:
            self._report(line)

    def counts(self) -> dict[str, int]:
        """A copy of every counter (names with a zero count left out)."""
        with self._lock:
            return {name: number for name, number in sorted(self._counts.items()) if number}


def describe_letter(letter: DeadLetter) -> str:
    """``<source>: <code>: <message>; ...``: one dead letter on one line."""
    reasons = "; ".join(
        f"{error.code}{f' ({error.field})' if error.field else ''}: {error.message}"
        for error in letter.errors
    )
    return f"{letter.source.identity()}: {reasons}"


class WatchedDeadLetters:
    """A ``DeadLetters`` port that counts and reports each letter its inner port kept."""

    def __init__(self, inner: DeadLetters, journal: Journal, queue: str) -> None:
        self._inner = inner
        self._journal = journal
        self._queue = queue

    def send(self, letters: Iterable[DeadLetter]) -> SendReport:
        batch = list(letters)
        report = self._inner.send(batch)  # raises when SQS did not keep them: nothing counted
        self._journal.count(f"dead_letters.{self._queue}", len(batch))
        for letter in batch:
            self._journal.say(f"dead letter ({self._queue}) {describe_letter(letter)}")
        return report


class WatchedLeaderboards:
    """A ``Leaderboards`` port that counts how each submission ended (``scores.<status>``)."""

    def __init__(self, inner: Leaderboards, journal: Journal) -> None:
        self._inner = inner
        self._journal = journal

    def submit(self, submission: ScoreSubmission) -> Outcome:
        outcome = self._inner.submit(submission)
        self._journal.count(f"scores.{outcome.status}")
        return outcome

    def top(
        self, board_id: str, limit: int = 10, cursor: str | None = None, period: str | None = None
    ) -> Page:
        return self._inner.top(board_id, limit, cursor, period)

    def rank_of(
        self, board_id: str, player_id: str, period: str | None = None
    ) -> RankedEntry | None:
        return self._inner.rank_of(board_id, player_id, period)

    def around(
        self,
        board_id: str,
        player_id: str,
        before: int = 5,
        after: int = 5,
        period: str | None = None,
    ) -> list[RankedEntry]:
        return self._inner.around(board_id, player_id, before, after, period)

    def ranks_of(
        self, board_id: str, player_ids: Iterable[str], period: str | None = None
    ) -> list[RankedEntry]:
        return self._inner.ranks_of(board_id, player_ids, period)

    def count(self, board_id: str, period: str | None = None) -> int:
        return self._inner.count(board_id, period)


class WatchedInventory:
    """An ``Inventory`` port that notes, in `row`, the row of the last item handed to
    ``apply`` (None between imports)."""

    def __init__(self, inner: Inventory) -> None:
        self._inner = inner
        self.row: int | None = None

    def apply(
        self,
        items: Iterable[InventoryItem | LocatedItem],
        uploaded_at: datetime,
        source: str | None = None,
    ) -> ImportResult:
        try:
            return self._inner.apply(self._noted(items), uploaded_at, source)
        finally:
            self.row = None

    def _noted(
        self, items: Iterable[InventoryItem | LocatedItem]
    ) -> Iterator[InventoryItem | LocatedItem]:
        for item in items:
            self.row = getattr(item, "row", self.row)
            yield item

    def get(self, sku: str, warehouse: str) -> StockRecord | None:
        return self._inner.get(sku, warehouse)

    def stock_of(self, sku: str) -> list[StockRecord]:
        return self._inner.stock_of(sku)

    def items(self) -> Iterator[InventoryItem]:
        return self._inner.items()

    def import_record(self, import_id: str) -> ImportRecord | None:
        return self._inner.import_record(import_id)

    def save_import(self, record: ImportRecord, *, replacing: int | None) -> bool:
        return self._inner.save_import(record, replacing=replacing)

    def keep_summary(self, day: date, summary: InventorySummary) -> None:
        self._inner.keep_summary(day, summary)

    def summary(self, day: date | None) -> InventorySummary | None:
        return self._inner.summary(day)
