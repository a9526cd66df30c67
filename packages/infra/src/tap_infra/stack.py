"""The whole of tap as one component, and the program that exports its outputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import pulumi
from pydantic import TypeAdapter, ValidationError

from tap_aws.resources import (
    INVENTORY_BUCKET,
    RANK_INDEXES,
    Outputs,
    RankIndexKind,
    check_suffix,
    resource_name,
)
from tap_core.errors import describe
from tap_core.leaderboard import LeaderboardSpec
from tap_infra.alarms import AlarmTopic
from tap_infra.api import ReadApi, ReadApiArgs
from tap_infra.functions import ARCHITECTURES, FunctionSettings
from tap_infra.inventory import InventoryPipeline, InventoryPipelineArgs
from tap_infra.leaderboard import BoardSettings, LeaderboardPipeline, LeaderboardPipelineArgs
from tap_infra.valkey import VALKEY, ValkeyRankIndex, ValkeyRankIndexArgs

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tap_infra.functions import Architecture

SUFFIX_VARIABLE: Final = "ENVIRONMENT_SUFFIX"
DEFAULT_SUFFIX: Final = "dev"


def environment_suffix(environ: Mapping[str, str], config_env: str | None) -> str:
    """``ENVIRONMENT_SUFFIX``, else the stack's ``env`` config, else ``dev``; checked either way.

    CI sets the variable per pipeline run, so it wins over what a stack file says.
    """
    for source, value in (
        (SUFFIX_VARIABLE, environ.get(SUFFIX_VARIABLE)),
        ("config env", config_env),
    ):
        if value:
            try:
                return check_suffix(value)
            except ValueError as error:
                raise ValueError(f"{source}: {error}") from error
    return DEFAULT_SUFFIX


_SPECS: Final = TypeAdapter(list[LeaderboardSpec])


def leaderboards_json(raw: object) -> str:
    """The stack config's ``leaderboards`` list, validated, as the JSON the functions read."""
    try:
        specs = _SPECS.validate_python(raw)
    except ValidationError as error:
        raise ValueError(f"config leaderboards: {describe(error)}") from None
    if not specs:
        raise ValueError("config leaderboards: at least one board is needed")
    ids = [spec.id for spec in specs]
    if len(set(ids)) != len(ids):
        raise ValueError(f"config leaderboards: board ids repeat: {sorted(ids)}")
    return _SPECS.dump_json(specs).decode()


def architecture(value: str | None) -> Architecture:
    """The Lambda architecture from config (``arm64`` when unset: cheaper per ms)."""
    if value is None:
        return "arm64"
    for known in ARCHITECTURES:
        if value == known:
            return known
    raise ValueError(f"config architecture: {value!r} is not one of {list(ARCHITECTURES)}")


def rank_index(value: str | None) -> RankIndexKind:
    """The rank index from config (``dynamodb`` when unset: no VPC, no idle cost)."""
    if value is None:
        return RANK_INDEXES[0]
    for known in RANK_INDEXES:
        if value == known:
            return known
    raise ValueError(f"config rankIndex: {value!r} is not one of {list(RANK_INDEXES)}")


@dataclass(frozen=True, kw_only=True)
class TapStackArgs:
    """Everything the stack config chooses; read in ``__main__.py`` and passed in."""

    suffix: str
    code: pulumi.Archive
    leaderboards_json: str
    count_shards: int = 1
    """Write sharding of the leaderboard counts tree's hot nodes (1: off; see tap_aws README)."""
    architecture: Architecture = "arm64"
    memory_mb: int | None = None
    reserved_concurrency: int | None = None
    deletion_protection: bool = True
    alarm_email: str | None = None
    rank_index: RankIndexKind = RANK_INDEXES[0]
    """Where the ranks are kept: the leaderboard table (``dynamodb``) or an ElastiCache
    Serverless cache in a VPC of its own (``valkey``, `tap_infra.valkey`)."""

    def __post_init__(self) -> None:
        check_suffix(self.suffix)
        rank_index(self.rank_index)  # a Literal is not checked at run time
        self.boards()  # refuse bad board settings before any resource is made
        self.functions(None)  # refuse bad function settings before any resource is made

    def boards(self) -> BoardSettings:
        """The board settings the scores and api functions share."""
        return BoardSettings(
            leaderboards_json=self.leaderboards_json, count_shards=self.count_shards
        )

    def functions(self, alarm_topic_arn: pulumi.Input[str] | None) -> FunctionSettings:
        """The settings every function of the stack shares, notifying ``alarm_topic_arn``."""
        return FunctionSettings(
            code=self.code,
            architecture=self.architecture,
            memory_mb=self.memory_mb,
            reserved_concurrency=self.reserved_concurrency,
            alarm_topic_arn=alarm_topic_arn,
        )


