"""``api``: the read API behind an HTTP API (payload v2), on Powertools' resolver.

The routes are `tap_aws.functions.routes`' routers (leaderboards, inventory); each request
finds the function's ports in the resolver's context. A bad parameter is a 400 whose message
names it; what a client asks for that does not exist is a 404; nothing a client sends causes a
500.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from tap_aws.functions.bootstrap import ApiDependencies, Root, build_api
from tap_aws.functions.routes import inventory, leaderboards
from tap_aws.functions.routes.requests import DEPENDENCIES, cache_control

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SERVICE: Final = "api"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
app = APIGatewayHttpResolver()
app.include_router(leaderboards.router)
app.include_router(inventory.router)
app.use([cache_control])

root: Root[ApiDependencies] = Root(build_api)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The getter, not the ports: they are built by the first route that reads them.
    app.context[DEPENDENCIES] = root.get  # cleared when the request is resolved
    return app.resolve(event, context)
