"""Client login, heartbeat and exit, and terminate, against a fake operator wallet on loopback
that checks the hub's signature, records every call and fails on demand."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from casino import aws, clock
from casino.hub import status_store, wallet_client
from local.operator_client import SignedClient
from tests.conftest import RunningStack, dynamodb_requests
from tests.fake_operator import FakeOperator, Fault

HUB = "/api/v1/hub"
CLIENT = "/api/v1/client"


@pytest.fixture()
def fake(running: RunningStack) -> Iterator[tuple[FakeOperator, SignedClient]]:
    operator = FakeOperator().start()
    code = f"op{uuid.uuid4().hex[:8]}"
    status, created = running.call(
        "POST",
        "/api/v1/admin/operators",
        {"code": code, "name": "Fake", "wallet_base_url": operator.url, "currencies": ["EUR"]},
    )
    assert status == 201
    operator.app_id, operator.wallet_secret = created["app_id"], created["wallet_secret"]
    operator.users["u1"] = {"real": Decimal("50.00"), "bonus": Decimal("5.00")}
    yield operator, SignedClient(running.base_url, created["app_id"], created["app_secret"])
    operator.stop()


def open_session(hub: SignedClient, user: str = "u1", **extra: Any) -> tuple[dict[str, Any], str]:
    created = hub.post(f"{HUB}/create_session", {"user_id": user, **extra}).json()
    token = parse_qs(urlparse(created["client_url"]).query)["token"][0]
    return created["session"], token


def client_post(running: RunningStack, path: str, body: Any = None, auth: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {auth}"} if auth else {}
    return httpx.post(f"{running.base_url}{CLIENT}/{path}", json=body or {}, headers=headers, timeout=60)


def test_login_initializes_then_syncs_accounts_and_answers_an_auth_token(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient]
) -> None:
    operator, hub = fake
    session, token = open_session(hub)
    answer = client_post(running, "login", {"client_token": token})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["auth_token"]) >= 43
    assert [p for p, _ in operator.calls] == ["initialize_session", "get_user_data"]
    assert operator.calls[0][1]["id"] == session["id"] and operator.calls[1][1] == {"user_id": "u1"}
    accounts = {a["ref_id"]: a for a in body["accounts"]}
    assert accounts["real"]["amount"] == "50.00" and accounts["bonus"]["amount"] == "5.00"
    assert all(a["id"].startswith("acc_") and a["status"] == "active" for a in accounts.values())
    assert "lucky-7" in [g["id"] for g in body["games"]]
    again = client_post(running, "login", {"client_token": token})
    assert again.status_code == 401  # one time only


def test_a_later_login_updates_creates_and_closes_accounts(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient]
) -> None:
    operator, hub = fake
    first = client_post(running, "login", {"client_token": open_session(hub)[1]}).json()
    operator.users["u1"] = {"real": Decimal("42.10"), "cashback": Decimal("1.00")}
    second = client_post(running, "login", {"client_token": open_session(hub)[1]}).json()
    listed = {a["ref_id"]: a for a in second["accounts"]}
    assert set(listed) == {"real", "cashback"} and listed["real"]["amount"] == "42.10"
    assert listed["real"]["id"] == {a["ref_id"]: a for a in first["accounts"]}["real"]["id"]  # the same account
    user_id = first["session"]["user"]["id"]
    items = aws.dynamodb().query(
        TableName=running.stack.physical["HubTable"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=aws.to_item({":pk": f"USER#{user_id}"}),
    )["Items"]
    status = {aws.from_item(i)["ref_id"]: aws.from_item(i)["status"] for i in items}
    assert status == {"real": "active", "cashback": "active", "bonus": "closed"}


def test_heartbeat_and_exit_call_finalize_once(running: RunningStack, fake: tuple[FakeOperator, SignedClient]) -> None:
    operator, hub = fake
    auth = client_post(running, "login", {"client_token": open_session(hub)[1]}).json()["auth_token"]
    beat = client_post(running, "heartbeat", auth=auth)
    assert beat.status_code == 200 and beat.json()["status"] == "active"
    ended = client_post(running, "exit", auth=auth)
    assert ended.status_code == 200 and ended.json()["status"] == "finished"
    assert client_post(running, "exit", auth=auth).json()["error"]["code"] == "session_closed"
    refused = client_post(running, "heartbeat", auth=auth)
    assert refused.status_code == 409
    assert refused.json()["error"] == {  # the page says the player left, not that the casino ended it
        "code": "session_closed",
        "message": "you left this session",
        "session_status": "finished",
        "end_reason": "player_exit",
    }
    assert len(operator.calls_to("finalize_session")) == 1
    assert client_post(running, "heartbeat", auth="not-a-token").status_code == 401
    assert client_post(running, "heartbeat").status_code == 401


def test_terminate_refuses_the_client_and_finalizes_once(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient]
) -> None:
    operator, hub = fake
    session, token = open_session(hub)
    auth = client_post(running, "login", {"client_token": token}).json()["auth_token"]
    for _ in range(2):
        done = hub.post(f"{HUB}/terminate_session", {"session_id": session["id"], "is_our_id": True}).json()
        assert done["status"] == "terminated"
    assert len(operator.calls_to("finalize_session")) == 1
    error = client_post(running, "heartbeat", auth=auth).json()["error"]
    assert (error["code"], error["session_status"], error["end_reason"]) == ("session_closed", "terminated", "operator")
    assert error["message"] == "the casino ended this session"
    for path, body in (("games", None), ("play", {"game_id": "lucky-7", "stake": "1.00", "play_id": "p" * 16})):
        sent = httpx.request(
            "GET" if body is None else "POST",
            f"{running.base_url}{CLIENT}/{path}",
            json=body,
            headers={"Authorization": f"Bearer {auth}"},
            timeout=60,
        )
        assert sent.status_code == 409 and sent.json()["error"]["end_reason"] == "operator", sent.text


def test_a_session_ended_by_its_heartbeat_timeout_says_so(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient]
) -> None:
    _, hub = fake
    session, token = open_session(hub)
    auth = client_post(running, "login", {"client_token": token}).json()["auth_token"]
    aws.dynamodb().update_item(  # its heartbeat deadline passed
        TableName=running.stack.physical["HubTable"],
        Key=aws.to_item({"pk": f"SESSION#{session['id']}", "sk": "SESSION"}),
        UpdateExpression="SET gsi3sk = :past",
        ExpressionAttributeValues=aws.to_item({":past": f"{clock.now_ms() - 1_000:015d}"}),
    )
    running.invoke("SessionExpiryFunction", {"source": "aws.events", "detail-type": "Scheduled Event"})
    error = client_post(running, "heartbeat", auth=auth).json()["error"]
    assert (error["session_status"], error["end_reason"]) == ("finished", "heartbeat_timeout")


def test_login_hands_the_page_its_settings_and_return_url_must_be_a_web_address(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient]
) -> None:
    _, hub = fake
    _, token = open_session(hub, return_url="https://casino.example/lobby?from=game", game_id="lucky-7")
    client = client_post(running, "login", {"client_token": token}).json()["client"]
    assert client == {
        "heartbeat_timeout_s": 120,
        "game_id": "lucky-7",
        "return_url": "https://casino.example/lobby?from=game",
    }
    _, plain = open_session(hub)
    assert client_post(running, "login", {"client_token": plain}).json()["client"] == {"heartbeat_timeout_s": 120}
    for bad in ("javascript:alert(1)", "/lobby", "casino.example", "https://", "https://casino.example/a b", "data:,x"):
        refused = hub.post(f"{HUB}/create_session", {"user_id": "u1", "return_url": bad})
        assert refused.status_code == 400, bad
        assert refused.json()["error"]["field"] == "return_url"


@pytest.mark.parametrize(
    ("fault", "status", "init_calls"),
    [
        (Fault("fail_5xx"), 200, 2),  # unknown: retried, then it lands
        (Fault("malformed"), 200, 2),  # unknown: retried
        (Fault("drop_after_apply"), 200, 2),  # applied but the answer was lost: retried
        (Fault("refuse", code="session_expired"), 409, 1),  # final: never retried, the operator's code
        (Fault("decline", code="session_expired"), 409, 1),  # 200 {success: false, error}: final too
        (Fault("fail_5xx", times=10), 503, 4),  # unknown past the retries
    ],
)
def test_every_fault_of_the_operator_at_login(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient], fault: Fault, status: int, init_calls: int
) -> None:
    operator, hub = fake
    operator.fail("initialize_session", fault)
    answer = client_post(running, "login", {"client_token": open_session(hub)[1]})
    assert answer.status_code == status, answer.text
    if status == 503:
        assert answer.json()["error"]["code"] == "upstream_unavailable"
    if status == 409:
        assert answer.json()["error"]["code"] == "session_expired"
    assert len(operator.calls_to("initialize_session")) == init_calls


def test_the_operators_session_token_comes_back_on_every_wallet_call(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient]
) -> None:
    """hub-operator-api.md: ``session_token`` is stored and sent back on every wallet call."""
    operator, hub = fake
    _, token = open_session(hub, session_token="their-session-42")
    auth = client_post(running, "login", {"client_token": token}).json()["auth_token"]
    assert client_post(running, "exit", auth=auth).status_code == 200
    called = [(path, body) for path, body in operator.calls]
    assert {path for path, _ in called} >= {"initialize_session", "get_user_data", "finalize_session"}
    assert all(body.get("session_token") == "their-session-42" for _, body in called), called
    _, plain = open_session(hub)  # none given: none sent
    client_post(running, "login", {"client_token": plain})
    assert all("session_token" not in body for _, body in operator.calls[len(called) :])


def test_a_slow_operator_meets_the_deadline(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    operator, hub = fake
    monkeypatch.setenv("OPERATOR_WALLET_DEADLINE_S", "0.5")
    operator.fail("get_user_data", Fault("slow", seconds=1.0, times=1))
    answer = client_post(running, "login", {"client_token": open_session(hub)[1]})
    assert answer.status_code == 200  # the first call timed out, the retry landed
    assert len(operator.calls_to("get_user_data")) == 2


def _session_item(running: RunningStack, session_id: str) -> dict[str, Any]:
    return aws.from_item(
        aws.dynamodb().get_item(
            TableName=running.stack.physical["HubTable"],
            Key=aws.to_item({"pk": f"SESSION#{session_id}", "sk": "SESSION"}),
        )["Item"]
    )


@pytest.mark.parametrize("mode", ["refuse", "decline"])
def test_a_final_refusal_of_finalize_is_recorded_and_never_retried(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient], mode: str
) -> None:
    operator, hub = fake
    operator.fail("finalize_session", Fault(mode, code="invalid_request"))
    session, token = open_session(hub)
    auth = client_post(running, "login", {"client_token": token}).json()["auth_token"]
    assert client_post(running, "exit", auth=auth).status_code == 200
    item = _session_item(running, session["id"])
    assert (item["finalize_state"], item["finalize_error"]) == ("refused", "invalid_request")
    assert item["gsi3pk"] == "FINALIZE_REFUSED"  # listed for ops, out of the retry list
    running.invoke("SessionExpiryFunction", {"source": "aws.events", "detail-type": "Scheduled Event"})
    assert len(operator.calls_to("finalize_session")) == 1  # never retried
    refused = {r["session_id"]: r for r in status_store.finalize_refusals(limit=1000)}
    assert refused[session["id"]]["code"] == "invalid_request"


@pytest.mark.parametrize(
    ("fault", "state", "calls"),
    [
        (Fault("fail_5xx"), "done", 2),
        (Fault("drop_after_apply"), "done", 2),
        (Fault("malformed", times=10), "due", 4),
    ],
)
def test_finalize_retries_unknown_outcomes(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient], fault: Fault, state: str, calls: int
) -> None:
    operator, hub = fake
    operator.fail("finalize_session", fault)
    session, token = open_session(hub)
    auth = client_post(running, "login", {"client_token": token}).json()["auth_token"]
    assert client_post(running, "exit", auth=auth).status_code == 200
    item = aws.from_item(
        aws.dynamodb().get_item(
            TableName=running.stack.physical["HubTable"],
            Key=aws.to_item({"pk": f"SESSION#{session['id']}", "sk": "SESSION"}),
        )["Item"]
    )
    assert item["finalize_state"] == state and len(operator.calls_to("finalize_session")) == calls


@pytest.mark.parametrize(
    "code",
    sorted(
        [
            "insufficient_funds",
            "user_blocked",
            "session_expired",
            "limit_exceeded",
            "duplicate_mismatch",
            "invalid_request",
            "unauthorized",
        ]
    ),
)
def test_each_final_refusal_at_login_is_not_retried(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient], code: str
) -> None:
    operator, hub = fake
    operator.fail("get_user_data", Fault("refuse", code=code))
    answer = client_post(running, "login", {"client_token": open_session(hub)[1]})
    # final, so a 4xx (a 5xx would say "retry"), with the operator's code for the page to explain
    assert answer.status_code == 409 and answer.json()["error"]["code"] == code, answer.text
    assert len(operator.calls_to("get_user_data")) == 1


def test_the_admin_status_shows_wallet_calls_and_active_sessions(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient]
) -> None:
    operator, hub = fake
    open_session(hub)
    client_post(running, "login", {"client_token": open_session(hub)[1]})
    status, report = running.call("GET", "/api/v1/admin/status")
    assert status == 200 and report["active_sessions"] >= 2
    calls = {c["operator"]: c["last_call"] for c in report["operator_wallet_calls"]}
    mine = next(v for k, v in calls.items() if operator.app_id.startswith(k))
    assert mine["path"] == "get_user_data" and mine["outcome"] == "ok"


def test_a_login_offers_the_hub_games_without_reading_them_all_each_time(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient]
) -> None:
    """Every login read every game: the list a login offers is kept per execution environment
    for ``HUB_GAMES_CACHE_S`` (a play reads its own game, and ``GET /games`` reads afresh)."""
    _, hub = fake
    first = client_post(running, "login", {"client_token": open_session(hub)[1]})
    assert first.status_code == 200 and "lucky-7" in [g["id"] for g in first.json()["games"]]
    token = open_session(hub)[1]
    with dynamodb_requests() as seen:
        again = client_post(running, "login", {"client_token": token})
    assert again.status_code == 200 and again.json()["games"] == first.json()["games"]
    game_lists = [p for name, p in seen if name == "Query" and "GAMES#" in str(p.get("ExpressionAttributeValues"))]
    assert game_lists == []
    listed = httpx.get(
        f"{running.base_url}{CLIENT}/games", headers={"Authorization": f"Bearer {again.json()['auth_token']}"}
    )
    assert listed.status_code == 200 and listed.json()["games"] == first.json()["games"]


def test_the_admin_status_counts_active_sessions_with_one_bounded_read(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting every active session grew with them: the status counts up to a bound, in one
    bounded read, and past it says the count is not exact."""
    _, hub = fake
    for _ in range(3):
        open_session(hub)
    status, report = running.call("GET", "/api/v1/admin/status")
    assert status == 200 and report["active_sessions"] >= 3 and report["active_sessions_exact"] is True
    monkeypatch.setattr(status_store, "ACTIVE_SESSIONS_COUNTED_UP_TO", 2)
    with dynamodb_requests() as seen:
        status, report = running.call("GET", "/api/v1/admin/status")
    assert status == 200 and (report["active_sessions"], report["active_sessions_exact"]) == (2, False)
    counts = [p for name, p in seen if name == "Query" and p.get("Select") == "COUNT"]
    assert len(counts) == 1 and counts[0]["Limit"] == 3, counts


