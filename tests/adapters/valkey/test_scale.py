"""The Valkey path's costs per accepted submit, counted as ``python -m bench leaderboard_scale``
counts them (``tap_tools.scale``): the same submits' moves, applied to a ValkeyRankIndex on a
real server in the stream mapping's batches. The issue's goals, asserted on deterministic
counts: the entry alone is written to DynamoDB (<= 3 WCU), at most 4 index commands per
accepted submit (those a script runs on the server included), a rank in 1-2 round trips."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tap_aws.resources import RANK_INDEX_STREAM
from tap_tools import costs
from tap_tools.scale import Case, measure, measure_valkey

if TYPE_CHECKING:
    from tap_tools.testing import MotoServer
    from tap_tools.valkey_server import ValkeyServer


@pytest.mark.parametrize("tied", [False, True], ids=["uniform", "tied"])
def test_the_valkey_path_per_accepted_submit(
    moto_server: MotoServer,
    fast_transactions: None,
    fast_queries: None,
    valkey_server: ValkeyServer,
    tied: bool,
) -> None:
    stream = measure(moto_server.endpoint, Case(1_000, tied=tied, batch=100), "stream")
    assert len(stream.moves) >= stream.accepted  # every accepted submit moved its entry
    found = measure_valkey(valkey_server.url, stream, RANK_INDEX_STREAM.batch_size, 1.0)
    print(f"\n{found}")  # noqa: T201 - the measured figures, reported
    assert found.entry_wcu_per_accepted_submit <= 3
    assert found.commands_per_accepted_submit <= 4
    assert 1 <= found.rank_of_round_trips <= 2


def test_monthly_costs_grow_with_submits_and_keep_a_floor() -> None:
    dynamodb = costs.Index("dynamodb", 28.0)
    valkey = costs.Index(
        "valkey",
        1.0,
        ecpus=13.0,
        bytes_per_player=268,
        fixed_per_month=costs.valkey_fixed_per_month(),
    )
    for index in (dynamodb, valkey):
        none, some, twice = (costs.monthly(index, n, 10**6) for n in (0, 10**6, 2 * 10**6))
        assert twice - some == pytest.approx(some - none)  # linear in submits
        assert some > none
    assert costs.monthly(dynamodb, 0, 10**6) == 0  # no idle cost
    # An empty cache is billed for its minimum, and a big one for what it holds
    assert costs.monthly(valkey, 0, 0) > costs.valkey_fixed_per_month()
    assert costs.monthly(valkey, 0, 10**7) > costs.monthly(valkey, 0, 10**6)
    # Per submit, the Valkey path costs less once the tree's writes are counted
    per_submit = {
        i.name: costs.monthly(i, 10**8, 10**6) - costs.monthly(i, 0, 10**6)
        for i in (dynamodb, valkey)
    }
    assert per_submit["valkey"] < per_submit["dynamodb"] / 5
