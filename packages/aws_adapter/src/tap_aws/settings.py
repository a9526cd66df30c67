"""tap's runtime settings: one pydantic-settings model, read from ``TAP_*`` variables on demand.

Nothing reads the environment at import: `get_settings` reads it once per process (cached)
when a composition root first asks. Resource names have no defaults (a made-up table name would
only fail later, far from the cause): a function that needs one asks with `Settings.need`,
which names the missing variable. A malformed value (a retry mode that botocore does not know,
a timeout that is not a positive number) is a `SettingsError` naming the variable too.
"""

from __future__ import annotations

from functools import cache
from typing import Final, Literal

from pydantic import AnyHttpUrl, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from tap_aws.resources import ENV_PREFIX, RESOURCE_OUTPUTS, RankIndexKind
from tap_core.errors import describe
from tap_core.leaderboard import LeaderboardSpec  # noqa: TC001 - pydantic needs it at runtime

RESOURCE_SETTINGS: Final = frozenset(setting.field for setting in RESOURCE_OUTPUTS)
"""The fields `Settings.need` gives, from ``tap_aws.resources.RESOURCE_OUTPUTS``."""


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the environment variable."""


def variable(field_name: str) -> str:
    """The variable behind a settings field: ``inventory_table`` -> ``TAP_INVENTORY_TABLE``."""
    return f"{ENV_PREFIX}{field_name.upper()}"


class Settings(BaseSettings):
    """Every variable tap's functions and CLI read; a function reads the ones it needs."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    leaderboard_table: str | None = Field(default=None, min_length=3, max_length=255)
    inventory_table: str | None = Field(default=None, min_length=3, max_length=255)
    inventory_bucket: str | None = Field(default=None, min_length=3, max_length=63)
    scores_dlq_url: AnyHttpUrl | None = None
    inventory_dlq_url: AnyHttpUrl | None = None
    """Where an upload's bad rows are dead-lettered."""
    leaderboards: tuple[LeaderboardSpec, ...] | None = None
    """The boards, a JSON list of ``tap_core.leaderboard.LeaderboardSpec`` (parsed by pydantic)."""
    leaderboard_count_shards: int = Field(default=1, ge=1)
    """Shards per counts-tree node (1: off; the store names its maximum). Raise it on the
    readers (the api) before the writers (scores); lowering it needs ``repair`` first."""

    leaderboard_index: Literal["inline", "stream"] = "inline"
    """Who applies accepted scores to the rank index: the ``scores`` function itself
    (``inline``), or the table's stream and the ``rank_index`` function (``stream``: set it
    where that function's event source mapping is deployed)."""

    rank_index: RankIndexKind = "dynamodb"
    """Where the ranks are kept (``tap_aws.resources.RANK_INDEXES``): the leaderboard table's
    own tree of counts, or a Valkey (or Redis) server's sorted sets at ``valkey_url``."""
    valkey_url: str | None = Field(default=None, pattern=r"^rediss?://")
    """The Valkey rank index's endpoint, ``rediss://host:port`` (TLS) or ``redis://`` (local);
    needed when ``rank_index`` is ``valkey``."""
    valkey_cluster: bool = False
    """The Valkey endpoint is cluster-mode (ElastiCache Serverless is)."""

    endpoint_url: AnyHttpUrl | None = None
    """The local stack's emulator; unset in AWS."""
    retry_mode: Literal["standard", "adaptive"] = "standard"
    """botocore's retry mode: both back off with jitter; adaptive also rate-limits the client."""
    max_attempts: int = Field(default=5, ge=1, le=20)
    """Attempts per call, the first included (botocore's ``total_max_attempts``)."""
    connect_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    read_timeout_seconds: float = Field(default=10.0, gt=0, le=900)

    def need(self, name: str) -> str:
        """The value of a resource setting (one of `RESOURCE_SETTINGS`), or SettingsError naming
        its variable; ValueError for a name that is not a resource setting."""
        if name not in RESOURCE_SETTINGS:
            raise ValueError(
                f"{name!r} is not a resource setting; one of {', '.join(sorted(RESOURCE_SETTINGS))}"
            )
        value = getattr(self, name)
        if value is None:
            raise SettingsError(f"{variable(name)} is not set; tap needs it to reach its {name}")
        return str(value)

    def boards(self) -> tuple[LeaderboardSpec, ...]:
        """The leaderboard specs, or SettingsError naming ``TAP_LEADERBOARDS`` when unset."""
        if self.leaderboards is None:
            raise SettingsError(
                f"{variable('leaderboards')} is not set; tap needs the leaderboard specs"
            )
        return self.leaderboards


def load_settings() -> Settings:
    """Read the settings from the environment now; SettingsError names every bad variable."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(f"invalid settings: {describe_settings(error)}") from None


def describe_settings(error: ValidationError) -> str:
    """``error`` as `tap_core.errors.describe` words it, each field named by its variable."""
    return describe(error, {name: variable(name) for name in Settings.model_fields})


@cache
def get_settings() -> Settings:
    """The process's settings, read on first use (never at import)."""
    return load_settings()
