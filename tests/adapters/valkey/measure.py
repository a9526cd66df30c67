"""Index updates per second of ValkeyRankIndex on a local real server.

    uv run python -m tests.adapters.valkey.measure [--players 100000] [--batch 1000]

Starts a server (``tap_tools.valkey_server``), fills one page with ``--players`` players (new
entries, applied in batches), then times ``--batches`` batches of ``--batch`` moves (random players
moving to a new score at their next revision, as the stream delivers them) and prints one JSON
line. For one core, run it under ``taskset -c 0`` (client and server then share it). The bench
(``python -m bench leaderboard_scale``) can call :func:`updates_per_second`.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime

from tap_aws.adapters.valkey_index import ValkeyRankIndex
from tap_core.leaderboard import Move, PageId, encode_sort_key
from tap_tools.valkey_server import ValkeyServer

PAGE = PageId("bench", "all")
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def updates_per_second(index: ValkeyRankIndex, players: int, batch: int, batches: int) -> float:
    """Moves applied per second over ``batches`` timed batches on a page of ``players``."""
    rng = random.Random(7)
    revisions = dict.fromkeys(range(players), 1)

    def key(player: int) -> str:
        return encode_sort_key("desc", rng.randrange(10**6), NOW, f"player-{player}")

    for start in range(0, players, batch):
        stop = min(players, start + batch)
        index.apply(Move(PAGE, f"player-{n}", None, key(n), 1) for n in range(start, stop))
    work = []
    for _ in range(batches):
        moves = []
        for player in rng.sample(range(players), batch):
            revisions[player] += 1
            moves.append(Move(PAGE, f"player-{player}", None, key(player), revisions[player]))
        work.append(moves)
    started = time.perf_counter()
    for moves in work:
        index.apply(moves)
    elapsed = time.perf_counter() - started
    assert index.count(PAGE) == players
    return batch * batches / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--players", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--batches", type=int, default=100)
    arguments = parser.parse_args()
    server = ValkeyServer()
    server.start()
    try:
        index = ValkeyRankIndex(server.url)
        rate = updates_per_second(index, arguments.players, arguments.batch, arguments.batches)
    finally:
        server.stop()
    result = {"players": arguments.players, "batch": arguments.batch, "updates_per_second": rate}
    print(json.dumps(result))  # noqa: T201 - the script's output


if __name__ == "__main__":
    main()
