"""EventBridge schedule: advance the transactions roll-ups (every source, yesterday and today) that
``GET /admin/transactions/summary`` starts from, inside the Lambda's time; a day read to its end
once settled is marked final. One line and ``ScheduleRuns`` per run (casino.telemetry); a run
with a roll-up it could not advance counts ``ScheduleFailures``."""

from typing import TYPE_CHECKING, Any

from casino import telemetry
from casino.ops import rollup_run

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    with telemetry.schedule_run("transactions_rollup", context, "rollup") as run:
        result = rollup_run.run(context.get_remaining_time_in_millis)
        run.result(result)
    return result
