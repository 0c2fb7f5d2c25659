"""GET /api/v1/sports/fixtures: canonical fixtures by start time, sport and status, paginated."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.params import Query
from casino.hub.http import hub_app
from casino.sports import reads

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = hub_app()


@app.get("/api/v1/sports/fixtures")
def fixtures(
    sport: Annotated[str | None, Query(max_length=32)] = None,
    from_: Annotated[int | None, Query(alias="from", ge=0, le=10**13)] = None,
    to: Annotated[int | None, Query(ge=0, le=10**13)] = None,
    status: Annotated[str | None, Query(max_length=32)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = reads.PAGE,
) -> dict[str, Any]:
    return reads.fixtures_page(sport=sport, from_ms=from_, to_ms=to, status=status, cursor=cursor, limit=limit)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
