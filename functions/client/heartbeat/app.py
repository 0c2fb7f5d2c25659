"""POST /api/v1/client/heartbeat: keeps the session alive; its status and balances."""

from typing import TYPE_CHECKING, Any

from casino.hub import client_sessions
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app()


@app.post("/api/v1/client/heartbeat")
def heartbeat() -> dict[str, Any]:
    return client_sessions.heartbeat(app.context["caller"])


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