class TapStack(pulumi.ComponentResource):
    """Alarm topic, leaderboard pipeline, inventory pipeline and read API; with
    ``rankIndex: valkey``, the Valkey rank index and its network too."""

    alarms: AlarmTopic
    valkey: ValkeyRankIndex | None
    leaderboard: LeaderboardPipeline
    inventory: InventoryPipeline
    api: ReadApi

    def __init__(
        self, name: str, args: TapStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:stack:TapStack", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.alarms = AlarmTopic(
            f"{name}-alarms", resource_name("alarms", args.suffix), args.alarm_email, opts=child
        )
        functions = args.functions(self.alarms.topic.arn)
        boards = args.boards()
        self.valkey = (
            ValkeyRankIndex(f"{name}-valkey", ValkeyRankIndexArgs(suffix=args.suffix), opts=child)
            if args.rank_index == VALKEY
            else None
        )
        access = self.valkey.access() if self.valkey is not None else None
        self.leaderboard = LeaderboardPipeline(
            f"{name}-leaderboard",
            LeaderboardPipelineArgs(
                suffix=args.suffix,
                functions=functions,
                boards=boards,
                deletion_protection=args.deletion_protection,
                rank_index=access,
            ),
            opts=child,
        )
        self.inventory = InventoryPipeline(
            f"{name}-inventory",
            InventoryPipelineArgs(
                suffix=args.suffix,
                functions=functions,
                deletion_protection=args.deletion_protection,
            ),
            opts=child,
        )
        self.api = ReadApi(
            f"{name}-api",
            ReadApiArgs(
                suffix=args.suffix,
                functions=functions,
                boards=boards,
                leaderboard_table_name=self.leaderboard.table.name,
                leaderboard_table_arn=self.leaderboard.table.arn,
                inventory_table_name=self.inventory.table.name,
                inventory_table_arns=[self.inventory.table.arn],
                rank_index=access,
            ),
            opts=child,
        )
        self.register_outputs(self.outputs())

    def outputs(self) -> dict[str, pulumi.Output[str]]:
        """The stack outputs by their shared key (``tap_aws.resources.Outputs``)."""
        leaderboard, inventory = self.leaderboard, self.inventory
        valkey = {Outputs.VALKEY_URL: self.valkey.url} if self.valkey is not None else {}
        return {
            Outputs.MAIN_QUEUE_URL: leaderboard.queues.queue.url,
            Outputs.DLQ_URL: leaderboard.queues.dlq.url,
            Outputs.DYNAMODB_TABLE_NAME: leaderboard.table.name,
            Outputs.LAMBDA_FUNCTION_NAME: leaderboard.scores.function.name,
            Outputs.DLQ_ALARM_NAME: leaderboard.dlq_alarm.name,
            Outputs.INVENTORY_BUCKET_NAME: inventory.bucket.bucket.bucket,
            Outputs.INVENTORY_INBOUND_PREFIX: pulumi.Output.from_input(
                INVENTORY_BUCKET.inbound_prefix
            ),
            Outputs.INVENTORY_TABLE_NAME: inventory.table.name,
            Outputs.INVENTORY_DLQ_URL: inventory.rows_dlq.url,
            Outputs.INVENTORY_EVENTS_DLQ_URL: inventory.events_dlq.url,
            Outputs.API_URL: self.api.stage.invoke_url,
            **valkey,
        }


def define(name: str, args: TapStackArgs) -> dict[str, pulumi.Output[str]]:
    """Build the stack; return its outputs for the caller to export (or print, under mocks)."""
    return TapStack(name, args).outputs()
