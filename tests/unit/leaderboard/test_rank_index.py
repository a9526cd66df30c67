"""The ``RankIndex`` contract, whole, on ``InMemoryRankIndex`` (the core alone).

``rank_index_factory`` comes from ``tests/conftest.py``, parametrised by ``factories.py``.
"""

from tests.unit.leaderboard.rank_index_contract import *  # noqa: F403
