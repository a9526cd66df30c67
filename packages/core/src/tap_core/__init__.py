"""tap's pure core: leaderboards and inventory, with no I/O.

``tap_core.leaderboard`` validates score submissions and ranks players; ``tap_core.inventory``
parses and validates inventory CSV files and summarises stock; ``tap_core.memory`` holds the
in-memory adapters of every port; ``tap_core.deadletters`` is the port every bad input ends in.
The core depends on pydantic and sortedcontainers only.
"""

from tap_core.clock import Clock
from tap_core.deadletters import (
    CUT_MARKER,
    MAX_BODY_BYTES,
    DeadLetter,
    DeadLetterFailure,
    DeadLetters,
    LetterError,
    MessageSource,
    RowSource,
    SendReport,
    Source,
    encode_body,
)

__all__ = [
    "CUT_MARKER",
    "MAX_BODY_BYTES",
    "Clock",
    "DeadLetter",
    "DeadLetterFailure",
    "DeadLetters",
    "LetterError",
    "MessageSource",
    "RowSource",
    "SendReport",
    "Source",
    "encode_body",
]
