"""GET /api/v1/admin/players/{player_id}/ledger: ledger entries, newest first, with a cursor."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.admin_auth import require_admin
from casino.api.params import Path, Query
from casino.api.rest import rest_app
from casino.wallet import admin

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.get("/api/v1/admin/players/<player_id>/ledger")
def ledger(
    player_id: Annotated[str, Path(max_length=70)],
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> dict[str, Any]:
    return admin.ledger(player_id, cursor, limit)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
