"""GET /api/v1/admin/ledger/verify: stored balances against the sum of their ledger entries."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from casino.api.admin_auth import require_admin
from casino.api.rest import rest_app
from casino.wallet import admin

app = rest_app(require_admin)


@app.get("/api/v1/admin/ledger/verify")
def verify(player_id: Annotated[str | None, Query(max_length=70)] = None) -> dict[str, Any]:
    return admin.verify(player_id)


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
