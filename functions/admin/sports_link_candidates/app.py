"""GET /api/v1/admin/sports/link-candidates: possible duplicates, with their reasons and a score."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.admin_auth import require_admin
from casino.api.params import Query
from casino.api.rest import rest_app
from casino.sports import reads

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.get("/api/v1/admin/sports/link-candidates")
def candidates(
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = reads.PAGE,
) -> dict[str, Any]:
    return reads.candidates(cursor, limit)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
