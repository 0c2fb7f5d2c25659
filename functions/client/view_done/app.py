"""POST /api/v1/client/view_done: the player has seen the prize; the settlement follows."""

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from casino.hub import plays
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app()


class ViewDone(BaseModel):
    contract_id: str = Field(min_length=1, max_length=64)


@app.post("/api/v1/client/view_done")
def view_done(body: ViewDone) -> dict[str, Any]:
    remaining = app.lambda_context.get_remaining_time_in_millis
    return plays.view_done(app.context["caller"], body.contract_id, remaining)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
