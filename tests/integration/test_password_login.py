"""Password login (player-accounts.md, the first half): register, sign in, play, change the
password, ops reset it; lockout per account and per address; cross-login kept apart; every field
checked with nothing written; registration atomic across WalletTable and HubTable.

Each test signs in from addresses of its own (``requestContext.identity.sourceIp``), so that the
per-address limit of one test never meets another's on the shared stack."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from casino import aws, clock
from casino.accounts import passwords, policy, service
from casino.accounts import store as accounts_store
from casino.hub import store as hub_store
from casino.settings import settings
from casino.wallet import store as wallet_store
from local.operator_client import SignedClient
from tests.conftest import RunningStack
from tests.integration.test_admin_players import fund, ledger, new_player, player
from tests.integration.test_client_plays import Page, demo, new_game, open_page

A = "/api/v1/admin"
C = "/api/v1/client"
HUB = "/api/v1/hub"
PW = "Tangerine-Lighthouse-73"
OTHER_PW = "Quiet-Harbour-Morning-58"
WINDOW_MS = 15 * 60_000


# ---------------------------------------------------------------- helpers
def address() -> str:
    """An address of the test's own (IPv6 documentation prefix: a string in an event, never dialled)."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def username() -> str:
    return f"u{uuid.uuid4().hex[:12]}"


def register(running: RunningStack, name: str | None = None, password: str = PW, **fields: Any) -> tuple[int, Any]:
    body = {"operator": "demo", "username": name or username(), "password": password, "currency": "EUR"}
    body["country"] = "MT"
    body.update(fields)
    return running.call("POST", f"{C}/register", {k: v for k, v in body.items() if v is not None}, admin_key=None)


def registered(running: RunningStack, name: str | None = None, password: str = PW) -> dict[str, Any]:
    status, body = register(running, name, password)
    assert status == 201, body
    user: dict[str, Any] = body["user"]
    return user


def sign_in(
    running: RunningStack, name: str, password: str = PW, ip: str | None = None, operator: str = "demo"
) -> tuple[int, Any]:
    body = {"operator": operator, "username": name, "password": password}
    return running.call("POST", f"{C}/password_login", body, admin_key=None, source_ip=ip or address())


def signed_in(running: RunningStack, name: str, password: str = PW, ip: str | None = None) -> dict[str, Any]:
    status, body = sign_in(running, name, password, ip)
    assert status == 200, body
    answer: dict[str, Any] = body
    return answer


def bearer(running: RunningStack, method: str, path: str, auth: str, body: Any = None, ip: str | None = None) -> Any:
    return running.call(
        method,
        f"{C}/{path}",
        body,
        admin_key=None,
        headers={"Authorization": f"Bearer {auth}"},
        source_ip=ip or address(),
    )


def change(running: RunningStack, auth: str, old: str, new: str, ip: str | None = None) -> tuple[int, Any]:
    status, body = bearer(running, "POST", "password", auth, {"old_password": old, "new_password": new}, ip)
    return status, body


def set_credentials(running: RunningStack, player_id: str, **body: Any) -> tuple[int, Any]:
    sent = {"operator": "demo", **body}
    status, answer = running.call("POST", f"{A}/players/{player_id}/credentials", sent)
    return status, answer


def session_item(session_id: str) -> dict[str, Any]:
    found = hub_store.session(session_id)
    assert found is not None
    return found


def items_holding(*texts: str) -> list[dict[str, Any]]:
    """Every HubTable and WalletTable item in which one of ``texts`` appears (a test may scan),
    prize series left out (tens of thousands of items that no account flow writes)."""
    found = []
    for table in (settings().hub_table, settings().wallet_table):
        kwargs: dict[str, Any] = {
            "TableName": table,
            "FilterExpression": "NOT begins_with(pk, :series)",
            "ExpressionAttributeValues": {":series": {"S": "SERIES#"}},
        }
        while True:
            answer = aws.dynamodb().scan(**kwargs)
            found += [i for i in answer.get("Items", []) if any(t in json.dumps(i) for t in texts)]
            if "LastEvaluatedKey" not in answer:
                break
            kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    return found


