"""GET /api/v1/sports/fixtures/{id}/points: its points after ``after_seq``, each with the score after it."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.params import Path, Query
from casino.hub.http import hub_app
from casino.sports import reads

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = hub_app()


@app.get("/api/v1/sports/fixtures/<fixture_id>/points")
def points(
    fixture_id: Annotated[str, Path(max_length=64)],
    after_seq: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> dict[str, Any]:
    return reads.points_page(fixture_id, after_seq, limit)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
