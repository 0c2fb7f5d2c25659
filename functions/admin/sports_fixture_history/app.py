"""GET /api/v1/admin/sports/fixtures/{id}/history: every link, unlink, correction and flag of a
fixture, with its reasons, oldest first."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.admin_auth import require_admin
from casino.api.params import Path, Query
from casino.api.rest import rest_app
from casino.sports import reads

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.get("/api/v1/admin/sports/fixtures/<fixture_id>/history")
def history(
    fixture_id: Annotated[str, Path(max_length=64)],
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> dict[str, Any]:
    return reads.history(fixture_id, cursor, limit)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
