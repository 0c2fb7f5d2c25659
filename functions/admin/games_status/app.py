"""POST /api/v1/admin/games/{game_id}/status: open or close a game (``hub:<code>`` or a bare hub
code, ``<provider>:<game id>``)."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.admin_auth import require_admin
from casino.api.admin_models import SetGameStatus
from casino.api.params import Path
from casino.api.rest import rest_app
from casino.hub import instant_win

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/games/<game_id>/status")
def set_status(game_id: Annotated[str, Path(max_length=100)], body: SetGameStatus) -> dict[str, Any]:
    return instant_win.set_status(game_id, body.status)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
