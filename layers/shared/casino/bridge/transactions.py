"""The account bridge (operator-wallet.md): our casino wallet speaking the operator-wallet API.

``create_transaction`` is an ``engine.Operation`` on the same wallet core as the provider
callbacks: one batch read (the wallet, the step, every step it names), a decision by the
wallet domain and the bridge's rules (``casino.bridge.plays``), and one transaction: the
wallet, its ledger entries, the new step (the idempotency record: same id and body, the same
answer; another body, ``duplicate_mismatch``), the step it settles or reverses (conditional on
its version) and any tombstone.
"""

from __future__ import annotations

from typing import Any

from casino import aws, clock, ids
from casino.bridge import plays, store
from casino.bridge.plays import InvalidRequest, Step, StepRequest, UserBlocked
from casino.errors import InsufficientFunds, ValidationFailed, errors_by_code
from casino.idempotency import fingerprint
from casino.money import canonical, currency, to_decimal_string, to_minor
from casino.ops import maintenance, services
from casino.registry import store as registry_store
from casino.wallet import domain, engine
from casino.wallet import store as wallet_store
from casino.wallet.domain import Bonus, Movement, Wallet
from casino.wallet.engine import Plan, Snapshot, Write
from casino.wallet.responsible import LimitExceeded, SelfExcluded

RECORDED = (InsufficientFunds, UserBlocked, LimitExceeded, SelfExcluded)  # final refusals a retry gets again


def accounts(wallet: Wallet, now: int) -> list[dict[str, str]]:
    cur = currency(wallet.currency)
    return [
        {"id": "real", "currency": wallet.currency, "amount": to_decimal_string(wallet.real, cur)},
        {"id": "bonus", "currency": wallet.currency, "amount": to_decimal_string(wallet.playable_bonus(now), cur)},
    ]


def _unknown(user_id: str) -> InvalidRequest:
    """A player this bridge does not serve: no such wallet, or another brand's player (answered
    alike: a brand learns nothing of another's players)."""
    return InvalidRequest(f"user_id: unknown user {user_id!r}", field="user_id")


def user_data(operator: str, user_id: str) -> dict[str, Any]:
    wallet = wallet_store.get_wallet(user_id)
    if wallet is None or not wallet.served_by(operator):
        raise _unknown(user_id)
    if wallet.status != "active":
        raise UserBlocked(f"user {user_id!r} is blocked", field="user_id")
    return {"accounts": accounts(wallet, clock.now_ms())}


def _fingerprint(request: StepRequest, body: dict[str, Any]) -> str:
    """The fields that decide the money, amounts canonical ("5.0" is "5.00")."""
    return fingerprint(
        {
            "transaction_id": request.step_id,
            "user_id": request.user_id,
            "type": request.type,
            "data": body.get("data"),
            "prev_transactions": list(request.prev),
            "transactions": [
                [line.account_id, canonical(line.amount, field=f"transactions[{i}].amount")]
                for i, line in enumerate(request.lines)
            ],
        }
    )


def _answer_of(step: Step, fp: str) -> dict[str, Any]:
    if step.status == plays.TOMBSTONE:
        raise InvalidRequest("transaction_id: this step was reversed before it arrived", field="transaction_id")
    if step.fingerprint != fp:
        raise plays.DuplicateMismatch("transaction_id already used with a different body", field="transaction_id")
    if step.status == plays.ERROR:
        error = step.error or {}
        kind = errors_by_code().get(str(error.get("code")), InvalidRequest)
        raise kind(str(error.get("message")), field=error.get("field"))
    return dict(step.answer or {})


