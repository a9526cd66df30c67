"""What every route reads of its request: query parameters (a bad one is a 400 naming it) and
the function's ports, which the handler puts in the resolver's context for each request."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools.event_handler.exceptions import BadRequestError

from tap_core.errors import show

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.event_handler.api_gateway import Router

    from tap_aws.functions.bootstrap import ApiDependencies

LEADERBOARD_CACHE: Final = "public, max-age=5"
"""``Cache-Control`` of the leaderboard routes: standings change by the second, but a game's
clients polling a board may share a few seconds' answer (browsers and CDNs)."""
INVENTORY_CACHE: Final = "no-store"
"""``Cache-Control`` of the inventory routes: signed reads of stock, never kept by a cache."""
CACHE_CONTROL: Final = {"/leaderboards/": LEADERBOARD_CACHE, "/inventory/": INVENTORY_CACHE}
"""Each area's ``Cache-Control``, by its routes' path prefix."""
DEPENDENCIES: Final = "dependencies"
"""The context key of the getter of the function's ports (``Root.get``)."""
_INTEGER = re.compile(r"-?[0-9]{1,9}")


def dependencies(router: Router) -> ApiDependencies:
    """The function's ports, built on first use."""
    getter: Callable[[], ApiDependencies] = router.context[DEPENDENCIES]
    return getter()


def query(router: Router, name: str) -> str | None:
    return router.current_event.get_query_string_value(name)


def integer(router: Router, name: str, default: int) -> int:
    text = query(router, name)
    if text is None:
        return default
    if not _INTEGER.fullmatch(text):
        raise BadRequestError(f"{name} must be an integer, got {show(text)}")
    return int(text)


def read(call: Callable[[], Any]) -> Any:
    """Run a port read; its ValueError (a limit, window, period or cursor out of bounds) is
    the client's mistake and names the parameter: a 400."""
    try:
        return call()
    except ValueError as error:
        raise BadRequestError(str(error)) from None


def cache_control(app: Any, next_middleware: NextMiddleware) -> Response[Any]:
    """The resolver's middleware: ``Cache-Control`` on every route's response, by area
    (`CACHE_CONTROL`); a 400 or 404 raised by a route is answered without it."""
    response = next_middleware(app)
    path = app.current_event.path
    for prefix, value in CACHE_CONTROL.items():
        if path.startswith(prefix):
            response.headers["Cache-Control"] = value
    return response
