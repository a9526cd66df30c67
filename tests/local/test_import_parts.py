"""A file too big for one invocation: ``inventory_import`` works in parts in the local stack.

The import function is given a timeout just above its resume margin, so each invocation
checkpoints soon after its first rows and puts an IMPORT_CONTINUED event on the default bus;
the stack's rule routes it back to the events queue and the pump invokes the function again.
Every row still ends once: the counts are the oracle's, for one file.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from tap_aws.resources import INVENTORY_IMPORT_FUNCTION, Outputs
from tap_core.app.imports import RESUME_MARGIN_MILLIS
from tap_core.inventory import RowError, parse_inventory
from tap_core.memory import InMemoryInventoryStore
from tap_tools.local import LocalStack
from tests.local.conftest import HEADER, Client, achieved

if TYPE_CHECKING:
    from collections.abc import Iterator

ROWS = 400
PART_SECONDS = 0.25
"""How long a part may work before the resume margin is reached."""


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    timeout = RESUME_MARGIN_MILLIS / 1000 + PART_SECONDS
    with LocalStack(
        summary_interval=None, timeouts={INVENTORY_IMPORT_FUNCTION.stem: timeout}
    ) as running:
        yield running


def test_a_file_imported_in_parts_gives_every_row_one_ending(stack: LocalStack) -> None:
    # Given a file of a few hundred rows, two of them bad
    lines = [f"S{n},ams-1,Item,{n},1.00,tools,0,{achieved(10)}" for n in range(ROWS)]
    lines[7] = "S7,ams-1,Item,-7,1.00,tools,0," + achieved(10)
    lines[300] = "S300,ams-1,Item,3,1.00,tools"
    body = io.BytesIO((HEADER + "\n" + "\n".join(lines) + "\n").encode())
    oracle = InMemoryInventoryStore()
    events = list(parse_inventory(body, datetime.now(UTC)))
    result = oracle.apply([e for e in events if not isinstance(e, RowError)], datetime.now(UTC))
    bad_rows = {e.row for e in events if isinstance(e, RowError)}
    client = Client(stack)
    # When it is uploaded and the stack is idle again
    client.upload("inbound/big.csv", lines)
    stack.wait_idle(120)
    counts = stack.counts()
    letters = client.drain(Outputs.INVENTORY_DLQ_URL)
    # Then it took several parts, ended once, and each row has exactly one ending
    assert counts["inventory.parts"] > 1
    assert counts["inventory.files"] == 1
    assert counts["rows.applied"] == result.applied == ROWS - 2
    assert counts.get("rows.stale", 0) == counts.get("rows.unchanged", 0) == 0
    assert sorted(letter["source"]["row"] for letter in letters) == sorted(bad_rows)
    assert len(bad_rows) == 2
