"""The core's ``Leaderboards`` contract, whole and unchanged, against entries in DynamoDB
ranked by a ValkeyRankIndex on a real server (``conftest.py`` here)."""

from tests.unit.leaderboard.contract import *  # noqa: F403

MAX_EXAMPLES = 5
