"""Admin wallet movements on the exactly-once engine: read the wallet and the idempotency
record together, decide in the domain, commit in one transaction with the record; replay
the first answer for a repeated key.

A refusal (insufficient funds, ...) is recorded under its key too, so a retry gets the same
refusal; bad input (a validation error, an unknown player) is not: it changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from casino import aws
from casino.errors import DomainError, NotFound, ValidationFailed
from casino.idempotency import Record, replay
from casino.wallet import engine, store
from casino.wallet.domain import Movement, Wallet, require_player
from casino.wallet.engine import Plan, Snapshot, Write

Decision = Callable[[Wallet, int], tuple[Movement, dict[str, Any]]]


class WalletMove(engine.Operation):
    """One decision on one player's wallet, optionally under an idempotency key."""

    def __init__(
        self,
        player_id: str,
        decide: Decision,
        *,
        scope: str | None,
        key: str | None,
        fp: str,
        key_field: str,
    ):
        self.player_id = player_id
        self.gate = player_id
        self.decision = decide
        self.keyed = (scope, key) if scope is not None and key is not None else None
        self.fp = fp
        self.key_field = key_field

    def read(self) -> Snapshot:
        wanted = {"wallet": store.wallet_slot(self.player_id)}
        if self.keyed:
            wanted["record"] = store.record_slot(*self.keyed)
        return aws.batch_get(wanted)

    def replay(self, snap: Snapshot) -> dict[str, Any] | None:
        item = snap.get("record")
        if item is None or self.keyed is None:
            return None
        return replay(store.record_from_item(item, *self.keyed), self.fp, key_field=self.key_field)

    def decide(self, snap: Snapshot, now: int) -> Plan:
        item = snap["wallet"]
        wallet = require_player(store.wallet_from_item(item) if item else None, self.player_id)
        movement, answer = self.decision(wallet, now)
        writes = []
        if self.keyed:
            writes.append(Write(store.record_put(Record.ok(*self.keyed, self.fp, answer, now)), "record"))
        return Plan(movement, answer, writes)

    def refusal(self, snap: Snapshot, error: Exception, now: int) -> list[Write] | None:
        if self.keyed is None or not isinstance(error, DomainError) or isinstance(error, ValidationFailed | NotFound):
            return None
        return [Write(store.record_put(Record.error(*self.keyed, self.fp, error, now)), "record")]


def move(
    player_id: str,
    decide: Decision,
    *,
    scope: str | None = None,
    key: str | None = None,
    fp: str = "",
    key_field: str = "idempotency_key",
) -> dict[str, Any]:
    """Apply ``decide`` to the player's wallet exactly once per (scope, key)."""
    return engine.run(WalletMove(player_id, decide, scope=scope, key=key, fp=fp, key_field=key_field))
