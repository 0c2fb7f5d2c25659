"""The session-expiry schedule finishes overdue active sessions once, and only those."""

from __future__ import annotations

import uuid

from casino import aws, clock
from local.operator_client import SignedClient
from tests.conftest import RunningStack, event


def _session(running: RunningStack, deadline_ms: int) -> str:
    session_id = f"ses_{uuid.uuid4().hex}"
    aws.dynamodb().put_item(
        TableName=running.stack.physical["HubTable"],
        Item=aws.to_item(
            {
                "pk": f"SESSION#{session_id}",
                "sk": "SESSION",
                "id": session_id,
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
    alive = _session(running, now + 3_600_000)  # an hour: the loop below may take minutes on a busy machine
    first = running.invoke("SessionExpiryFunction", event("schedules/session-expiry.json"))
    assert first["finished"] >= 1
    assert _get(running, overdue)["status"] == "finished"
    assert "gsi3pk" not in _get(running, overdue)
    assert _get(running, alive)["status"] == "active"
    ended_at = _get(running, overdue)["end_date"]
    # Other tests' sessions on this stack may be overdue too, so the runs' counts are not ours to
    # check; what is: our session is not finished again, and the live one is left.
    for _ in range(2):
        running.invoke("SessionExpiryFunction", event("schedules/session-expiry.json"))
    assert _get(running, overdue)["end_date"] == ended_at  # finished once
    assert _get(running, alive)["status"] == "active"


def test_an_overdue_session_is_ended_and_finalized_at_its_operator(running: RunningStack) -> None:
    hub = SignedClient(running.base_url, "demo-operator", "demo-operator-secret")
    session = hub.post("/api/v1/hub/create_session", {"user_id": "player-2"}).json()["session"]
    aws.dynamodb().update_item(  # its heartbeat deadline passed
        TableName=running.stack.physical["HubTable"],
        Key=aws.to_item({"pk": f"SESSION#{session['id']}", "sk": "SESSION"}),
        UpdateExpression="SET gsi3sk = :past",
        ExpressionAttributeValues=aws.to_item({":past": f"{clock.now_ms() - 1_000:015d}"}),
    )
    result = running.invoke("SessionExpiryFunction", event("schedules/session-expiry.json"))
    assert result["finished"] >= 1 and result["finalized"] >= 1
    item = _get(running, session["id"])
    assert (item["status"], item["finalize_state"]) == ("finished", "done") and "gsi3pk" not in item
    assert hub.post("/api/v1/hub/get_session", {"session_id": session["id"], "is_our_id": True}).json()["status"] == (
        "finished"
    )
