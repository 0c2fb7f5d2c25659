"""POST /api/v1/bridge/{operator}/finalize_session: the hub closes a session (acknowledged)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from casino.bridge.http import bridge_app
from casino.errors import ValidationFailed

app = bridge_app()


@app.post("/api/v1/bridge/<operator>/finalize_session")
def finalize_session(operator: str) -> dict[str, Any]:
    session = app.current_event.json_body
    if not isinstance(session, dict) or not isinstance(session.get("id"), str):
        raise ValidationFailed("body: a Session with its id", field="id")
    return {"success": True}


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
