"""POST /api/v1/admin/players/{player_id}/status: active or blocked."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from casino.api.admin_auth import require_admin
from casino.api.admin_models import SetPlayerStatus
from casino.api.rest import rest_app
from casino.wallet import admin

app = rest_app(require_admin)


@app.post("/api/v1/admin/players/<player_id>/status")
def set_status(player_id: Annotated[str, Path(max_length=70)], body: SetPlayerStatus) -> dict[str, Any]:
    return admin.set_status(player_id, body.status)


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
