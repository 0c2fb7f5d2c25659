"""Property test of the ledger: random sequences of deposits, withdrawals, adjustments, bets,
wins, refunds, cancels, bonus grants, expiries, forfeits and replays, through the real
service and store (one transaction per movement, on moto).

After every step:
- each balance equals the sum of its ledger entries, and every entry chains
  (``GET /ledger/verify`` finds no difference);
- no balance is below zero;
- each idempotency key was applied at most once (its entries belong to one movement);
- a replay answers exactly as the first time (an answer, or the same refusal).

``make test`` runs 12 sequences of 30 steps; ``LEDGER_EXAMPLES=500 make test-deep`` runs more.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import asdict
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from casino import clock
from casino.errors import DomainError
from casino.idempotency import fingerprint
from casino.wallet import admin, domain, service, store
from casino.wallet.domain import Movement, Wallet
from tests.conftest import RunningStack

DAY = 86_400_000
amounts = st.integers(min_value=1, max_value=5_000)  # minor units


def _minor_text(minor: int) -> str:
    return f"{Decimal(minor) / 100:.2f}"


class LedgerMachine(RuleBasedStateMachine):
    running: RunningStack

    def __init__(self) -> None:
        super().__init__()
        self.now = clock.now_ms()
        self.pid = f"prop-{uuid.uuid4().hex[:12]}"
        self.calls: list[tuple[str, Any, Any]] = []  # (kind, args, outcome) for replays
        self.bets: dict[str, dict[str, Any]] = {}  # key -> split, and whether it was reversed
        self.wins: dict[str, dict[str, Any]] = {}
        self.counter = 0

    # ---------------------------------------------------------------- plumbing
    def key(self) -> str:
        self.counter += 1
        return f"k{self.counter}"

    def move(self, key: str, payload: dict[str, Any], decide: Any) -> Any:
        try:
            return ("ok", service.move(self.pid, decide, scope=f"prop#{self.pid}", key=key, fp=fingerprint(payload)))
        except DomainError as refused:
            return ("refused", refused.code, refused.message)

    def ref(self, key: str) -> dict[str, Any]:
        return {"source": "property-test", "key": key}

    def record(self, kind: str, args: Any, outcome: Any) -> Any:
        self.calls.append((kind, args, outcome))
        return outcome

    @initialize()
    def create(self) -> None:
        original = clock.now_ms
        self._restore = original
        clock.now_ms = lambda: self.now  # type: ignore[assignment]
        admin.create_player(player_id=self.pid, user_name=self.pid, country="MT", currency="EUR")

    def teardown(self) -> None:
        clock.now_ms = self._restore  # type: ignore[method-assign]

    # ---------------------------------------------------------------- operations
    def do_admin(self, kind: str, amount: int, key: str) -> Any:
        def decide(w: Wallet, now: int) -> tuple[Movement, dict[str, Any]]:
            operation = {"deposit": domain.deposit, "withdrawal": domain.withdrawal, "adjustment": domain.adjustment}
            m = operation[kind](w, amount, now, self.ref(key))
            return m, {"real": m.wallet.real, "bonus": m.wallet.bonus, "entries": len(m.entries)}

        return self.move(key, {"op": kind, "amount": amount}, decide)

    @rule(amount=amounts)
    def deposit(self, amount: int) -> None:
        key = self.key()
        self.record("admin", ("deposit", amount, key), self.do_admin("deposit", amount, key))

    @rule(amount=amounts)
    def withdrawal(self, amount: int) -> None:
        key = self.key()
        self.record("admin", ("withdrawal", amount, key), self.do_admin("withdrawal", amount, key))

    @rule(amount=st.integers(min_value=-5_000, max_value=5_000).filter(bool))
    def adjustment(self, amount: int) -> None:
        key = self.key()
        self.record("admin", ("adjustment", amount, key), self.do_admin("adjustment", amount, key))

    def do_bet(self, amount: int, key: str, contribution: str) -> Any:
        def decide(w: Wallet, now: int) -> tuple[Movement, dict[str, Any]]:
            m, split = domain.bet(
                w, amount, now=now, reference=self.ref(key), category="slots", game_contribution=Decimal(contribution)
            )
            return m, {"split": asdict(split), "real": m.wallet.real, "bonus": m.wallet.bonus}

        return self.move(key, {"op": "bet", "amount": amount, "c": contribution}, decide)

    @rule(amount=amounts, contribution=st.sampled_from(["1", "0.1", "0.5"]))
    def bet(self, amount: int, contribution: str) -> None:
        key = self.key()
        outcome = self.record("bet", (amount, key, contribution), self.do_bet(amount, key, contribution))
        if outcome[0] == "ok":
            self.bets[key] = {"split": outcome[1]["split"], "reversed": False}

    def do_win(self, bet_key: str, amount: int, key: str) -> Any:
        split = self.bets[bet_key]["split"]

        def decide(w: Wallet, now: int) -> tuple[Movement, dict[str, Any]]:
            m, win_split = domain.win(
                w,
                amount,
                now=now,
                reference=self.ref(key),
                round_real=split["real"],
                round_bonus=split["bonus"],
                round_bonus_id=split["bonus_id"],
            )
            return m, {"split": asdict(win_split), "real": m.wallet.real, "bonus": m.wallet.bonus}

        return self.move(key, {"op": "win", "bet": bet_key, "amount": amount}, decide)

    @precondition(lambda self: self.bets)
    @rule(data=st.data(), amount=st.integers(min_value=0, max_value=20_000))
    def win(self, data: st.DataObject, amount: int) -> None:
        bet_key = data.draw(st.sampled_from(sorted(self.bets)))
        key = self.key()
        outcome = self.record("win", (bet_key, amount, key), self.do_win(bet_key, amount, key))
        if outcome[0] == "ok":
            self.wins[key] = {
                "split": outcome[1]["split"],
                "bonus_id": self.bets[bet_key]["split"]["bonus_id"],
                "reversed": False,
            }

    def do_reverse_bet(self, bet_key: str, key: str, how: str) -> Any:
        split = self.bets[bet_key]["split"]

        def decide(w: Wallet, now: int) -> tuple[Movement, dict[str, Any]]:
            if how == "refund":
                m, refund = domain.refund(
                    w,
                    split["real"] + split["bonus"],
                    open_real=split["real"],
                    open_bonus=split["bonus"],
                    bonus_id=split["bonus_id"],
                    earned_deposit_wagering=split["deposit_wagering"],
                    earned_bonus_wagering=split["bonus_wagering"],
                    now=now,
                    reference=self.ref(key),
                )
            else:
                m, refund = domain.reverse_bet(
                    w,
                    real=split["real"],
                    bonus=split["bonus"],
                    bonus_id=split["bonus_id"],
                    deposit_wagering=split["deposit_wagering"],
                    bonus_wagering=split["bonus_wagering"],
                    now=now,
                    reference=self.ref(key),
                    entry_type="ADJUSTMENT",
                )
            return m, {"refund": asdict(refund), "real": m.wallet.real, "bonus": m.wallet.bonus}

        return self.move(key, {"op": how, "bet": bet_key}, decide)

    @precondition(lambda self: any(not b["reversed"] for b in self.bets.values()))
    @rule(data=st.data(), how=st.sampled_from(["refund", "cancel"]))
    def reverse_a_bet(self, data: st.DataObject, how: str) -> None:
        bet_key = data.draw(st.sampled_from(sorted(k for k, b in self.bets.items() if not b["reversed"])))
        key = self.key()
        outcome = self.record("reverse_bet", (bet_key, key, how), self.do_reverse_bet(bet_key, key, how))
        if outcome[0] == "ok":
            self.bets[bet_key]["reversed"] = True

    def do_cancel_win(self, win_key: str, key: str) -> Any:
        win = self.wins[win_key]

        def decide(w: Wallet, now: int) -> tuple[Movement, dict[str, Any]]:
            m = domain.reverse_win(
                w,
                real=win["split"]["real"],
                bonus=win["split"]["bonus"],
                bonus_id=win["bonus_id"],
                now=now,
                reference=self.ref(key),
            )
            return m, {"real": m.wallet.real, "bonus": m.wallet.bonus}

        return self.move(key, {"op": "cancel_win", "win": win_key}, decide)

    @precondition(lambda self: any(not w["reversed"] for w in self.wins.values()))
    @rule(data=st.data())
    def cancel_a_win(self, data: st.DataObject) -> None:
        win_key = data.draw(st.sampled_from(sorted(k for k, w in self.wins.items() if not w["reversed"])))
        key = self.key()
        outcome = self.record("cancel_win", (win_key, key), self.do_cancel_win(win_key, key))
        if outcome[0] == "ok":
            self.wins[win_key]["reversed"] = True

    def do_grant(self, amount: int, mode: str, multiplier: str, days: int, key: str, bonus_id: str) -> Any:
        def decide(w: Wallet, now: int) -> tuple[Movement, dict[str, Any]]:
            m = domain.grant_bonus(
                w,
                bonus_id=bonus_id,
                amount=amount,
                mode=mode,
                wagering_multiplier=Decimal(multiplier),
                expires_at=now + days * DAY,
                contributions={"slots": Decimal("1")},
                now=now,
                reference=self.ref(key),
            )
            return m, {"bonus_id": bonus_id, "real": m.wallet.real, "bonus": m.wallet.bonus}

        payload = {"op": "grant", "amount": amount, "mode": mode, "m": multiplier, "days": days}
        return self.move(key, payload, decide)

    @rule(
        amount=amounts,
        mode=st.sampled_from(domain.BONUS_MODES),
        multiplier=st.sampled_from(["0", "1", "3"]),
        days=st.integers(min_value=1, max_value=3),
    )
    def grant_bonus(self, amount: int, mode: str, multiplier: str, days: int) -> None:
        key = self.key()
        bonus_id = f"bon_{key}"
        self.record(
            "grant",
            (amount, mode, multiplier, days, key, bonus_id),
            self.do_grant(amount, mode, multiplier, days, key, bonus_id),
        )

    @rule(days=st.integers(min_value=1, max_value=4))
    def time_passes(self, days: int) -> None:
        self.now += days * DAY  # an overdue bonus expires at the next movement

    @rule()
    def forfeit(self) -> None:
        wallet = store.get_wallet(self.pid)
        assert wallet is not None
        if wallet.active_bonus is not None:
            admin.forfeit_bonus(wallet.active_bonus.id)

    @precondition(lambda self: self.calls)
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        kind, args, first = data.draw(st.sampled_from(self.calls))
        again = {
            "admin": lambda a: self.do_admin(*a),
            "bet": lambda a: self.do_bet(*a),
            "win": lambda a: self.do_win(*a),
            "reverse_bet": lambda a: self.do_reverse_bet(*a),
            "cancel_win": lambda a: self.do_cancel_win(*a),
            "grant": lambda a: self.do_grant(*a),
        }[kind](args)
        assert again == first, (kind, args)

    # ---------------------------------------------------------------- invariants
    @invariant()
    def ledger_is_consistent(self) -> None:
        if not hasattr(self, "_restore"):
            return
        wallet = store.get_wallet(self.pid)
        assert wallet is not None
        assert wallet.real >= 0 and wallet.bonus >= 0
        entries = store.all_ledger(self.pid)
        assert admin.verify_wallet(wallet, entries) == []
        versions: dict[str, set[int]] = {}
        for entry, item_version in zip(entries, _versions(self.pid), strict=True):
            key = entry.reference.get("key")
            if key:
                versions.setdefault(key, set()).add(item_version)
        assert all(len(v) == 1 for v in versions.values()), versions


def _versions(pid: str) -> list[int]:
    """The wallet version each ledger entry was written with (from its sort key), oldest first."""
    from casino import aws

    answer = aws.dynamodb().query(
        TableName=store._table(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
        ExpressionAttributeValues=aws.to_item({":pk": f"PLAYER#{pid}", ":p": "LEDGER#"}),
        ConsistentRead=True,
    )
    return [int(aws.from_item(i)["sk"].split("#")[1]) for i in answer["Items"]]


@pytest.mark.slow
def test_ledger_invariants_hold_for_any_sequence(running: RunningStack) -> None:
    LedgerMachine.running = running
    machine = LedgerMachine.TestCase
    machine.settings = settings(
        max_examples=int(os.environ.get("LEDGER_EXAMPLES", "12")),
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        derandomize=False,
    )
    machine().runTest()