@pytest.fixture()
def later(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Moves the platform's clock: ``later(ms)`` puts it ``ms`` ahead of now."""
    real = clock.now_ms

    def move(ms: int) -> None:
        monkeypatch.setattr(clock, "now_ms", lambda: real() + ms)

    return move


# ---------------------------------------------------------------- the auth matrix
def test_register_sign_in_and_play_moves_the_registered_players_own_money(running: RunningStack) -> None:
    user = registered(running, "Player.One-" + uuid.uuid4().hex[:6])
    pid = user["ref_id"]
    assert user["id"].startswith("usr_") and pid.startswith("ply_") and user["username"].startswith("player.one-")
    assert player(running, pid)["balances"]["real"] == "0.00"  # the casino player exists, with its wallet
    fund(running, pid, "10.00")
    game = new_game(running, table=[{"amount": "0.50", "count": 10}])  # every ticket pays 0.50

    answer = signed_in(running, user["username"])
    assert set(answer) == {"auth_token", "session", "accounts", "games", "client"}
    assert len(answer["auth_token"]) >= 43
    assert answer["session"]["user"] == {"id": user["id"], "ref_id": pid, "status": "active"}
    assert {a["ref_id"]: a["amount"] for a in answer["accounts"]} == {"real": "10.00", "bonus": "0.00"}
    assert game["game_id"] in [g["id"] for g in answer["games"]]
    stored = session_item(answer["session"]["id"])
    assert stored["login"] == "password" and stored["operator"] == "demo"

    page = Page(running.base_url, answer["auth_token"], answer["session"]["id"], pid)
    contract = page.placed(game["game_id"])
    final = page.seen_and_settled(contract["id"])
    assert final["status"] == "finalized"
    moves = [e for e in ledger(running, pid) if (e.get("reference") or {}).get("contract_id") == final["id"]]
    assert sorted(e["amount"] for e in moves) == ["-1.00", "0.50"], moves
    assert Decimal(player(running, pid)["balances"]["real"]) == Decimal("9.50")


def test_an_unknown_user_and_a_wrong_password_answer_alike(running: RunningStack) -> None:
    user = registered(running)
    wrong = sign_in(running, user["username"], "Not-The-Password-99")
    unknown = sign_in(running, username(), PW)
    assert wrong == unknown == (401, {"error": {"code": "unauthorized", "message": policy.UNAUTHORIZED_MESSAGE}})


def test_usernames_are_compared_case_folded(running: RunningStack) -> None:
    name = "Mixed.Case_" + uuid.uuid4().hex[:6].upper()
    user = registered(running, name)
    assert user["username"] == name.casefold()
    for spelled in (name, name.lower(), name.upper()):
        assert signed_in(running, spelled)["session"]["user"]["id"] == user["id"]
    status, body = register(running, name.swapcase())
    assert (status, body["error"]["code"], body["error"]["field"]) == (409, "conflict", "username")


def test_the_seeded_password_player_signs_in(running: RunningStack) -> None:
    answer = signed_in(running, "ana", "correct-horse-battery-1")
    pid = answer["session"]["user"]["ref_id"]
    assert player(running, pid)["user_name"] == "ana"
    assert {a["ref_id"]: a["amount"] for a in answer["accounts"]}["real"] == "50.00"


def test_cross_login_is_kept_apart_from_password_users(running: RunningStack) -> None:
    user = registered(running)
    pid = user["ref_id"]
    fund(running, pid, "5.00")
    mine = signed_in(running, user["username"])
    # An operator's client_url never reaches a password player (player-accounts.md).
    refused = demo(running).post(f"{HUB}/create_session", {"user_id": pid})
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "user_id", refused.text
    found = [s["id"] for s in hub_store.active_password_sessions("demo", user["id"])]
    assert found == [mine["session"]["id"]]
    listed = demo(running).post(f"{HUB}/search_sessions", {"from_date": 0, "user_id": pid}).json()["sessions"]
    assert listed == []  # the password session is not the operator's to find
    # A cross-login user has no password and cannot get one.
    page = open_page(running)
    status, body = change(running, page.auth, PW, OTHER_PW)
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert signed_in(running, user["username"])["session"]["user"]["id"] == user["id"]  # still PW


def test_the_bridge_moves_only_the_right_players_money_on_either_way_in(running: RunningStack) -> None:
    game = new_game(running, table=[{"amount": "0.50", "count": 10}])  # every ticket pays back half
    user = registered(running)
    pid = user["ref_id"]
    fund(running, pid, "5.00")
    other = new_player(running)
    fund(running, other, "5.00")
    by_password = signed_in(running, user["username"])
    mine = Page(running.base_url, by_password["auth_token"], by_password["session"]["id"], pid)
    theirs = open_page(running, player_id=other)  # cross-login, another casino player
    for page in (mine, theirs, mine):
        page.seen_and_settled(page.placed(game["game_id"])["id"])
    assert Decimal(player(running, pid)["balances"]["real"]) == Decimal("4.00")  # two plays
    assert Decimal(player(running, other)["balances"]["real"]) == Decimal("4.50")  # one play
    for pid_, page in ((pid, mine), (other, theirs)):
        played = {
            e["reference"]["contract_id"] for e in ledger(running, pid_) if "contract_id" in (e["reference"] or {})
        }
        assert played == {c["id"] for c in page.all_history()}


def test_a_brand_never_reaches_another_brands_player(running: RunningStack) -> None:
    """Our casino brands are bridge operators: a password player registered with one brand is
    served by that brand's bridge only. Another brand's bridge answers it as an unknown user (the
    same answer as no player at all), directly or through that brand's client_url, and nothing
    moves; a player of the casino itself (made by ops) stays served by every brand."""
    code = f"br{uuid.uuid4().hex[:8]}"
    status, body = running.call(
        "POST", f"{A}/operators", {"code": code, "name": "Other brand", "currencies": ["EUR"], "wallet": "bridge"}
    )
    assert status == 201, body
    status, body = register(running, operator=code)
    assert status == 201, body
    theirs = body["user"]
    pid = theirs["ref_id"]
    fund(running, pid, "20.00")
    assert player(running, pid)["brand"] == code
    before = ledger(running, pid)
    wallet = SignedClient(running.base_url, "demo-operator", "demo-wallet-secret")  # demo's bridge
    bet = {
        "transaction_id": f"stp_{uuid.uuid4().hex}",
        "user_id": pid,
        "type": "instant_win.play",
        "data": {"contract_id": "con_x", "session_id": "ses_x"},
        "prev_transactions": [],
        "transactions": [{"id": "t-1", "account_id": "real", "amount": "-7.00", "data": {}}],
    }
    for path, sent in (("create_transaction", bet), ("get_user_data", {"user_id": pid})):
        answer = wallet.post(f"/api/v1/bridge/demo/{path}", sent)
        nobody = wallet.post(f"/api/v1/bridge/demo/{path}", {**sent, "user_id": "nobody-at-all"})
        assert answer.status_code == nobody.status_code == 400, answer.text
        assert answer.json()["error"]["code"] == "invalid_request" and answer.json()["error"]["field"] == "user_id"
        assert answer.json()["error"]["message"] == nobody.json()["error"]["message"].replace("nobody-at-all", pid)
    # Through demo's hub: a client_url for that player signs in to nothing (demo's wallet has no such user).
    created = demo(running).post(f"{HUB}/create_session", {"user_id": pid})
    if created.status_code == 200:
        token = parse_qs(urlparse(created.json()["client_url"]).query)["token"][0]
        login = httpx.post(f"{running.base_url}{C}/login", json={"client_token": token}, timeout=60)
        assert login.status_code >= 400 and "auth_token" not in login.json(), login.text
    else:
        assert created.status_code == 400, created.text
    assert Decimal(player(running, pid)["balances"]["real"]) == Decimal("20.00") and ledger(running, pid) == before
    # Its own brand still serves it, and demo still serves the casino's own players.
    status, mine = sign_in(running, theirs["username"], operator=code)
    assert status == 200 and {a["ref_id"]: a["amount"] for a in mine["accounts"]}["real"] == "20.00", mine
    casinos = new_player(running)
    assert wallet.post("/api/v1/bridge/demo/get_user_data", {"user_id": casinos}).status_code == 200


def test_the_bearer_of_another_session_cannot_change_a_password(running: RunningStack) -> None:
    alice, bob = registered(running), registered(running, password=OTHER_PW)
    bobs = signed_in(running, bob["username"], OTHER_PW)
    status, body = change(running, bobs["auth_token"], PW, "Brand-New-Password-11")  # alice's password, bob's token
    assert (status, body["error"]["code"], body["error"]["field"]) == (403, "forbidden", "old_password")
    assert sign_in(running, alice["username"], PW)[0] == 200
    assert sign_in(running, bob["username"], OTHER_PW)[0] == 200
    assert change(running, "not-a-token-of-anyone-at-all", PW, "Brand-New-Password-11")[0] == 401
    status, body = running.call("POST", f"{C}/password", {"old_password": PW, "new_password": OTHER_PW}, admin_key=None)
    assert (status, body["error"]["code"]) == (401, "unauthorized")


def test_a_password_change_ends_the_other_sessions_and_the_old_password_stops_working(running: RunningStack) -> None:
    user = registered(running)
    first, second, third = (signed_in(running, user["username"]) for _ in range(3))
    status, body = change(running, first["auth_token"], PW, OTHER_PW)
    assert (status, body) == (200, {"ok": True})
    for ended in (second, third):
        status, body = bearer(running, "POST", "heartbeat", ended["auth_token"])
        assert (status, body["error"]["code"], body["error"]["end_reason"]) == (
            409,
            "session_closed",
            "password_changed",
        )
        item = session_item(ended["session"]["id"])
        assert (item["status"], item["end_reason"]) == ("terminated", "password_changed")
    assert bearer(running, "POST", "heartbeat", first["auth_token"])[0] == 200  # the current one stays
    assert sign_in(running, user["username"], PW)[0] == 401
    assert sign_in(running, user["username"], OTHER_PW)[0] == 200
    status, body = change(running, first["auth_token"], PW, "Third-Password-Now-33")  # the old one is gone
    assert (status, body["error"]["field"]) == (403, "old_password")


def test_ops_set_and_reset_a_password_players_credentials(running: RunningStack) -> None:
    user = registered(running)
    pid = user["ref_id"]
    session = signed_in(running, user["username"])
    renamed = username()
    status, body = set_credentials(running, pid, username=renamed.upper(), password=OTHER_PW)
    assert status == 200, body
    assert body["user"]["username"] == renamed and body["user"]["id"] == user["id"] and body["sessions_ended"] == 1
    assert bearer(running, "POST", "heartbeat", session["auth_token"])[1]["error"]["end_reason"] == "password_changed"
    assert sign_in(running, user["username"], PW)[0] == 401
    assert sign_in(running, renamed, PW)[0] == 401
    assert signed_in(running, renamed, OTHER_PW)["session"]["user"]["id"] == user["id"]
    assert accounts_store.credential("demo", user["username"]) is None  # moved, not copied
    status, body = set_credentials(running, pid, username=renamed, password=PW)  # a reset, same username
    assert status == 200 and signed_in(running, renamed, PW)["session"]["user"]["ref_id"] == pid
    taken = registered(running)
    status, body = set_credentials(running, pid, username=taken["username"], password=PW)
    assert (status, body["error"]["field"]) == (409, "username")


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("cross-login player", (409, "player_id")),
        ("unknown player", (404, "player_id")),
        ("unknown operator", (404, "operator")),
        ("external operator", (404, "operator")),
        ("common password", (400, "password")),
        ("bad username", (400, "username")),
    ],
)
def test_ops_cannot_give_credentials_where_there_are_none(
    running: RunningStack, case: str, expected: tuple[int, str]
) -> None:
    user = registered(running)
    pid = {"cross-login player": new_player(running), "unknown player": f"nobody-{uuid.uuid4().hex[:8]}"}.get(
        case, user["ref_id"]
    )
    operator = {"unknown operator": "nosuchcasino", "external operator": external_operator(running)}.get(case, "demo")
    body = {"operator": operator, "username": username(), "password": OTHER_PW}
    if case == "common password":
        body["password"] = "Password1234"
    if case == "bad username":
        body["username"] = "no spaces please"
    status, answer = set_credentials(running, pid, **body)
    assert (status, answer["error"].get("field")) == expected, answer
    assert sign_in(running, user["username"], PW)[0] == 200  # nothing changed
    assert running.call("POST", f"{A}/players/{pid}/credentials", body, admin_key="wrong-key")[0] == 401


