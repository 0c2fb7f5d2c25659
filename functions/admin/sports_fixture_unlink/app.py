"""POST /api/v1/admin/sports/fixtures/{id}/unlink: a feed ref out of the fixture, into its own
fixture again (idempotent)."""

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from casino import clock
from casino.api.admin_auth import require_admin
from casino.api.params import Path
from casino.api.rest import rest_app
from casino.sports import fixtures

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


class Unlink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    feed: str = Field(min_length=1, max_length=32)
    ref_id: str = Field(min_length=1, max_length=128)


@app.post("/api/v1/admin/sports/fixtures/<fixture_id>/unlink")
def unlink(fixture_id: Annotated[str, Path(max_length=64)], body: Unlink) -> dict[str, Any]:
    return fixtures.view(fixtures.unlink(fixture_id, body.feed, body.ref_id, clock.now_ms(), by="ops"))


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
