"""POST /api/v1/sports/feeds/{code}/events: a feed pushes fixtures, points and corrections,
signed with its secret (verified before the body is read)."""

from typing import TYPE_CHECKING, Any

from casino import clock
from casino.api.rest import parse_body
from casino.hub.http import signed_app
from casino.sports import feeds

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = signed_app(
    lambda request, method, path: feeds.authenticate_push(
        request.path_parameters.get("code", ""), request.headers, request.signed_body, method, path
    )
)


@app.post("/api/v1/sports/feeds/<code>/events")
def events(code: str) -> dict[str, Any]:
    feed: dict[str, Any] = app.context["caller"]
    return feeds.push(feed, parse_body(app.current_event.raw_event), clock.now_ms())


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
