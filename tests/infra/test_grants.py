"""Each function's role grants every AWS action its adapters' code calls.

Mocks cannot say "AccessDenied", so a call added to an adapter without its IAM action would
first fail in AWS. This reads the adapters' source for boto3 client calls (and the operations
inside their transactions) and checks the planned role policy allows each one.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import tap_aws

if TYPE_CHECKING:
    from tap_infra.plan import Plan

SOURCE = Path(tap_aws.__file__).parent
CALLS = {
    "get_item": "dynamodb:GetItem",
    "put_item": "dynamodb:PutItem",
    "update_item": "dynamodb:UpdateItem",
    "delete_item": "dynamodb:DeleteItem",
    "query": "dynamodb:Query",
    "scan": "dynamodb:Scan",
    "batch_get_item": "dynamodb:BatchGetItem",
    "batch_write_item": "dynamodb:BatchWriteItem",
    "transact_write_items": "dynamodb:TransactWriteItems",
    "get_object": "s3:GetObject",
    "put_object": "s3:PutObject",
    "send_message": "sqs:SendMessage",
    "send_message_batch": "sqs:SendMessage",
    "put_events": "events:PutEvents",
}
TRANSACTION_PARTS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
# The role policy of each function, and the adapter modules its handler drives end to end.
FUNCTIONS = {
    "tap-leaderboard-function-policy": (
        "adapters/leaderboards/store.py",
        "adapters/leaderboards/rank_index.py",
        "adapters/deadletters.py",
    ),
    "tap-inventory-import-policy": (
        "adapters/inventory.py",
        "adapters/objects.py",
        "adapters/deadletters.py",
        "adapters/events.py",
        "adapters/reports.py",
    ),
    "tap-inventory-summary-policy": ("adapters/inventory.py", "adapters/reports.py"),
    "tap-api-function-policy": (
        "adapters/leaderboards/store.py",
        "adapters/leaderboards/rank_index.py",
        "adapters/inventory.py",
    ),
    # DynamoRankIndex (its own module) applying the stream's batches.
    "tap-leaderboard-rank-index-function-policy": ("adapters/leaderboards/rank_index.py",),
}

# Calls in those modules that the handler never makes, so the role is not granted them.
_WRITES = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:TransactWriteItems",
    "dynamodb:ConditionCheckItem",
}
NOT_FROM_THE_HANDLER = {
    # DynamoLeaderboards.repair() rewrites a page's rank and count items with BatchWriteItem:
    # an operator's tool, run with the operator's credentials, never by the scores function.
    "tap-leaderboard-function-policy": {"dynamodb:BatchWriteItem"},
    # The summary reads the stock (Scan) and keeps its item and objects; the summaries are
    # read back by the api; it applies no rows and reads no record by key.
    "tap-inventory-summary-policy": {
        "dynamodb:BatchGetItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:TransactWriteItems",
        "dynamodb:UpdateItem",
        "s3:GetObject",
    },
    # The api only reads: the stores' writes are the other functions'.
    "tap-api-function-policy": _WRITES | {"dynamodb:Scan"},
    # rank_index applies moves: the rank reads (Query) are the api's, repair's BatchWriteItem
    # the operator's.
    "tap-leaderboard-rank-index-function-policy": {"dynamodb:Query", "dynamodb:BatchWriteItem"},
}


def called_actions(files: tuple[str, ...]) -> set[str]:
    """The IAM actions behind the client calls (and transaction parts) in ``files``."""
    actions: set[str] = set()
    for name in files:
        tree = ast.parse((SOURCE / name).read_text(encoding="utf-8"))
        transacts = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                action = CALLS.get(node.func.attr)
                if action is not None:
                    actions.add(action)
                    transacts |= node.func.attr == "transact_write_items"
        if transacts:
            for node in ast.walk(tree):
                if isinstance(node, ast.Dict):
                    for key in node.keys:
                        if isinstance(key, ast.Constant) and key.value in TRANSACTION_PARTS:
                            actions.add(TRANSACTION_PARTS[key.value])
    return actions


def granted_actions(planned: Plan, policy_name: str) -> set[str]:
    policy = planned.one("aws:iam/rolePolicy:RolePolicy", policy_name)
    return {
        action
        for statement in json.loads(policy.inputs["policy"])["Statement"]
        if statement["Effect"] == "Allow"
        for action in statement["Action"]
    }


def test_the_scan_finds_the_calls_it_should() -> None:
    # The leaderboard store reads entries, held rows and nodes, writes the entry, and its
    # index writes transaction groups.
    found = called_actions(FUNCTIONS["tap-leaderboard-function-policy"])
    assert {
        "dynamodb:PutItem",
        "dynamodb:BatchGetItem",
        "dynamodb:TransactWriteItems",
        "dynamodb:DeleteItem",
        "sqs:SendMessage",
    } <= found


@pytest.mark.parametrize("policy_name", sorted(FUNCTIONS))
def test_each_function_may_make_the_calls_its_adapters_make(
    planned: Plan, policy_name: str
) -> None:
    needed = called_actions(FUNCTIONS[policy_name]) - NOT_FROM_THE_HANDLER.get(policy_name, set())
    missing = needed - granted_actions(planned, policy_name)
    assert missing == set(), f"{policy_name} lacks {sorted(missing)}"


def test_the_api_reads_the_tables_and_nothing_else(planned: Plan) -> None:
    granted = granted_actions(planned, "tap-api-function-policy")
    assert {"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query"} <= granted
    assert not {a for a in granted if a.startswith(("dynamodb:Put", "dynamodb:Update", "s3:"))}


def test_the_import_role_puts_events_on_the_default_bus_and_reports_under_imports(
    planned: Plan,
) -> None:
    policy = planned.one("aws:iam/rolePolicy:RolePolicy", "tap-inventory-import-policy")
    statements = json.loads(policy.inputs["policy"])["Statement"]
    resources = {a: s["Resource"] for s in statements for a in s["Action"]}
    assert resources["events:PutEvents"] == [
        "arn:aws:events:us-east-1:123456789012:event-bus/default"
    ]
    assert resources["s3:PutObject"] == ["arn:aws:s3:::tap-inventory-test/reports/imports/*"]
