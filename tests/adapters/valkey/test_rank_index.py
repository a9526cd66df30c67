"""The core's RankIndex contract suite, run whole against ValkeyRankIndex on a real server
(standalone and a one-node cluster: see ``conftest.py``)."""

from __future__ import annotations

from tests.unit.leaderboard.rank_index_contract import *  # noqa: F403
