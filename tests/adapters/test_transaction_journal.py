"""The transaction journal (``journal_transactions``) leaves exactly what moto's own rollback
leaves, and costs what a transaction writes, not the table.

Each generated history of writes and transactions (puts, updates, deletes and condition checks
on a few keys, with conditions that fail, repeated keys and missing keys) runs on two of moto's
in-process backends: one journaled, one with moto's whole-table copies. The items, the
partitions and the stream records must be equal after every step, and so must every error.
"""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tap_tools.testing import in_process_table, journal_transactions

if TYPE_CHECKING:
    from moto.dynamodb.models import DynamoDBBackend

PARTITIONS = ("a", "b")
SORTS = ("1", "2", "3")


KEYS = st.tuples(st.sampled_from(PARTITIONS), st.sampled_from(SORTS))
CONDITIONS = st.sampled_from(
    [None, "attribute_exists(pk)", "attribute_not_exists(pk)", "n = :one", "n < :one"]
)


@st.composite
def operations(draw: st.DrawFn) -> dict[str, Any]:
    """One transaction item (its table filled in later), sometimes without its range key."""
    kind = draw(st.sampled_from(["Put", "Update", "Delete", "ConditionCheck"]))
    pk, sk = draw(KEYS)
    key: dict[str, Any] = {"pk": {"S": pk}, "sk": {"S": sk}}
    if draw(st.integers(0, 19)) == 0:
        del key["sk"]  # a key moto refuses: a validation error, the whole transaction undone
    condition = draw(CONDITIONS)
    if kind == "ConditionCheck" and condition is None:
        condition = "attribute_exists(pk)"
    op: dict[str, Any] = {}
    if kind == "Put":
        op["Item"] = {**key, "n": {"N": str(draw(st.integers(0, 3)))}}
    else:
        op["Key"] = key
    if kind == "Update":
        op["UpdateExpression"] = "ADD n :one"
    if condition is not None:
        op["ConditionExpression"] = condition
    if kind == "Update" or (condition is not None and ":one" in condition):
        op["ExpressionAttributeValues"] = {":one": {"N": "1"}}
    return {kind: op}


STEPS = st.lists(
    st.one_of(
        st.lists(operations(), min_size=1, max_size=5).map(lambda items: ("transact", items)),
        KEYS.map(lambda key: ("put", key)),
    ),
    min_size=1,
    max_size=12,
)


def _state(backend: DynamoDBBackend, name: str) -> tuple[Any, ...]:
    table = backend.get_table(name)
    items = {
        (hash_key.value, range_key.value): item.to_json()
        for hash_key, partition in table.items.items()
        for range_key, item in partition.items()
    }
    partitions = sorted(hash_key.value for hash_key in table.items)
    assert table.stream_shard is not None
    stream = [
        {key: value for key, value in record.to_json().items() if key != "eventID"}
        for record in table.stream_shard.items
    ]
    for record in stream:
        # The time a record was made, and moto's size of its JSON (which holds that time).
        record["dynamodb"].pop("ApproximateCreationDateTime", None)
        record["dynamodb"].pop("SizeBytes", None)
    return items, partitions, stream


def _run(backend: DynamoDBBackend, name: str, step: tuple[str, Any]) -> str | None:
    """One step; the error it raised (type and message), if any."""
    kind, payload = step
    try:
        if kind == "put":
            pk, sk = payload
            backend.put_item(name, {"pk": {"S": pk}, "sk": {"S": sk}, "n": {"N": "1"}})
        else:
            items = [
                {op_type: {**op, "TableName": name}}
                for item in payload
                for op_type, op in item.items()
            ]
            backend.transact_write_items(copy.deepcopy(items))
    except Exception as error:  # noqa: BLE001 - compared between the two backends
        return f"{type(error).__name__}: {error}"
    return None


@settings(max_examples=150, deadline=None)
@given(steps=STEPS)
def test_the_journal_leaves_what_moto_s_rollback_leaves(steps: list[tuple[str, Any]]) -> None:
    # Given the journal, and two fresh backends: one journaled, one running moto's own copies
    journal = journal_transactions()
    journaled, journaled_name = in_process_table("111111111111", stream=True, prefix="journal")
    own, own_name = in_process_table("222222222222", stream=True, prefix="journal")
    for step in steps:
        # When each step runs on both
        error = _run(journaled, journaled_name, step)
        journal.moto_own = True
        try:
            expected = _run(own, own_name, step)
        finally:
            journal.moto_own = False
        # Then both raised the same error (or none) and hold the same items and stream
        assert error == expected
        assert _state(journaled, journaled_name) == _state(own, own_name)


def test_a_transaction_costs_what_it_writes_not_the_table() -> None:
    """A failing and a succeeding transaction on a table of 20,000 items copy no table, and
    take about as long as on a table of 10 (moto's own copies take ~2,000x longer)."""
    journal = journal_transactions()
    timings = []
    for size in (10, 20_000):
        backend, name = in_process_table("333333333333", stream=True, prefix="journal")
        for n in range(size):
            backend.put_item(name, {"pk": {"S": "big"}, "sk": {"S": f"{n:06}"}})
        before = journal.copies
        started = time.perf_counter()
        for _ in range(20):
            backend.transact_write_items(
                [{"Put": {"TableName": name, "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}}}}]
            )
            with pytest.raises(Exception, match="Transaction cancelled"):
                backend.transact_write_items(
                    [
                        {
                            "Delete": {
                                "TableName": name,
                                "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                            }
                        },
                        {
                            "ConditionCheck": {
                                "TableName": name,
                                "Key": {"pk": {"S": "none"}, "sk": {"S": "1"}},
                                "ConditionExpression": "attribute_exists(pk)",
                            }
                        },
                    ]
                )
        timings.append(time.perf_counter() - started)
        assert journal.copies == before
        assert backend.get_item(name, {"pk": {"S": "a"}, "sk": {"S": "1"}}) is not None
    small, large = timings
    # Counted, not timed, is the rule; this bound is 100x loose and only catches O(table) again.
    assert large < 100 * max(small, 0.001)
