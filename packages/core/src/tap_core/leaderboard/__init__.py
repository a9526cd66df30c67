"""The leaderboard core: validate score submissions, decide what they change, rank players.

Pure: no I/O, no clock reads (time is passed in), no environment. Adapters implement the
:class:`Leaderboards` port; :class:`tap_core.memory.InMemoryLeaderboards` is the reference one.
"""

from typing import TYPE_CHECKING

from tap_core.lazy import lazy_exports

if TYPE_CHECKING:
    from tap_core.leaderboard.cursor import Cursor
    from tap_core.leaderboard.decisions import (
        ACCEPTED,
        FUTURE_TOLERANCE,
        Code,
        Decision,
        Outcome,
        Status,
        check,
        decide,
        unknown_board,
    )
    from tap_core.leaderboard.models import (
        INT64_MAX,
        INT64_MIN,
        METADATA_MAX_BYTES,
        LeaderboardSpec,
        Metadata,
        Operator,
        Order,
        Reset,
        ScoreSubmission,
    )
    from tap_core.leaderboard.periods import (
        ALL_TIME,
        check_period,
        period_key,
        period_start,
        resets_at,
    )
    from tap_core.leaderboard.port import (
        AROUND_MAX,
        TOP_LIMIT_MAX,
        Leaderboards,
        Page,
        RankedEntry,
        UnknownLeaderboard,
    )
    from tap_core.leaderboard.ranking import Entry, decode_sort_key, encode_sort_key, score_prefix

__all__ = [
    "ACCEPTED",
    "ALL_TIME",
    "AROUND_MAX",
    "FUTURE_TOLERANCE",
    "INT64_MAX",
    "INT64_MIN",
    "METADATA_MAX_BYTES",
    "TOP_LIMIT_MAX",
    "Code",
    "Cursor",
    "Decision",
    "Entry",
    "LeaderboardSpec",
    "Leaderboards",
    "Metadata",
    "Operator",
    "Order",
    "Outcome",
    "Page",
    "RankedEntry",
    "Reset",
    "ScoreSubmission",
    "Status",
    "UnknownLeaderboard",
    "check",
    "check_period",
    "decide",
    "decode_sort_key",
    "encode_sort_key",
    "period_key",
    "period_start",
    "resets_at",
    "score_prefix",
    "unknown_board",
]

if not TYPE_CHECKING:  # each name imported when first used: see tap_core.lazy
    __getattr__, __dir__ = lazy_exports(__name__, __all__)
