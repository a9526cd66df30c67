"""IAM and resource-policy documents, always serialised with ``Output.json_dumps``.

A document may hold Outputs (ARNs not known until deploy); ``json.dumps`` would fail on them,
so every document in tap_infra is built by `document`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import pulumi

VERSION: Final = "2012-10-17"

Statement = Mapping[str, object]


def document(*statements: Statement) -> pulumi.Output[str]:
    """A policy document of the given statements; Outputs inside are resolved first."""
    return pulumi.Output.json_dumps({"Version": VERSION, "Statement": list(statements)})


def allow(actions: Sequence[str], resources: Sequence[pulumi.Input[str]]) -> Statement:
    """Allow exactly ``actions`` on exactly ``resources`` (no wildcard unless a caller says why)."""
    if not actions or not resources:
        raise ValueError("an Allow statement needs at least one action and one resource")
    return {"Effect": "Allow", "Action": sorted(actions), "Resource": list(resources)}


def assume_role(service: str) -> pulumi.Output[str]:
    """The trust policy letting ``service`` (e.g. ``lambda.amazonaws.com``) assume a role."""
    return document(
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    )


def deny_insecure_transport(action: str, resources: Sequence[pulumi.Input[str]]) -> Statement:
    """Deny every request not made over TLS (``aws:SecureTransport`` false)."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": list(resources),
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def allow_service(
    service: str, actions: Sequence[str], resource: pulumi.Input[str], source_arn: pulumi.Input[str]
) -> Statement:
    """A resource-policy statement letting ``service`` act only on behalf of ``source_arn``."""
    return {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": sorted(actions),
        "Resource": resource,
        "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}},
    }
