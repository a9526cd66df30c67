"""The ``Leaderboards`` contract, whole, on ``InMemoryLeaderboards`` (the core alone).

``leaderboards_factory`` comes from ``tests/conftest.py``, parametrised by ``factories.py``.
"""

from tests.unit.leaderboard.contract import *  # noqa: F403
