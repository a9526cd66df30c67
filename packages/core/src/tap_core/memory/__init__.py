"""In-memory adapters for every port: for tests, for the demo, and for anyone using the core alone.

They answer exactly as the AWS adapters do, and are fast enough to hold a million players.
"""

from typing import TYPE_CHECKING

from tap_core.lazy import lazy_exports

if TYPE_CHECKING:
    from tap_core.memory.deadletters import InMemoryDeadLetters
    from tap_core.memory.events import InMemoryEvents
    from tap_core.memory.inventory import InMemoryInventoryStore
    from tap_core.memory.leaderboards import InMemoryLeaderboards
    from tap_core.memory.objects import InMemoryObjects
    from tap_core.memory.rank_index import InMemoryRankIndex
    from tap_core.memory.reports import InMemoryReports

__all__ = [
    "InMemoryDeadLetters",
    "InMemoryEvents",
    "InMemoryInventoryStore",
    "InMemoryLeaderboards",
    "InMemoryObjects",
    "InMemoryRankIndex",
    "InMemoryReports",
]

if not TYPE_CHECKING:  # each name imported when first used: see tap_core.lazy
    __getattr__, __dir__ = lazy_exports(__name__, __all__)
