"""Write the daily inventory summary.

The summary of every stored item, as of ``moment``, is kept under ``moment``'s date twice: as
the reports' JSON object (and the latest), then as the day's item of the ``SummaryArchive``.
A repeated run for the same moment rewrites the same object and item. The objects go first:
they hold any summary, where an archive item may have a size limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tap_core.inventory.summary import summarize

if TYPE_CHECKING:
    from datetime import datetime

    from tap_core.app.ports import SummaryDependencies
    from tap_core.inventory.summary import InventorySummary


@dataclass(frozen=True, slots=True)
class SummaryWritten:
    """The summary written and the key its report object was given."""

    key: str
    summary: InventorySummary


def write_summary(dependencies: SummaryDependencies, moment: datetime) -> SummaryWritten:
    """Summarize the inventory as of ``moment`` (aware) and keep it for ``moment``'s date."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"the summary's moment must be timezone-aware, got {moment!r}")
    summary = summarize(dependencies.inventory.items(), moment.isoformat())
    key = dependencies.reports.put_summary(moment.date(), summary.model_dump_json())
    dependencies.inventory.keep_summary(moment.date(), summary)
    return SummaryWritten(key, summary)
