"""The one place that builds what the functions work with in the local stack, and hands it in.

`stack_settings` gives the functions' `tap_aws.settings.Settings` for the
resources the stack provisioned (`output_settings`: for those a running stack's outputs
name, ``tap local invoke``); every variable a `FunctionSpec` reads must have its value
there, or `StackEnvironmentError` names it. `stack_clients` builds the boto3
clients the functions share, through tap's one factory (`tap_aws.clients.ClientFactory`)
with the emulator's endpoint, region and fake credentials given explicitly; the settings' retries
and timeouts are their Config. `dependencies` builds each function's ports (the DynamoDB,
SQS, S3 and EventBridge adapters) on those clients, and `functions_given` hands them to the
function modules' composition roots (``module.root.use``) for as long as the stack runs,
resetting the roots after. Nothing is read from or written to ``os.environ`` for this, so a stack
neither sees nor changes the process's ``TAP_*`` or ``AWS_*`` variables.

Powertools writes JSON to stdout; in the stack a person is watching, so the functions' loggers
are raised to WARNING (errors still show), Powertools' own logger (its tracebacks of a failed
batch) to CRITICAL, and metrics are disabled with ``POWERTOOLS_METRICS_DISABLED``, the one
variable the stack sets (see `functions_given`). Disabled metrics are never flushed, so
`clear_metrics` empties a function's metric set after each invocation (as a flush would
in Lambda).
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any, Final

from tap_aws.resources import (
    API_FUNCTION,
    ENV_PREFIX,
    FUNCTIONS,
    INVENTORY_BUCKET,
    INVENTORY_IMPORT_FUNCTION,
    INVENTORY_SUMMARY_FUNCTION,
    RANK_INDEX_FUNCTION,
    RESOURCE_OUTPUTS,
    SCORES_FUNCTION,
    Outputs,
)
from tap_tools.local.provision import FAKE_CREDENTIAL, REGION

STACK_FUNCTIONS: Final = (
    *FUNCTIONS,
    *(() if RANK_INDEX_FUNCTION in FUNCTIONS else (RANK_INDEX_FUNCTION,)),
)
"""The functions the local stack runs: the deployed ones and the stream's ``rank_index``
(until its Pulumi component lists it in ``FUNCTIONS``)."""

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from types import ModuleType

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

    from tap_aws.clients import ClientFactory
    from tap_aws.resources import FunctionSpec
    from tap_aws.settings import Settings
    from tap_core.leaderboard import Leaderboards, LeaderboardSpec
    from tap_tools.local.provision import Provisioned

FUNCTION_LOG_LEVEL: Final = logging.WARNING
"""The functions' Powertools loggers' level while the stack runs."""
POWERTOOLS_LIBRARY_LOGGER: Final = "aws_lambda_powertools"
"""Powertools' own logger: its tracebacks of a failed batch are silenced (the stack reports
the failure in one line)."""
METRICS_DISABLED: Final = "POWERTOOLS_METRICS_DISABLED"


class StackEnvironmentError(RuntimeError):
    """The stack cannot give a function a setting it reads."""


class MissingOutput(KeyError):
    """The outputs of a running stack lack a key a function needs."""

    def __str__(self) -> str:
        return str(self.args[0])


_FROM_OUTPUTS: Final = {env.field: key for env, key in RESOURCE_OUTPUTS.items()}
"""The settings a stack's outputs give back (by settings field), all but the boards."""


def _field(variable: str) -> str:
    """The settings field of a ``TAP_*`` variable (``TAP_INVENTORY_TABLE``: ``inventory_table``)."""
    return variable.removeprefix(ENV_PREFIX).lower()


