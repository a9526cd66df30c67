"""The read API over real HTTP: each request becomes an API Gateway HTTP API (v2) event.

A ``ThreadingHTTPServer`` on 127.0.0.1 turns a request into the payload-v2 event API Gateway
builds (``rawPath``, percent-decoded as HTTP APIs deliver it, ``rawQueryString``,
``queryStringParameters`` with repeated names joined by commas, lower-cased ``headers``,
``requestContext.http``), hands it to ``api.lambda_handler`` (path parameters are left to the
Powertools resolver) and writes back its ``statusCode``, ``headers`` and ``body``.

What API Gateway itself answers is answered here from the same spec the Pulumi program reads
(`tap_aws.resources.READ_API`): a request no route matches (a ``HEAD``, a ``POST``, a path
outside the routes) is a 404 ``{"message":"Not Found"}`` without invoking the function; a CORS
preflight ``OPTIONS`` gets the CORS configuration's headers (204); a response to a request
with an allowed ``Origin`` gets ``Access-Control-Allow-Origin``. (IAM routes are not
authorized: any caller reads them.)
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, unquote, urlsplit

from tap_aws.resources import READ_API
from tap_tools.local.provision import ACCOUNT

if TYPE_CHECKING:
    from tap_tools.local.invoke import Function
    from tap_tools.local.journal import Journal

API_ID: Final = "local"
NOT_FOUND: Final = {
    "statusCode": 404,
    "headers": {"content-type": "application/json"},
    "body": '{"message":"Not Found"}',
}
"""API Gateway's own answer when no route matches."""
FUNCTION_ERROR: Final = {"statusCode": 502, "headers": {}, "body": '{"message":"Internal error"}'}
"""API Gateway's answer when the function fails."""


def gateway_response(method: str, target: str, headers: dict[str, str]) -> dict[str, Any] | None:
    """What API Gateway answers itself, without invoking the function (None: it invokes it).

    A CORS preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) when
    CORS is on; a request that matches no route: 404.
    """
    cors = READ_API.cors
    origin = headers.get("origin")
    if (
        method == "OPTIONS"
        and cors is not None
        and origin is not None
        and "access-control-request-method" in headers
    ):
        if not cors.allows(origin):
            return {"statusCode": 204, "headers": {}, "body": ""}
        answer = {
            "access-control-allow-origin": "*" if "*" in cors.allow_origins else origin,
            "access-control-allow-methods": ",".join(cors.allow_methods),
            "access-control-max-age": str(cors.max_age_seconds),
        }
        if cors.allow_headers:
            answer["access-control-allow-headers"] = ",".join(cors.allow_headers)
        return {"statusCode": 204, "headers": answer, "body": ""}
    if READ_API.route(method, unquote(urlsplit(target).path)) is None:
        return NOT_FOUND
    return None


def with_cors(response: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    """``response`` with the CORS headers API Gateway adds for the request's ``Origin``."""
    cors = READ_API.cors
    origin = headers.get("origin")
    if cors is None or origin is None or not cors.allows(origin):
        return response
    allowed = "*" if "*" in cors.allow_origins else origin
    return {
        **response,
        "headers": {**(response.get("headers") or {}), "access-control-allow-origin": allowed},
    }


def http_event(method: str, target: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The HTTP API payload-v2 event of one request (``target`` is the path and query)."""
    parts = urlsplit(target)
    path = unquote(parts.path)
    query = {
        name: ",".join(values)
        for name, values in parse_qs(parts.query, keep_blank_values=True).items()
    }
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": parts.query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "domainName": headers.get("host", "127.0.0.1"),
            "domainPrefix": API_ID,
            "http": {
                "method": method,
                "path": path,
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
        answered = gateway_response(method, target, headers)
        if answered is not None:
            response = answered
        else:
            try:
                response = self._function.invoke(http_event(method, target, headers, body))
            except Exception as error:  # noqa: BLE001 - API Gateway answers 502 then
                self._journal.say(f"api: {method} {target}: function error: {error}")
                response = {
                    "statusCode": 502,
                    "headers": {},
                    "body": '{"message":"Internal error"}',
                }
        if self._log:
            self._journal.say(f"api: {method} {target} -> {response.get('statusCode')}")
        return with_cors(response, headers)

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
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve  # noqa: N815
            do_HEAD = do_OPTIONS = _serve  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Silenced: the stack reports requests through its journal."""

        return Handler
