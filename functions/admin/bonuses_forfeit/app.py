"""POST /api/v1/admin/bonuses/{bonus_id}/forfeit: the bonus ends, its balance is removed."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.admin_auth import require_admin
from casino.api.params import Path
from casino.api.rest import rest_app
from casino.wallet import admin

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/bonuses/<bonus_id>/forfeit")
def forfeit(bonus_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    return admin.forfeit_bonus(bonus_id)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
