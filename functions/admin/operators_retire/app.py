"""POST /api/v1/admin/operators/{code}/retire: the rotated-out secret stops working at once."""

from typing import TYPE_CHECKING, Any

from casino.api.admin_auth import require_admin
from casino.api.admin_models import OperatorSecret
from casino.api.rest import rest_app
from casino.registry import operators

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/operators/<code>/retire")
def retire(code: str, body: OperatorSecret) -> dict[str, Any]:
    return operators.retire(code, body.which)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
