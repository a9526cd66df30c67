"""The core's ``Leaderboards`` contract, whole and unchanged, against entries in DynamoDB
ranked by an in-memory index (``conftest.py`` here)."""

from tests.unit.leaderboard.contract import *  # noqa: F403

MAX_EXAMPLES = 5
