"""The exactly-once engine: every money movement of the platform goes through ``run``.

An ``Operation`` says what to read, how to replay a stored outcome, how to decide (pure
domain code), and how to record a refusal. The engine does the rest, the same way for the
admin wallet, the provider callbacks, the account bridge and the contract steps:

1. read everything once (one strongly consistent ``BatchGetItem``, the operation's slots);
2. replay the first outcome if the idempotency record is there;
3. decide; a refusal the operation records is written with its record, then raised;
4. commit the movement in ONE ``TransactWriteItems``: the wallet (conditional on its
   version), its ledger entries and bonus records, the idempotency record
   (``attribute_not_exists``) and the operation's other items (round, play, seal...);
5. a lost race is decided again at once from the transaction's cancellation reasons: every
   conditional item returns its current value (``ReturnValuesOnConditionCheckFailure:
   ALL_OLD``), which replaces the stale slot, so the retry costs one write and no read. A
   second loss waits a full jitter sized on the attempt's own read-decide-write window
   (doubling, capped) and reads afresh (a value from the reasons is stale after a wait);
   past ``MAX_ATTEMPTS`` the caller gets a retryable answer (``busy``), never a guess.

Inside one execution environment one wallet's movements are queued (``_gate``): see there.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from casino import aws, clock
from casino.errors import DomainError
from casino.wallet import store
from casino.wallet.domain import Movement

MAX_ATTEMPTS = 8
BACKOFF_BASE_S = 0.001
BACKOFF_CAP_S = 0.05

COVERED = "-"  # a ledger entry or bonus record: its condition fails only with the wallet's

# slot name -> the item as read (plain Python values), or None when it does not exist
Snapshot = dict[str, dict[str, Any] | None]


class WalletBusy(DomainError):
    code = "rate_limited"


@dataclass(frozen=True)
class Write:
    """One item of the transaction. ``slot`` names the snapshot slot it replaces: when its
    condition fails, the current item (or its absence) goes into that slot."""

    item: dict[str, Any]
    slot: str | None = None


@dataclass
class Plan:
    """A decision: the movement (None when no balance moves), the answer, the other writes."""

    movement: Movement | None
    answer: dict[str, Any]
    writes: list[Write] = field(default_factory=list)


class Operation:
    """One request's part in the engine. Subclasses read, decide and answer; the defaults
    record nothing and replay nothing."""

    def read(self) -> Snapshot:
        raise NotImplementedError

    def replay(self, snap: Snapshot) -> dict[str, Any] | None:
        """The first outcome, when the snapshot holds this request's idempotency record."""
        return None

    def decide(self, snap: Snapshot, now: int) -> Plan:
        raise NotImplementedError

    def refusal(self, snap: Snapshot, error: Exception, now: int) -> list[Write] | None:
        """The writes that record ``error`` (a refusal a retry must get again), or None when
        it is not recorded (bad input changes nothing)."""
        return None

    def lost(self, snap: Snapshot, slots: set[str]) -> None:
        """A hook after the slots whose condition failed were refreshed (e.g. a seal: OP_20)."""

    gate: str | None = None  # the wallet this operation moves (queued per wallet in-process)

    def busy(self) -> Exception:
        return WalletBusy("the wallet is busy; retry with the same idempotency key")


def backoff(attempt: int, window_s: float) -> None:
    """The wait before attempt ``attempt + 1`` of a write that lost a race again: full jitter
    over the attempt's own read-decide-write window, doubling with each loss, capped."""
    span = max(window_s, BACKOFF_BASE_S) * 2 ** (attempt - 1)
    time.sleep(random.uniform(0, min(span, BACKOFF_CAP_S)))  # noqa: S311 - jitter, not a secret


_GATES = tuple(threading.RLock() for _ in range(64))


def _gate(key: str | None) -> contextlib.AbstractContextManager[Any]:
    """The lock that queues one wallet's movements inside this execution environment.

    A Lambda environment serves one request at a time, so there it never waits; the local
    stack serves every request from threads of one process, where racing movements of one
    wallet would only burn the one CPU they share (each loser's retry slows the winner down).
    Across environments the conditional writes decide, as in AWS. Striped: bounded memory."""
    if key is None:
        return contextlib.nullcontext()
    return _GATES[zlib.crc32(key.encode("utf-8")) % len(_GATES)]


def run(op: Operation, *, attempts: int = MAX_ATTEMPTS) -> dict[str, Any]:
    """Apply ``op`` exactly once: its first outcome, whatever the retries and the races."""
    with _gate(op.gate):
        return _run(op, attempts)


def _run(op: Operation, attempts: int) -> dict[str, Any]:
    snap = op.read()
    for attempt in range(attempts):
        answer = op.replay(snap)
        if answer is not None:
            return answer
        started = time.perf_counter()
        now = clock.now_ms()
        try:
            plan = op.decide(snap, now)
        except Exception as error:
            writes = op.refusal(snap, error, now)
            if writes is None:
                raise
            refreshed = _commit(op, snap, writes)
            if refreshed is None:
                raise
            snap = refreshed
        else:
            refreshed = _commit(op, snap, [*movement_writes(plan.movement), *plan.writes])
            if refreshed is None:
                return plan.answer
            snap = refreshed
        if attempt > 0:  # lost twice: let the others through, then read afresh
            backoff(attempt, time.perf_counter() - started)
            snap = op.read()
    raise op.busy()


def movement_writes(movement: Movement | None) -> list[Write]:
    """The wallet (its slot is ``wallet``), its ledger entries and bonus records; nothing
    when the movement changed nothing."""
    if movement is None or not movement.changed:
        return []
    items = store.movement_items(movement)
    return [Write(items[0], "wallet"), *(Write(item, COVERED) for item in items[1:])]


def _commit(op: Operation, snap: Snapshot, writes: list[Write]) -> Snapshot | None:
    """One transaction. None when it committed; else the snapshot with every slot whose
    condition failed replaced by its current item (or read again, if a condition failed
    on an item no slot names)."""
    if not writes:
        return None
    try:
        store.transact([w.item for w in writes])
    except store.VersionConflict as lost:
        refreshed = dict(snap)
        slots: set[str] = set()
        for index in lost.failed:
            slot = writes[index].slot
            if slot == COVERED:
                continue
            if slot is None:
                return op.read()
            old = lost.reasons[index].get("Item") if index < len(lost.reasons) else None
            refreshed[slot] = aws.from_item(old) if old else None
            slots.add(slot)
        op.lost(refreshed, slots)
        return refreshed
    return None
