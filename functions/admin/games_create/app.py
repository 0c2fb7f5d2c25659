"""POST /api/v1/admin/games: a hub game, its first series generated, stored and committed
(the root published on the game) before it is open. 201; a code that is taken, 409."""

from typing import TYPE_CHECKING, Any

from casino.api.admin_auth import require_admin
from casino.api.admin_models import CreateHubGame
from casino.api.rest import Response, rest_app
from casino.hub import instant_win

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/games")
def create(body: CreateHubGame) -> Response[dict[str, Any]]:
    game, _ = instant_win.create_game(**body.model_dump())
    return Response(status_code=201, content_type="application/json", body=game)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
