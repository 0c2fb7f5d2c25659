"""EventBridge schedule: pull every active provider's game list (provider-callbacks.md)."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from casino.registry import game_sync

logger = Logger(service="game-list-sync")


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = game_sync.run_all()
    for record in records:
        logger.info("game list synced", extra={"sync": record})
    return {"synced": len(records), "failed": sum(r["outcome"] != "ok" for r in records)}
