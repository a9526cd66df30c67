"""In-memory adapters for every port: for tests, for the demo, and for anyone using the core alone.

They answer exactly as the AWS adapters do, and are fast enough to hold a million players.
"""

from typing import TYPE_CHECKING

from tap_core.lazy import lazy_exports

if TYPE_CHECKING:
    from tap_core.memory.deadletters import InMemoryDeadLetters
    from tap_core.memory.inventory import InMemoryInventoryStore
    from tap_core.memory.leaderboards import InMemoryLeaderboards
    from tap_core.memory.rank_index import InMemoryRankIndex

__all__ = [
    "InMemoryDeadLetters",
    "InMemoryInventoryStore",
    "InMemoryLeaderboards",
    "InMemoryRankIndex",
]

if not TYPE_CHECKING:  # each name imported when first used: see tap_core.lazy
    __getattr__, __dir__ = lazy_exports(__name__, __all__)
