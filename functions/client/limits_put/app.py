"""PUT /api/v1/client/limits: set, lower (at once), raise or remove (after 24 h) the player's limits."""

from typing import TYPE_CHECKING, Any

from casino.errors import ValidationFailed
from casino.hub import client_limits
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app()


@app.put("/api/v1/client/limits")
def limits() -> dict[str, Any]:
    body = app.current_event.json_body
    if not isinstance(body, dict):
        raise ValidationFailed("body: a JSON object", field="body")
    return client_limits.change(app.context["caller"], body)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
