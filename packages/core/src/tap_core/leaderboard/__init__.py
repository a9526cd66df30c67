"""The leaderboard core: validate score submissions, decide what they change, rank players.

Pure: no I/O, no clock reads (time is passed in), no environment. Adapters implement the
`Leaderboards` port; `tap_core.memory.InMemoryLeaderboards` is the reference one.
"""

from typing import TYPE_CHECKING

from tap_core.lazy import lazy_exports

if TYPE_CHECKING:
    from tap_core.leaderboard import counts, moves
    from tap_core.leaderboard.cursor import Cursor
    from tap_core.leaderboard.decisions import (
        ACCEPTED,
        COUNTED_IDS_KEPT,
        FUTURE_TOLERANCE,
        Code,
        Decision,
        Outcome,
        Status,
        check,
        counted_after,
        decide,
        unknown_board,
    )
    from tap_core.leaderboard.index import (
        Held,
        Move,
        PageId,
        Placed,
        RankIndex,
        RankIndexUnavailable,
    )
    from tap_core.leaderboard.models import (
        INT64_MAX,
        INT64_MIN,
        LEADERBOARD_ID_ALLOWED,
        METADATA_MAX_BYTES,
        PLAYER_ID_ALLOWED,
        SUBMISSION_ID_ALLOWED,
        LeaderboardSpec,
        Metadata,
        Operator,
        Order,
        Reset,
        ScoreSubmission,
    )
    from tap_core.leaderboard.moves import move_of
    from tap_core.leaderboard.periods import (
        ALL_TIME,
        check_period,
        period_key,
        period_start,
        resets_at,
    )
    from tap_core.leaderboard.port import (
        AROUND_MAX,
        RANKS_OF_MAX,
        TOP_LIMIT_MAX,
        Leaderboards,
        Page,
        RankedEntry,
        UnknownLeaderboard,
    )
    from tap_core.leaderboard.ranking import Entry, decode_sort_key, encode_sort_key, score_prefix
    from tap_core.leaderboard.reads import (
        BoardSpecs,
        PagePlan,
        TopPlan,
        check_limit,
        check_player_ids,
        check_window,
        plan_around,
        plan_page,
        plan_ranks_of,
        plan_top,
    )

__all__ = [
    "ACCEPTED",
    "ALL_TIME",
    "AROUND_MAX",
    "COUNTED_IDS_KEPT",
    "FUTURE_TOLERANCE",
    "INT64_MAX",
    "INT64_MIN",
    "LEADERBOARD_ID_ALLOWED",
    "METADATA_MAX_BYTES",
    "PLAYER_ID_ALLOWED",
    "RANKS_OF_MAX",
    "SUBMISSION_ID_ALLOWED",
    "TOP_LIMIT_MAX",
    "BoardSpecs",
    "Code",
    "Cursor",
    "Decision",
    "Entry",
    "Held",
    "LeaderboardSpec",
    "Leaderboards",
    "Metadata",
    "Move",
    "Operator",
    "Order",
    "Outcome",
    "Page",
    "PageId",
    "PagePlan",
    "Placed",
    "RankIndex",
    "RankIndexUnavailable",
    "RankedEntry",
    "Reset",
    "ScoreSubmission",
    "Status",
    "TopPlan",
    "UnknownLeaderboard",
    "check",
    "check_limit",
    "check_period",
    "check_player_ids",
    "check_window",
    "counted_after",
    "counts",
    "decide",
    "decode_sort_key",
    "encode_sort_key",
    "move_of",
    "moves",
    "period_key",
    "period_start",
    "plan_around",
    "plan_page",
    "plan_ranks_of",
    "plan_top",
    "resets_at",
    "score_prefix",
    "unknown_board",
]

if not TYPE_CHECKING:  # each name imported when first used: see tap_core.lazy
    __getattr__, __dir__ = lazy_exports(__name__, __all__)
