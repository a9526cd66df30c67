"""The leaderboard contract suites again, on DynamoLeaderboards with sharded counts.

``leaderboards_factory`` is overridden once more: every table's tree of counts is split into
``SHARDS`` items per node, so the suites check that reads summing shards answer exactly as
``InMemoryLeaderboards`` does.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Final

import pytest

from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_tools.testing import AwsClients, MotoServer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tap_core.clock import Clock
    from tap_core.leaderboard import Leaderboards, LeaderboardSpec
    from tests.unit.leaderboard.factories import LeaderboardsFactory

SHARDS: Final = 3


@pytest.fixture(scope="session")
def leaderboards_factory(moto_server: MotoServer, fast_transactions: None) -> LeaderboardsFactory:
    """Builds a DynamoLeaderboards with ``SHARDS`` count shards on a new table."""
    client = AwsClients(moto_server.endpoint).dynamodb()

    def make(specs: Sequence[LeaderboardSpec], clock: Clock) -> Leaderboards:
        store = DynamoLeaderboards(
            f"tap-lb-{uuid.uuid4().hex[:12]}",
            specs,
            client=client,
            clock=clock,
            count_shards=SHARDS,
        )
        store.ensure_table()
        return store

    return make