_external: dict[str, str] = {}


def external_operator(running: RunningStack) -> str:
    """An operator with a wallet of its own (not one of our casinos): no password players."""
    if "code" not in _external:
        code = f"ext{uuid.uuid4().hex[:8]}"
        status, body = running.call(
            "POST",
            f"{A}/operators",
            {"code": code, "name": "Elsewhere", "wallet_base_url": "https://wallet.example", "currencies": ["EUR"]},
        )
        assert status == 201, body
        _external["code"] = code
    return _external["code"]


# ---------------------------------------------------------------- every field
REGISTER_REFUSALS = [
    ({"operator": None}, "operator"),
    ({"operator": 7}, "operator"),
    ({"operator": "nosuchcasino"}, "operator"),
    ({"operator": "EXTERNAL"}, "operator"),
    ({"username": None}, "username"),
    ({"username": "ab"}, "username"),
    ({"username": "a" * 33}, "username"),
    ({"username": "has space"}, "username"),
    ({"username": "ünïcode"}, "username"),
    ({"username": "\u212aelvin"}, "username"),  # the Kelvin sign, which case-folds to "k"
    ({"username": ["ana"]}, "username"),
    ({"password": None}, "password"),
    ({"password": "Short-1"}, "password"),
    ({"password": "x" * 257}, "password"),
    ({"password": "Tab\tinside-password"}, "password"),
    ({"password": "QWERTYUIOP"}, "password"),
    ({"password": 1234567890123}, "password"),
    ({"password": "SAME-AS-USER"}, "password"),
    ({"currency": "USD"}, "currency"),
    ({"currency": None}, "currency"),
    ({"country": "malta"}, "country"),
    ({"country": None}, "country"),
    ({"display_name": "x" * 65}, "display_name"),
    ({"display_name": "   "}, "display_name"),
    ({"display_name": "new\nline"}, "display_name"),
]


