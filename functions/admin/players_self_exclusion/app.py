"""POST /api/v1/admin/players/{player_id}/self_exclusion: ops exclude a player (with a reason)."""

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from casino.api.admin_auth import require_admin
from casino.api.params import Path
from casino.api.rest import rest_app
from casino.hub import client_limits

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


class Exclude(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: Literal["24h", "7d", "30d", "6m", "1y", "permanent"]
    reason: str = Field(min_length=1, max_length=500)


@app.post("/api/v1/admin/players/<player_id>/self_exclusion")
def self_exclusion(player_id: Annotated[str, Path(max_length=70)], body: Exclude) -> dict[str, Any]:
    remaining = app.lambda_context.get_remaining_time_in_millis
    return client_limits.exclude_by_ops(player_id, body.period, body.reason, remaining)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
