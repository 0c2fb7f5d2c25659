"""GET /api/v1/admin/players/{player_id}: the player with balances, bonus and wagering."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.admin_auth import require_admin
from casino.api.params import Path
from casino.api.rest import rest_app
from casino.wallet import admin

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.get("/api/v1/admin/players/<player_id>")
def get_player(player_id: Annotated[str, Path(max_length=70)]) -> dict[str, Any]:
    return admin.get_player(player_id)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
