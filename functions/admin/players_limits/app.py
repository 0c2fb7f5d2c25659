"""POST /api/v1/admin/players/{player_id}/limits: ops set a player's limits (with a reason)."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.admin_auth import require_admin
from casino.api.params import Path
from casino.api.rest import rest_app
from casino.errors import ValidationFailed
from casino.wallet import limits

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/players/<player_id>/limits")
def set_limits(player_id: Annotated[str, Path(max_length=70)]) -> dict[str, Any]:
    body = app.current_event.json_body
    if not isinstance(body, dict):
        raise ValidationFailed("body: a JSON object", field="body")
    return limits.change(player_id, body, by="ops")


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
