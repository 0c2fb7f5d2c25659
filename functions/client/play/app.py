"""POST /api/v1/client/play: reserve a prize, create the contract, start its flow; answers once
the bet is placed or refused. The same ``play_id`` never bets twice."""

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from casino.hub import plays
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app()


class Play(BaseModel):
    game_id: str = Field(min_length=1, max_length=64)
    stake: str = Field(min_length=1, max_length=48)
    play_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


@app.post("/api/v1/client/play")
def play(body: Play) -> dict[str, Any]:
    remaining = app.lambda_context.get_remaining_time_in_millis
    return plays.play(app.context["caller"], body.game_id, body.stake, body.play_id, remaining)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
