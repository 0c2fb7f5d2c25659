"""GET /api/v1/admin/transactions: the reconciliation feed, every ledger entry in [from, to) by
provider, operator or admin, paginated; JSON, or CSV with ``Accept: text/csv``."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.admin_auth import require_admin
from casino.api.params import Header, Query
from casino.api.rest import Response, rest_app
from casino.ops import reconciliation, transactions

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.get("/api/v1/admin/transactions")
def feed(
    from_: Annotated[str, Query(alias="from", min_length=1, max_length=40)],
    to: Annotated[str, Query(min_length=1, max_length=40)],
    provider: Annotated[str | None, Query(max_length=32)] = None,
    operator: Annotated[str | None, Query(max_length=32)] = None,
    source: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=transactions.MAX_LIMIT)] = transactions.DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    accept: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response[Any]:
    page = transactions.feed(
        from_text=from_, to_text=to, provider=provider, operator=operator, source=source, limit=limit, cursor=cursor
    )
    if not reconciliation.wants_csv(accept):
        return Response(200, "application/json", page, {"Vary": "Accept"})
    text, headers = transactions.csv_answer(page)
    return Response(200, "text/csv; charset=utf-8", text, headers)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