def settings_of(
    values: Mapping[str, object],
    overrides: Mapping[str, str] | None = None,
    functions: tuple[FunctionSpec, ...] = STACK_FUNCTIONS,
) -> Settings:
    """Settings of ``values`` (by field) and ``overrides`` (by ``TAP_*`` variable), validated
    without reading the environment; every variable ``functions`` read must have a value."""
    from pydantic import ValidationError  # noqa: PLC0415

    from tap_aws.settings import Settings, describe_settings  # noqa: PLC0415

    fields = dict(values)
    for name, value in (overrides or {}).items():
        if not name.startswith(ENV_PREFIX) or _field(name) not in Settings.model_fields:
            raise StackEnvironmentError(f"{name} is not a setting tap's functions read")
        fields[_field(name)] = value
    try:
        # model_validate, not Settings(...): pydantic-settings would merge in os.environ
        settings = Settings.model_validate(fields)
    except ValidationError as error:
        raise StackEnvironmentError(f"invalid settings: {describe_settings(error)}") from None
    missing = {
        name
        for spec in functions
        for name in spec.environment
        if getattr(settings, _field(name), None) is None
    }
    if missing:
        raise StackEnvironmentError(
            f"the local stack does not set {', '.join(sorted(missing))}, which a function "
            "reads: add it to tap_tools.local.wiring"
        )
    return settings


def stack_settings(
    provisioned: Provisioned,
    boards: tuple[LeaderboardSpec, ...],
    overrides: Mapping[str, str] | None = None,
    valkey_url: str | None = None,
) -> Settings:
    """The functions' settings for the resources of ``provisioned`` (``overrides``: more
    ``TAP_*`` values, e.g. ``TAP_MAX_ATTEMPTS``; ``valkey_url``: the rank index is the
    Valkey server there, else the table's own)."""
    valkey = {} if valkey_url is None else {"rank_index": "valkey", "valkey_url": valkey_url}
    return settings_of(
        {
            **valkey,
            "leaderboard_table": provisioned.leaderboard_table,
            "leaderboards": boards,
            # The local stack keeps the counts tree unsharded (the deployed default).
            "leaderboard_count_shards": 1,
            # The stream feeds the index, as deployed: reads show a score once it has.
            "leaderboard_index": "stream",
            "scores_dlq_url": provisioned.scores_dlq_url,
            "inventory_table": provisioned.inventory_table,
            "inventory_bucket": provisioned.bucket,
            "inventory_dlq_url": provisioned.rows_dlq_url,
            "endpoint_url": provisioned.endpoint_url,
        },
        overrides,
    )


def endpoint_of(outputs: Mapping[str, Any]) -> str:
    """The emulator's endpoint in a stack's outputs; MissingOutput when absent."""
    endpoint = outputs.get(Outputs.ENDPOINT_URL)
    if not isinstance(endpoint, str):
        raise MissingOutput(
            f"the outputs have no {Outputs.ENDPOINT_URL}: they are not a local stack's"
        )
    return endpoint


def output_settings(outputs: Mapping[str, Any], functions: tuple[FunctionSpec, ...]) -> Settings:
    """The settings ``functions`` read, from a running stack's outputs; MissingOutput names
    what they lack."""
    values: dict[str, object] = {
        name: str(outputs[key]) for name, key in _FROM_OUTPUTS.items() if key in outputs
    }
    values["endpoint_url"] = endpoint_of(outputs)
    try:
        return settings_of(values, functions=functions)
    except StackEnvironmentError as error:
        raise MissingOutput(f"the outputs lack what the function needs: {error}") from None


def region_of(outputs: Mapping[str, Any]) -> str:
    """The stack's region in its outputs (`REGION` in outputs written before it was one)."""
    region = outputs.get(Outputs.REGION)
    return region if isinstance(region, str) and region else REGION


def emulator_clients(
    endpoint_url: str, settings: Settings | None = None, region: str = REGION
) -> ClientFactory:
    """tap's client factory for the emulator at ``endpoint_url``, with its region and fake
    credentials given explicitly; ``settings`` give the retries and timeouts (botocore's
    defaults without)."""
    from tap_aws.clients import ClientFactory, client_config  # noqa: PLC0415

    return ClientFactory(
        config=None if settings is None else client_config(settings),
        endpoint_url=endpoint_url,
        region=region,
        credentials=(FAKE_CREDENTIAL, FAKE_CREDENTIAL),
    )