@pytest.mark.parametrize(("change_", "field"), REGISTER_REFUSALS, ids=[f for _, f in REGISTER_REFUSALS])
def test_every_field_of_a_registration_is_checked_and_nothing_is_written(
    running: RunningStack, monkeypatch: pytest.MonkeyPatch, change_: dict[str, Any], field: str
) -> None:
    name = "same-as-user" if change_.get("password") == "SAME-AS-USER" else username()
    pid = f"ply_test_{uuid.uuid4().hex[:10]}"
    monkeypatch.setattr(service, "new_player_id", lambda now: pid)
    body: dict[str, Any] = {
        "operator": "demo",
        "username": name,
        "password": PW,
        "currency": "EUR",
        "country": "MT",
        **change_,
    }
    if body["operator"] == "EXTERNAL":
        body["operator"] = external_operator(running)
    body = {k: v for k, v in body.items() if v is not None}
    status, answer = running.call("POST", f"{C}/register", body, admin_key=None)
    assert status in (400, 404) and answer["error"]["field"] == field, answer
    assert status == 404 or answer["error"]["code"] == "validation_error"
    assert str(body.get("password")) not in str(answer)
    assert wallet_store.get_wallet(pid) is None
    assert accounts_store.credential("demo", name.casefold()) is None


def test_a_body_that_is_not_an_object_is_refused(running: RunningStack) -> None:
    for path in ("register", "password_login"):
        for sent in (b"[]", b"not json", b'{"operator": "demo"'):
            status, answer = running.call("POST", f"{C}/{path}", sent, admin_key=None)
            assert status == 400 and answer["error"]["code"] == "validation_error", (path, sent, answer)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"username": "ana", "password": PW}, (400, "operator")),
        ({"operator": "demo", "password": PW}, (400, "username")),
        ({"operator": "demo", "username": "ana"}, (400, "password")),
        ({"operator": "nosuchcasino", "username": "ana", "password": PW}, (404, "operator")),
        ({"operator": "demo", "username": "a b", "password": PW}, (400, "username")),
        ({"operator": "demo", "username": "ana", "password": ""}, (400, "password")),
        ({"operator": "demo", "username": "ana", "password": "x" * 257}, (400, "password")),
        ({"operator": "demo", "username": "ana", "password": 12}, (400, "password")),
    ],
)
def test_every_field_of_a_sign_in_is_checked(running: RunningStack, body: dict[str, Any], expected: Any) -> None:
    status, answer = running.call("POST", f"{C}/password_login", body, admin_key=None, source_ip=address())
    assert (status, answer["error"]["field"]) == expected, answer


