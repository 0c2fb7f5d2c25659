"""GET /api/v1/client/games: the active games the session may play, with stakes and kind."""

from typing import TYPE_CHECKING, Any

from casino.hub import plays
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app()


@app.get("/api/v1/client/games")
def games() -> dict[str, Any]:
    return plays.session_games(app.context["caller"])


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
