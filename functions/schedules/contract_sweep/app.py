"""EventBridge schedule: re-drive errored and overdue contracts in fresh executions."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from casino.contract import sweep

logger = Logger(service="contract-sweep")


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = sweep.run(context.get_remaining_time_in_millis)
    logger.info("contract sweep", extra=result)
    return result
