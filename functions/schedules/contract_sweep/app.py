"""EventBridge schedule: re-drive errored and overdue contracts in fresh executions. A run has its
own correlation id (``sweep-<request id>``), which the executions it starts carry, and its one
line and metrics (casino.telemetry)."""

from typing import TYPE_CHECKING, Any

from casino import telemetry
from casino.contract import sweep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    with telemetry.schedule_run("contract_sweep", context, "sweep") as run:
        result = sweep.run(context.get_remaining_time_in_millis)
        run.result(result)
    return result
