"""The core's leaderboard contract suite, run whole on entries in memory ranked by a
ValkeyRankIndex on a real server (see ``conftest.py``): the reads the API serves answer as
with the in-memory index."""

from __future__ import annotations

from tests.unit.leaderboard.contract import *  # noqa: F403
