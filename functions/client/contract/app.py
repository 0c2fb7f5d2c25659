"""GET /api/v1/client/contracts/{id}: the contract as it stands (the page polls it)."""

from typing import TYPE_CHECKING, Any

from casino.hub import plays
from casino.hub.client_http import client_app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = client_app()


@app.get("/api/v1/client/contracts/<contract_id>")
def contract(contract_id: str) -> dict[str, Any]:
    return plays.contract(app.context["caller"], contract_id)


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
