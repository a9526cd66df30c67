"""The core's leaderboard contract suites, unchanged, against DynamoLeaderboards whose counts
are sharded (``conftest.py`` here): the same imports as the unsharded run, nothing copied."""

from tests.adapters.leaderboards.test_contract import *  # noqa: F403
