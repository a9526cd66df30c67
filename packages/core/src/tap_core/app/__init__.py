"""tap's use cases over ports: what the Lambda functions, the local stack and the demo run.

One module per use case: `tap_core.app.scores` (submit a batch of scores),
`tap_core.app.imports` (import a part of an uploaded CSV) and
`tap_core.app.summary` (write the daily summary). Their ports, and the dependencies each
is given, are in `tap_core.app.ports`; ``tap_core.memory`` holds in-memory adapters of
every one. Pure: time, streams and the remaining time are passed in.
"""

from typing import TYPE_CHECKING

from tap_core.lazy import lazy_exports

if TYPE_CHECKING:
    from tap_core.app.imports import (
        DEAD_LETTER_BATCH,
        PROGRESS_ROWS,
        RESUME_MARGIN_MILLIS,
        Continuation,
        ImportBusy,
        ImportJob,
        ImportNotReady,
        PartOutcome,
        Recorded,
        Upload,
        import_part,
    )
    from tap_core.app.ports import (
        IMPORT_CONTINUED,
        LATEST,
        Events,
        EventSpec,
        ImportDependencies,
        Objects,
        ObjectVersion,
        Reports,
        ScoresDependencies,
        SummaryDependencies,
    )
    from tap_core.app.scores import ScoreBatch, ScoreEnding, validation_errors
    from tap_core.app.summary import SummaryWritten, write_summary

__all__ = [
    "DEAD_LETTER_BATCH",
    "IMPORT_CONTINUED",
    "LATEST",
    "PROGRESS_ROWS",
    "RESUME_MARGIN_MILLIS",
    "Continuation",
    "EventSpec",
    "Events",
    "ImportBusy",
    "ImportDependencies",
    "ImportJob",
    "ImportNotReady",
    "ObjectVersion",
    "Objects",
    "PartOutcome",
    "Recorded",
    "Reports",
    "ScoreBatch",
    "ScoreEnding",
    "ScoresDependencies",
    "SummaryDependencies",
    "SummaryWritten",
    "Upload",
    "import_part",
    "validation_errors",
    "write_summary",
]

if not TYPE_CHECKING:  # each name imported when first used: see tap_core.lazy
    __getattr__, __dir__ = lazy_exports(__name__, __all__)
