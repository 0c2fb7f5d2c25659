"""POST /api/v1/bridge/{operator}/initialize_session: the hub announces a session (acknowledged)."""

from typing import TYPE_CHECKING, Any

from casino.bridge.http import acknowledge_session, bridge_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = bridge_app()


@app.post("/api/v1/bridge/<operator>/initialize_session")
def initialize_session(operator: str) -> dict[str, bool]:
    return acknowledge_session(app.current_event.json_body)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
