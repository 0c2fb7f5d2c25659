"""The exactly-once engine under races it loses: re-decided from the cancellation reasons (no
re-read), bounded, and answered with a retryable refusal past its attempts."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest

from casino.wallet import admin, domain, engine, service
from casino.wallet.domain import Movement, Wallet
from local.metering import counting
from tests.conftest import RunningStack


def player(running: RunningStack) -> str:
    pid = f"eng-{uuid.uuid4().hex[:10]}"
    admin.create_player(player_id=pid, user_name=pid, country="MT", currency="EUR")
    return pid


def deposit(pid: str, key: str, minor: int, *, meanwhile: Any = None) -> dict[str, Any]:
    """A deposit whose first decision is overtaken by ``meanwhile`` (another movement)."""
    calls = {"n": 0}

    def decide(wallet: Wallet, now: int) -> tuple[Movement, dict[str, Any]]:
        calls["n"] += 1
        if calls["n"] == 1 and meanwhile is not None:
            meanwhile()
        movement = domain.deposit(wallet, minor, now, {"source": "admin", "idempotency_key": key})
        return movement, {"real": movement.wallet.real, "decisions": calls["n"]}

    return service.move(pid, decide, scope=f"admin#{pid}", key=key, fp=key)


def test_a_lost_race_is_decided_again_from_the_cancellation_reasons(running: RunningStack) -> None:
    pid = player(running)
    with counting() as counts:
        answer = deposit(
            pid,
            "late",
            500,
            meanwhile=lambda: admin.post_transaction(pid, type="deposit", amount="1.00", idempotency_key="first"),
        )
    # the overtaking deposit: one read, one write (no admin key here); ours: one read, two writes
    assert answer == {"real": 600, "decisions": 2}
    assert counts == Counter({"BatchGetItem": 2, "TransactWriteItems": 3})
    assert admin.get_player(pid)["balances"]["real"] == "6.00"
    assert admin.verify(pid)["differences"] == []


def test_past_its_attempts_the_engine_answers_busy_and_moves_nothing(
    running: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = player(running)
    monkeypatch.setattr(engine, "backoff", lambda attempt, window: None)
    counter = iter(range(100))

    def always_overtaken() -> None:
        admin.post_transaction(pid, type="deposit", amount="1.00", idempotency_key=f"other-{next(counter)}")

    class Stubborn(service.WalletMove):
        def decide(self, snap: engine.Snapshot, now: int) -> engine.Plan:
            plan = super().decide(snap, now)
            always_overtaken()
            return plan

    op = Stubborn(
        pid,
        lambda w, now: (domain.deposit(w, 100, now, {"source": "admin"}), {}),
        scope=f"admin#{pid}",
        key="never",
        fp="f",
        key_field="idempotency_key",
    )
    with pytest.raises(engine.WalletBusy):
        engine.run(op)
    view = admin.get_player(pid)
    assert view["balances"]["real"] == f"{engine.MAX_ATTEMPTS}.00"  # only the overtaking deposits
    assert admin.verify(pid)["differences"] == []
