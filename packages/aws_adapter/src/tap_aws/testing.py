"""Support for tests and the local stack: a moto server over real HTTP, and request counting.

Not part of the product: only the local stack (``tap_aws.local``, the ``tap-aws[local]``
extra) imports this module, and it needs ``moto[server]`` (that extra, or the ``tests``
dependency group). What it offers:

- :class:`MotoServer`: moto's ``ThreadedMotoServer`` on 127.0.0.1 (port 0 picks a free one),
  quiet, with a switch that makes every request atomic (:meth:`MotoServer.atomic`). moto's
  backend takes no locks and answers each request on its own thread; DynamoDB's requests are
  atomic, so concurrency tests turn the switch on and clients interleave only between requests.
- :func:`copy_tables_once_per_transaction`: moto 5.2.5's ``TransactWriteItems`` deep-copies a
  table once per transaction *item* (for its rollback); the shim makes it once per table per
  transaction, with the same rollback. Pinned: it refuses any other moto version.
- :func:`session` / :class:`AwsClients`: boto3 clients bound to an endpoint with fake
  credentials passed explicitly (never through ``os.environ``).
- :class:`RequestCounter`: botocore event hooks on a client that count HTTP requests per
  operation (retries included) and the items each call read.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any, Final

import boto3
from moto.dynamodb import models
from moto.dynamodb.models.table import Table
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

PINNED_MOTO: Final = "5.2.5"
"""The moto version whose internals :func:`copy_tables_once_per_transaction` patches."""
REGION: Final = "us-east-1"
FAKE_ACCESS_KEY: Final = "testing"
FAKE_SECRET_KEY: Final = "testing"  # noqa: S105 - moto accepts any credentials

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _AtomicApp:
    """WSGI middleware: while ``atomic`` is set, one request at a time reaches moto's backend."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()
        self.atomic = False

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not self.atomic:
            return self._app(environ, start_response)
        with self._lock:
            # The body is built inside the lock: the response is complete before another
            # request can touch the backend.
            return list(self._app(environ, start_response))


class MotoServer(ThreadedMotoServer):
    """moto's threaded server on ``127.0.0.1``, werkzeug's request log silenced."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(ip_address="127.0.0.1", port=port, verbose=False)
        self._app = _AtomicApp(DomainDispatcherApplication(create_backend_app))
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

    def _server_entry(self) -> None:
        # ThreadedMotoServer._server_entry (moto 5.2.5) with the atomic middleware around the
        # dispatcher; the rest is unchanged.
        self._server = make_server(
            self._ip_address, self._port, self._app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()

    @property
    def endpoint(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Within the block every request is served whole before the next one starts.

        Do not long-poll SQS (``WaitTimeSeconds``) inside: it would hold the lock.
        """
        previous, self._app.atomic = self._app.atomic, True
        try:
            yield
        finally:
            self._app.atomic = previous


class _OncePerTableCopier:
    """Stands in for the ``copy`` module inside ``moto.dynamodb.models``.

    While a transaction runs on this thread, ``deepcopy`` of the same table object returns the
    copy already made, so each table is copied once; everything else is the real ``copy``.
    """

    def __init__(self) -> None:
        self._local = threading.local()
        self.copies = 0
        """Deep copies made inside transactions (what the shim's test counts)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        cache: dict[int, tuple[Any, Any]] | None = getattr(self._local, "cache", None)
        # Only tables are shared: an item's copy (update_item's old image) stays its own.
        if cache is None or not isinstance(value, Table):
            return copy.deepcopy(value, memo)
        if id(value) not in cache:
            # The original is kept beside its copy, so its id cannot be reused meanwhile.
            cache[id(value)] = (value, copy.deepcopy(value, memo))
            self.copies += 1
        return cache[id(value)][1]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._local.cache = {}
        try:
            yield
        finally:
            self._local.cache = None


_COPIER: _OncePerTableCopier | None = None


def copy_tables_once_per_transaction() -> _OncePerTableCopier:
    """Install (once per process) the shim; returns it (its ``copies`` counts table copies).

    The rollback is moto's own: it restores the copy taken before the first item, which is
    what the per-item copies held too (moto copies every table of the transaction up front).
    """
    global _COPIER  # noqa: PLW0603 - one patch per process, like the module it patches
    found = metadata.version("moto")
    if found != PINNED_MOTO:
        raise RuntimeError(
            f"copy_tables_once_per_transaction patches moto {PINNED_MOTO}'s internals; "
            f"moto {found} is installed: check moto/dynamodb/models/__init__.py and re-pin"
        )
    if _COPIER is not None:
        return _COPIER
    copier = _OncePerTableCopier()
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(
        self: models.DynamoDBBackend, transact_items: list[dict[str, Any]]
    ) -> None:
        with copier.transaction():
            original(self, transact_items)

    models.copy = copier  # type: ignore[attr-defined,assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _COPIER = copier
    return copier


def session(region: str = REGION) -> boto3.session.Session:
    """A boto3 session with moto's fake credentials, given explicitly (no environment)."""
    return boto3.session.Session(
        aws_access_key_id=FAKE_ACCESS_KEY,
        aws_secret_access_key=FAKE_SECRET_KEY,
        region_name=region,
    )


@dataclass(frozen=True)
class AwsClients:
    """A factory of boto3 clients bound to one endpoint (a moto server)."""

    endpoint: str
    region: str = REGION
    _session: boto3.session.Session = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_session", session(self.region))

    def dynamodb(self) -> DynamoDBClient:
        return self._session.client("dynamodb", endpoint_url=self.endpoint)

    def sqs(self) -> SQSClient:
        return self._session.client("sqs", endpoint_url=self.endpoint)

    def s3(self) -> S3Client:
        return self._session.client("s3", endpoint_url=self.endpoint)

    def events(self) -> EventBridgeClient:
        return self._session.client("events", endpoint_url=self.endpoint)


def _items_in(parsed: dict[str, Any]) -> tuple[int, int]:
    """(items returned, items scanned) of one parsed response."""
    returned = len(parsed.get("Items", ()))
    if "Item" in parsed:
        returned += 1
    responses = parsed.get("Responses")
    if isinstance(responses, dict):  # BatchGetItem: table -> items
        returned += sum(len(items) for items in responses.values())
    elif isinstance(responses, list):  # TransactGetItems: [{"Item": ...}]
        returned += sum(1 for response in responses if "Item" in response)
    scanned = int(parsed.get("ScannedCount", parsed.get("Count", returned)))
    return returned, max(scanned, returned)


@dataclass
class RequestCounter:
    """Counts, through botocore's event hooks, what one client asked of AWS.

    ``requests`` counts HTTP requests per operation (a retry is another request); ``calls``
    counts API calls (one per client method call, whatever the retries); ``items_returned``
    and ``items_scanned`` add up what responses carried (``Items``, ``Item``, ``Responses``,
    and ``ScannedCount`` or ``Count`` for queries that count without returning).
    """

    requests: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    items_returned: int = 0
    items_scanned: int = 0

    @classmethod
    def attach(cls, client: Any) -> RequestCounter:
        counter = cls()
        events = client.meta.events
        events.register("before-send", counter._on_send)
        events.register("after-call", counter._on_call)
        return counter

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def reset(self) -> None:
        self.requests.clear()
        self.calls.clear()
        self.items_returned = 0
        self.items_scanned = 0

    def _on_send(self, event_name: str, **_: Any) -> None:
        self.requests[event_name.rsplit(".", 1)[-1]] += 1

    def _on_call(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls[model.name] += 1
        returned, scanned = _items_in(parsed)
        self.items_returned += returned
        self.items_scanned += scanned
