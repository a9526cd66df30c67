"""``python -m bench leaderboard_scale [--quick] [--json]``: a leaderboard's write path at
game scale, per accepted submit, counted on moto (``tap_tools.scale`` says how).

Boards of 10^4 entries (``--quick``: 10^3) with uniform and with heavily tied scores, 400
submits each (half new players, half improvements), the stream design (entries only, then
the ``rank_index`` function's batches of the deployed mapping's size,
``RANK_INDEX_STREAM.batch_size``) beside the inline design (a transaction per submit: the
shape before the stream, still the library's synchronous path), in the same run. Per accepted
submit: WCU (transactions 2x), the writes the most-written item takes, the busiest partition
key's share of the board's WCU, the ceiling (accepted submits/s before 1,000 WCU/s on one item
or partition key binds) and the requests of one ``rank_of``.

Then the Valkey index on the same submits (``tap_tools.scale.measure_valkey``): the stream
design's moves applied to a ``ValkeyRankIndex`` on a real local server (``valkey-server`` or
``redis-server``, started here on a free port), the commands it ran per accepted submit (the
server's own ``INFO commandstats``), those of one ``rank_of``, and the index's update rate on a
page of 10^5 players (``--quick``: 10^4) with this process and the server pinned to one core.
Last, the monthly cost of each index at 10^6 and 10^8 accepted submits (``tap_tools.costs``).

``--json`` prints ``{"dynamodb": {...}, "dynamodb_inline": {...}, "valkey": {...}}``: for each
design the worst of the two score shapes (highest cost, lowest ceiling).
"""

from __future__ import annotations

import argparse
import json
import os
from typing import TYPE_CHECKING, Any, Final

from tap_aws.adapters.valkey_index import ValkeyRankIndex
from tap_aws.resources import RANK_INDEX_STREAM
from tap_tools import costs
from tap_tools.scale import (
    Case,
    Design,
    Measured,
    ValkeyMeasured,
    measure,
    measure_valkey,
    updates_per_second,
)
from tap_tools.testing import MotoServer, journal_transactions, query_sorted_partitions
from tap_tools.valkey_server import ValkeyServer

if TYPE_CHECKING:
    from collections.abc import Sequence

KEYS: Final = (
    "wcu_per_accepted_submit",
    "hot_item_writes_per_accepted_submit",
    "max_partition_share",
    "ceiling_submits_per_second",
    "rank_of_requests",
)
"""The figures ``--json`` gives per design (the pinned keys)."""
VALKEY_KEYS: Final = (
    "entry_wcu_per_accepted_submit",
    "commands_per_accepted_submit",
    "index_updates_per_second",
    "rank_of_round_trips",
)
"""The figures ``--json`` gives for the Valkey index (the pinned keys)."""
_LOWER_IS_WORSE: Final = frozenset({"ceiling_submits_per_second", "index_updates_per_second"})
PLAYERS: Final = 10**6
"""Players the cost table assumes on the boards (what the Valkey cache holds)."""
PLAYER_BYTES: Final = 268
"""What a Valkey page holds per player, measured by the ValkeyRankIndex tests
(``tests/adapters/valkey``): the sorted set's member and the held hash's field."""


def worst(
    found: Sequence[Measured | ValkeyMeasured], keys: Sequence[str] = KEYS
) -> dict[str, float]:
    """Per key of ``keys``, the worst figure over the cases."""
    pick = {key: (min if key in _LOWER_IS_WORSE else max) for key in keys}
    return {key: pick[key](getattr(one, key) for one in found) for key in keys}


def _valkey(found: Sequence[Measured], quick: bool) -> list[ValkeyMeasured]:
    """The Valkey index on each case's submits, this process and the server on one core."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    server = ValkeyServer()
    server.start()
    try:
        index = ValkeyRankIndex(server.url)
        rate = updates_per_second(index, 10**4 if quick else 10**5, 1_000, 5 if quick else 20)
        batch = RANK_INDEX_STREAM.batch_size
        return [measure_valkey(server.url, one, batch, rate) for one in found]
    finally:
        server.stop()


def _costs(dynamodb: dict[str, float], valkey: dict[str, float], ecpus: float) -> None:
    indexes = (
        costs.Index("dynamodb", dynamodb["wcu_per_accepted_submit"]),
        costs.Index(
            "valkey",
            valkey["entry_wcu_per_accepted_submit"],
            ecpus=ecpus,
            bytes_per_player=PLAYER_BYTES,
            fixed_per_month=costs.valkey_fixed_per_month(),
        ),
    )
    print(f"Monthly cost (us-east-1 list prices, {PLAYERS:,} players held), dollars")
    print(f"{'index':<9} {'10^6 submits':>13} {'10^8 submits':>13}")
    for index in indexes:
        low, high = (costs.monthly(index, n, PLAYERS) for n in (10**6, 10**8))
        print(f"{index.name:<9} {low:>13,.2f} {high:>13,.2f}")


def _row(name: str, design: str, one: Measured) -> str:
    kinds = " ".join(f"{kind} {wcu:.2f}" for kind, wcu in one.wcu_by_item.items())
    return (
        f"{name:<18} {design:<7} {one.wcu_per_accepted_submit:>6.1f} "
        f"{one.hot_item_writes_per_accepted_submit:>7.3f} {one.max_partition_share:>6.3f} "
        f"{one.ceiling_submits_per_second:>8.0f} {one.rank_of_requests:>4}   {kinds}"
    )


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a board of 10^3 entries")
    parser.add_argument("--json", action="store_true", help="the figures as JSON only")
    args = parser.parse_args(argv)
    size = 1_000 if args.quick else 10_000
    journal_transactions()
    query_sorted_partitions()
    server = MotoServer()
    server.start()
    found: dict[Design, list[Measured]] = {"stream": [], "inline": []}
    try:
        if not args.json:
            print(f"Per accepted submit, 400 submits on a board of {size} entries")
            print(
                f"{'board':<18} {'design':<7} {'WCU':>6} {'hot':>7} {'share':>6} "
                f"{'ceiling':>8} {'rank':>4}   WCU by item (P entry, H held, R rank, N node)"
            )
        for tied in (False, True):
            case = Case(size, tied=tied, batch=RANK_INDEX_STREAM.batch_size)
            for design in ("stream", "inline"):
                one = measure(server.endpoint, case, design)
                found[design].append(one)
                if not args.json:
                    shape = "tied" if tied else "uniform"
                    print(_row(f"{size} {shape}", design, one), flush=True)
    finally:
        server.stop()
    valkey = _valkey(found["stream"], args.quick)
    report: dict[str, Any] = {"dynamodb": worst(found["stream"])}
    report["dynamodb_inline"] = worst(found["inline"])
    report["valkey"] = worst(valkey, VALKEY_KEYS)
    if args.json:
        print(json.dumps(report))
        return
    for measured in valkey:
        print(f"valkey: {measured}")
    _costs(report["dynamodb"], report["valkey"], max(m.ecpus_per_move for m in valkey))
    print("worst of the shapes:", json.dumps(report))