def test_a_sign_in_at_an_external_operator_is_not_found(running: RunningStack) -> None:
    status, answer = sign_in(running, "ana", "correct-horse-battery-1", operator=external_operator(running))
    assert (status, answer["error"]["code"], answer["error"]["field"]) == (404, "not_found", "operator")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"new_password": OTHER_PW}, "old_password"),
        ({"old_password": PW}, "new_password"),
        ({"old_password": PW, "new_password": "short-1"}, "new_password"),
        ({"old_password": PW, "new_password": "1234567890"}, "new_password"),
        ({"old_password": PW, "new_password": PW}, "new_password"),
        ({"old_password": "", "new_password": OTHER_PW}, "old_password"),
    ],
)
def test_every_field_of_a_password_change_is_checked_and_nothing_changes(
    running: RunningStack, body: dict[str, Any], field: str
) -> None:
    user = registered(running)
    session = signed_in(running, user["username"])
    status, answer = bearer(running, "POST", "password", session["auth_token"], body)
    assert (status, answer["error"]["code"], answer["error"]["field"]) == (400, "validation_error", field)
    assert sign_in(running, user["username"], PW)[0] == 200


def test_a_common_password_is_refused_whatever_its_case(running: RunningStack) -> None:
    for common in ("password123", "PassWord123", "QwErTyUiOp", "1q2w3e4r5t6y"):
        status, answer = register(running, password=common)
        assert (status, answer["error"]["field"]) == (400, "password"), common
        assert "common" in answer["error"]["message"] and common not in answer["error"]["message"]


