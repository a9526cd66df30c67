"""The names every function's Logger, Tracer and Metrics share (one home for them)."""

from __future__ import annotations

from typing import Final

NAMESPACE: Final = "tap"
"""The CloudWatch namespace of every tap metric."""
