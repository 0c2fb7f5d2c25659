"""POST /api/v1/hub/create_session: a session for the operator's user, and the client_url."""

from typing import TYPE_CHECKING, Any

from casino.errors import ValidationFailed
from casino.hub import sessions
from casino.hub.http import caller, hub_app, public_base_url

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = hub_app()


@app.post("/api/v1/hub/create_session")
def create_session() -> dict[str, Any]:
    body = app.current_event.json_body
    if not isinstance(body, dict):
        raise ValidationFailed("body: a JSON object", field="body")
    return sessions.create_session(caller(app), body, public_base_url(app))


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
