"""The account bridge's items of WalletTable: owns their keys and conditions.

- ``BTX#<operator>#<step id>`` / ``BTX``   a step (``casino.bridge.plays.Step``): the
  idempotency record of its ``transaction_id``, what it moved, what later steps did to it,
  or a tombstone. GSI1 ``BTX_OF#<user>`` / ``<created_at>#<operator>#<step id>`` lists a
  player's steps (the books audit).
"""

from __future__ import annotations

import json
from typing import Any

from casino import aws
from casino.bridge.plays import Step
from casino.settings import settings
from casino.wallet import store as wallet_store


def _table() -> str:
    return settings().wallet_table


def step_key(operator: str, step_id: str) -> dict[str, str]:
    return {"pk": f"BTX#{operator}#{step_id}", "sk": "BTX"}


def step_slot(operator: str, step_id: str) -> tuple[str, dict[str, Any]]:
    return _table(), step_key(operator, step_id)


def step_from_item(item: dict[str, Any]) -> Step:
    return Step(
        operator=item["operator"],
        step_id=item["transaction_id"],
        user_id=item["user_id"],
        contract_id=item.get("contract_id", ""),
        action=item.get("action", ""),
        status=item["status"],
        type=item.get("type", ""),
        fingerprint=item.get("fingerprint", ""),
        split=item.get("split") or {},
        names=item.get("names"),
        settled_by=item.get("settled_by"),
        reversed_by=item.get("reversed_by"),
        answer=json.loads(item["answer"]) if item.get("answer") else None,
        ref_id=item.get("ref_id"),
        error=item.get("error"),
        version=int(item.get("bversion", 1)),
        created_at=int(item.get("created_at", 0)),
    )


def step_put(step: Step) -> dict[str, Any]:
    """A new step (``attribute_not_exists``) or a change to one, conditional on the version it
    was decided from; a lost race returns the current item."""
    values = {
        **step_key(step.operator, step.step_id),
        "gsi1pk": f"BTX_OF#{step.user_id}",
        "gsi1sk": f"{step.created_at:015d}#{step.operator}#{step.step_id}",
        "operator": step.operator,
        "transaction_id": step.step_id,
        "user_id": step.user_id,
        "contract_id": step.contract_id,
        "action": step.action,
        "status": step.status,
        "type": step.type,
        "fingerprint": step.fingerprint,
        "split": step.split,
        "names": step.names,
        "settled_by": step.settled_by,
        "reversed_by": step.reversed_by,
        "answer": json.dumps(step.answer, separators=(",", ":")) if step.answer is not None else None,
        "ref_id": step.ref_id,
        "error": step.error,
        "tombstone": step.status == "TOMBSTONE" or None,
        "bversion": step.version,
        "created_at": step.created_at,
    }
    return wallet_store.versioned_put(values, "bversion")


def steps_of(user_id: str) -> list[Step]:
    """Every bridge step of a player (GSI1, paginated; the books audit)."""
    items = aws.query_all(
        TableName=_table(),
        IndexName="GSI1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues=aws.to_item({":pk": f"BTX_OF#{user_id}"}),
    )
    return [step_from_item(item) for item in items]


def get_steps(operator: str, step_ids: list[str]) -> dict[str, Step]:
    wanted = {sid: step_slot(operator, sid) for sid in dict.fromkeys(step_ids)}
    if not wanted:
        return {}
    found = aws.batch_get(wanted)
    return {sid: step_from_item(item) for sid, item in found.items() if item is not None}
