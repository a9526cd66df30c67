"""Invoking a function in-process as Lambda would: one at a time, with a fresh context.

A Lambda instance runs one invocation at a time, and the functions' module state (Powertools'
resolver holds the current event; the logger its keys) relies on it: :class:`Function`
serializes the invocations of one function with a lock. Each gets a :class:`LocalContext`
whose remaining time counts down from the function's timeout.
"""

from __future__ import annotations

import threading
from importlib import import_module
from typing import TYPE_CHECKING, Any

from tap_aws.local.context import LocalContext
from tap_aws.local.environment import clear_metrics

if TYPE_CHECKING:
    from tap_aws.resources import FunctionSpec


class Function:
    """One function of ``FUNCTIONS``, invoked in this process."""

    def __init__(self, spec: FunctionSpec, suffix: str) -> None:
        module_name, self._handler_name = spec.handler.rsplit(".", 1)
        self.module = import_module(module_name)
        self.spec = spec
        self._suffix = suffix
        self._lock = threading.Lock()

    def invoke(self, event: dict[str, Any]) -> Any:
        """The handler's result for ``event``; its exception propagates (a function error)."""
        handler = getattr(self.module, self._handler_name)
        with self._lock:
            try:
                return handler(event, LocalContext.for_function(self.spec, self._suffix))
            finally:
                clear_metrics(self.module)
