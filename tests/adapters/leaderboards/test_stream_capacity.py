"""What the stream path costs per accepted submit, counted (not timed) on moto by
``tap_tools.scale`` (the same figures as ``python -m bench leaderboard_scale``): write
capacity per accepted submit, the writes the most-written item takes, the busiest partition
key's share and the ceiling that follows, beside the inline path (a transaction per submit).
Run with ``-s`` to see the figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tap_tools.scale import Case, Measured, measure

if TYPE_CHECKING:
    from tap_tools.testing import MotoServer

CASES = [
    Case(1_000, tied=False, batch=100),
    Case(10_000, tied=False, batch=100),
    Case(10_000, tied=True, batch=100),
    Case(10_000, tied=False, batch=400, count_shards=3),
]


def _show(case: Case, design: str, found: Measured) -> None:
    print(f"\n{case.name} ({design}): {found}")  # noqa: T201 - the measured figures, reported


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name.replace(" ", ""))
def test_the_stream_path_per_accepted_submit(
    moto_server: MotoServer, fast_transactions: None, fast_queries: None, case: Case
) -> None:
    found = measure(moto_server.endpoint, case, "stream")
    _show(case, "stream", found)
    # Regression bounds around what was measured (see the README's figures), not the goals
    assert found.wcu_per_accepted_submit <= 32
    assert found.hot_item_writes_per_accepted_submit <= (0.2 if case.count_shards == 1 else 0.08)
    assert found.max_partition_share <= 0.2
    assert found.ceiling_submits_per_second >= 300
    assert found.rank_of_requests <= 3
    # The entry is written once per accepted submit, whatever the index costs
    assert found.wcu_by_item["P"] == pytest.approx(1.0)


def test_the_stream_path_writes_the_busiest_item_less_than_inline(
    moto_server: MotoServer, fast_transactions: None, fast_queries: None
) -> None:
    """Batching is the point: the root is written once per group of moves, not per new entry."""
    case = CASES[0]
    stream, inline = (measure(moto_server.endpoint, case, d) for d in ("stream", "inline"))
    _show(case, "inline", inline)
    # Half the submits are new players, and each new player's transaction writes the root
    assert inline.hot_item_writes_per_accepted_submit >= 0.5
    assert (
        stream.hot_item_writes_per_accepted_submit <= inline.hot_item_writes_per_accepted_submit / 3
    )
    assert stream.ceiling_submits_per_second > inline.ceiling_submits_per_second
