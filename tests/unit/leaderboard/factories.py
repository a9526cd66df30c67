"""How the leaderboard contracts get a store: a factory of ``Leaderboards`` (and of
``RankIndex``, for ``rank_index_contract``).

The contract (``contract.py``) takes the session fixture ``leaderboards_factory`` (defined in
``tests/conftest.py``), not a class: a factory builds a fresh, empty store from specs and a
clock. Here it is parametrised with the in-memory adapter, so ``tests/unit`` runs with nothing
but ``tap_core`` installed. An adapter package's tests plug their store in without copying or
listing a test: a module under ``tests/adapters/...`` star-imports the contract
(``from tests.unit.leaderboard.contract import *``) and its ``conftest.py`` overrides
``leaderboards_factory`` (pytest resolves a fixture from the module that collects the test, as
powertools does with ``persistence_store``).

``rank_index_factory`` works the same way for the rank-index port: a factory of a fresh, empty
``RankIndex``; ``tests/unit/leaderboard/rank_index_contract.py`` is its contract, every test of
which takes the factory, so an adapter's tests import the module whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_core.memory import InMemoryLeaderboards, InMemoryRankIndex

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from tap_core.clock import Clock
    from tap_core.leaderboard import Leaderboards, LeaderboardSpec, RankIndex

    LeaderboardsFactory = Callable[[Sequence[LeaderboardSpec], Clock], Leaderboards]
    RankIndexFactory = Callable[[], RankIndex]


def in_memory(specs: Sequence[LeaderboardSpec], clock: Clock) -> Leaderboards:
    """A fresh InMemoryLeaderboards."""
    return InMemoryLeaderboards(specs, clock)


# Name -> factory: the params of the core's ``leaderboards_factory`` fixture.
# (A rank-index adapter runs under the Leaderboards suites as
# ``InMemoryLeaderboards(specs, clock, index=its_index)``: entries in memory, its index.)
FACTORIES: dict[str, LeaderboardsFactory] = {"memory": in_memory}


def in_memory_rank_index() -> RankIndex:
    """A fresh InMemoryRankIndex."""
    return InMemoryRankIndex()


# Name -> factory: the params of the core's ``rank_index_factory`` fixture.
RANK_INDEX_FACTORIES: dict[str, RankIndexFactory] = {"memory": in_memory_rank_index}
