"""The contract flow's Lambda tasks (statemachines/contract.asl.json; contract-flow.md).

Each task reads the contract, acts only if the contract is where the task starts, and records
the outcome in ONE transaction with the prize's move, the wallet transactions and the
session's balances, conditioned on the contract's version. A task that runs again after it had
in fact succeeded (a Step Functions retry, a sweep's re-drive) finds the contract past its
phase and answers what it answered the first time, calling nobody. The operator's wallet gets
the same body (the same ``transaction_id``) on every attempt, so it applies a step once.

Errors the state machine matches by name: ``WalletOutcomeUnknown`` (the answer was lost:
retried, then a bet is refunded), ``SettlementRefused`` (a final refusal of a win or a refund:
flagged at once, for a person), ``WrongPhase`` and anything else (flagged).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from casino import clock, ids, telemetry
from casino.contract import store
from casino.contract.domain import Contract, Line, StepType, WrongPhase
from casino.errors import DomainError, NotFound
from casino.hub import series_store, wallet_client
from casino.hub import store as hub_store
from casino.hub.wallet_client import WalletOutcomeUnknown, WalletRefused
from casino.money import currency, to_decimal_string, to_minor
from casino.registry import operators

__all__ = ["WalletOutcomeUnknown", "await_view", "place_bet", "refund_bet", "settle"]

ATTEMPTS = 3  # a contract changed under a task (another run of it won): read again, at most this often


class SettlementRefused(DomainError):
    """The operator refused a win or a refund for good: retrying cannot help; flagged for ops."""

    code = "settlement_refused"


def _load(event: dict[str, Any]) -> Contract:
    contract = store.load(str(event["session_id"]), str(event["contract_id"]))
    if contract is None:
        raise NotFound(f"contract {event.get('contract_id')!r} not found")
    return contract


def _call(contract: Contract, body: dict[str, Any], remaining_ms: clock.Remaining | None) -> dict[str, Any]:
    return wallet_client.call(
        operators.require(contract.operator), "create_transaction", body, remaining_ms=remaining_ms
    )


Recorded = tuple[tuple[dict[str, Any], ...], list[dict[str, Any]]]


def _recorded(
    contract: Contract, kind: StepType, lines: tuple[Line, ...], answer: dict[str, Any], now: int
) -> Recorded:
    """The wallet answer's records: one transaction per line (with the balances the answer
    gives; kept on the step and under its own key) and the session's balances refreshed, as
    transact items. Nothing when the answer moved nothing."""
    ref_id = answer.get("transaction_id")
    listed = answer.get("accounts")
    balances = {str(a.get("id")): a for a in listed if isinstance(a, dict)} if isinstance(listed, list) else {}
    session = hub_store.session(contract.session_id) or {}
    held = {str(a.get("ref_id")): a for a in session.get("accounts", [])}
    cur = contract.currency
    items: list[dict[str, Any]] = []
    views: list[dict[str, Any]] = []
    if isinstance(ref_id, str):
        for i, line in enumerate(lines):
            transaction: dict[str, Any] = {
                "id": ids.new_id("trx", now),
                "ref_id": ref_id,
                "operator": contract.operator,
                "contract_id": contract.id,
                "contract_step_id": contract.steps[kind].id,
                "line": i,
                "account_id": (held.get(line.account_id) or {}).get("id", line.account_id),
                "amount": to_decimal_string(line.amount, cur),
                "create_date": now,
            }
            after = _minor(balances.get(line.account_id, {}).get("amount"), contract.currency_code)
            if after is not None:
                transaction["balance_after"] = to_decimal_string(after, cur)
                transaction["balance_before"] = to_decimal_string(after - line.amount, cur)
            items.append(hub_store.transaction_put(transaction))
            views.append({k: v for k, v in transaction.items() if k not in ("operator", "contract_id", "line")})
    if balances and session.get("accounts"):
        accounts = [
            {**a, "amount": str(balances[str(a.get("ref_id"))].get("amount"))}
            if str(a.get("ref_id")) in balances
            else a
            for a in session["accounts"]
        ]
        items.append(hub_store.accounts_update(contract.session_id, accounts))
    return tuple(views), items


def _refreshed(account: dict[str, Any], listed: dict[str, Any] | None) -> dict[str, Any]:
    """A session account with the balance the operator's answer gives, in its currency's
    spelling; an amount that is missing or not exact in the currency leaves the last one."""
    code = str(account.get("currency", ""))
    minor = _minor((listed or {}).get("amount"), code) if code else None
    return account if minor is None else {**account, "amount": to_decimal_string(minor, currency(code))}


def _minor(amount: object, code: str) -> int | None:
    try:
        return to_minor(str(amount), currency(code)) if amount is not None else None
    except DomainError:
        return None


def _retrying(step: Callable[[Contract], dict[str, Any]], event: dict[str, Any]) -> dict[str, Any]:
    """Run a step; if the contract changed under it (another run won), decide again from what is."""
    for _ in range(ATTEMPTS):
        try:
            return step(_load(event))
        except store.StaleContract:
            continue
    return step(_load(event))


# ---------------------------------------------------------------- PlaceBet
def place_bet(event: dict[str, Any], remaining_ms: clock.Remaining | None = None) -> dict[str, Any]:
    """``<kind>.play``: placed (contract and prize ``in_progress``) or refused (contract
    ``cancelled``, prize back in the pool). An unknown outcome raises ``WalletOutcomeUnknown``."""

    def step(contract: Contract) -> dict[str, Any]:
        if contract.phase != "placing":
            return {"outcome": "placed" if contract.placed else contract.status}
        try:
            answer = _call(contract, contract.bet_request(), remaining_ms)
        except WalletRefused as refused:
            if refused.code == "duplicate_mismatch":  # it holds something under this id: maybe charged
                raise WalletOutcomeUnknown(
                    f"the operator holds another body under the bet's id: {refused.message}"
                ) from None
            after = contract.refused(refused.code, refused.message, clock.now_ms())
            store.save(contract, after, series_store.release_writes(contract.series_id, contract.position, contract.id))
            return {"outcome": "refused", "code": refused.code}
        now = clock.now_ms()
        transactions, records = _recorded(contract, "place_bet", contract.bet_lines, answer, now)
        after = contract.placed_by(_ref(answer), now, transactions)
        companions = [*series_store.placed_writes(contract.series_id, contract.position, contract.id), *records]
        store.save(contract, after, companions)
        telemetry.emit(telemetry.HUB, {"Plays": 1})  # a play placed: counted once, where it is recorded
        return {"outcome": "placed"}

    return _retrying(step, event)


def _ref(answer: dict[str, Any]) -> str | None:
    ref = answer.get("transaction_id")
    return ref if isinstance(ref, str) else None


# ---------------------------------------------------------------- AwaitView
def await_view(event: dict[str, Any]) -> dict[str, Any]:
    """Keeps the task token on the contract; ``view_done`` sends it back."""
    if store.set_view_token(str(event["session_id"]), str(event["contract_id"]), str(event["task_token"])) is None:
        raise NotFound(f"contract {event.get('contract_id')!r} not found")
    return {"stored": True}


# ---------------------------------------------------------------- Settle
def settle(event: dict[str, Any], remaining_ms: clock.Remaining | None = None) -> dict[str, Any]:
    """``<kind>.win`` or ``.lose`` naming the bet: prize and contract ``return_pending`` first,
    then the operator, then the step finalized and the prize ``finished``."""
    view = event.get("view")
    seen = "viewed" if isinstance(view, dict) and view.get("viewed") else "timeout"
    retry = {"moved": False, "counted": False}

    def step(contract: Contract) -> dict[str, Any]:
        if contract.phase == "viewing":
            after = contract.settling(seen, clock.now_ms())
            prize = series_store.prize_move(contract.series_id, contract.position, contract.id, "return_pending")
            store.save(contract, after, [prize])
            contract = replace(after, version=contract.version + 1)
            retry["moved"] = True
        if contract.phase in ("settled", "done") and contract.placed:
            return _settled(contract)
        if contract.phase != "settling":  # its bet is not placed (or was refunded): nobody is called
            raise WrongPhase(f"contract {contract.id} is {contract.phase}: nothing to settle")
        if not retry["moved"] and not retry["counted"]:  # settling already: an earlier run stopped half-way
            retry["counted"] = True
            telemetry.emit(telemetry.CONTRACT_FLOW, {"SettleRetries": 1})
        request = contract.settle_request()
        lines = (Line(request["transactions"][0]["account_id"], contract.prize),)
        ref, transactions, records, now = _settlement(contract, "pay_winnings", request, lines, remaining_ms)
        after = contract.settled_by(ref, now, transactions)
        companions = [
            series_store.prize_move(contract.series_id, contract.position, contract.id, "finished"),
            *records,
        ]
        store.save(contract, after, companions)
        return _settled(after)

    return _retrying(step, event)


def _settlement(
    contract: Contract,
    kind: StepType,
    request: dict[str, Any],
    lines: tuple[Line, ...],
    remaining_ms: clock.Remaining | None,
) -> tuple[str | None, tuple[dict[str, Any], ...], list[dict[str, Any]], int]:
    """A win, a lose or a refund at the operator: its reference, its records and when. A final
    refusal cannot be retried away: ``SettlementRefused`` (flagged, re-driven, never dropped)."""
    try:
        answer = _call(contract, request, remaining_ms)
    except WalletRefused as refused:
        raise SettlementRefused(f"the operator refused the {kind}: {refused.code}: {refused.message}") from None
    now = clock.now_ms()
    transactions, records = _recorded(contract, kind, lines, answer, now)
    return _ref(answer), transactions, records, now


def _settled(contract: Contract) -> dict[str, Any]:
    at = contract.steps["pay_winnings"].end_date or clock.now_ms()
    return {"outcome": "won" if contract.won else "lost", "at": str(at)}


# ---------------------------------------------------------------- RefundBet
def refund_bet(event: dict[str, Any], remaining_ms: clock.Remaining | None = None) -> dict[str, Any]:
    """The bet's outcome stayed unknown: ``<kind>.refund`` naming it (an operator that never
    applied it moves nothing and refuses it later), the prize back in the pool, ``refunded``."""

    def step(contract: Contract) -> dict[str, Any]:
        if contract.phase == "placing":
            after = contract.refunding(clock.now_ms())
            store.save(contract, after)
            contract = replace(after, version=contract.version + 1)
        if contract.phase == "done" and not contract.placed:
            return {"outcome": contract.status}
        if contract.phase != "refunding":  # a placed bet is settled, never refunded: nobody is called
            raise WrongPhase(f"contract {contract.id} is {contract.phase}: its bet is not refunded")
        lines = tuple(Line(line.account_id, -line.amount) for line in contract.bet_lines)
        ref, transactions, records, now = _settlement(
            contract, "refund_bet", contract.refund_request(), lines, remaining_ms
        )
        after = contract.refunded_by(ref, now, transactions)
        companions = [*series_store.release_writes(contract.series_id, contract.position, contract.id), *records]
        store.save(contract, after, companions)
        return {"outcome": "refunded"}

    return _retrying(step, event)
