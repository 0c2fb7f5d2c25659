"""POST /api/v1/client/password_login: a password player signs in; the hub opens a session on
its casino and answers as ``login`` does (auth_token, session, accounts, games)."""

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from casino.accounts import service
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app(authenticated=False)


class PasswordLogin(BaseModel):
    operator: str
    username: str
    password: str


@app.post("/api/v1/client/password_login")
def password_login(body: PasswordLogin) -> dict[str, Any]:
    return service.password_login(
        **body.model_dump(),
        source_ip=app.current_event.request_context.identity.source_ip,
        remaining_ms=app.lambda_context.get_remaining_time_in_millis,
    )


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
