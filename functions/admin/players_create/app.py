"""POST /api/v1/admin/players: a new player and wallet (201; the same player_id again: 409)."""

from typing import TYPE_CHECKING, Any

from casino.api.admin_auth import require_admin
from casino.api.admin_models import CreatePlayer
from casino.api.rest import Response, rest_app
from casino.wallet import admin

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/players")
def create_player(body: CreatePlayer) -> Response[dict[str, Any]]:
    limits = body.limits.model_dump() if body.limits else None
    player = admin.create_player(**{**body.model_dump(exclude={"limits"}), "limits": limits})
    return Response(status_code=201, content_type="application/json", body=player)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
