"""POST /api/v1/admin/providers/{code}/sync: run the game-list sync now; answers its history record."""

from typing import TYPE_CHECKING, Annotated, Any

from casino import telemetry
from casino.api.admin_auth import require_admin
from casino.api.params import Path
from casino.api.rest import rest_app
from casino.errors import NotFound
from casino.registry import game_sync, providers

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/providers/<code>/sync")
def sync(code: Annotated[str, Path(max_length=32)]) -> dict[str, Any]:
    if providers.get(code) is None:
        raise NotFound(f"provider {code!r} not found", field="code")
    record = game_sync.run(code, app.lambda_context.get_remaining_time_in_millis)
    telemetry.sync_results([record])
    return record


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
