"""Session expiry (client-api.md): a session with no heartbeat for its timeout is finished.

Active sessions sit in HubTable's sparse index GSI3 under ``ACTIVE_SESSIONS`` sorted by their
heartbeat deadline (zero-padded unix ms), so the schedule reads only the overdue ones.
Each session finished here has its operator's ``finalize_session`` called once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from casino import aws, clock
from casino.settings import settings

BATCH = 100


def overdue_sessions(now_ms: int) -> list[dict[str, Any]]:
    answer = aws.dynamodb().query(
        TableName=settings().hub_table,
        IndexName="GSI3",
        KeyConditionExpression="gsi3pk = :pk AND gsi3sk < :now",
        ExpressionAttributeValues=aws.to_item({":pk": "ACTIVE_SESSIONS", ":now": f"{now_ms:015d}"}),
        Limit=BATCH,
    )
    return [aws.from_item(i) for i in answer.get("Items", [])]


def finish(session: dict[str, Any], now_ms: int, remaining_ms: Callable[[], int] | None = None) -> bool:
    """active -> finished, once (conditional); leaves the sparse index. False if already not active."""
    client = aws.dynamodb()
    try:
        client.update_item(
            TableName=settings().hub_table,
            Key=aws.to_item({"pk": session["pk"], "sk": session["sk"]}),
            UpdateExpression="SET #status = :finished, end_date = :now REMOVE gsi3pk, gsi3sk",
            ConditionExpression="#status = :active",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=aws.to_item({":finished": "finished", ":active": "active", ":now": now_ms}),
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    if "operator" in session:
        from casino.hub.client_sessions import finalize  # noqa: PLC0415

        finalize({**session, "status": "finished", "end_date": now_ms}, remaining_ms)
    return True


def run(remaining_ms: Callable[[], int] | None = None) -> dict[str, int]:
    now = clock.now_ms()
    overdue = overdue_sessions(now)
    finished = sum(finish(s, now, remaining_ms) for s in overdue)
    return {"overdue": len(overdue), "finished": finished}