@dataclass(frozen=True, slots=True)
class StackClients:
    """The clients every function of the stack shares (as a Lambda instance's functions would
    share their process's), built once when the stack starts."""

    dynamodb: DynamoDBClient
    sqs: SQSClient
    s3: S3Client
    events: EventBridgeClient


def stack_clients(settings: Settings, region: str = REGION) -> StackClients:
    """The functions' clients, on the emulator the settings name, in ``region``."""
    from tap_aws.clients import endpoint_url  # noqa: PLC0415

    endpoint = endpoint_url(settings)
    if endpoint is None:
        raise StackEnvironmentError("the functions' settings name no emulator endpoint")
    factory = emulator_clients(endpoint, settings, region)
    return StackClients(factory.dynamodb(), factory.sqs(), factory.s3(), factory.events())


def _leaderboards(settings: Settings, clients: StackClients, *, reads: bool) -> Leaderboards:
    """As ``tap_aws.functions.bootstrap`` builds them: another rank index (the settings') for
    a function that reads, or applies moves inline."""
    from tap_aws import DynamoLeaderboards  # noqa: PLC0415
    from tap_aws.functions.bootstrap import rank_index_of, utc_now  # noqa: PLC0415

    needed = reads or settings.leaderboard_index == "inline"

    return DynamoLeaderboards(
        settings.need("leaderboard_table"),
        settings.boards(),
        clients.dynamodb,
        clock=utc_now,
        count_shards=settings.leaderboard_count_shards,
        index=settings.leaderboard_index,
        rank_index=rank_index_of(settings) if needed else None,
    )


def _rank_index(settings: Settings, clients: StackClients) -> object:
    from tap_aws.adapters.leaderboards import DynamoRankIndex  # noqa: PLC0415
    from tap_aws.functions.bootstrap import RankIndexDependencies, rank_index_of  # noqa: PLC0415
    from tap_core.leaderboard import BoardSpecs  # noqa: PLC0415

    index = rank_index_of(settings) or DynamoRankIndex(
        settings.need("leaderboard_table"),
        clients.dynamodb,
        count_shards=settings.leaderboard_count_shards,
    )
    return RankIndexDependencies(index=index, boards=BoardSpecs(settings.boards()))


def _scores(settings: Settings, clients: StackClients) -> object:
    from tap_aws import SqsDeadLetters  # noqa: PLC0415
    from tap_aws.functions.bootstrap import ScoresDependencies, utc_now  # noqa: PLC0415

    return ScoresDependencies(
        leaderboards=_leaderboards(settings, clients, reads=False),
        dead_letters=SqsDeadLetters(settings.need("scores_dlq_url"), clients.sqs),
        clock=utc_now,
    )


def _api(settings: Settings, clients: StackClients) -> object:
    from tap_aws import DynamoInventoryStore  # noqa: PLC0415
    from tap_aws.functions.bootstrap import ApiDependencies, utc_now  # noqa: PLC0415

    return ApiDependencies(
        leaderboards=_leaderboards(settings, clients, reads=True),
        boards={spec.id: spec for spec in settings.boards()},
        inventory=DynamoInventoryStore(settings.need("inventory_table"), clients.dynamodb),
        clock=utc_now,
    )


def _summary(settings: Settings, clients: StackClients) -> object:
    from tap_aws import DynamoInventoryStore  # noqa: PLC0415
    from tap_aws.adapters.reports import S3Reports  # noqa: PLC0415
    from tap_aws.functions.bootstrap import SummaryDependencies  # noqa: PLC0415

    return SummaryDependencies(
        inventory=DynamoInventoryStore(settings.need("inventory_table"), clients.dynamodb),
        reports=S3Reports(
            settings.need("inventory_bucket"), INVENTORY_BUCKET.reports_prefix, clients.s3
        ),
    )


