"""GET /api/v1/admin/sports/feeds: every feed, its settings, its status and its last pull."""

from typing import TYPE_CHECKING, Any

from casino.api.admin_auth import require_admin
from casino.api.rest import rest_app
from casino.sports import feeds

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.get("/api/v1/admin/sports/feeds")
def listed() -> dict[str, Any]:
    return {"feeds": [{**feed, "transitions": feeds.history(feed["code"])} for feed in feeds.listed()]}


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
