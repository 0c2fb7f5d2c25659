"""GET /api/v1/admin/games?provider=&status=&kind=: the games, by provider (never a scan)."""

from typing import TYPE_CHECKING, Annotated, Any, Literal

from casino.api.admin_auth import require_admin
from casino.api.params import Query
from casino.api.rest import rest_app
from casino.registry import games

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.get("/api/v1/admin/games")
def list_games(
    provider: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[Literal["active", "disabled"] | None, Query()] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    return {"games": games.listing(provider=provider, status=status, kind=kind)}


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
