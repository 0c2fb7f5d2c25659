"""EventBridge schedule: finish sessions whose heartbeat is overdue (client-api.md)."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from casino.hub import session_expiry

logger = Logger(service="session-expiry")


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = session_expiry.run(context.get_remaining_time_in_millis)
    logger.info("session expiry", extra=result)
    return result
