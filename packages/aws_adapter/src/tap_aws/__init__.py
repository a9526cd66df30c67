"""tap's AWS adapters and Lambda functions: what the Lambda bundle holds.

The adapters are imported on first use (``tap_aws.SqsDeadLetters``), so importing the package
(as the CLI does) costs no boto3 import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tap_aws.deadletters import SqsDeadLetters
    from tap_aws.inventory import DynamoInventoryStore
    from tap_aws.leaderboards import DynamoLeaderboards
    from tap_aws.objects import S3Objects

_HOMES = {
    "DynamoInventoryStore": "tap_aws.inventory",
    "DynamoLeaderboards": "tap_aws.leaderboards",
    "S3Objects": "tap_aws.objects",
    "SqsDeadLetters": "tap_aws.deadletters",
}

__all__ = ["DynamoInventoryStore", "DynamoLeaderboards", "S3Objects", "SqsDeadLetters"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tap_aws' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
