"""POST /api/v1/admin/sports/feeds/{code}/maintenance: set or clear a feed's maintenance (the feed
is then down with reason ``maintenance``, and not pulled)."""

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from casino import clock
from casino.api.admin_auth import require_admin
from casino.api.params import Path
from casino.api.rest import rest_app
from casino.sports import feeds

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


class Maintenance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    maintenance: bool = Field(strict=True)  # as the services' maintenance: 0 or "false" is no boolean
    reason: str = Field(default="", max_length=300)


@app.post("/api/v1/admin/sports/feeds/<code>/maintenance")
def maintenance(code: Annotated[str, Path(max_length=32)], body: Maintenance) -> dict[str, Any]:
    return feeds.set_maintenance(code, body.maintenance, body.reason, "ops", clock.now_ms())


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
