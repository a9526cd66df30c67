"""``api``: the read API behind an HTTP API (payload v2), on Powertools' resolver.

The routes are `tap_aws.functions.routes`' routers (leaderboards, inventory); each request
finds the function's ports in the resolver's context. A bad parameter is a 400 whose message
names it; what a client asks for that does not exist is a 404; nothing a client sends causes a
500. A rank index that cannot answer now (`tap_core.leaderboard.RankIndexUnavailable`: its
server is unreachable) is a 503 with ``Retry-After``, never a 500 nor an old answer.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types

from tap_aws.functions.bootstrap import ApiDependencies, Root, build_api
from tap_aws.functions.routes import inventory, leaderboards
from tap_aws.functions.routes.requests import DEPENDENCIES, cache_control
from tap_core.leaderboard import RankIndexUnavailable

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE: Final = "api"
RETRY_AFTER_SECONDS: Final = 1
"""What a 503 tells a client to wait before asking again."""

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
app = APIGatewayHttpResolver()
app.include_router(leaderboards.router)
app.include_router(inventory.router)
app.use([cache_control])

root: Root[ApiDependencies] = Root(build_api)


def _index_unavailable(error: RankIndexUnavailable) -> Response[str]:
    # The endpoint the message names is for the log, not for clients.
    logger.warning("the rank index cannot answer", extra={"reason": str(error)})
    body = {"statusCode": 503, "message": "the rank index cannot answer now; try again shortly"}
    return Response(
        status_code=503,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body),
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


# Registered by call: Powertools' decorator is untyped, and would make the handler untyped too.
app.exception_handler(RankIndexUnavailable)(_index_unavailable)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The getter, not the ports: they are built by the first route that reads them.
    app.context[DEPENDENCIES] = root.get  # cleared when the request is resolved
    return app.resolve(event, context)
