"""GET /api/v1/client/reality_check: time played, net position, and when the next check is due."""

from typing import TYPE_CHECKING, Any

from casino.hub import reality_check
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app()


@app.get("/api/v1/client/reality_check")
def status() -> dict[str, Any]:
    return reality_check.status(app.context["caller"])


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
