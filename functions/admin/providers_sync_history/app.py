"""GET /api/v1/admin/providers/{code}/sync-history: the provider's sync records, newest first."""

from typing import TYPE_CHECKING, Annotated, Any

from casino.api.admin_auth import require_admin
from casino.api.params import Path
from casino.api.rest import rest_app
from casino.errors import NotFound
from casino.registry import game_sync, providers

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.get("/api/v1/admin/providers/<code>/sync-history")
def history(code: Annotated[str, Path(max_length=32)]) -> dict[str, Any]:
    if providers.get(code) is None:
        raise NotFound(f"provider {code!r} not found", field="code")
    return {"records": game_sync.history(code)}


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
