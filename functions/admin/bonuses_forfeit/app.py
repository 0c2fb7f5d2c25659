"""POST /api/v1/admin/bonuses/{bonus_id}/forfeit: the bonus ends, its balance is removed."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from casino.api.admin_auth import require_admin
from casino.api.rest import rest_app
from casino.wallet import admin

app = rest_app(require_admin)


@app.post("/api/v1/admin/bonuses/<bonus_id>/forfeit")
def forfeit(bonus_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    return admin.forfeit_bonus(bonus_id)


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
