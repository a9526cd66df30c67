"""The read API over real HTTP: each request becomes an API Gateway HTTP API (v2) event.

A ``ThreadingHTTPServer`` on 127.0.0.1 turns a request into the payload-v2 event API Gateway
builds (``rawPath``, ``rawQueryString``, ``queryStringParameters`` with repeated names joined
by commas, lower-cased ``headers``, ``requestContext.http``), hands it to ``api.lambda_handler``
(path parameters are left to the Powertools resolver, as API Gateway's ``$default`` route does)
and writes back its ``statusCode``, ``headers`` and ``body``.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlsplit

from tap_tools.local.provision import ACCOUNT

if TYPE_CHECKING:
    from tap_tools.local.invoke import Function
    from tap_tools.local.journal import Journal

API_ID: Final = "local"


def http_event(method: str, target: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The HTTP API payload-v2 event of one request (``target`` is the path and query)."""
    parts = urlsplit(target)
    query = {
        name: ",".join(values)
        for name, values in parse_qs(parts.query, keep_blank_values=True).items()
    }
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "domainName": headers.get("host", "127.0.0.1"),
            "domainPrefix": API_ID,
            "http": {
                "method": method,
                "path": parts.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": bool(body),
    }
    if query:
        event["queryStringParameters"] = query
    if body:
        event["body"] = base64.b64encode(body).decode()
    return event


class ApiServer:
    """The local API: `url` once started; `stop` shuts it down and joins it."""

    def __init__(self, journal: Journal, port: int, *, log: bool) -> None:
        """Binds ``127.0.0.1:port`` now (``OSError`` when it cannot); `start` serves."""
        self._function: Function | None = None
        self._journal = journal
        self._log = log
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        # Request threads are joined on close (no thread outlives the stack).
        self._server.daemon_threads = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="tap-local-api", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self, function: Function) -> None:
        """Serve, handing each request to ``function``."""
        self._function = function
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def respond(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Any:
        """The function's response to one request (a 502 when the function fails)."""
        if self._function is None:
            raise RuntimeError("the API server serves once started")
        try:
            response = self._function.invoke(http_event(method, target, headers, body))
        except Exception as error:  # noqa: BLE001 - API Gateway answers 502 for a function error
            self._journal.say(f"api: {method} {target}: function error: {error}")
            return {"statusCode": 502, "headers": {}, "body": '{"message":"Internal error"}'}
        if self._log:
            self._journal.say(f"api: {method} {target} -> {response.get('statusCode')}")
        return response

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers: dict[str, str] = {}
                for name, value in self.headers.items():
                    key = name.lower()
                    headers[key] = f"{headers[key]},{value}" if key in headers else value
                response = api.respond(self.command, self.path, headers, body)
                payload = response.get("body") or ""
                data = (
                    base64.b64decode(payload)
                    if response.get("isBase64Encoded")
                    else str(payload).encode()
                )
                self.send_response(int(response.get("statusCode", 200)))
                for name, value in (response.get("headers") or {}).items():
                    self.send_header(name, str(value))
                for cookie in response.get("cookies") or []:
                    self.send_header("set-cookie", cookie)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Silenced: the stack reports requests through its journal."""

        return Handler
