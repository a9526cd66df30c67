"""Invoking a function once against a running stack, from another process (``tap local invoke``).

The stack's outputs file gives the endpoint and the resources; the function's variables are
read back from it (:func:`tap_tools.local.environment.output_values`) and the function runs
in this process, as the stack runs it in its own.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tap_aws.resources import INVENTORY_SUMMARY_FUNCTION, Outputs
from tap_tools.local.environment import (
    MissingOutput,
    endpoint_of,
    function_environment,
    functions_bound,
    output_values,
)
from tap_tools.local.invoke import Function
from tap_tools.local.provision import DEFAULT_SUFFIX, session
from tap_tools.local.pumps import scheduled_event

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["MissingOutput", "invoke_summary"]


def invoke_summary(outputs: Mapping[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """Run ``inventory_summary`` against the stack of ``outputs``; the summary it stored."""
    endpoint = endpoint_of(outputs)
    try:
        environment = function_environment(
            output_values(outputs), endpoint, (INVENTORY_SUMMARY_FUNCTION,)
        )
    except RuntimeError as error:
        raise MissingOutput(f"the outputs lack what the summary needs: {error}") from None
    with functions_bound(environment):
        result = Function(INVENTORY_SUMMARY_FUNCTION, DEFAULT_SUFFIX).invoke(
            scheduled_event(at or datetime.now(UTC), DEFAULT_SUFFIX)
        )
    s3 = session().client("s3", endpoint_url=endpoint)
    body = s3.get_object(Bucket=outputs[Outputs.INVENTORY_BUCKET_NAME], Key=result["key"])["Body"]
    summary: dict[str, Any] = json.loads(body.read())
    return summary
