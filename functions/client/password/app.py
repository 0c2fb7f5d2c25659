"""POST /api/v1/client/password: the player of a password session changes its password; every
other session of the user ends."""

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from casino.accounts import service
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app()


class ChangePassword(BaseModel):
    old_password: str
    new_password: str


@app.post("/api/v1/client/password")
def change_password(body: ChangePassword) -> dict[str, Any]:
    return service.change_password(
        app.context["caller"],
        **body.model_dump(),
        source_ip=app.current_event.request_context.identity.source_ip,
        remaining_ms=app.lambda_context.get_remaining_time_in_millis,
    )


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
