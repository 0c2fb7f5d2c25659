"""POST /api/v1/hub/terminate_session: new plays refused at once; idempotent."""

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


@app.post("/api/v1/hub/terminate_session")
def terminate_session(body: SessionRef) -> dict[str, Any]:
    return sessions.terminate(
        caller(app), body.session_id, body.is_our_id, app.lambda_context.get_remaining_time_in_millis
    )


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
