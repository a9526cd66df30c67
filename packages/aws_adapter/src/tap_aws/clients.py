"""tap's one boto3 client factory, and the clients the functions build once per process from it.

Every tap client is built by a `ClientFactory`: the functions' (the module functions
below, on first use, from `tap_aws.settings.get_settings`), the CLI's and the local
stack's (``tap_tools``, which give it their endpoint, region and credentials explicitly). Its
botocore Config (`client_config`) carries retries in botocore's ``standard`` or
``adaptive`` mode (exponential backoff with jitter on throttling and 5xx), connect and read
timeouts; ``endpoint_url`` is the local stack's emulator when set. Adapters take an injected
client.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from tap_aws.settings import Settings, get_settings

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
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


class ClientFactory:
    """Builds boto3 clients, each with one botocore Config, to one endpoint.

    ``region`` and ``credentials`` (access key id, secret) are given explicitly by the tools
    (the local stack's emulator takes fake ones); left None, boto3 resolves them as usual (in
    Lambda: the function's role). ``session`` shares a boto3 session between factories instead
    (the functions' one per process). ``config=None`` keeps botocore's defaults.
    """

    def __init__(
        self,
        *,
        config: Config | None = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        credentials: tuple[str, str] | None = None,
        session: boto3.session.Session | None = None,
    ) -> None:
        if session is not None and (region is not None or credentials is not None):
            raise ValueError("give a session, or the region and credentials to build one")
        key, secret = credentials if credentials is not None else (None, None)
        # A session of our own: boto3's default session is shared and not thread-safe to build from.
        self._session = session or boto3.session.Session(
            aws_access_key_id=key, aws_secret_access_key=secret, region_name=region
        )
        self.config = config
        self.endpoint_url = endpoint_url

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        region: str | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> ClientFactory:
        """The factory of ``settings``: their Config and endpoint (plus what is given)."""
        return cls(
            config=client_config(settings),
            endpoint_url=endpoint_url(settings),
            region=region,
            credentials=credentials,
        )

    def dynamodb(self) -> DynamoDBClient:
        return self._session.client("dynamodb", config=self.config, endpoint_url=self.endpoint_url)

    def dynamodbstreams(self) -> DynamoDBStreamsClient:
        """The leaderboard table's change stream (the local stack pumps it, as Lambda would)."""
        return self._session.client(
            "dynamodbstreams", config=self.config, endpoint_url=self.endpoint_url
        )

    def sqs(self) -> SQSClient:
        return self._session.client("sqs", config=self.config, endpoint_url=self.endpoint_url)

    def s3(self) -> S3Client:
        return self._session.client("s3", config=self.config, endpoint_url=self.endpoint_url)

    def events(self) -> EventBridgeClient:
        return self._session.client("events", config=self.config, endpoint_url=self.endpoint_url)

    def cloudwatch(self) -> CloudWatchClient:
        return self._session.client(
            "cloudwatch", config=self.config, endpoint_url=self.endpoint_url
        )


@cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


def factory() -> ClientFactory:
    """The functions' factory: the process's settings (read on first use), one shared session."""
    settings = get_settings()
    return ClientFactory(
        config=client_config(settings), endpoint_url=endpoint_url(settings), session=_session()
    )


@cache
def dynamodb() -> DynamoDBClient:
    return factory().dynamodb()


@cache
def sqs() -> SQSClient:
    return factory().sqs()


@cache
def s3() -> S3Client:
    return factory().s3()


@cache
def events() -> EventBridgeClient:
    return factory().events()
