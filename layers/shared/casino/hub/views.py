"""How the hub shows its entities (hub-operator-api.md, "Models"): a Session, an Account or a
Transaction serialises the same way in every endpoint that returns one, and in the bodies the
hub sends to an operator's wallet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from casino.contract.domain import Contract, ContractStep
from casino.money import to_decimal_string

MAX_EVENTS = 100


def session(item: dict[str, Any], contracts: Sequence[Contract] = ()) -> dict[str, Any]:
    """``contracts``: the session's latest, newest first (its events)."""
    answer: dict[str, Any] = {
        "id": item["id"],
        "user": item["user"],
        "accounts": item.get("accounts", []),
        "events": [session_event(c) for c in contracts[:MAX_EVENTS]],
        "status": item["status"],
        "start_date": item["start_date"],
    }
    if item.get("ref_id"):
        answer["ref_id"] = item["ref_id"]
    if item.get("end_date"):
        answer["end_date"] = item["end_date"]
    return answer


def to_wallet(body: dict[str, Any], session: dict[str, Any]) -> dict[str, Any]:
    """A body for the operator's wallet about this session: with the ``session_token`` the
    operator gave at ``create_session``, sent back on every wallet call (hub-operator-api.md)."""
    token = session.get("session_token")
    return {**body, "session_token": token} if token is not None else body


def account(item: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "ref_id", "currency", "amount", "status", "start_date", "end_date")
    return {k: item[k] for k in keep if k in item}


def transaction(item: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "id",
        "ref_id",
        "contract_step_id",
        "account_id",
        "amount",
        "balance_before",
        "balance_after",
        "create_date",
    )
    return {k: item[k] for k in keep if k in item}


def contract_step(step: ContractStep) -> dict[str, Any]:
    answer: dict[str, Any] = {"id": step.id, "type": step.type, "status": step.status}
    if step.ref_id:
        answer["ref_id"] = step.ref_id
    if step.error:
        answer["error"] = step.error
    answer["transactions"] = [transaction(t) for t in step.transactions]
    if step.start_date:
        answer["start_date"] = step.start_date
    if step.end_date:
        answer["end_date"] = step.end_date
    return answer


def contract(item: Contract) -> dict[str, Any]:
    """A contract as every endpoint shows it; its prize and proof only once its bet is placed
    (a refused or refunded bet held a prize that goes back to the pool unseen)."""
    cur = item.currency
    answer: dict[str, Any] = {
        "id": item.id,
        "type": item.kind,
        "game_id": item.game_id,
        "play_id": item.play_id,
        "status": item.status,
        "stake": to_decimal_string(item.stake, cur),
        "currency": item.currency_code,
        "steps": [
            contract_step(s)
            for s in item.steps.values()
            if s.start_date or s.status != "pending" or s.type == "place_bet"
        ],
        "start_date": item.start_date,
    }
    if item.placed:
        reveal = item.reveal()
        answer["reveal"] = {
            "prize": to_decimal_string(item.prize, cur),
            "won": item.won,
            "proof": reveal.to_json(),
        }
    refusal = item.steps["place_bet"].error
    if item.status == "cancelled" and refusal:
        answer["error"] = refusal
    if item.view:
        answer["view"] = item.view
    if item.end_date:
        answer["end_date"] = item.end_date
    return answer


def session_event(item: Contract) -> dict[str, Any]:
    """A session's event for one of its contracts (the seed's SessionEvent)."""
    answer: dict[str, Any] = {
        "id": "evt_" + item.id.split("_", 1)[-1],
        "game": item.game_id,
        "type": "play",
        "contract": contract(item),
        "status": item.event_status,
        "start_date": item.start_date,
    }
    if item.end_date:
        answer["end_date"] = item.end_date
    return answer
