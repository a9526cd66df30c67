"""The composition root: built from the settings on first use, once; a missing one is named."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from tap_aws import clients
from tap_aws.adapters.valkey_index import ValkeyRankIndex
from tap_aws.functions import bootstrap
from tap_aws.resources import Env
from tap_aws.settings import SettingsError, get_settings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("TAP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    caches = (get_settings, clients.dynamodb, clients.sqs, clients.s3)
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


def test_a_root_builds_once_and_uses_what_it_is_given() -> None:
    built: list[int] = []

    def build() -> int:
        built.append(len(built))
        return len(built)

    root = bootstrap.Root(build)
    assert (root.get(), root.get(), built) == (1, 1, [0])
    root.use(42)
    assert root.get() == 42
    root.reset()
    assert (root.get(), built) == (2, [0, 1])


@pytest.mark.parametrize(
    ("build", "missing"),
    [
        (bootstrap.build_scores, "TAP_LEADERBOARDS"),
        (bootstrap.build_api, "TAP_LEADERBOARDS"),
        (bootstrap.build_summary, "TAP_INVENTORY_TABLE"),
        (bootstrap.build_import, "TAP_INVENTORY_TABLE"),
    ],
)
def test_a_missing_setting_is_named_when_a_function_first_builds(
    build: object, missing: str
) -> None:
    assert callable(build)
    with pytest.raises(SettingsError, match=missing):
        build()


def test_the_summary_and_import_functions_are_built_from_their_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the variables their function specs name
    monkeypatch.setenv("TAP_INVENTORY_TABLE", "tap-inventory-dev")
    monkeypatch.setenv("TAP_INVENTORY_BUCKET", "tap-inventory-dev")
    monkeypatch.setenv(
        "TAP_INVENTORY_DLQ_URL",
        "https://sqs.us-east-1.amazonaws.com/123456789012/tap-inventory-rows-dlq-dev.fifo",
    )
    # When both are built
    summary = bootstrap.build_summary()
    imports = bootstrap.build_import()
    # Then they share the process's one S3 client, and the import's letters go to a FIFO queue
    assert clients.s3.cache_info().currsize == 1
    assert type(summary.inventory).__name__ == "DynamoInventoryStore"
    assert type(imports.dead_letters).__name__ == "SqsDeadLetters"
    assert imports.clock().tzinfo is not None


def test_without_its_dead_letter_queue_the_import_is_not_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TAP_INVENTORY_TABLE", "tap-inventory-dev")
    with pytest.raises(SettingsError, match="TAP_INVENTORY_DLQ_URL"):
        bootstrap.build_import()


def _leaderboard_settings(monkeypatch: pytest.MonkeyPatch, shards: str) -> None:
    monkeypatch.setenv(Env.LEADERBOARD_TABLE, "tap-leaderboard-dev")
    monkeypatch.setenv(Env.LEADERBOARDS, '[{"id": "global"}]')
    monkeypatch.setenv(Env.LEADERBOARD_COUNT_SHARDS, shards)
    monkeypatch.setenv(Env.INVENTORY_TABLE, "tap-inventory-dev")
    monkeypatch.setenv(
        Env.SCORES_DLQ_URL,
        "https://sqs.us-east-1.amazonaws.com/123456789012/tap-scores-dlq-dev.fifo",
    )


def test_the_count_shards_setting_reaches_the_leaderboards_of_scores_and_api(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the counts tree sharded three ways
    _leaderboard_settings(monkeypatch, "3")
    # When both leaderboard functions are built, then both read and write three shards
    for built in (bootstrap.build_scores(), bootstrap.build_api()):
        assert getattr(built.leaderboards, "count_shards", None) == 3


@pytest.mark.parametrize("shards", ["0", "4", "two"])
def test_a_count_shards_setting_out_of_range_is_named(
    monkeypatch: pytest.MonkeyPatch, shards: str
) -> None:
    _leaderboard_settings(monkeypatch, shards)
    with pytest.raises(SettingsError, match=Env.LEADERBOARD_COUNT_SHARDS):
        bootstrap.build_scores()


def test_the_table_s_own_index_is_the_default_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    _leaderboard_settings(monkeypatch, "1")
    assert type(bootstrap.build_rank_index().index).__name__ == "DynamoRankIndex"
    for built in (bootstrap.build_scores(), bootstrap.build_api()):
        assert getattr(built.leaderboards, "rank_index", "missing") is None


@pytest.mark.parametrize("cluster", [False, True])
def test_a_valkey_rank_index_is_built_from_its_url_for_reads_and_the_stream(
    monkeypatch: pytest.MonkeyPatch, cluster: bool
) -> None:
    # Given the Valkey index chosen, its URL and mode set
    _leaderboard_settings(monkeypatch, "1")
    monkeypatch.setenv(Env.RANK_INDEX, "valkey")
    monkeypatch.setenv(Env.VALKEY_URL, "rediss://cache.example.com:6379")
    monkeypatch.setenv(Env.VALKEY_CLUSTER, str(cluster).lower())
    # When the api, the scores function (inline) and the rank_index function are built
    indexes = [
        bootstrap.build_rank_index().index,
        getattr(bootstrap.build_api().leaderboards, "rank_index", None),
        getattr(bootstrap.build_scores().leaderboards, "rank_index", None),
    ]
    # Then each has a ValkeyRankIndex on that endpoint, none connected yet
    for index in indexes:
        assert isinstance(index, ValkeyRankIndex)
        assert index.endpoint == "rediss://cache.example.com:6379"
        assert index._cluster is cluster  # noqa: SLF001
        assert "_client" not in vars(index)


@pytest.mark.parametrize("build", [bootstrap.build_api, bootstrap.build_rank_index])
def test_a_valkey_rank_index_without_its_url_is_named(
    monkeypatch: pytest.MonkeyPatch, build: Callable[[], object]
) -> None:
    _leaderboard_settings(monkeypatch, "1")
    monkeypatch.setenv(Env.RANK_INDEX, "valkey")
    with pytest.raises(SettingsError, match=Env.VALKEY_URL):
        build()


def test_the_scores_function_in_stream_mode_needs_no_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the Valkey index chosen, the stream applying moves, and no URL for the scores
    _leaderboard_settings(monkeypatch, "1")
    monkeypatch.setenv(Env.RANK_INDEX, "valkey")
    monkeypatch.setenv(Env.LEADERBOARD_INDEX, "stream")
    # When the scores function is built, then it writes entries alone
    leaderboards = bootstrap.build_scores().leaderboards
    assert getattr(leaderboards, "rank_index", "missing") is None
    assert getattr(leaderboards, "mode", None) == "stream"
