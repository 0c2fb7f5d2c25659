"""POST /api/v1/client/reality_check: the player acknowledges the reality check and plays on."""

from typing import TYPE_CHECKING, Any

from casino.hub import reality_check
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app()


@app.post("/api/v1/client/reality_check")
def acknowledge() -> dict[str, Any]:
    return reality_check.acknowledge(app.context["caller"])


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
