"""The core's ``Leaderboards`` contract, whole and unchanged, against entries in DynamoDB whose
ValkeyRankIndex the ``rank_index`` function feeds from the table's stream (``conftest.py``)."""

from tests.unit.leaderboard.contract import *  # noqa: F403

MAX_EXAMPLES = 5
