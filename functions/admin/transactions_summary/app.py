"""GET /api/v1/admin/transactions/summary: one UTC day's counts and sums per source and
currency (bets, wins, refunds, cancels, net, and every other ledger type)."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.admin_auth import require_admin
from casino.api.params import Query
from casino.api.rest import rest_app
from casino.ops import transactions

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.get("/api/v1/admin/transactions/summary")
def summary(
    date: Annotated[str, Query(min_length=1, max_length=40)],
    provider: Annotated[str | None, Query(max_length=32)] = None,
    operator: Annotated[str | None, Query(max_length=32)] = None,
    source: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    return transactions.summary(date_text=date, provider=provider, operator=operator, source=source)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
