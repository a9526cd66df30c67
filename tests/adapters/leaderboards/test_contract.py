"""The core's ``Leaderboards`` contract, whole and unchanged, against DynamoLeaderboards on moto.

Nothing is copied or listed: the contract module is star-imported, and ``conftest.py`` here
gives its tests a factory of DynamoLeaderboards. Hypothesis examples are capped
(``MAX_EXAMPLES``, read by the adapters' conftest): each costs dozens of HTTP requests to moto.
"""

from tests.unit.leaderboard.contract import *  # noqa: F403

MAX_EXAMPLES = 5
