"""POST /api/v1/provider/{provider}/cancel: the provider callback (provider-callbacks.md)."""

from typing import TYPE_CHECKING, Any

from casino.provider import callbacks, http

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return http.handle(event, "cancel", callbacks.cancel)
