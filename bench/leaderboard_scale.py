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

``--json`` prints ``{"dynamodb": {...}, "dynamodb_inline": {...}}``: for each design the worst
of the two score shapes (highest cost, lowest ceiling).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Final

from tap_aws.resources import RANK_INDEX_STREAM
from tap_tools.scale import Case, Design, Measured, measure
from tap_tools.testing import MotoServer, journal_transactions, query_sorted_partitions

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
_LOWER_IS_WORSE: Final = frozenset({"ceiling_submits_per_second"})


def worst(found: Sequence[Measured]) -> dict[str, float]:
    """Per key of `KEYS`, the worst figure over the cases."""
    pick = {key: (min if key in _LOWER_IS_WORSE else max) for key in KEYS}
    return {key: pick[key](getattr(one, key) for one in found) for key in KEYS}


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
    report: dict[str, Any] = {"dynamodb": worst(found["stream"])}
    report["dynamodb_inline"] = worst(found["inline"])
    if args.json:
        print(json.dumps(report))
    else:
        print("worst of the shapes:", json.dumps(report))
        print("cases:", json.dumps({d: [asdict(m) for m in ms] for d, ms in found.items()}))
