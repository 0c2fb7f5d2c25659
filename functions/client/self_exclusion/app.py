"""POST /api/v1/client/self_exclusion: a self-exclusion or time-out from now on."""

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from casino.hub import client_limits
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app()


class Exclude(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: Literal["24h", "7d", "30d", "6m", "1y", "permanent"]


@app.post("/api/v1/client/self_exclusion")
def self_exclusion(body: Exclude) -> dict[str, Any]:
    remaining = app.lambda_context.get_remaining_time_in_millis
    return client_limits.exclude(app.context["caller"], body.period, remaining)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
