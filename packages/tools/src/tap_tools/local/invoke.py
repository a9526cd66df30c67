"""Invoking a function in-process as Lambda would: one at a time, with a fresh context.

A Lambda instance runs one invocation at a time, and the functions' module state (Powertools'
resolver holds the current event; the logger its keys) relies on it: `Function`
serializes the invocations of one function with a lock. Each gets a `LocalContext`
whose remaining time counts down from the function's timeout.
"""

from __future__ import annotations

import threading
from importlib import import_module
from typing import TYPE_CHECKING, Any

from tap_tools.local.context import LocalContext
from tap_tools.local.wiring import clear_metrics

if TYPE_CHECKING:
    from tap_aws.resources import FunctionSpec


class Function:
    """One function of ``FUNCTIONS``, invoked in this process."""

    def __init__(self, spec: FunctionSpec, suffix: str, timeout: float | None = None) -> None:
        """``timeout`` (seconds) replaces the spec's in the context: tests of a handler that
        works in parts when time runs low give it little."""
        module_name, self._handler_name = spec.handler.rsplit(".", 1)
        self.module = import_module(module_name)
        self.spec = spec
        self._suffix = suffix
        self._timeout = spec.timeout_seconds if timeout is None else timeout
        self._lock = threading.Lock()
        self.hurried = threading.Event()
        """Set by `hurry`: every context from now on reports no time left."""

    def hurry(self) -> None:
        """Tell the running invocation (and any later one) that its time is up: a handler that
        saves a checkpoint when time runs low (``inventory_import``) stops at its next row."""
        self.hurried.set()

    def invoke(self, event: dict[str, Any]) -> Any:
        """The handler's result for ``event``; its exception propagates (a function error)."""
        handler = getattr(self.module, self._handler_name)
        with self._lock:
            try:
                context = LocalContext(
                    self.spec.name(self._suffix),
                    self._timeout,
                    self.spec.memory_mb,
                    hurried=self.hurried,
                )
                return handler(event, context)
            finally:
                clear_metrics(self.module)
