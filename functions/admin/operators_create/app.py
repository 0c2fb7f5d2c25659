"""POST /api/v1/admin/operators: a new operator; its app id and secrets are shown once (a
bridge operator's wallet secret never). The same registration again answers 200 without them."""

from typing import TYPE_CHECKING, Any

from casino.api.admin_auth import require_admin
from casino.api.admin_models import RegisterOperator
from casino.api.rest import Response, rest_app
from casino.hub.http import public_base_url
from casino.registry import operators

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/operators")
def register(body: RegisterOperator) -> Response[dict[str, Any]]:
    fields = {**body.model_dump(), "wallet_base_url": body.wallet_base_url or ""}
    done = operators.register(**fields, public_base_url=public_base_url(app))
    return Response(status_code=201 if done.created else 200, content_type="application/json", body=done.answer)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
