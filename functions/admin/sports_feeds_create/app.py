"""POST /api/v1/admin/sports/feeds: register a sports feed (201; the same registration again 200)."""

from typing import TYPE_CHECKING, Any

from casino import clock
from casino.api.admin_auth import require_admin
from casino.api.jsonio import dumps
from casino.api.rest import Response, parse_body, rest_app
from casino.sports import feeds

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = rest_app(require_admin)


@app.post("/api/v1/admin/sports/feeds")
def register() -> Response[str]:
    feed, created = feeds.register(parse_body(app.current_event.raw_event), clock.now_ms())
    return Response(status_code=201 if created else 200, content_type="application/json", body=dumps(feed))


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
