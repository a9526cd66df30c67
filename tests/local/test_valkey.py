"""``LocalStack(rank_index="valkey")`` (``tap local up --rank-index valkey``): a real Valkey (or
Redis) server started with the stack and stopped with it, the read API ranking through it, and
the same answers as the stack with the DynamoDB index for the same submissions."""

from __future__ import annotations

import json
import random
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from tap_aws.adapters.valkey_index import ValkeyRankIndex
from tap_aws.resources import RANK_INDEXES, VALKEY_ONLY_OUTPUTS, Outputs
from tap_core.leaderboard import LeaderboardSpec, PageId
from tap_tools.local import LocalStack, StackError
from tap_tools.testing import AwsClients
from tap_tools.valkey_server import INSTALL, ServerMissing
from tests.local.conftest import Client, achieved, threads_now

if TYPE_CHECKING:
    from pathlib import Path

    from tap_aws.resources import RankIndexKind

BOARD = LeaderboardSpec(id="duel", order="desc", operator="best", reset="never")
PLAYERS = [f"v{n:02d}" for n in range(12)]


def _messages() -> list[tuple[str, str]]:
    """30 submissions of 12 players (improvements, worse scores, ties), with metadata."""
    rng = random.Random(23)
    messages = []
    for number in range(30):
        player = rng.choice(PLAYERS)
        body = {
            "submission_id": f"duel-{number}",
            "leaderboard_id": BOARD.id,
            "player_id": player,
            "score": rng.randrange(8),
            "achieved_at": achieved(number % 7),
            "metadata": {"n": number},
        }
        messages.append((player, json.dumps(body)))
    return messages


def _reads(client: Client) -> list[tuple[int, Any]]:
    """Every read the API serves, for every player and a paged top."""
    base = f"/leaderboards/{BOARD.id}"
    reads = [client.get(f"{base}/top", limit=100), client.get(f"{base}/count")]
    first = client.get(f"{base}/top", limit=5)
    reads += [first, client.get(f"{base}/top", limit=5, cursor=first[1]["next_cursor"])]
    reads.append(client.get(f"{base}/ranks", players=",".join(PLAYERS)))
    for player in [*PLAYERS, "nobody"]:
        reads.append(client.get(f"{base}/players/{player}"))
        reads.append(client.get(f"{base}/players/{player}/around", before=2, after=3))
    return reads


@dataclass
class Served:
    reads: list[tuple[int, Any]]
    outputs: dict[str, str]
    valkey_port: int
    """The Valkey server's port (0: none)."""
    valkey_count: int
    """The players the Valkey server holds on the board's page."""
    rank_rows: int
    """The DynamoDB index's rank rows in the table."""


def _served(rank_index: RankIndexKind) -> Served:
    """What a stack with ``rank_index`` serves and holds after the submissions."""
    with LocalStack(boards=(BOARD,), summary_interval=None, rank_index=rank_index) as stack:
        client = Client(stack)
        client.send(_messages())
        stack.wait_idle(120)
        port = held = 0
        if stack.valkey is not None:
            port = stack.valkey.port
            held = ValkeyRankIndex(stack.valkey.url).count(PageId(BOARD.id, "all"))
        items = (
            AwsClients(stack.endpoint_url)
            .dynamodb()
            .scan(TableName=stack.outputs[Outputs.DYNAMODB_TABLE_NAME])
        )
        rows = sum(1 for item in items["Items"] if item["sk"]["S"].startswith("R#"))
        return Served(_reads(client), dict(stack.outputs), port, held, rows)


def _refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_the_read_api_answers_alike_on_valkey_and_on_dynamodb() -> None:
    before = threads_now()
    # Given the same submissions sent to a stack on each index
    dynamodb, valkey = _served("dynamodb"), _served("valkey")
    players = len({player for player, _ in _messages()})
    # Then every read answers the same, and ranks were served at all
    assert valkey.reads == dynamodb.reads
    assert all(status == 200 for status, _ in valkey.reads[:-2])
    assert valkey.reads[1][1]["count"] == players
    # And the ranks were kept in Valkey there (the table holds no rank rows), in the table here
    assert (valkey.valkey_count, valkey.rank_rows) == (players, 0)
    assert (dynamodb.valkey_port, dynamodb.rank_rows) == (0, players)
    # And only the Valkey stack exports its URL, a server it stopped with itself
    assert set(valkey.outputs) - set(dynamodb.outputs) == VALKEY_ONLY_OUTPUTS
    assert valkey.outputs[Outputs.VALKEY_URL] == f"redis://127.0.0.1:{valkey.valkey_port}"
    assert _refused(valkey.valkey_port)
    assert threads_now() <= before, "the stacks left threads running"


def test_without_a_server_binary_valkey_is_refused_saying_how_to_install_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    stack = LocalStack(summary_interval=None, rank_index="valkey")
    with pytest.raises(ServerMissing, match=INSTALL):
        stack.start()
    with pytest.raises(StackError, match="not running"):
        _ = stack.endpoint_url


def test_an_unknown_rank_index_is_refused() -> None:
    with pytest.raises(ValueError, match=", ".join(RANK_INDEXES)):
        LocalStack(rank_index="memcached")  # type: ignore[arg-type]
