"""POST /api/v1/client/exit: the session finishes; the operator's finalize_session is called once."""

from typing import TYPE_CHECKING, Any

from casino.hub import client_sessions
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app()


@app.post("/api/v1/client/exit")
def exit_session() -> dict[str, Any]:
    return client_sessions.exit_session(app.context["caller"], app.lambda_context.get_remaining_time_in_millis)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