def _import(settings: Settings, clients: StackClients) -> object:
    from tap_aws import DynamoInventoryStore, S3Objects, SqsDeadLetters  # noqa: PLC0415
    from tap_aws.adapters.events import EventBridgeEvents  # noqa: PLC0415
    from tap_aws.adapters.reports import S3Reports  # noqa: PLC0415
    from tap_aws.functions.bootstrap import ImportDependencies, utc_now  # noqa: PLC0415

    return ImportDependencies(
        inventory=DynamoInventoryStore(settings.need("inventory_table"), clients.dynamodb),
        objects=S3Objects(clients.s3),
        dead_letters=SqsDeadLetters(settings.need("inventory_dlq_url"), clients.sqs),
        events=EventBridgeEvents(clients.events),
        reports=S3Reports(
            settings.need("inventory_bucket"), INVENTORY_BUCKET.reports_prefix, clients.s3
        ),
        clock=utc_now,
    )


_BUILDERS: Final[dict[str, Callable[[Settings, StackClients], object]]] = {
    SCORES_FUNCTION.stem: _scores,
    API_FUNCTION.stem: _api,
    INVENTORY_SUMMARY_FUNCTION.stem: _summary,
    INVENTORY_IMPORT_FUNCTION.stem: _import,
    RANK_INDEX_FUNCTION.stem: _rank_index,
}
"""How the stack builds each function's dependencies (the dataclass its ``root`` holds), as
``tap_aws.functions.bootstrap`` does from the process's settings in Lambda."""


def dependencies(
    settings: Settings,
    clients: StackClients,
    functions: tuple[FunctionSpec, ...] = STACK_FUNCTIONS,
) -> dict[str, object]:
    """Each of ``functions``' dependencies, by function stem, on the stack's clients."""
    unknown = [spec.stem for spec in functions if spec.stem not in _BUILDERS]
    if unknown:
        raise StackEnvironmentError(
            f"the local stack builds no dependencies for {', '.join(unknown)}: "
            "add a builder to tap_tools.local.wiring"
        )
    return {spec.stem: _BUILDERS[spec.stem](settings, clients) for spec in functions}


def function_module(spec: FunctionSpec) -> ModuleType:
    """The module of a function (its handler names it), imported."""
    return import_module(spec.handler.rsplit(".", 1)[0])


def clear_metrics(module: ModuleType) -> None:
    """Empty the function's metric set (disabled metrics are never flushed, so never cleared)."""
    metrics: Any = getattr(module, "metrics", None)
    if metrics is not None:
        metrics.clear_metrics()


@contextmanager
def functions_given(built: Mapping[str, object]) -> Iterator[None]:
    """Within the block each function (by stem in ``built``) works with what was built for it."""
    modules = {spec.stem: function_module(spec) for spec in STACK_FUNCTIONS if spec.stem in built}
    levels = [(module.logger, module.logger.log_level) for module in modules.values()]
    library = logging.getLogger(POWERTOOLS_LIBRARY_LOGGER)
    levels.append((library, library.level))
    # The one variable set: Powertools reads it from os.environ at every flush and has no
    # argument for it. Metrics on would print EMF JSON amid the stack's own report.
    saved = os.environ.get(METRICS_DISABLED)
    os.environ[METRICS_DISABLED] = "true"
    for stem, module in modules.items():
        module.root.use(built[stem])
        module.logger.setLevel(FUNCTION_LOG_LEVEL)
    library.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for module in modules.values():
            module.root.reset()
            clear_metrics(module)
        if saved is None:
            os.environ.pop(METRICS_DISABLED, None)
        else:
            os.environ[METRICS_DISABLED] = saved
        for logger, level in levels:
            logger.setLevel(level)
