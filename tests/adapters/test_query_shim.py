"""The Query shim (``query_sorted_partitions``) answers exactly as moto's own ``Table.query``.

Each query runs twice on the same table, shim on and off; the answers (items, scanned count,
``LastEvaluatedKey``) must be equal. The table is moto's in-process backend (Hypothesis runs
hundreds of examples); the HTTP tests check the parser's spellings and ``Select=COUNT``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tap_tools.testing import (
    QueryShim,
    in_process_table,
    journal_transactions,
    query_sorted_partitions,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from moto.dynamodb.models import DynamoDBBackend
    from mypy_boto3_dynamodb import DynamoDBClient

    from tap_tools.testing import AwsClients

KEYS = st.text(alphabet="#ab", min_size=1, max_size=2)
"""Range keys: few letters, so keys share prefixes and conditions hit runs and edges."""
SIZE = 390_000
SIZES = st.sampled_from([0, 0, 0, 0, 0, 10, 150_000, SIZE])
"""Payload bytes: mostly small, some large enough to end a 1 MB page."""
PARTITIONS = ("a", "b")


@dataclass(frozen=True)
class Query:
    partition: str
    comparison: str | None
    values: tuple[str, ...]
    limit: int | None
    start: tuple[str, str] | None
    forward: bool
    filtered: bool


@st.composite
def queries(draw: st.DrawFn, written: st.SearchStrategy[str]) -> Query:
    """A query; its values and start key often keys of the table (``written``)."""
    keys = written | KEYS
    comparison = draw(st.sampled_from([None, "=", "<", "<=", ">", ">=", "BETWEEN", "BEGINS_WITH"]))
    count = {None: 0, "BETWEEN": 2}.get(comparison, 1)
    return Query(
        partition=draw(st.sampled_from(PARTITIONS)),
        comparison=comparison,
        values=tuple(draw(st.lists(keys, min_size=count, max_size=count))),
        limit=draw(st.none() | st.integers(1, 3)),
        start=draw(st.none() | st.tuples(st.sampled_from(PARTITIONS), keys)),
        forward=draw(st.booleans()),
        filtered=draw(st.booleans()),
    )


WRITES = st.lists(
    st.tuples(
        st.sampled_from(["put", "put", "put", "delete"]),
        st.sampled_from([*PARTITIONS, PARTITIONS[0]]),
        KEYS,
        SIZES,
    ),
    min_size=10,
    max_size=40,
)
"""Puts (new keys and overwrites) and deletes, in two partitions (mostly the first)."""


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[tuple[str, str, str, int]], list[Query]]:
    """Writes, then queries whose values are often keys written."""
    writes = draw(WRITES)
    written = st.sampled_from([key for _, _, key, _ in writes] or ["a"])
    return writes, draw(st.lists(queries(written), min_size=1, max_size=8))


SCENARIOS = scenarios()


@pytest.fixture(scope="module")
def shim() -> QueryShim:
    return query_sorted_partitions()


def _answer(backend: DynamoDBBackend, name: str, query: Query) -> Any:
    start = None
    if query.start is not None:
        start = {"pk": {"S": query.start[0]}, "sk": {"S": query.start[1]}}
    items, scanned, last = backend.query(
        name,
        {"S": query.partition},
        query.comparison,
        [{"S": value} for value in query.values],
        query.limit,  # type: ignore[arg-type]  # moto passes the request's Limit, or None
        start,  # type: ignore[arg-type]
        query.forward,
        None,
        expr_names={"#p": "p"} if query.filtered else None,
        filter_expression="attribute_exists(#p)" if query.filtered else None,
    )
    return [item.to_json() for item in items], scanned, last


def _both(shim: QueryShim, answer: Callable[[], Any]) -> tuple[Any, Any]:
    shim.enabled = False
    try:
        unshimmed = answer()
    finally:
        shim.enabled = True
    return answer(), unshimmed


@settings(max_examples=300)
@given(scenario=SCENARIOS)
@example(  # the limit met on the last key of the run: moto sets LastEvaluatedKey
    scenario=(
        [("put", "a", key, 0) for key in ("a", "aa", "ab", "b")],
        [Query("a", ">", ("a",), 1, None, forward=True, filtered=False)],
    )
)
@example(  # a page over 1 MB less an item: moto stops at a refused key past the run
    scenario=(
        [("put", "a", key, size) for key, size in (("a", SIZE), ("aa", SIZE), ("b", 0))]
        + [("put", "a", "ba", SIZE)],
        [Query("a", "BEGINS_WITH", ("a",), None, None, forward=True, filtered=False)],
    )
)
def test_a_shimmed_query_answers_as_moto_does(
    shim: QueryShim,
    scenario: tuple[list[tuple[str, str, str, int]], list[Query]],
) -> None:
    """Invariant: for any table state (puts, overwrites, deletes) and any base-table query, the
    shim's answer equals moto's, and the shim (not moto whole) answered it."""
    # Given a table written by moto's own put and delete
    writes, asked = scenario
    backend, name = in_process_table()
    for kind, partition, key, size in writes:
        item_key = {"pk": {"S": partition}, "sk": {"S": key}}
        if kind == "delete":
            backend.delete_item(name, item_key)
        else:
            attrs = {**item_key, "v": {"S": "x" * size}}
            if size % 2 == 0:
                attrs["p"] = {"S": "present"}
            backend.put_item(name, attrs)
    for query in asked:
        # When the query runs shimmed and unshimmed
        sliced = shim.sliced
        shimmed, unshimmed = _both(shim, lambda q=query: _answer(backend, name, q))  # type: ignore[misc]
        # Then the answers are equal, and the shim answered (a start key in another partition
        # may leave it to moto whole)
        assert shimmed == unshimmed
        if query.start is None or query.start[0] == query.partition:
            assert shim.sliced == sliced + 1


def _table(client: DynamoDBClient, name: str) -> None:
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


HTTP_QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "pk = :pk AND begins_with(sk, :a)", "Limit": 3},
    {"KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b", "Select": "COUNT"},
    {"KeyConditionExpression": "pk = :pk AND sk between :a and :b", "ScanIndexForward": False},
    {"KeyConditionExpression": "pk = :pk AND sk < :b", "Limit": 2},
    {"KeyConditionExpression": "pk = :pk AND sk >= :a", "Select": "COUNT", "Limit": 4},
    {
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :a)",
        "ExclusiveStartKey": {"pk": {"S": "p"}, "sk": {"S": "R#05"}},
        "ScanIndexForward": False,
    },
    {"KeyConditionExpression": "pk = :pk", "Limit": 5, "ScanIndexForward": False},
]


@pytest.mark.parametrize("extra", HTTP_QUERIES)
def test_over_http_the_shim_answers_as_moto_including_counts(
    shim: QueryShim,
    aws: AwsClients,
    extra: dict[str, Any],
) -> None:
    # Given a partition of 20 rows (and another partition beside it)
    client = aws.dynamodb()
    name = f"tap-shim-{uuid.uuid4().hex[:12]}"
    _table(client, name)
    for number in range(20):
        for pk, prefix in (("p", "R#"), ("p", "N#"), ("q", "R#")):
            item = {"pk": {"S": pk}, "sk": {"S": f"{prefix}{number:02d}"}}
            client.put_item(TableName=name, Item=item)
    values = {":pk": {"S": "p"}, ":a": {"S": "R#"}, ":b": {"S": "R#12"}}
    names = extra["KeyConditionExpression"]
    used = {key: value for key, value in values.items() if key in names}

    def answer() -> dict[str, Any]:
        found = client.query(
            TableName=name, ExpressionAttributeValues=used, ConsistentRead=True, **extra
        )
        return {key: value for key, value in found.items() if key != "ResponseMetadata"}

    # When it runs shimmed and unshimmed
    sliced = shim.sliced
    shimmed, unshimmed = _both(shim, answer)
    # Then moto's answer comes back, from a slice
    assert shimmed == unshimmed
    assert shim.sliced == sliced + 1


def test_sorted_keys_survive_a_rolled_back_transaction_and_an_older_partition(
    shim: QueryShim,
) -> None:
    # Given a table, the transaction shim, and a partition written before either shim
    journal_transactions()
    backend, name = in_process_table()
    for key in ("c", "a", "b"):
        backend.put_item(name, {"pk": {"S": "a"}, "sk": {"S": key}})
    table = backend.get_table(name)
    table.items[next(iter(table.items))] = dict(next(iter(table.items.values())))
    everything = Query("a", None, (), None, None, forward=True, filtered=False)
    assert (
        _both(shim, lambda: _answer(backend, name, everything))
        == (_answer(backend, name, everything),) * 2
    )
    # When a transaction puts a key then fails (moto restores its copy of the table)
    with pytest.raises(Exception, match="Transaction cancelled"):
        backend.transact_write_items(
            [
                {"Put": {"TableName": name, "Item": {"pk": {"S": "a"}, "sk": {"S": "aa"}}}},
                {
                    "ConditionCheck": {
                        "TableName": name,
                        "Key": {"pk": {"S": "a"}, "sk": {"S": "zz"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )
    backend.put_item(name, {"pk": {"S": "a"}, "sk": {"S": "ab"}})
    # Then queries on the restored table answer as moto: a, ab, b, c
    shimmed, unshimmed = _both(shim, lambda: _answer(backend, name, everything))
    assert shimmed == unshimmed
    assert [item["Attributes"]["sk"]["S"] for item in shimmed[0]] == ["a", "ab", "b", "c"]


def test_the_shim_refuses_another_moto_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("importlib.metadata.version", lambda _: "5.3.0")
    with pytest.raises(RuntimeError, match=r"moto 5\.2\.5's internals; moto 5\.3\.0 is installed"):
        query_sorted_partitions()


def test_an_error_is_still_moto_s(aws: AwsClients, shim: QueryShim) -> None:
    client = aws.dynamodb()
    with pytest.raises(ClientError, match="ResourceNotFound"):
        client.query(
            TableName="tap-shim-missing",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "p"}},
        )
