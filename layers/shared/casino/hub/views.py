"""How the hub shows its entities (hub-operator-api.md, "Models"): a Session, an Account or a
Transaction serialises the same way in every endpoint that returns one, and in the bodies the
hub sends to an operator's wallet."""

from __future__ import annotations

from typing import Any

MAX_EVENTS = 100


def session(item: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "id": item["id"],
        "user": item["user"],
        "accounts": item.get("accounts", []),
        "events": item.get("events", [])[:MAX_EVENTS],
        "status": item["status"],
        "start_date": item["start_date"],
    }
    if item.get("ref_id"):
        answer["ref_id"] = item["ref_id"]
    if item.get("end_date"):
        answer["end_date"] = item["end_date"]
    return answer


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
