"""GET /api/v1/client/limits: the player's limits, pending changes, usage and exclusion."""

from typing import TYPE_CHECKING, Any

from casino.hub import client_limits
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app()


@app.get("/api/v1/client/limits")
def limits() -> dict[str, Any]:
    return client_limits.current(app.context["caller"])


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
