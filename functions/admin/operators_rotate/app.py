"""POST /api/v1/admin/operators/{code}/rotate: a new app or wallet secret (the old one works until retire)."""

from typing import TYPE_CHECKING, Any

from casino.api.admin_auth import require_admin
from casino.api.admin_models import OperatorSecret
from casino.api.rest import rest_app
from casino.registry import operators

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/operators/<code>/rotate")
def rotate(code: str, body: OperatorSecret) -> dict[str, Any]:
    return operators.rotate(code, body.which)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
