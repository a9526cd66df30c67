"""The clock type the core takes: time is always passed in, never read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeAlias

Clock: TypeAlias = Callable[[], datetime]
"""A zero-argument callable returning the current time as an aware datetime."""
