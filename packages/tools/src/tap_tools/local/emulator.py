"""The embedded AWS emulator: moto's threaded server on 127.0.0.1, every request atomic.

moto's server is a dependency of ``tap-tools``; `start_emulator` names it when it is missing.
The server is `tap_tools.testing.MotoServer` (the one the adapter tests run on); the stack
turns its atomic switch on for its whole life: moto's backend takes no locks, and the local
stack's pumps, the API server and any outside client all talk to it at once. (So nothing in
the stack long-polls: a waiting ReceiveMessage would hold the lock; the pumps poll briefly.)
The pinned moto shims of `tap_tools.testing` are installed too, so that a request costs
what it reads or writes, not the size of its table or queue: ``journal_transactions``
(TransactWriteItems copies no table), ``query_sorted_partitions`` (a Query reads its slice of
the partition) and ``queue_attributes_on_demand`` (sending or receiving an SQS message does
not count every message of the queue). The product never needs them; they only keep the
emulator fast at realistic sizes (``python -m bench local_stack``).
"""

from __future__ import annotations

import functools
import json
import re
import urllib.request
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from collections.abc import Callable

    from tap_tools.testing import MotoServer, WsgiApp

MISSING_MOTO: Final = (
    "the local stack needs moto's server, which is not installed: "
    "install tap-tools, which brings it, from the repository (tap's packages are not on PyPI): "
    "`uv sync --all-packages` there, or `pip install ./packages/tools`"
)


class EmulatorMissing(RuntimeError):
    """moto's server (a dependency of ``tap-tools``) is not installed."""


_SCOPE: Final = re.compile(r"Credential=[^/,&\s]+/[0-9]{8}/([^/]+)/([^/]+)/aws4_request")
"""A SigV4 credential scope (header or presigned query): its region and service."""
WRONG_REGION: Final = "WrongRegion"
"""The error code of a request signed for another region than the stack's."""


def wrong_region(region: str, asked: str) -> str:
    """The message a client gets when it asks the stack's emulator for another region."""
    return (
        f"this local stack's resources are in {region}, not {asked}: set AWS_REGION={region} "
        f"and AWS_DEFAULT_REGION={region} (`tap local env` prints them), or start the stack "
        f"with --region {asked}"
    )


class RegionGuard:
    """WSGI middleware: a request signed for another region than ``region`` is refused with a
    400 that says so (`wrong_region`), in the error shape of its protocol (JSON, S3's XML or
    the query protocol's XML); unsigned requests pass.

    moto keeps one backend per region, so without it a client in another region finds no
    queue, table or bucket ("does not exist") rather than being told why.
    """

    def __init__(self, app: WsgiApp, region: str) -> None:
        self._app = app
        self._region = region

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        signed = (
            environ.get("HTTP_AUTHORIZATION", "") + " " + unquote(environ.get("QUERY_STRING", ""))
        )
        scope = _SCOPE.search(signed)
        if scope is None or scope[1] == self._region:
            return self._app(environ, start_response)
        message = wrong_region(self._region, scope[1])
        if "amz-json" in environ.get("CONTENT_TYPE", ""):
            content_type = "application/x-amz-json-1.0"
            body = json.dumps({"__type": WRONG_REGION, "message": message})
        elif scope[2] == "s3":
            content_type = "application/xml"
            body = f"<Error><Code>{WRONG_REGION}</Code><Message>{escape(message)}</Message></Error>"
        else:
            content_type = "text/xml"
            body = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{WRONG_REGION}</Code>"
                f"<Message>{escape(message)}</Message></Error></ErrorResponse>"
            )
        data = body.encode()
        start_response(
            "400 Bad Request",
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(data))),
                ("x-amzn-ErrorType", WRONG_REGION),
            ],
        )
        return [data]


def in_process(server: MotoServer, *clients: Any) -> None:
    """The stack's own clients (the functions', the pumps') hand their requests to the
    emulator's application in this process, skipping HTTP (`tap_tools.testing.InProcess`):
    moto answers them as it answers any client, under the same atomic switch. Outside
    clients still talk HTTP to ``server.endpoint``."""
    from tap_tools.testing import serve_in_process  # noqa: PLC0415

    for client in clients:
        serve_in_process(client, server)


def start_emulator(port: int = 0, region: str | None = None) -> MotoServer:
    """A started moto server on ``127.0.0.1:port`` (0: a free port); given a ``region``,
    requests signed for another one are refused (`RegionGuard`).

    The caller makes its requests atomic with ``server.atomic()`` for as long as it runs.
    The emulator starts empty: moto's state (one per process) is reset. ``OSError`` when the
    port cannot be had.
    """
    try:
        from tap_tools.testing import (  # noqa: PLC0415 - moto only when the stack starts
            MotoServer,
            journal_transactions,
            query_sorted_partitions,
            queue_attributes_on_demand,
        )
    except ImportError as error:
        raise EmulatorMissing(f"{MISSING_MOTO} ({error})") from None
    journal_transactions()
    query_sorted_partitions()
    queue_attributes_on_demand()
    from tap_tools.local.sqs_fifo import release_expired_fifo_groups  # noqa: PLC0415

    release_expired_fifo_groups()
    guard = None if region is None else functools.partial(RegionGuard, region=region)
    server = MotoServer(port, guard)
    server.start()
    # moto's backends are process-wide: a stack started after another one in this process
    # (tests do) would find its tables, queues and bucket. Start empty.
    reset = f"{server.endpoint}/moto-api/reset"
    request = urllib.request.Request(reset, method="POST")  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - our loopback server
        pass
    return server
