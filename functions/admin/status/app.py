"""GET /api/v1/admin/status: each service up, degraded or in maintenance."""

from typing import TYPE_CHECKING, Any

from casino.api.admin_auth import require_admin
from casino.api.rest import rest_app
from casino.ops import status

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.get("/api/v1/admin/status")
def get_status() -> dict[str, Any]:
    return status.report()


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
