"""POST /api/v1/admin/sports/fixtures/{id}/link: the duplicate's feed refs move to this fixture,
the duplicate redirects to it (idempotent)."""

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


class Link(BaseModel):
    model_config = ConfigDict(extra="forbid")
    duplicate_id: str = Field(min_length=1, max_length=64)
    reason: str | None = Field(default=None, max_length=300)


@app.post("/api/v1/admin/sports/fixtures/<fixture_id>/link")
def link(fixture_id: Annotated[str, Path(max_length=64)], body: Link) -> dict[str, Any]:
    reasons = [body.reason] if body.reason else []
    return fixtures.view(fixtures.link(fixture_id, body.duplicate_id, clock.now_ms(), by="ops", reasons=reasons))


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
