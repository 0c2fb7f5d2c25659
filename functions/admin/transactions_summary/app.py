"""GET /api/v1/admin/transactions/summary: one UTC day's counts and sums per source and
currency (bets, wins, refunds, cancels, net, and every other ledger type).

Read from the day's stored roll-ups and what came after them, within a bounded budget:
``complete`` says whether every entry of the day (to now) was counted, ``as_of`` up to when."""

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field
from typing_extensions import TypedDict

from casino.api.admin_auth import require_admin
from casino.api.params import Query
from casino.api.rest import rest_app
from casino.ops import transactions

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)

TransactionsSummary = TypedDict(
    "TransactionsSummary",
    {
        "date": Annotated[str, Field(description="the UTC day, YYYY-MM-DD")],
        "from": Annotated[str, Field(description="the day's first instant (ISO 8601, UTC)")],
        "to": Annotated[str, Field(description="the next day's first instant: the day is [from, to)")],
        "complete": Annotated[
            bool,
            Field(
                description="true when every source's entries of the day (to now) were counted; false when the "
                "request's read budget ran out first (ask again: each request and the roll-up schedule catch up)"
            ),
        ],
        "as_of": Annotated[
            str,
            Field(
                description="every entry created before this instant (ISO 8601, UTC) is counted: the time of the "
                "answer (at most the day's end) when complete, else where the furthest-behind source stopped"
            ),
        ],
        "incomplete_sources": Annotated[
            list[str], Field(description="the sources counted only up to a point (empty when complete)")
        ],
        "sources": Annotated[
            list[dict[str, Any]],
            Field(description="per source and currency: each ledger type's count and sums, bets, wins, net..."),
        ],
        "totals": Annotated[list[dict[str, Any]], Field(description="the same per currency over every source")],
    },
)


@app.get("/api/v1/admin/transactions/summary")
def summary(
    date: Annotated[str, Query(min_length=1, max_length=40)],
    provider: Annotated[str | None, Query(max_length=32)] = None,
    operator: Annotated[str | None, Query(max_length=32)] = None,
    source: Annotated[str | None, Query(max_length=32)] = None,
) -> TransactionsSummary:
    answer: TransactionsSummary = transactions.summary(  # type: ignore[assignment]
        date_text=date, provider=provider, operator=operator, source=source
    )
    return answer


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
