"""A Lambda context for in-process invocations: the attributes Powertools reads, real time left.

``get_remaining_time_in_millis`` counts down from the function's timeout
(`FunctionSpec.timeout_seconds`) on a monotonic clock, so a handler that checkpoints when
time runs low (``inventory_import``) sees what it would see in Lambda.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tap_tools.local.provision import ACCOUNT, REGION

if TYPE_CHECKING:
    import threading

    from tap_aws.resources import FunctionSpec


@dataclass
class LocalContext:
    """One invocation's context; `for_function` starts its clock."""

    function_name: str
    timeout_seconds: float
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def for_function(cls, spec: FunctionSpec, suffix: str) -> LocalContext:
        return cls(spec.name(suffix), spec.timeout_seconds, spec.memory_mb)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[{self.function_version}]{self.aws_request_id[:8]}"

    hurried: threading.Event | None = None
    """Once set, no time is left: a handler that checkpoints when time runs low does so at
    its next boundary (the stack sets it to stop soon)."""

    def get_remaining_time_in_millis(self) -> int:
        if self.hurried is not None and self.hurried.is_set():
            return 0
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))
