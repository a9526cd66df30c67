"""tap's AWS adapters and Lambda functions: what the Lambda bundle holds.

The adapters are imported on first use (``tap_aws.SqsDeadLetters``), so importing the package
(as the CLI does) costs no boto3 import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tap_aws.adapters.deadletters import SqsDeadLetters
    from tap_aws.adapters.inventory import DynamoInventoryStore
    from tap_aws.adapters.leaderboards import DynamoLeaderboards
    from tap_aws.adapters.objects import S3Objects

_HOMES = {
    "DynamoInventoryStore": "tap_aws.adapters.inventory",
    "DynamoLeaderboards": "tap_aws.adapters.leaderboards",
    "S3Objects": "tap_aws.adapters.objects",
    "SqsDeadLetters": "tap_aws.adapters.deadletters",
}

__all__ = ["DynamoInventoryStore", "DynamoLeaderboards", "S3Objects", "SqsDeadLetters"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tap_aws' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