class CreateTransaction(engine.Operation):
    def __init__(self, operator: str, body: dict[str, Any]):
        self.operator = operator
        self.request = plays.parse(body)
        self.gate = self.request.user_id
        self.fp = _fingerprint(self.request, body)

    def read(self) -> Snapshot:
        r = self.request
        wanted = {
            "wallet": wallet_store.wallet_slot(r.user_id),
            "record": store.step_slot(self.operator, r.step_id),
            **{f"step:{p}": store.step_slot(self.operator, p) for p in r.prev},
            **registry_store.service_slots(maintenance.BRIDGE_PLAY if r.action == "play" else ()),
        }
        snap = aws.batch_get(wanted)
        play = snap.get(f"step:{r.target}") if r.action == "refund" and snap.get("record") is None else None
        if play is None:
            return snap
        return wallet_store.with_ended_bonus(snap, (play.get("split") or {}).get("bonus_id"))

    def replay(self, snap: Snapshot) -> dict[str, Any] | None:
        item = snap.get("record")
        return None if item is None else _answer_of(store.step_from_item(item), self.fp)

    def busy(self) -> Exception:
        return engine.WalletBusy("the wallet is busy; retry the same transaction_id")

    def refusal(self, snap: Snapshot, error: Exception, now: int) -> list[Write] | None:
        if not isinstance(error, RECORDED):
            return None
        step = self._step(
            now, status=plays.ERROR, error={"code": error.code, "message": error.message, "field": error.field}
        )
        return [Write(store.step_put(step), "record")]

    def _step(self, now: int, **fields: Any) -> Step:
        r = self.request
        return Step(
            operator=self.operator,
            step_id=r.step_id,
            user_id=r.user_id,
            contract_id=r.contract_id,
            action=r.action,
            type=r.type,
            fingerprint=self.fp,
            version=1,
            created_at=now,
            **fields,
        )

    def decide(self, snap: Snapshot, now: int) -> Plan:
        r = self.request
        item = snap["wallet"]
        wallet = None if item is None else wallet_store.wallet_from_item(item)
        if wallet is None or not wallet.served_by(self.operator):
            raise _unknown(r.user_id)
        if r.action == "play":  # not recorded: the same transaction after maintenance is a new attempt
            maintenance.require_open(services.of_snapshot(snap, maintenance.BRIDGE_PLAY))
        named = {p: (store.step_from_item(i) if (i := snap.get(f"step:{p}")) else None) for p in r.prev}
        plays.check_named(r, named)
        total = self._total(wallet)
        reference = {
            "source": f"bridge:{self.operator}",
            "transaction_id": r.step_id,
            "type": r.type,
            "contract_id": r.contract_id,
        }
        movement, split, names, changed = self._move(
            wallet, total, named, now, reference, wallet_store.ended_bonus(snap)
        )
        answer = {"transaction_id": ids.new_id("btx", now), "accounts": accounts(movement.wallet, now)}
        step = self._step(
            now, status=plays.OK, split=split, names=names, answer=answer, ref_id=answer["transaction_id"]
        )
        writes = [Write(store.step_put(step), "record")]
        writes += [Write(store.step_put(s), f"step:{s.step_id}") for s in changed]
        return Plan(movement, answer, writes)

    def _total(self, wallet: Wallet) -> int:
        """The signed sum of the lines, exact (negative = debit), in the wallet's currency."""
        cur = currency(wallet.currency)
        amounts = [
            to_minor(line.amount, cur, field=f"transactions[{i}].amount") for i, line in enumerate(self.request.lines)
        ]
        total = sum(amounts)
        action = self.request.action
        if abs(total) > cur.max_amount:
            raise ValidationFailed(
                "transactions: the total is larger than the currency's max_amount", field="transactions"
            )
        # Each line, not only their sum: a credit inside a play, or a debit inside a win, would move
        # money the step's type does not name.
        if action == "play" and (total >= 0 or any(a > 0 for a in amounts)):
            raise ValidationFailed("transactions: a play debits (negative amounts)", field="transactions")
        if action == "win" and (total <= 0 or any(a < 0 for a in amounts)):
            raise ValidationFailed("transactions: a win credits (positive amounts)", field="transactions")
        if action == "lose" and any(amounts):
            raise ValidationFailed("transactions: a lose moves nothing (zero amounts)", field="transactions")
        return total

    def _move(
        self,
        wallet: Wallet,
        total: int,
        named: dict[str, Step | None],
        now: int,
        reference: dict[str, Any],
        converted: Bonus | None,
    ) -> tuple[Movement, dict[str, Any], str | None, list[Step]]:
        """The movement, what it moved, the step it acts on, and the steps it changes."""
        r = self.request
        if r.action == "play":
            if wallet.status != "active":
                raise UserBlocked(f"user {wallet.player_id!r} is blocked", field="user_id")
            try:
                movement, bet = domain.bet(wallet, -total, now=now, reference=reference, category=r.kind)
            except domain.PlayerBlocked as blocked:
                raise UserBlocked(blocked.message, field="user_id") from None
            return movement, wallet_store.record_fields(bet), None, []
        if r.action in ("win", "lose"):
            play = plays.play_to_settle(r, named)
            split = play.split
            movement, won = domain.win(
                wallet,
                total,
                now=now,
                reference={**reference, "play": play.step_id},
                round_real=int(split.get("real", 0)),
                round_bonus=int(split.get("bonus", 0)),
                round_bonus_id=split.get("bonus_id"),
            )
            moved = {"real": won.real, "bonus": won.bonus, "bonus_id": split.get("bonus_id")}
            return movement, moved, play.step_id, [play.then(settled_by=r.step_id)]
        target_id = r.target or ""
        if r.action == "refund":
            refunded = plays.play_to_refund(r, named)
            if refunded is None:
                return self._nothing(wallet, named, now, reference)
            split = refunded.split
            movement, refund = domain.reverse_bet(
                wallet,
                real=int(split["real"]),
                bonus=int(split["bonus"]),
                bonus_id=split.get("bonus_id"),
                deposit_wagering=int(split["deposit_wagering"]),
                bonus_wagering=int(split["bonus_wagering"]),
                now=now,
                reference={**reference, "play": refunded.step_id},
                entry_type="REFUND",
                converted=converted,
            )
            return movement, wallet_store.record_fields(refund), target_id, [refunded.then(reversed_by=r.step_id)]
        win = plays.win_to_cancel(r, named)
        if win is None:
            return self._nothing(wallet, named, now, reference)
        split = win.split
        try:
            movement = domain.reverse_win(
                wallet,
                real=int(split["real"]),
                bonus=int(split["bonus"]),
                bonus_id=split.get("bonus_id"),
                now=now,
                reference={**reference, "cancels": win.step_id},
            )
        except InsufficientFunds:
            raise InsufficientFunds("the balance no longer covers the win", field="transactions") from None
        return (
            movement,
            {"real": int(split["real"]), "bonus": int(split["bonus"])},
            target_id,
            [win.then(reversed_by=r.step_id)],
        )

    def _nothing(
        self, wallet: Wallet, named: dict[str, Step | None], now: int, reference: dict[str, Any]
    ) -> tuple[Movement, dict[str, Any], str | None, list[Step]]:
        """A reversal with nothing (left) to reverse: nothing moves; a step never seen gets a
        tombstone, so its later arrival is refused."""
        target = self.request.target or ""
        graves = [] if named.get(target) is not None else [plays.tombstone(self.operator, target, self.request, now)]
        return domain.begin(wallet, now, reference), {"applied": False}, target, graves


def create_transaction(operator: str, body: dict[str, Any]) -> dict[str, Any]:
    return engine.run(CreateTransaction(operator, body))
