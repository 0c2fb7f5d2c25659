"""POST /api/v1/client/register: a password player of one of our casinos (201): its casino
wallet, hub user and credential, in one transaction."""

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from casino.accounts import service
from casino.api.rest import Response
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app(authenticated=False)


class Register(BaseModel):
    operator: str
    username: str
    password: str
    currency: str
    country: str
    display_name: str | None = None


@app.post("/api/v1/client/register")
def register(body: Register) -> Response[dict[str, Any]]:
    return Response(status_code=201, content_type="application/json", body=service.register(**body.model_dump()))


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
