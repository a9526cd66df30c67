"""tap's pure core: leaderboards and inventory, with no I/O.

``tap_core.leaderboard`` validates score submissions and ranks players; ``tap_core.inventory``
parses and validates inventory CSV files and summarises stock; ``tap_core.memory`` holds the
in-memory adapters of every port. The core depends on pydantic and sortedcontainers only.
"""

from tap_core.clock import Clock

__all__ = ["Clock"]
