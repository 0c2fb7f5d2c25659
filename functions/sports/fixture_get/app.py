"""GET /api/v1/sports/fixtures/{id}: a fixture with its score, status and feed refs (a replaced id
answers its survivor, with ``redirected_from``)."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.params import Path
from casino.hub.http import hub_app
from casino.sports import reads

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = hub_app()


@app.get("/api/v1/sports/fixtures/<fixture_id>")
def fixture(fixture_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    return reads.fixture(fixture_id)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
