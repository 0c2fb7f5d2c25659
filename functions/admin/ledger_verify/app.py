"""GET /api/v1/admin/ledger/verify: stored balances against the sum of their ledger entries.

One player (``player_id``), or every player a page at a time: ``limit`` players at most (and
fewer once their ledgers pass an entry budget, ``casino.wallet.admin``), ``next_cursor`` to go
on, None after the last."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.admin_auth import require_admin
from casino.api.params import Query
from casino.api.rest import rest_app
from casino.wallet import admin

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.get("/api/v1/admin/ledger/verify")
def verify(
    player_id: Annotated[str | None, Query(max_length=70)] = None,
    cursor: Annotated[str | None, Query(max_length=70)] = None,
    limit: Annotated[int, Query(ge=1, le=admin.VERIFY_MAX_PLAYERS)] = admin.VERIFY_PLAYERS,
) -> dict[str, Any]:
    return admin.verify(player_id, cursor=cursor, limit=limit)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
