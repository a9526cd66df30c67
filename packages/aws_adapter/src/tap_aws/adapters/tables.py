"""Creating a DynamoDB table from its `tap_aws.resources.TableSpec`.

The adapters' ``ensure_table()`` and the local stack use this; the Pulumi components read the
same spec, so a table made here has the keys of the one deployed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from tap_aws.resources import TableSpec


def ensure_table(client: Any, table_name: str, spec: TableSpec) -> None:
    """Create ``table_name`` (on-demand, the spec's keys and stream) unless it exists; wait
    until it is active.

    ``client`` is a boto3 DynamoDB client (typed loosely: the stubs' TypedDicts make the
    spec-built key schema awkward to express, and this is the one place that builds it).
    """
    keys = [{"AttributeName": spec.keys.hash_key[0], "KeyType": "HASH"}]
    if spec.keys.range_key is not None:
        keys.append({"AttributeName": spec.keys.range_key[0], "KeyType": "RANGE"})
    extra: dict[str, Any] = {}
    if spec.stream is not None:
        extra["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec.stream}
    try:
        client.create_table(
            TableName=table_name,
            KeySchema=keys,
            AttributeDefinitions=[
                {"AttributeName": name, "AttributeType": kind}
                for name, kind in spec.attribute_definitions().items()
            ],
            BillingMode="PAY_PER_REQUEST",
            **extra,
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
    client.get_waiter("table_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
