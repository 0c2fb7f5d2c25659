"""POST /api/v1/hub/get_session: a session, by our id or theirs."""

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from casino.hub import sessions
from casino.hub.http import caller, hub_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = hub_app()


class SessionRef(BaseModel):
    session_id: str = Field(min_length=1, max_length=128)
    is_our_id: bool = Field(default=False, strict=True)  # 0, 1 or "yes" is no boolean


@app.post("/api/v1/hub/get_session")
def get_session(body: SessionRef) -> dict[str, Any]:
    return sessions.get(caller(app), body.session_id, body.is_our_id)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
