"""POST /api/v1/admin/game-sessions: a provider game-session token for a player and game."""

from typing import TYPE_CHECKING, Any

from casino.api.admin_auth import require_admin
from casino.api.admin_models import OpenGameSession
from casino.api.rest import Response, rest_app
from casino.provider import sessions

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/game-sessions")
def open_session(body: OpenGameSession) -> Response[dict[str, Any]]:
    session = sessions.open_session(**body.model_dump())
    return Response(status_code=201, content_type="application/json", body=session)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