# ---------------------------------------------------------------- lockout
def test_five_failures_lock_the_account_until_the_window_has_passed(running: RunningStack, later: Any) -> None:
    user = registered(running)
    for _ in range(policy.ACCOUNT.max_failures):
        assert sign_in(running, user["username"], "Wrong-Password-000")[0] == 401
    status, answer = sign_in(running, user["username"], PW)  # the RIGHT password, locked
    assert (status, answer["error"]["code"]) == (429, "rate_limited")
    assert 0 < answer["error"]["retry_after_s"] <= WINDOW_MS // 1000
    later(WINDOW_MS - 5_000)
    assert sign_in(running, user["username"], PW)[0] == 429
    later(WINDOW_MS + 1_000)
    assert sign_in(running, user["username"], PW)[0] == 200


def test_a_success_clears_the_accounts_failures(running: RunningStack) -> None:
    user = registered(running)
    for _ in range(2):
        for _ in range(policy.ACCOUNT.max_failures - 1):
            assert sign_in(running, user["username"], "Wrong-Password-000")[0] == 401
        assert sign_in(running, user["username"], PW)[0] == 200


def test_an_unknown_user_locks_the_same_way(running: RunningStack) -> None:
    name = username()
    answers = [sign_in(running, name, "Wrong-Password-000")[0] for _ in range(policy.ACCOUNT.max_failures + 1)]
    assert answers == [401] * policy.ACCOUNT.max_failures + [429]


def test_an_address_failing_20_times_across_usernames_is_slowed(running: RunningStack, later: Any) -> None:
    user = registered(running)
    ip = address()
    for _ in range(policy.ADDRESS.max_failures):
        assert sign_in(running, username(), "Wrong-Password-000", ip=ip)[0] == 401
    status, answer = sign_in(running, user["username"], PW, ip=ip)
    assert (status, answer["error"]["code"]) == (429, "rate_limited")
    assert sign_in(running, user["username"], PW, ip=address())[0] == 200  # from elsewhere
    later(WINDOW_MS + 1_000)
    assert sign_in(running, user["username"], PW, ip=ip)[0] == 200


def test_wrong_old_passwords_lock_the_account_too(running: RunningStack) -> None:
    user = registered(running)
    session = signed_in(running, user["username"])
    ip = address()
    for _ in range(policy.ACCOUNT.max_failures):
        assert change(running, session["auth_token"], "Wrong-Password-000", OTHER_PW, ip)[0] == 403
    status, answer = change(running, session["auth_token"], PW, OTHER_PW, ip)
    assert (status, answer["error"]["code"]) == (429, "rate_limited")  # the account is locked: a token is no way round


def test_concurrent_failures_cannot_exceed_the_lockout(running: RunningStack, monkeypatch: pytest.MonkeyPatch) -> None:
    user = registered(running)
    checked = Counter[str]()
    lock = threading.Lock()
    verify = passwords.verify

    def counted(stored: str | None, password: str) -> bool:
        with lock:
            checked["verify"] += 1
        return verify(stored, password)

    monkeypatch.setattr(passwords, "verify", counted)
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda _: sign_in(running, user["username"], "Wrong-Password-000")[0], range(12)))
    assert Counter(answers) == {401: policy.ACCOUNT.max_failures, 429: 12 - policy.ACCOUNT.max_failures}
    assert checked["verify"] == policy.ACCOUNT.max_failures
    assert sign_in(running, user["username"], PW)[0] == 429


