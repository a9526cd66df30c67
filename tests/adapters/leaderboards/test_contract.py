"""The core's leaderboard contract suites, run unchanged against DynamoLeaderboards on moto.

Nothing is copied: the tests are imported, and ``conftest.py`` here gives them a factory of
DynamoLeaderboards. Hypothesis examples are capped (``MAX_EXAMPLES``, read by the adapters'
conftest): each costs dozens of HTTP requests to moto.
"""

from tests.unit.leaderboard.test_in_memory import (  # noqa: F401
    test_any_delivery_order_converges,
    test_around_is_the_clipped_window,
    test_outcomes_match_the_oracle,
    test_pages_concatenate_to_the_full_order,
    test_rank_of_matches_counting,
    test_resending_everything_changes_nothing,
)
from tests.unit.leaderboard.test_reads import *  # noqa: F403
from tests.unit.leaderboard.test_stateful import test_the_store_reads_like_the_model  # noqa: F401

MAX_EXAMPLES = 5
