"""POST /api/v1/admin/operators: a new operator; its app id and secrets are shown once."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from casino.api.admin_auth import require_admin
from casino.api.admin_models import RegisterOperator
from casino.api.rest import rest_app
from casino.hub import operators

app = rest_app(require_admin)


@app.post("/api/v1/admin/operators")
def register(body: RegisterOperator) -> Response[dict[str, Any]]:
    return Response(status_code=201, content_type="application/json", body=operators.register(**body.model_dump()))


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
