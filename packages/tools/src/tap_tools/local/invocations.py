"""Invoking a function once against a running stack, from another process (``tap local invoke``).

The stack's outputs file gives the endpoint and the resources; the function's settings are
read back from it (`tap_tools.local.wiring.output_settings`), its ports built on them and
handed to its composition root, and the function runs in this process, as the stack runs it in
its own.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tap_aws.resources import INVENTORY_SUMMARY_FUNCTION, Outputs
from tap_tools.local.invoke import Function
from tap_tools.local.provision import DEFAULT_SUFFIX
from tap_tools.local.pumps import scheduled_event
from tap_tools.local.wiring import (
    MissingOutput,
    dependencies,
    emulator_clients,
    endpoint_of,
    functions_given,
    output_settings,
    region_of,
    stack_clients,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["MissingOutput", "invoke_summary"]


def invoke_summary(outputs: Mapping[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """Run ``inventory_summary`` against the stack of ``outputs``; the summary it stored."""
    functions = (INVENTORY_SUMMARY_FUNCTION,)
    settings = output_settings(outputs, functions)
    region = region_of(outputs)
    with functions_given(dependencies(settings, stack_clients(settings, region), functions)):
        result = Function(INVENTORY_SUMMARY_FUNCTION, DEFAULT_SUFFIX).invoke(
            scheduled_event(at or datetime.now(UTC), DEFAULT_SUFFIX)
        )
    s3 = emulator_clients(endpoint_of(outputs), region=region).s3()
    body = s3.get_object(Bucket=outputs[Outputs.INVENTORY_BUCKET_NAME], Key=result["key"])["Body"]
    summary: dict[str, Any] = json.loads(body.read())
    return summary
