"""The inventory store contract, whole, on ``InMemoryInventoryStore`` (the core alone)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tap_core.memory import InMemoryInventoryStore
from tests.unit.inventory.contract import *  # noqa: F403 - the whole contract runs here

if TYPE_CHECKING:
    from tests.unit.inventory.contract import StoreFactory


@pytest.fixture(scope="module")
def make_store() -> StoreFactory:
    """Empty in-memory stores (module scope: Hypothesis reuses it)."""
    return InMemoryInventoryStore
