"""POST /api/v1/bridge/{operator}/create_transaction: play, win, lose, refund or cancel_win, exactly once."""

from typing import TYPE_CHECKING, Any

from casino.bridge import transactions
from casino.bridge.http import bridge_app
from casino.errors import ValidationFailed

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = bridge_app()


@app.post("/api/v1/bridge/<operator>/create_transaction")
def create_transaction(operator: str) -> dict[str, Any]:
    body = app.current_event.json_body
    if not isinstance(body, dict):
        raise ValidationFailed("body: a JSON object", field="body")
    return transactions.create_transaction(operator, body)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
