"""POST /api/v1/hub/search_sessions: the operator's sessions by start date, user and status, paginated."""

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from casino.hub import sessions
from casino.hub.http import caller, hub_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = hub_app()


class SearchSessions(BaseModel):
    from_date: int = Field(ge=0, strict=True, description="unix ms")
    to_date: int | None = Field(default=None, ge=0, strict=True)
    user_id: str | None = Field(default=None, min_length=1, max_length=70)
    status: str | None = None
    limit: int = Field(default=50, ge=1, le=100, strict=True)
    cursor: str | None = Field(default=None, max_length=2000)


@app.post("/api/v1/hub/search_sessions")
def search_sessions(body: SearchSessions) -> dict[str, Any]:
    return sessions.search(caller(app), **body.model_dump())


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
