"""EventBridge schedule: pull every active provider's game list (provider-callbacks.md), each
fetch inside the time left; skipped while ops hold ``schedules`` in maintenance (a game-list
sync moves no money: nothing under way waits for it)."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from casino.errors import InMaintenance
from casino.ops import maintenance, services
from casino.registry import game_sync

logger = Logger(service="game-list-sync")


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        services.require_open_now(maintenance.GAME_LIST_SYNC)
    except InMaintenance as closed:
        logger.info("game list sync skipped", extra={"reason": closed.message})
        return {"synced": 0, "failed": 0, "skipped": "maintenance"}
    records = game_sync.run_all(context.get_remaining_time_in_millis)
    for record in records:
        logger.info("game list synced", extra={"sync": record})
    return {"synced": len(records), "failed": sum(r["outcome"] != "ok" for r in records)}
