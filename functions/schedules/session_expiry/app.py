"""EventBridge schedule: finish sessions whose heartbeat is overdue (client-api.md). A run has its
own correlation id (``expiry-<request id>``, sent with its finalize_session calls), and its one
line and metrics (casino.telemetry)."""

from typing import TYPE_CHECKING, Any

from casino import telemetry
from casino.hub import session_expiry

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    with telemetry.schedule_run("session_expiry", context, "expiry") as run:
        result = session_expiry.run(context.get_remaining_time_in_millis)
        run.result(result)
    return result
