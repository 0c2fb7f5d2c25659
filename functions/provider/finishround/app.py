"""POST /api/v1/provider/{provider}/finishround: the provider callback (provider-callbacks.md)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from casino.provider import callbacks, http


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.handle(event, "finishround", callbacks.finishround)
