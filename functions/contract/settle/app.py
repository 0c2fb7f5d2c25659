"""Contract flow task: settle (a Lambda task of statemachines/contract.asl.json), under the
execution's correlation id, with its one line (casino.telemetry)."""

from typing import TYPE_CHECKING, Any

from casino import telemetry
from casino.contract import steps

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    remaining = context.get_remaining_time_in_millis
    return telemetry.contract_step("settle", event, lambda: steps.settle(event, remaining))
