"""POST /api/v1/client/login: the one-time client token for an auth token, accounts synced."""

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from casino.hub import client_sessions
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app(authenticated=False)


class Login(BaseModel):
    client_token: str = Field(min_length=16, max_length=200)


@app.post("/api/v1/client/login")
def login(body: Login) -> dict[str, Any]:
    return client_sessions.login(body.client_token, app.lambda_context.get_remaining_time_in_millis)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
