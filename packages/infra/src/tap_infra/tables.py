"""DynamoDB tables built from the shared specs: on-demand, PITR, encrypted."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

if TYPE_CHECKING:
    from tap_aws.resources import KeySchema, TableSpec


def _key_schemas(keys: KeySchema) -> list[dict[str, str]]:
    schemas = [{"attribute_name": keys.hash_key[0], "key_type": "HASH"}]
    if keys.range_key is not None:
        schemas.append({"attribute_name": keys.range_key[0], "key_type": "RANGE"})
    return schemas


def create_table(
    resource_name: str,
    spec: TableSpec,
    suffix: str,
    parent: pulumi.Resource,
    *,
    deletion_protection: bool,
) -> aws.dynamodb.Table:
    """The table ``spec`` describes, secure by default; deletion protection is the caller's."""
    return aws.dynamodb.Table(
        resource_name,
        name=spec.name(suffix),
        billing_mode="PAY_PER_REQUEST",
        hash_key=spec.keys.hash_key[0],
        range_key=spec.keys.range_key[0] if spec.keys.range_key is not None else None,
        attributes=[
            {"name": name, "type": kind} for name, kind in spec.attribute_definitions().items()
        ],
        global_secondary_indexes=[
            {
                "name": index.name,
                # key_schemas, not the deprecated hash_key/range_key of an index.
                "key_schemas": _key_schemas(index.keys),
                "projection_type": index.projection,
                "non_key_attributes": list(index.non_key_attributes) or None,
            }
            for index in spec.indexes
        ],
        ttl=(
            {"attribute_name": spec.ttl_attribute, "enabled": True}
            if spec.ttl_attribute is not None
            else None
        ),
        stream_enabled=True if spec.stream is not None else None,
        stream_view_type=spec.stream,
        point_in_time_recovery={"enabled": True},
        # Encrypted with the AWS-managed KMS key (aws/dynamodb), not the default owned key.
        server_side_encryption={"enabled": True},
        deletion_protection_enabled=deletion_protection,
        opts=pulumi.ResourceOptions(parent=parent),
    )
