"""The session-expiry schedule finishes overdue active sessions once, and only those."""

from __future__ import annotations

import uuid

from casino import aws, clock
from tests.conftest import RunningStack, event


def _session(running: RunningStack, deadline_ms: int) -> str:
    session_id = f"ses_{uuid.uuid4().hex}"
    aws.dynamodb().put_item(
        TableName=running.stack.physical["HubTable"],
        Item=aws.to_item(
            {
                "pk": f"SESSION#{session_id}",
                "sk": "SESSION",
                "status": "active",
                "gsi3pk": "ACTIVE_SESSIONS",
                "gsi3sk": f"{deadline_ms:015d}",
            }
        ),
    )
    return session_id


def _get(running: RunningStack, session_id: str) -> dict:
    item = aws.dynamodb().get_item(
        TableName=running.stack.physical["HubTable"],
        Key=aws.to_item({"pk": f"SESSION#{session_id}", "sk": "SESSION"}),
    )["Item"]
    return aws.from_item(item)


def test_overdue_sessions_are_finished_once_and_live_ones_are_left(running: RunningStack) -> None:
    now = clock.now_ms()
    overdue = _session(running, now - 1_000)
    alive = _session(running, now + 120_000)
    first = running.invoke("SessionExpiryFunction", event("schedules/session-expiry.json"))
    assert first["finished"] >= 1
    assert _get(running, overdue)["status"] == "finished"
    assert "gsi3pk" not in _get(running, overdue)
    assert _get(running, alive)["status"] == "active"
    again = running.invoke("SessionExpiryFunction", event("schedules/session-expiry.json"))
    assert (again["overdue"], again["finished"]) == (0, 0)
