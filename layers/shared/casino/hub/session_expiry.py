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


def finish(session: dict[str, Any], remaining_ms: Callable[[], int] | None = None) -> bool:
    """active -> finished, once; the operator's finalize_session is called. False if it had
    already ended."""
    from casino.hub import sessions  # noqa: PLC0415

    ended = sessions.end(session, "finished")
    if ended is None:
        return False
    if "operator" in ended:
        from casino.hub.client_sessions import finalize  # noqa: PLC0415

        finalize(ended, remaining_ms)
    return True


def run(remaining_ms: Callable[[], int] | None = None) -> dict[str, int]:
    from casino.hub import client_sessions  # noqa: PLC0415

    now = clock.now_ms()
    overdue = overdue_sessions(now)
    finished = sum(finish(s, remaining_ms) for s in overdue)
    retried = [client_sessions.finalize(s, remaining_ms) for s in client_sessions.finalize_due()]
    return {"overdue": len(overdue), "finished": finished, "finalize_retried": len(retried), "finalized": sum(retried)}
