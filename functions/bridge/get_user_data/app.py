"""POST /api/v1/bridge/{operator}/get_user_data: the player's real and bonus accounts."""

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from casino.bridge import transactions
from casino.bridge.http import bridge_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = bridge_app()


class UserDataRequest(BaseModel):
    user_id: str = Field(min_length=1, max_length=70)


@app.post("/api/v1/bridge/<operator>/get_user_data")
def get_user_data(operator: str, body: UserDataRequest) -> dict[str, Any]:
    return transactions.user_data(operator, body.user_id)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
