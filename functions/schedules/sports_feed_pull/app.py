"""EventBridge schedule: pull the sports feeds that are due, then assess every feed's status.

One invocation keeps pulling, as each feed's ``poll_seconds`` come round, for
``SPORTS_PULL_WINDOW_S`` seconds (inside the function's own time), so feeds polled more often
than the schedule's minute are pulled on time; a lease per feed keeps pulls from overlapping.
A run has its own correlation id (``pull-<request id>``), and its one line and metrics
(casino.telemetry; a failed pull makes the run a failed one), beside a line per pull.
"""

import os
import time
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from casino import clock, telemetry
from casino.sports import feeds

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service="sports-feed-pull")
MARGIN_MS = 10_000  # kept back from the function's remaining time for the last pull to finish


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    with telemetry.schedule_run("sports_feed_pull", context, "pull") as run:
        result = _pull(context)
        run.result(result)
    return result


def _pull(context: "LambdaContext") -> dict[str, Any]:
    window_s = float(os.environ.get("SPORTS_PULL_WINDOW_S", "0"))
    until = time.monotonic() + window_s
    pulls: list[dict[str, Any]] = []
    transitions: list[dict[str, Any]] = []
    while True:
        budget_s = max(1.0, (context.get_remaining_time_in_millis() - MARGIN_MS) / 1000)
        pulls.extend(feeds.pull_due(clock.now_ms(), budget_s=min(budget_s, 20.0)))
        transitions.extend(feeds.assess_all(clock.now_ms()))
        if time.monotonic() + 1 >= until or context.get_remaining_time_in_millis() < 2 * MARGIN_MS:
            break
        time.sleep(1)
    for pull in pulls:
        logger.info("sports feed pulled", extra={"pull": pull})
    for transition in transitions:
        logger.info("sports feed status changed", extra={"transition": transition})
    return {
        "pulled": len(pulls),
        "failed": sum(p["outcome"] == "failed" for p in pulls),
        "transitions": len(transitions),
    }
