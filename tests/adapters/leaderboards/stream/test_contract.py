"""The core's ``Leaderboards`` contract, whole and unchanged, against entries in DynamoDB whose
index the stream feeds: ``DynamoLeaderboards(index="stream")`` and the ``rank_index`` function
fed by the local stack's stream pump after every submit (``conftest.py`` here)."""

from tests.unit.leaderboard.contract import *  # noqa: F403

MAX_EXAMPLES = 5
