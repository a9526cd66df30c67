"""How the leaderboard contract gets a store: a factory of ``Leaderboards``.

The contract (``contract.py``) takes the session fixture ``leaderboards_factory`` (defined in
``tests/conftest.py``), not a class: a factory builds a fresh, empty store from specs and a
clock. Here it is parametrised with the in-memory adapter, so ``tests/unit`` runs with nothing
but ``tap_core`` installed. An adapter package's tests plug their store in without copying or
listing a test: a module under ``tests/adapters/...`` star-imports the contract
(``from tests.unit.leaderboard.contract import *``) and its ``conftest.py`` overrides
``leaderboards_factory`` (pytest resolves a fixture from the module that collects the test, as
powertools does with ``persistence_store``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_core.memory import InMemoryLeaderboards

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from tap_core.clock import Clock
    from tap_core.leaderboard import Leaderboards, LeaderboardSpec

    LeaderboardsFactory = Callable[[Sequence[LeaderboardSpec], Clock], Leaderboards]


def in_memory(specs: Sequence[LeaderboardSpec], clock: Clock) -> Leaderboards:
    """A fresh InMemoryLeaderboards."""
    return InMemoryLeaderboards(specs, clock)


# Name -> factory: the params of the core's ``leaderboards_factory`` fixture.
FACTORIES: dict[str, LeaderboardsFactory] = {"memory": in_memory}
