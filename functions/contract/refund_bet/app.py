"""Contract flow task: refund bet (a Lambda task of statemachines/contract.asl.json)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from casino.contract import steps


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return steps.refund_bet(event, context.get_remaining_time_in_millis)
