"""EventBridge schedule: pull every active provider's game list (provider-callbacks.md), each
fetch inside the time left; skipped while ops hold ``schedules`` in maintenance (a game-list
sync moves no money: nothing under way waits for it). One line per run and per provider, and
``SyncResults`` by outcome (casino.telemetry)."""

from typing import TYPE_CHECKING, Any

from casino import telemetry
from casino.errors import InMaintenance
from casino.ops import maintenance, services
from casino.registry import game_sync

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    with telemetry.schedule_run("game_list_sync", context, "sync") as run:
        try:
            services.require_open_now(maintenance.GAME_LIST_SYNC)
        except InMaintenance:
            result: dict[str, Any] = {"synced": 0, "failed": 0, "skipped": "maintenance"}
            run.result(result)
            return result
        records = game_sync.run_all(context.get_remaining_time_in_millis)
        telemetry.sync_results(records)
        result = {"synced": len(records), "failed": sum(r["outcome"] != "ok" for r in records)}
        run.result(result)
    return result
