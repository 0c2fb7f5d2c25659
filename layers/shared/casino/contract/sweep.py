"""The contract sweep (an EventBridge schedule): nothing under way is ever left behind.

- An **errored** contract (flagged by the state machine past a retry budget) is re-driven in a
  fresh execution from its phase, on a slow cadence that backs off (5 minutes, doubling, at most
  an hour), so no execution nears Step Functions' 25,000-event history limit. Past 7 days of
  trying it is handed to a person (``CONTRACTS_FOR_OPS``, on the admin status), never dropped.
- An **open** contract past the time it should be done by (its view timeout and a grace) whose
  execution is not running (its play died before starting it, or the execution ended without
  recording it) is re-driven the same way; one still running is looked at again later.

A re-drive is claimed with a conditional write of its attempt number, so concurrent sweeps start
it once; every task it runs is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from casino import clock
from casino.contract import executions, store
from casino.contract.domain import Contract

logger = Logger(service="contract-sweep")
BATCH = 50
FIRST_REDRIVE_MS = 5 * 60_000
MAX_REDRIVE_MS = 60 * 60_000
REDRIVE_WINDOW_MS = 7 * 24 * 3600_000
LOOK_AGAIN_MS = 5 * 60_000
MARGIN_MS = 3_000


def _ms(value: object) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            return None
    return None


def backoff_ms(attempt: int) -> int:
    return int(min(MAX_REDRIVE_MS, FIRST_REDRIVE_MS * 2 ** max(0, attempt)))


def _redrive(contract: Contract, now: int) -> bool:
    """Claim and start the next attempt. A start that fails (throttled, unavailable) leaves the
    claim in place: the open list shows the contract again at its due time, for the next attempt."""
    attempt = int(contract.extra.get("attempt", 0)) + 1
    if not store.claim_redrive(contract, attempt, now, now + backoff_ms(attempt) + contract.view_timeout_s * 1000):
        return False
    fresh = store.load(contract.session_id, contract.id)  # the index is eventually consistent: resume from what is
    if fresh is None or fresh.phase == "done":
        return False
    try:
        return executions.start(fresh, attempt)
    except ClientError:
        logger.exception("contract sweep: could not start a re-drive", extra={"contract_id": contract.id})
        return False


def run(remaining_ms: Callable[[], int] | None = None, now: int | None = None) -> dict[str, Any]:
    now = clock.now_ms() if now is None else now
    counts = {"redriven": 0, "handed_to_ops": 0, "waiting": 0, "running": 0}

    def time_left() -> bool:
        return remaining_ms is None or remaining_ms() > MARGIN_MS

    for contract in store.errored(BATCH):
        if not time_left():
            break
        since = _ms(contract.extra.get("errored_since")) or now
        flagged = _ms(contract.extra.get("flagged_at")) or since
        if now - since > REDRIVE_WINDOW_MS:
            store.hand_to_ops(contract)
            counts["handed_to_ops"] += 1
        elif now - flagged < backoff_ms(int(contract.extra.get("attempt", 0))):
            counts["waiting"] += 1
        elif _redrive(contract, now):
            counts["redriven"] += 1
    for contract in store.overdue(now, BATCH):
        if not time_left():
            break
        attempt = int(contract.extra.get("attempt", 0))
        if executions.running(contract, attempt):
            store.claim_redrive(contract, attempt, now, now + LOOK_AGAIN_MS, same=True)
            counts["running"] += 1
        elif _redrive(contract, now):
            counts["redriven"] += 1
    return counts
