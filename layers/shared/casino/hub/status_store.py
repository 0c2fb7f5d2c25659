"""What the admin status reads of HubTable: active sessions and contracts needing attention,
both through the sparse index GSI3 (never a scan)."""

from __future__ import annotations

from typing import Any

from casino import aws
from casino.settings import settings


def active_sessions() -> int:
    total = 0
    kwargs: dict[str, Any] = {
        "TableName": settings().hub_table,
        "IndexName": "GSI3",
        "Select": "COUNT",
        "KeyConditionExpression": "gsi3pk = :pk",
        "ExpressionAttributeValues": aws.to_item({":pk": "ACTIVE_SESSIONS"}),
    }
    while True:
        answer = aws.dynamodb().query(**kwargs)
        total += int(answer.get("Count", 0))
        if "LastEvaluatedKey" not in answer:
            return total
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def contracts_needing_attention(limit: int = 50) -> list[dict[str, Any]]:
    answer = aws.dynamodb().query(
        TableName=settings().hub_table,
        IndexName="GSI3",
        KeyConditionExpression="gsi3pk = :pk",
        ExpressionAttributeValues=aws.to_item({":pk": "CONTRACTS_NEEDING_ATTENTION"}),
        Limit=limit,
    )
    found = [aws.from_item(i) for i in answer.get("Items", [])]
    return [
        {"contract_id": c["pk"].split("#", 1)[1], "status": c.get("status"), "since": c.get("gsi3sk")} for c in found
    ]
