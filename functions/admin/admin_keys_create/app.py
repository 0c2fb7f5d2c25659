"""POST /api/v1/admin/admin-keys: a new admin key (shown once, stored as a hash)."""

from typing import TYPE_CHECKING, Any

from casino.api.admin_auth import require_admin
from casino.api.admin_models import CreateAdminKey
from casino.api.rest import Response, rest_app
from casino.registry import admin_keys

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/admin-keys")
def create_key(body: CreateAdminKey) -> Response[dict[str, Any]]:
    return Response(status_code=201, content_type="application/json", body=admin_keys.create(body.label))


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
