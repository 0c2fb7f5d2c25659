"""Operators (registration, rotation, retirement) and the account bridge, driven over HTTP as a
third-party hub would drive an operator wallet, signed with dynamic app auth."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local.operator_client import SignedClient
from tests.conftest import RunningStack
from tests.integration.test_admin_players import fund, new_player, player

BRIDGE = "/api/v1/bridge/demo"


@pytest.fixture(scope="module")
def hub(running: RunningStack) -> SignedClient:
    """The seeded operator ``demo``: the hub signs with its wallet secret."""
    return SignedClient(running.base_url, "demo-operator", "demo-wallet-secret")


def play(user: str, stake: str, tid: str | None = None, **extra: Any) -> dict[str, Any]:
    tid = tid or f"stp_{uuid.uuid4().hex}"
    return {
        "transaction_id": tid,
        "user_id": user,
        "type": "instant_win.play",
        "data": {"contract_id": "con_x", "session_id": "ses_x"},
        "prev_transactions": [],
        "transactions": [{"id": f"t1-{tid}", "account_id": "real", "amount": f"-{stake}", "data": {}}],
        **extra,
    }


def follow(user: str, action: str, amount: str, prev: list[str]) -> dict[str, Any]:
    tid = f"stp_{uuid.uuid4().hex}"
    return {
        "transaction_id": tid,
        "user_id": user,
        "type": f"instant_win.{action}",
        "data": {"contract_id": "con_x", "session_id": "ses_x"},
        "prev_transactions": prev,
        "transactions": [{"id": f"t-{tid}", "account_id": "real", "amount": amount, "data": {}}],
    }


def test_get_user_data_lists_real_and_bonus(running: RunningStack, hub: SignedClient) -> None:
    answer = hub.post(f"{BRIDGE}/get_user_data", {"user_id": "player-1"})
    assert answer.status_code == 200
    accounts = {a["id"]: a for a in answer.json()["accounts"]}
    assert accounts["real"]["currency"] == "EUR" and set(accounts) == {"real", "bonus"}
    blocked = hub.post(f"{BRIDGE}/get_user_data", {"user_id": "blocked-1"})
    assert blocked.status_code == 403 and blocked.json()["error"]["code"] == "user_blocked"
    unknown = hub.post(f"{BRIDGE}/get_user_data", {"user_id": "nobody-at-all"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "invalid_request"


def test_the_bridges_answers_are_their_documented_models(running: RunningStack, hub: SignedClient) -> None:
    """docs/openapi/bridge.json describes each success answer; the real ones hold to it."""
    import jsonschema

    from tests.unit.test_openapi_answers_documented import documented_answer

    pid = new_player(running)
    fund(running, pid, "5.00")
    bet = play(pid, "1.00")
    for path, body in (
        ("initialize_session", {"id": "ses_1", "status": "active"}),
        ("get_user_data", {"user_id": pid}),
        ("create_transaction", bet),
        ("create_transaction", follow(pid, "win", "2.00", [bet["transaction_id"]])),
        ("finalize_session", {"id": "ses_1", "status": "finished"}),
    ):
        answer = hub.post(f"{BRIDGE}/{path}", body)
        assert answer.status_code == 200, answer.text
        jsonschema.validate(
            answer.json(), documented_answer("bridge", "POST", f"/api/v1/bridge/{{operator}}/{path}", 200)
        )


def test_initialize_and_finalize_session_are_acknowledged(hub: SignedClient) -> None:
    for path in ("initialize_session", "finalize_session"):
        answer = hub.post(f"{BRIDGE}/{path}", {"id": "ses_1", "status": "active"})
        assert answer.status_code == 200 and answer.json() == {"success": True}


@pytest.mark.parametrize(
    ("case", "kwargs"),
    [
        ("no signature", {"headers": {"X-Signature": None}}),
        ("wrong signature", {"headers": {"X-Signature": "0" * 64}}),
        ("other app id", {"headers": {"X-App-Id": "someone"}}),
        ("stale", {"skew_ms": -301_000}),
        ("future", {"skew_ms": 301_000}),
    ],
)
def test_the_bridge_refuses_a_bad_or_stale_signature(hub: SignedClient, case: str, kwargs: dict[str, Any]) -> None:
    if "skew_ms" in kwargs:
        kwargs = {"timestamp": int(time.time() * 1000) + kwargs["skew_ms"]}
    answer = hub.post(f"{BRIDGE}/get_user_data", {"user_id": "player-1"}, **kwargs)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized", case


def test_the_app_secret_does_not_open_the_wallet(running: RunningStack) -> None:
    wrong = SignedClient(running.base_url, "demo-operator", "demo-operator-secret")
    assert wrong.post(f"{BRIDGE}/get_user_data", {"user_id": "player-1"}).status_code == 401
    elsewhere = SignedClient(running.base_url, "demo-operator", "demo-wallet-secret")
    assert elsewhere.post("/api/v1/bridge/nope/get_user_data", {"user_id": "player-1"}).status_code == 401


def test_a_play_is_split_real_first_and_a_retry_answers_the_same(running: RunningStack, hub: SignedClient) -> None:
    pid = new_player(running)
    fund(running, pid, "3.00")
    status, _ = running.call(
        "POST",
        f"/api/v1/admin/players/{pid}/bonuses",
        {
            "amount": "5.00",
            "mode": "BONUS_ONLY",
            "wagering_multiplier": "10",
            "expires_at": int(time.time() * 1000) + 86_400_000,
            "idempotency_key": "b",
        },
    )
    assert status == 200
    body = play(pid, "4.00")
    first = hub.post(f"{BRIDGE}/create_transaction", body)
    assert first.status_code == 200
    assert {a["id"]: a["amount"] for a in first.json()["accounts"]} == {"real": "0.00", "bonus": "4.00"}
    assert first.json()["transaction_id"].startswith("btx_")
    assert hub.post(f"{BRIDGE}/create_transaction", body).json() == first.json()
    changed = hub.post(f"{BRIDGE}/create_transaction", {**body, "data": {"contract_id": "other"}})
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "duplicate_mismatch"
    assert player(running, pid)["bonus"]["wagering"]["progress"] == "1.00"  # the bonus part, as callbacks do


def test_a_win_follows_the_plays_proportion(running: RunningStack, hub: SignedClient) -> None:
    pid = new_player(running)
    fund(running, pid, "1.00")
    running.call(
        "POST",
        f"/api/v1/admin/players/{pid}/bonuses",
        {
            "amount": "2.00",
            "mode": "BONUS_ONLY",
            "wagering_multiplier": "10",
            "expires_at": int(time.time() * 1000) + 86_400_000,
            "idempotency_key": "b",
        },
    )
    placed = play(pid, "3.00")
    assert hub.post(f"{BRIDGE}/create_transaction", placed).status_code == 200
    won = hub.post(f"{BRIDGE}/create_transaction", follow(pid, "win", "1.00", [placed["transaction_id"]]))
    assert won.status_code == 200
    assert {a["id"]: a["amount"] for a in won.json()["accounts"]} == {"real": "0.34", "bonus": "0.66"}


def test_insufficient_funds_is_final_and_replayed(running: RunningStack, hub: SignedClient) -> None:
    pid = new_player(running)
    fund(running, pid, "1.00")
    body = play(pid, "2.00")
    refused = hub.post(f"{BRIDGE}/create_transaction", body)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "insufficient_funds"
    fund(running, pid, "5.00")
    assert hub.post(f"{BRIDGE}/create_transaction", body).json() == refused.json()
    assert player(running, pid)["balances"]["real"] == "6.00"


def test_a_refund_of_a_play_never_received_is_a_no_op_and_the_late_play_is_refused(
    running: RunningStack, hub: SignedClient
) -> None:
    pid = new_player(running)
    fund(running, pid, "5.00")
    lost = play(pid, "2.00")
    refund = hub.post(f"{BRIDGE}/create_transaction", follow(pid, "refund", "2.00", [lost["transaction_id"]]))
    assert refund.status_code == 200
    assert player(running, pid)["balances"]["real"] == "5.00"
    late = hub.post(f"{BRIDGE}/create_transaction", lost)
    assert late.status_code == 400 and late.json()["error"]["code"] == "invalid_request"
    assert player(running, pid)["balances"]["real"] == "5.00"


def test_a_refund_gives_the_play_back_once(running: RunningStack, hub: SignedClient) -> None:
    pid = new_player(running)
    fund(running, pid, "5.00")
    placed = play(pid, "2.00")
    hub.post(f"{BRIDGE}/create_transaction", placed)
    first = follow(pid, "refund", "2.00", [placed["transaction_id"]])
    assert hub.post(f"{BRIDGE}/create_transaction", first).status_code == 200
    second = follow(pid, "refund", "2.00", [placed["transaction_id"]])
    assert hub.post(f"{BRIDGE}/create_transaction", second).status_code == 200
    assert player(running, pid)["balances"]["real"] == "5.00"


def test_a_cancel_win_takes_it_back_if_the_balance_allows(running: RunningStack, hub: SignedClient) -> None:
    pid = new_player(running)
    fund(running, pid, "1.00")
    placed = play(pid, "1.00")
    hub.post(f"{BRIDGE}/create_transaction", placed)
    won = follow(pid, "win", "3.00", [placed["transaction_id"]])
    hub.post(f"{BRIDGE}/create_transaction", won)
    cancel = follow(pid, "cancel_win", "-3.00", [placed["transaction_id"], won["transaction_id"]])
    assert hub.post(f"{BRIDGE}/create_transaction", cancel).status_code == 200
    assert player(running, pid)["balances"]["real"] == "0.00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "slots.play"}, "type"),
        ({"transactions": [{"account_id": "real", "amount": "-1.001"}]}, "transactions[0].amount"),
        ({"transactions": [{"account_id": "cash", "amount": "-1.00"}]}, "transactions[0].account_id"),
        ({"transactions": [{"account_id": "real", "amount": "1.00"}]}, "transactions"),
        (  # a credit hidden beside a larger debit
            {"transactions": [{"account_id": "real", "amount": "-2.00"}, {"account_id": "bonus", "amount": "1.00"}]},
            "transactions",
        ),
        ({"transaction_id": ""}, "transaction_id"),
    ],
)
def test_bad_transactions_are_invalid_request_and_move_nothing(
    running: RunningStack, hub: SignedClient, change: dict[str, Any], field: str
) -> None:
    pid = new_player(running)
    fund(running, pid, "5.00")
    answer = hub.post(f"{BRIDGE}/create_transaction", {**play(pid, "1.00"), **change})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_request"
    assert answer.json()["error"]["field"] == field
    assert player(running, pid)["balances"]["real"] == "5.00"


@pytest.mark.parametrize(
    ("action", "amounts"),
    [("win", ["5.00", "-1.00"]), ("lose", ["1.00", "-1.00"])],
)
def test_a_win_or_a_lose_with_a_line_of_the_other_sign_moves_nothing(
    running: RunningStack, hub: SignedClient, action: str, amounts: list[str]
) -> None:
    """operator-wallet.md: a win credits (amount > 0), a lose moves nothing; each line, not only the sum."""
    pid = new_player(running)
    fund(running, pid, "5.00")
    bet = play(pid, "1.00")
    assert hub.post(f"{BRIDGE}/create_transaction", bet).status_code == 200
    body = follow(pid, action, "0.00", [bet["transaction_id"]])
    body["transactions"] = [
        {"id": f"t{i}", "account_id": "real", "amount": a, "data": {}} for i, a in enumerate(amounts)
    ]
    answer = hub.post(f"{BRIDGE}/create_transaction", body)
    assert answer.status_code == 400, answer.text
    assert (answer.json()["error"]["code"], answer.json()["error"]["field"]) == ("invalid_request", "transactions")
    assert player(running, pid)["balances"]["real"] == "4.00"


def test_50_concurrent_duplicates_move_money_once(running: RunningStack, hub: SignedClient) -> None:
    pid = new_player(running)
    fund(running, pid, "10.00")
    body = play(pid, "1.00")
    with ThreadPoolExecutor(max_workers=25) as pool:
        answers = list(pool.map(lambda _: hub.post(f"{BRIDGE}/create_transaction", body), range(50)))
    assert {a.status_code for a in answers} == {200}
    assert all(a.json() == answers[0].json() for a in answers)
    assert player(running, pid)["balances"]["real"] == "9.00"


def test_operators_register_rotate_and_retire(running: RunningStack) -> None:
    code = f"op{uuid.uuid4().hex[:8]}"
    status, created = running.call(
        "POST",
        "/api/v1/admin/operators",
        {"code": code, "name": "Nicobet", "wallet_base_url": "http://127.0.0.1:9/wallet", "currencies": ["EUR"]},
    )
    assert status == 201 and created["app_secret"] and created["wallet_secret"] and created["app_id"]
    assert (
        running.call(
            "POST",
            "/api/v1/admin/operators",
            {"code": code, "name": "Again", "wallet_base_url": "http://x", "currencies": ["EUR"]},
        )[0]
        == 409
    )
    # this operator's wallet is not the bridge (the bridge refuses it): its app secret rotates at the hub
    old = SignedClient(running.base_url, created["app_id"], created["app_secret"])
    path, body = "/api/v1/hub/search_sessions", {"from_date": 0}
    assert old.post(path, body).status_code == 200
    status, rotated = running.call("POST", f"/api/v1/admin/operators/{code}/rotate", {"which": "app_secret"})
    assert status == 200 and rotated["version"] == 2
    new = SignedClient(running.base_url, created["app_id"], rotated["secret"])
    assert old.post(path, body).status_code == 200
    assert new.post(path, body).status_code == 200
    assert running.call("POST", f"/api/v1/admin/operators/{code}/rotate", {"which": "app_secret"})[0] == 409
    status, retired = running.call("POST", f"/api/v1/admin/operators/{code}/retire", {"which": "app_secret"})
    assert status == 200 and retired["app_secret_versions"] == [2]
    assert old.post(path, body).status_code == 401
    assert new.post(path, body).status_code == 200
    status, bad = running.call(
        "POST",
        "/api/v1/admin/operators",
        {"code": "Bad Code", "name": "x", "wallet_base_url": "http://x", "currencies": ["EUR"]},
    )
    assert status == 400 and bad["error"]["field"] == "code"


def test_an_ip_allow_list_keeps_other_addresses_out(running: RunningStack) -> None:
    code = f"op{uuid.uuid4().hex[:8]}"
    status, created = running.call(
        "POST",
        "/api/v1/admin/operators",
        {
            "code": code,
            "name": "Walled",
            "wallet_base_url": "http://x",
            "currencies": ["EUR"],
            "allowed_ips": ["10.1.2.0/24"],
        },
    )
    assert status == 201
    client = SignedClient(running.base_url, created["app_id"], created["app_secret"])
    assert client.post("/api/v1/hub/search_sessions", {"from_date": 0}).status_code == 401  # from 127.0.0.1
