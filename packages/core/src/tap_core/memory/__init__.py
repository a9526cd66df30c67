"""In-memory adapters for every port: for tests, for the demo, and for anyone using the core alone.

They answer exactly as the AWS adapters do, and are fast enough to hold a million players.
"""

from tap_core.memory.deadletters import InMemoryDeadLetters
from tap_core.memory.inventory import InMemoryInventoryStore
from tap_core.memory.leaderboards import InMemoryLeaderboards

__all__ = ["InMemoryDeadLetters", "InMemoryInventoryStore", "InMemoryLeaderboards"]
