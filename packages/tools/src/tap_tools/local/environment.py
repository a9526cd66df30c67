"""The one place that builds what the functions read in the local stack, and applies it.

:func:`stack_values` maps every :class:`tap_aws.resources.Env` variable a function reads
(each :class:`FunctionSpec` lists its own) to the provisioned resources (:func:`output_values`
reads them back from a running stack's outputs); :func:`function_environment` checks that
each function gets all it reads and adds what boto3 needs to reach the emulator:
``AWS_ENDPOINT_URL`` (and tap's ``TAP_ENDPOINT_URL``), fake credentials and the region.
:func:`functions_bound` sets them in ``os.environ`` for as long as the stack runs (restoring
what was there after), forgets the cached settings and clients and resets every function's
composition root, so each builds again against the emulator.

Powertools writes JSON to stdout; in the stack a person is watching, so the functions' loggers
are raised to WARNING (errors still show), Powertools' own logger (its tracebacks of a failed
batch) to CRITICAL, and metrics are disabled with
``POWERTOOLS_METRICS_DISABLED``. Disabled metrics are never flushed, so :func:`clear_metrics`
empties a function's metric set after each invocation (as a flush would in Lambda).
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from importlib import import_module
from typing import TYPE_CHECKING, Any, Final

from tap_aws.resources import FUNCTIONS, Env, Outputs
from tap_tools.local.provision import FAKE_CREDENTIAL, REGION

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from types import ModuleType

    from tap_aws.resources import FunctionSpec
    from tap_core.leaderboard import LeaderboardSpec
    from tap_tools.local.provision import Provisioned

FUNCTION_LOG_LEVEL: Final = logging.WARNING
"""The functions' Powertools loggers' level while the stack runs."""
POWERTOOLS_LIBRARY_LOGGER: Final = "aws_lambda_powertools"
"""Powertools' own logger: its tracebacks of a failed batch are silenced (the stack reports
the failure in one line)."""


class StackEnvironmentError(RuntimeError):
    """The stack cannot give a function a variable it reads."""


class MissingOutput(KeyError):
    """The outputs of a running stack lack a key a function needs."""

    def __str__(self) -> str:
        return str(self.args[0])


_FROM_OUTPUTS: Final = {
    Env.LEADERBOARD_TABLE: Outputs.DYNAMODB_TABLE_NAME,
    Env.SCORES_DLQ_URL: Outputs.DLQ_URL,
    Env.INVENTORY_TABLE: Outputs.INVENTORY_TABLE_NAME,
    Env.INVENTORY_BUCKET: Outputs.INVENTORY_BUCKET_NAME,
    Env.INVENTORY_DLQ_URL: Outputs.INVENTORY_DLQ_URL,
}
"""The outputs a stack writes that the functions' variables can be read back from."""


def stack_values(provisioned: Provisioned, boards: tuple[LeaderboardSpec, ...]) -> dict[str, str]:
    """The ``Env`` variables of every function, for the resources of ``provisioned``."""
    from pydantic import TypeAdapter  # noqa: PLC0415

    from tap_core.leaderboard import LeaderboardSpec  # noqa: PLC0415

    return {
        Env.LEADERBOARD_TABLE: provisioned.leaderboard_table,
        Env.LEADERBOARDS: TypeAdapter(tuple[LeaderboardSpec, ...]).dump_json(boards).decode(),
        # The local stack keeps the counts tree unsharded (the deployed default).
        Env.LEADERBOARD_COUNT_SHARDS: "1",
        Env.SCORES_DLQ_URL: provisioned.scores_dlq_url,
        Env.INVENTORY_TABLE: provisioned.inventory_table,
        Env.INVENTORY_BUCKET: provisioned.bucket,
        Env.INVENTORY_DLQ_URL: provisioned.rows_dlq_url,
    }


def output_values(outputs: Mapping[str, Any]) -> dict[str, str]:
    """The ``Env`` variables a running stack's outputs give (all but the boards)."""
    return {name: str(outputs[key]) for name, key in _FROM_OUTPUTS.items() if key in outputs}


def endpoint_of(outputs: Mapping[str, Any]) -> str:
    """The emulator's endpoint in a stack's outputs; MissingOutput when absent."""
    endpoint = outputs.get(Outputs.ENDPOINT_URL)
    if not isinstance(endpoint, str):
        raise MissingOutput(
            f"the outputs have no {Outputs.ENDPOINT_URL}: they are not a local stack's"
        )
    return endpoint


def function_environment(
    values: Mapping[str, str],
    endpoint_url: str,
    functions: tuple[FunctionSpec, ...] = FUNCTIONS,
) -> dict[str, str]:
    """``values`` (the ``Env`` variables) and what boto3 needs to reach the emulator.

    Every variable ``functions`` read must be in ``values``, or StackEnvironmentError names it.
    """
    missing = {name for spec in functions for name in spec.environment} - set(values)
    if missing:
        raise StackEnvironmentError(
            f"the local stack does not set {', '.join(sorted(missing))}, which a function "
            "reads: add it to tap_tools.local.environment"
        )
    return {
        **values,
        "TAP_ENDPOINT_URL": endpoint_url,
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": FAKE_CREDENTIAL,
        "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIAL,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_METRICS_DISABLED": "true",
    }


def function_modules() -> list[ModuleType]:
    """The modules of every function, imported (``FUNCTIONS``' handlers name them)."""
    return [import_module(spec.handler.rsplit(".", 1)[0]) for spec in FUNCTIONS]


def forget_cached() -> None:
    """Drop the cached settings and clients and every function's built dependencies."""
    from tap_aws import clients  # noqa: PLC0415
    from tap_aws.settings import get_settings  # noqa: PLC0415

    get_settings.cache_clear()
    # Every cached builder of the clients module (a client added there is covered too).
    for value in vars(clients).values():
        clear = getattr(value, "cache_clear", None)
        if callable(clear):
            clear()
    for module in function_modules():
        module.root.reset()


def clear_metrics(module: ModuleType) -> None:
    """Empty the function's metric set (disabled metrics are never flushed, so never cleared)."""
    metrics: Any = getattr(module, "metrics", None)
    if metrics is not None:
        metrics.clear_metrics()


@contextmanager
def functions_bound(environment: Mapping[str, str]) -> Iterator[None]:
    """Within the block the functions read ``environment`` and build against the emulator."""
    saved = {name: os.environ.get(name) for name in environment}
    modules = function_modules()
    levels = [(module.logger, module.logger.log_level) for module in modules]
    library = logging.getLogger(POWERTOOLS_LIBRARY_LOGGER)
    levels.append((library, library.level))
    os.environ.update(environment)
    forget_cached()
    for module in modules:
        module.logger.setLevel(FUNCTION_LOG_LEVEL)
    library.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        forget_cached()
        for logger, level in levels:
            logger.setLevel(level)
        for module in modules:
            clear_metrics(module)