# ---------------------------------------------------------------- registration is atomic
def test_a_taken_username_leaves_no_wallet_player_behind(
    running: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = registered(running)
    pid = f"ply_test_{uuid.uuid4().hex[:10]}"
    monkeypatch.setattr(service, "new_player_id", lambda now: pid)
    status, answer = register(running, user["username"].upper(), OTHER_PW)
    assert (status, answer["error"]["code"], answer["error"]["field"]) == (409, "conflict", "username")
    assert running.call("GET", f"{A}/players/{pid}")[0] == 404
    assert accounts_store.password_user("demo", pid) is None
    assert sign_in(running, user["username"], PW)[0] == 200  # the first one untouched


def test_a_taken_player_id_leaves_no_credential(running: RunningStack, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = new_player(running)
    fund(running, taken, "3.00")
    before = player(running, taken)
    monkeypatch.setattr(service, "new_player_id", lambda now: taken)
    name = username()
    status, answer = register(running, name)
    assert (status, answer["error"]["code"], answer["error"]["retryable"]) == (409, "conflict", True)
    assert accounts_store.credential("demo", name) is None
    assert accounts_store.password_user("demo", taken) is None
    assert player(running, taken) == before
    monkeypatch.undo()
    assert registered(running, name)["username"] == name  # the same registration sent again


# ---------------------------------------------------------------- the stored password
def test_a_password_is_stored_only_as_argon2id_and_never_logged_or_returned(
    running: RunningStack, capfd: pytest.CaptureFixture[str]
) -> None:
    secret = f"Secret-{uuid.uuid4().hex}"
    fresh = f"Fresh-{uuid.uuid4().hex}"
    user = registered(running, password=secret)
    session = signed_in(running, user["username"], secret)
    assert sign_in(running, user["username"], secret + "x")[0] == 401
    assert change(running, session["auth_token"], secret, fresh) == (200, {"ok": True})
    assert set_credentials(running, user["ref_id"], username=user["username"], password=secret)[0] == 200
    stored = accounts_store.credential("demo", user["username"])
    assert stored is not None and stored["password_hash"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert items_holding(secret, fresh) == []
    out, err = capfd.readouterr()
    assert secret not in out + err and fresh not in out + err and "$argon2id$" not in out + err


def test_a_hash_made_with_other_parameters_is_rehashed_at_sign_in(running: RunningStack) -> None:
    from argon2 import PasswordHasher

    user = registered(running)
    current = accounts_store.credential("demo", user["username"])
    assert current is not None
    weaker = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PW)
    assert accounts_store.replace_hash("demo", user["username"], user["id"], current["password_hash"], weaker, 0)
    assert passwords.needs_rehash(weaker)
    assert sign_in(running, user["username"], PW)[0] == 200
    rehashed = accounts_store.credential("demo", user["username"])
    assert rehashed is not None and rehashed["password_hash"] != weaker
    assert passwords.parameters_of(rehashed["password_hash"]) == (
        passwords.MEMORY_KIB,
        passwords.TIME_COST,
        passwords.PARALLELISM,
    )
    assert sign_in(running, user["username"], PW)[0] == 200


def test_a_sign_in_the_casino_refuses_ends_the_session_it_opened(running: RunningStack) -> None:
    user = registered(running)
    status, _ = running.call("POST", f"{A}/players/{user['ref_id']}/status", {"status": "blocked"})
    assert status == 200
    status, answer = sign_in(running, user["username"])
    assert (status, answer["error"]["code"]) == (409, "user_blocked")  # the wallet's final refusal, as cross-login
    assert "blocked" in answer["error"]["message"]
    opened = hub_store.active_password_sessions("demo", user["id"])
    assert opened == []  # the session the hub opened for it is over
    status, _ = running.call("POST", f"{A}/players/{user['ref_id']}/status", {"status": "active"})
    assert status == 200 and sign_in(running, user["username"])[0] == 200


def test_an_ops_reset_lifts_the_accounts_lock(running: RunningStack) -> None:
    user = registered(running)
    for _ in range(policy.ACCOUNT.max_failures):
        assert sign_in(running, user["username"], "Wrong-Password-000")[0] == 401
    assert sign_in(running, user["username"], PW)[0] == 429
    status, _ = set_credentials(running, user["ref_id"], username=user["username"], password=OTHER_PW)
    assert status == 200
    assert sign_in(running, user["username"], OTHER_PW)[0] == 200