def test_the_expiry_schedule_finalizes_what_could_not_be_finalized(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient]
) -> None:
    operator, hub = fake
    operator.fail("finalize_session", Fault("fail_5xx", times=4))  # every attempt of the exit's call
    session, token = open_session(hub)
    auth = client_post(running, "login", {"client_token": token}).json()["auth_token"]
    client_post(running, "exit", auth=auth)
    assert len(operator.calls_to("finalize_session")) == 4
    assert _session_item(running, session["id"])["finalize_state"] == "due"
    result = running.invoke("SessionExpiryFunction", {"source": "aws.events", "detail-type": "Scheduled Event"})
    assert result["finalize_retried"] >= 1
    assert len(operator.calls_to("finalize_session")) == 5
    item = _session_item(running, session["id"])
    assert item["finalize_state"] == "done" and "gsi3pk" not in item


def test_a_finalize_left_calling_by_a_dead_lambda_is_taken_again_after_its_lease(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    operator, hub = fake
    session, token = open_session(hub)
    auth = client_post(running, "login", {"client_token": token}).json()["auth_token"]
    calling = wallet_client.call

    def dies_calling_finalize(op: Any, path: str, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if path == "finalize_session":
            raise SystemError("the Lambda ran out of memory")
        return calling(op, path, body, **kwargs)

    monkeypatch.setattr(wallet_client, "call", dies_calling_finalize)
    assert client_post(running, "exit", auth=auth).status_code == 500
    monkeypatch.setattr(wallet_client, "call", calling)
    item = _session_item(running, session["id"])
    assert (item["status"], item["finalize_state"], item["gsi3pk"]) == ("finished", "calling", "FINALIZE_DUE")
    schedule = {"source": "aws.events", "detail-type": "Scheduled Event"}
    running.invoke("SessionExpiryFunction", schedule)
    assert operator.calls_to("finalize_session") == []  # its lease still holds
    later = clock.now_ms() + 120_000
    monkeypatch.setattr(clock, "now_ms", lambda: later)
    running.invoke("SessionExpiryFunction", schedule)
    assert len(operator.calls_to("finalize_session")) == 1
    assert _session_item(running, session["id"])["finalize_state"] == "done"


def test_concurrent_logins_of_one_token_call_the_operator_once(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient]
) -> None:
    operator, hub = fake
    operator.fail("initialize_session", Fault("slow", seconds=1.0))
    _, token = open_session(hub)
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: client_post(running, "login", {"client_token": token}), range(4)))
    assert sorted(a.status_code for a in answers) == [200, 401, 401, 401]
    assert len(operator.calls_to("initialize_session")) == 1 and len(operator.calls_to("get_user_data")) == 1


def test_an_unknown_outcome_frees_the_link_and_a_refusal_burns_it(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient]
) -> None:
    operator, hub = fake
    operator.fail("get_user_data", Fault("fail_5xx", times=4))  # every attempt of one login
    _, token = open_session(hub)
    assert client_post(running, "login", {"client_token": token}).status_code == 503
    assert client_post(running, "login", {"client_token": token}).status_code == 200  # tried again
    operator.fail("get_user_data", Fault("refuse", code="user_blocked"))
    _, token = open_session(hub)
    assert client_post(running, "login", {"client_token": token}).status_code == 409
    assert client_post(running, "login", {"client_token": token}).status_code == 401  # burnt
