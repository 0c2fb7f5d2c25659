"""POST /api/v1/admin/players/{player_id}/credentials: set or reset a password player's username
and password; every session of the user ends."""

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel

from casino.accounts import service
from casino.api.admin_auth import require_admin
from casino.api.params import Path
from casino.api.rest import rest_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


class SetCredentials(BaseModel):
    operator: str
    username: str
    password: str


@app.post("/api/v1/admin/players/<player_id>/credentials")
def set_credentials(player_id: Annotated[str, Path(max_length=70)], body: SetCredentials) -> dict[str, Any]:
    return service.set_credentials(
        player_id, **body.model_dump(), remaining_ms=app.lambda_context.get_remaining_time_in_millis
    )


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
