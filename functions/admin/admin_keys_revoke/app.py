"""POST /api/v1/admin/admin-keys/{key_id}/revoke: the key stops working at once."""

from typing import TYPE_CHECKING, Any

from casino.api.admin_auth import require_admin
from casino.api.rest import rest_app
from casino.errors import NotFound
from casino.registry import admin_keys

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/admin-keys/<key_id>/revoke")
def revoke_key(key_id: str) -> dict[str, Any]:
    revoked = admin_keys.revoke(key_id)
    if revoked is None:
        raise NotFound(f"admin key {key_id!r} not found", field="key_id")
    return revoked


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
