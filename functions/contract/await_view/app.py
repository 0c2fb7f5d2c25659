"""Contract flow task: await view (a Lambda task of statemachines/contract.asl.json), under the
execution's correlation id, with its one line (casino.telemetry; never the task token)."""

from typing import TYPE_CHECKING, Any

from casino import telemetry
from casino.contract import steps

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return telemetry.contract_step("await_view", event, lambda: steps.await_view(event))
