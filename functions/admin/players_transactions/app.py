"""POST /api/v1/admin/players/{player_id}/transactions: deposit, withdrawal or adjustment, exactly once."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.admin_auth import require_admin
from casino.api.admin_models import PlayerTransaction
from casino.api.params import Path
from casino.api.rest import rest_app
from casino.wallet import admin

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/players/<player_id>/transactions")
def post_transaction(player_id: Annotated[str, Path(max_length=70)], body: PlayerTransaction) -> dict[str, Any]:
    return admin.post_transaction(player_id, **body.model_dump())


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
