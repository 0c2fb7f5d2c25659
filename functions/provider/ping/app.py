"""GET /api/v1/provider/{provider}/ping: a signed, empty OK envelope for an authenticated provider."""

from typing import TYPE_CHECKING, Any

from casino.provider import http

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return http.handle(event, "ping", lambda provider, data, seal: {}, has_body=False)
