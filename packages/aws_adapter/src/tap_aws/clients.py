"""boto3 clients built once per process from the settings, with botocore's retries and timeouts.

Adapters take an injected client; composition roots (functions, the CLI) take these. Each is
built on first use from :func:`tap_aws.settings.get_settings`: retries in botocore's
``standard`` or ``adaptive`` mode (exponential backoff with jitter on throttling and 5xx),
connect and read timeouts, and the local stack's ``endpoint_url`` when set.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from tap_aws.settings import Settings, get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient


def client_config(settings: Settings) -> Config:
    """The botocore Config every tap client uses."""
    return Config(
        retries={"mode": settings.retry_mode, "total_max_attempts": settings.max_attempts},
        connect_timeout=settings.connect_timeout_seconds,
        read_timeout=settings.read_timeout_seconds,
    )


def endpoint_url(settings: Settings) -> str | None:
    return None if settings.endpoint_url is None else str(settings.endpoint_url).rstrip("/")


@cache
def _session() -> boto3.session.Session:
    # A session of our own: boto3's default session is shared and not thread-safe to build from.
    return boto3.session.Session()


@cache
def dynamodb() -> DynamoDBClient:
    settings = get_settings()
    return _session().client(
        "dynamodb", config=client_config(settings), endpoint_url=endpoint_url(settings)
    )


@cache
def sqs() -> SQSClient:
    settings = get_settings()
    return _session().client(
        "sqs", config=client_config(settings), endpoint_url=endpoint_url(settings)
    )


@cache
def s3() -> S3Client:
    settings = get_settings()
    return _session().client(
        "s3", config=client_config(settings), endpoint_url=endpoint_url(settings)
    )


@cache
def events() -> EventBridgeClient:
    settings = get_settings()
    return _session().client(
        "events", config=client_config(settings), endpoint_url=endpoint_url(settings)
    )
