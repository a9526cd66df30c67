"""A real server for the Valkey rank index's tests (see ``tap_tools.valkey_server``): no fakes.

``valkey_server`` and ``valkey_cluster`` are session-scoped; when no binary is installed they
fail (not skip) and say how to install one. ``rank_index_factory`` gives the core's rank-index
contract a fresh ``ValkeyRankIndex`` per call (a namespace of its own on the shared server),
through a plain client and a cluster client (``counted``: a client counting its round
trips); ``leaderboards_factory`` gives the leaderboard
contract ``InMemoryLeaderboards`` whose rank index is one.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar

import pytest
from redis import Connection, ConnectionPool, Redis, RedisCluster

from tap_aws.adapters.valkey_index import ValkeyRankIndex
from tap_core.memory import InMemoryLeaderboards
from tap_tools.valkey_server import ServerMissing, ValkeyServer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from tap_core.clock import Clock
    from tap_core.leaderboard import Leaderboards, LeaderboardSpec, RankIndex
    from tests.unit.leaderboard.factories import LeaderboardsFactory, RankIndexFactory


def _started(server: ValkeyServer) -> Iterator[ValkeyServer]:
    try:
        server.start()
    except ServerMissing as missing:
        pytest.fail(str(missing), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def valkey_server() -> Iterator[ValkeyServer]:
    """A standalone server on 127.0.0.1, for the session."""
    yield from _started(ValkeyServer())


@pytest.fixture(scope="session")
def valkey_cluster() -> Iterator[ValkeyServer]:
    """A one-node cluster holding every slot: multi-slot commands fail, as on ElastiCache."""
    yield from _started(ValkeyServer(cluster=True))


@pytest.fixture(scope="session")
def valkey_client(valkey_server: ValkeyServer) -> Redis:
    return Redis.from_url(valkey_server.url)


@pytest.fixture(scope="session")
def leaderboards_factory(valkey_client: Redis) -> LeaderboardsFactory:
    """Builds InMemoryLeaderboards (entries in memory: the truth) ranking through a
    ValkeyRankIndex in a fresh namespace: the leaderboard suites answer as with its own."""

    def make(specs: Sequence[LeaderboardSpec], clock: Clock) -> Leaderboards:
        index = ValkeyRankIndex(client=valkey_client, namespace=f"t{uuid.uuid4().hex[:12]}")
        return InMemoryLeaderboards(specs, clock, index=index)

    return make


@pytest.fixture(scope="session", params=["standalone", "cluster"])
def rank_index_factory(request: pytest.FixtureRequest) -> RankIndexFactory:
    """Builds a ValkeyRankIndex in a fresh namespace, on a standalone server or a cluster."""
    if request.param == "cluster":
        server: ValkeyServer = request.getfixturevalue("valkey_cluster")
        client: Redis | RedisCluster = RedisCluster.from_url(server.url)
    else:
        client = request.getfixturevalue("valkey_client")

    def make() -> RankIndex:
        return ValkeyRankIndex(client=client, namespace=f"t{uuid.uuid4().hex[:12]}")

    return make


class _Counting(Connection):
    """A connection counting what it sends: one packed send per round trip (a pipeline is
    one send, then its replies)."""

    sent: ClassVar[list[int]] = [0]

    def send_packed_command(self, command: object, check_health: bool = True) -> None:
        type(self).sent[0] += 1
        super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]


@pytest.fixture
def counted(valkey_server: ValkeyServer) -> Iterator[tuple[Redis, Callable[[], int]]]:
    """A client on the session's server and a function returning the sends since its last
    call."""
    pool = ConnectionPool(connection_class=_Counting, host="127.0.0.1", port=valkey_server.port)
    client = Redis(connection_pool=pool)
    client.ping()  # connect (its handshake is not counted)
    _Counting.sent[0] = 0

    def since() -> int:
        sent, _Counting.sent[0] = _Counting.sent[0], 0
        return sent

    yield client, since
    client.close()
