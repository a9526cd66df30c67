"""The core's ``Leaderboards`` contract, whole and unchanged, against DynamoLeaderboards whose
counts are sharded (``conftest.py`` here); examples capped as in the unsharded run."""

from tests.unit.leaderboard.contract import *  # noqa: F403

MAX_EXAMPLES = 5
