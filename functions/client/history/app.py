"""GET /api/v1/client/history: the session's contracts, newest first (``cursor`` continues)."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.params import Query
from casino.hub import plays
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app()


@app.get("/api/v1/client/history")
def history(
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = plays.HISTORY_LIMIT,
) -> dict[str, Any]:
    return plays.history(app.context["caller"], cursor, limit)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
