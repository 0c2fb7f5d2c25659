"""Wallet movements, exactly once: read the wallet, decide in the domain, commit in one
transaction with the idempotency record; replay the first answer for a repeated key.

A refusal (insufficient funds, ...) is recorded under its key too, so a retry gets the same
refusal; bad input (a validation error, an unknown player) is not: it changes nothing.
A write that loses a race (the wallet moved since it was read) reads and decides
again, with jittered backoff, a bounded number of times.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from casino import clock
from casino.errors import DomainError, NotFound, ValidationFailed
from casino.idempotency import Record, replay
from casino.wallet import store
from casino.wallet.domain import Movement, Wallet, require_player

MAX_ATTEMPTS = 64


class WalletBusy(DomainError):
    code = "rate_limited"


Decision = Callable[[Wallet, int], tuple[Movement, dict[str, Any]]]
Extra = Callable[[Movement], list[dict[str, Any]]]


def backoff(attempt: int) -> None:
    """The wait before attempt ``attempt + 1`` of a write that lost a race: capped full jitter."""
    time.sleep(random.uniform(0, min(0.002 * 2**attempt, 0.05)))  # noqa: S311 - jitter, not a secret


def move(
    player_id: str,
    decide: Decision,
    *,
    scope: str | None = None,
    key: str | None = None,
    fp: str = "",
    extra: Extra | None = None,
    key_field: str = "idempotency_key",
) -> dict[str, Any]:
    """Apply ``decide`` to the player's wallet exactly once per (scope, key)."""
    for attempt in range(MAX_ATTEMPTS):
        now = clock.now_ms()
        wallet = require_player(store.get_wallet(player_id), player_id)
        try:
            movement, answer = decide(wallet, now)
        except (ValidationFailed, NotFound):
            raise  # bad input changes nothing, not even the idempotency key
        except DomainError as refusal:
            if scope is None or key is None:
                raise
            earlier = store.record_outcome(Record.error(scope, key, fp, refusal, now))
            if earlier is not None:
                return replay(earlier, fp, key_field=key_field)
            raise
        record = Record.ok(scope, key, fp, answer, now) if scope is not None and key is not None else None
        try:
            store.commit(movement, record, extra(movement) if extra else None)
        except store.DuplicateRequest as duplicate:
            return replay(duplicate.record, fp, key_field=key_field)
        except store.VersionConflict:
            backoff(attempt)
            continue
        return answer
    raise WalletBusy("the wallet is busy; retry with the same idempotency key")
