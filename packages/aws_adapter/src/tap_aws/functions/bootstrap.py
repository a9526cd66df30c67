"""The composition root: what each function works with, built once per process, on first use.

Each function has a frozen dataclass of its dependencies (ports, not adapters: the use cases'
own, from `tap_core.app.ports`, and `ApiDependencies`) and a builder that reads
`tap_aws.settings.get_settings` and builds the AWS adapters. A function module holds a
`Root` of its builder; `Root.get` builds on first call and caches, and tests call
`Root.use` with in-memory adapters instead (as cosmicpython's bootstrap takes its
dependencies as arguments), so nothing is patched.

The rank index is the settings' ``rank_index``: the leaderboard table's own (``dynamodb``) or a
``ValkeyRankIndex`` at ``valkey_url`` (``valkey``). The api reads through it; the scores
function applies moves to it only inline (with ``leaderboard_index=stream`` it writes entries
alone and needs no index); the rank_index function applies the stream to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Generic, TypeVar

from tap_aws.resources import INVENTORY_BUCKET
from tap_core.app.ports import ImportDependencies, ScoresDependencies, SummaryDependencies

if TYPE_CHECKING:
    from collections.abc import Callable

    from tap_aws.settings import Settings
    from tap_core.app.ports import Inventory, Reports
    from tap_core.clock import Clock
    from tap_core.leaderboard import BoardSpecs, Leaderboards, LeaderboardSpec, RankIndex

__all__ = [
    "ApiDependencies",
    "ImportDependencies",
    "RankIndexDependencies",
    "Root",
    "ScoresDependencies",
    "SummaryDependencies",
    "build_api",
    "build_import",
    "build_rank_index",
    "build_scores",
    "build_summary",
    "rank_index_of",
    "utc_now",
]


T = TypeVar("T")


def utc_now() -> datetime:
    """The wall clock, in UTC: the one clock the functions read."""
    return datetime.now(UTC)


class Root(Generic[T]):
    """A function's dependencies: built by ``build`` on first `get`, or given by a test."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None

    def get(self) -> T:
        if self._value is None:
            self._value = self._build()
        return self._value

    def use(self, value: T) -> None:
        """Use ``value`` from now on instead of building (tests, the local stack)."""
        self._value = value

    def reset(self) -> None:
        """Forget what was built or given; the next `get` builds again."""
        self._value = None


@dataclass(frozen=True, slots=True)
class ApiDependencies:
    leaderboards: Leaderboards
    boards: dict[str, LeaderboardSpec]
    inventory: Inventory
    clock: Clock


@dataclass(frozen=True, slots=True)
class RankIndexDependencies:
    """The stream function's: the index it applies moves to (any ``RankIndex``; a
    ``DynamoRankIndex``'s ``try_apply`` also reports which players it could not write) and the
    boards whose entries it reads."""

    index: RankIndex
    boards: BoardSpecs


def rank_index_of(settings: Settings) -> RankIndex | None:
    """The settings' Valkey rank index, or None when the rank index is the table's own
    (the local stack builds it the same way)."""
    from tap_aws.settings import SettingsError, variable  # noqa: PLC0415

    if settings.rank_index != "valkey":
        return None
    if settings.valkey_url is None:
        raise SettingsError(
            f"{variable('valkey_url')} is not set; tap needs it when "
            f"{variable('rank_index')} is valkey"
        )
    from tap_aws.adapters.valkey_index import ValkeyRankIndex  # noqa: PLC0415

    return ValkeyRankIndex(settings.valkey_url, cluster=settings.valkey_cluster)


def _leaderboards(specs: tuple[LeaderboardSpec, ...], *, reads: bool) -> Leaderboards:
    """The leaderboards a function works with; ``reads``: it serves reads (else it only
    submits, and needs another index only to apply moves inline)."""
    from tap_aws.adapters.leaderboards import DynamoLeaderboards  # noqa: PLC0415 - on first use only
    from tap_aws.settings import SettingsError, get_settings, variable  # noqa: PLC0415

    settings = get_settings()
    table = settings.need("leaderboard_table")
    needed = reads or settings.leaderboard_index == "inline"
    try:
        return DynamoLeaderboards(
            table,
            specs,
            clock=utc_now,
            count_shards=settings.leaderboard_count_shards,
            index=settings.leaderboard_index,
            rank_index=rank_index_of(settings) if needed else None,
        )
    except ValueError as error:  # the store's bound on count_shards
        raise SettingsError(f"{variable('leaderboard_count_shards')}: {error}") from None


def _reports() -> Reports:
    from tap_aws.adapters.reports import S3Reports  # noqa: PLC0415
    from tap_aws.settings import get_settings  # noqa: PLC0415

    return S3Reports(get_settings().need("inventory_bucket"), INVENTORY_BUCKET.reports_prefix)


def _inventory() -> Inventory:
    from tap_aws.adapters.inventory import DynamoInventoryStore  # noqa: PLC0415
    from tap_aws.settings import get_settings  # noqa: PLC0415

    return DynamoInventoryStore(get_settings().need("inventory_table"))


def build_scores() -> ScoresDependencies:
    from tap_aws.adapters.deadletters import SqsDeadLetters  # noqa: PLC0415
    from tap_aws.settings import get_settings  # noqa: PLC0415

    settings = get_settings()
    return ScoresDependencies(
        leaderboards=_leaderboards(settings.boards(), reads=False),
        dead_letters=SqsDeadLetters(settings.need("scores_dlq_url")),
        clock=utc_now,
    )


def build_api() -> ApiDependencies:
    from tap_aws.settings import get_settings  # noqa: PLC0415

    specs = get_settings().boards()
    return ApiDependencies(
        leaderboards=_leaderboards(specs, reads=True),
        boards={spec.id: spec for spec in specs},
        inventory=_inventory(),
        clock=utc_now,
    )


def build_rank_index() -> RankIndexDependencies:
    from tap_aws.adapters.leaderboards import DynamoRankIndex  # noqa: PLC0415
    from tap_aws.settings import SettingsError, get_settings, variable  # noqa: PLC0415
    from tap_core.leaderboard import BoardSpecs  # noqa: PLC0415

    settings = get_settings()
    boards = BoardSpecs(settings.boards())
    valkey = rank_index_of(settings)
    if valkey is not None:
        return RankIndexDependencies(index=valkey, boards=boards)
    try:
        index = DynamoRankIndex(
            settings.need("leaderboard_table"), count_shards=settings.leaderboard_count_shards
        )
    except ValueError as error:  # the index's bound on count_shards
        raise SettingsError(f"{variable('leaderboard_count_shards')}: {error}") from None
    return RankIndexDependencies(index=index, boards=boards)


def build_summary() -> SummaryDependencies:
    return SummaryDependencies(inventory=_inventory(), reports=_reports())


def build_import() -> ImportDependencies:
    from tap_aws.adapters.deadletters import SqsDeadLetters  # noqa: PLC0415
    from tap_aws.adapters.events import EventBridgeEvents  # noqa: PLC0415
    from tap_aws.adapters.objects import S3Objects  # noqa: PLC0415
    from tap_aws.settings import get_settings  # noqa: PLC0415

    return ImportDependencies(
        inventory=_inventory(),
        objects=S3Objects(),
        dead_letters=SqsDeadLetters(get_settings().need("inventory_dlq_url")),
        events=EventBridgeEvents(),
        reports=_reports(),
        clock=utc_now,
    )
