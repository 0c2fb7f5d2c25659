"""Dynamic app auth at the hub and the account bridge (hub-operator-api.md "Auth",
operator-wallet.md): the signature binds the method, the endpoint and the body; a nonce is
used once; malformed headers are 401, never 5xx; the bridge answers bridge operators only.
And the operator registry: registration repairable by retry, rotations that cannot lose a
secret, a bridge operator's wallet secret never shown."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casino import secret_store
from casino.hub import app_auth
from local.operator_client import SignedClient
from tests.conftest import RunningStack
from tests.integration.test_admin_players import fund, new_player, player

HUB = "/api/v1/hub"
OPERATORS = "/api/v1/admin/operators"


@pytest.fixture(scope="module")
def demo(running: RunningStack) -> SignedClient:
    return SignedClient(running.base_url, "demo-operator", "demo-operator-secret")


def _replay(client: SignedClient, path: str, captured: httpx.Request) -> httpx.Response:
    """A captured request sent again, byte for byte, to ``path``."""
    return client.client.post(f"{client.base_url}{path}", content=captured.content, headers=captured.headers)


def _register(running: RunningStack, **extra: Any) -> dict[str, Any]:
    code = f"op{uuid.uuid4().hex[:8]}"
    body = {"code": code, "name": "Nicobet", "wallet_base_url": "http://127.0.0.1:9/w", "currencies": ["EUR"], **extra}
    status, created = running.call("POST", OPERATORS, body)
    assert status == 201, created
    return created


# ---------------------------------------------------------------- replays
def test_a_get_session_replayed_to_terminate_session_is_refused_and_terminates_nothing(demo: SignedClient) -> None:
    session = demo.post(f"{HUB}/create_session", {"user_id": "replayed"}).json()["session"]
    read = demo.post(f"{HUB}/get_session", {"session_id": session["id"], "is_our_id": True})
    assert read.status_code == 200
    replayed = _replay(demo, f"{HUB}/terminate_session", read.request)
    assert replayed.status_code == 401 and replayed.json()["error"]["code"] == "unauthorized"
    again = demo.post(f"{HUB}/get_session", {"session_id": session["id"], "is_our_id": True}).json()
    assert again["status"] == "active"


def test_a_replayed_create_session_is_refused_without_a_client_url(demo: SignedClient) -> None:
    first = demo.post(f"{HUB}/create_session", {"user_id": "replayed", "session_id": f"s-{uuid.uuid4().hex}"})
    assert first.status_code == 200
    replayed = _replay(demo, f"{HUB}/create_session", first.request)
    assert replayed.status_code == 401 and "client_url" not in replayed.json()


def test_the_same_nonce_twice_is_refused(demo: SignedClient) -> None:
    nonce = f"n-{uuid.uuid4().hex}"
    assert demo.post(f"{HUB}/search_sessions", {"from_date": 0}, nonce=nonce).status_code == 200
    for body in ({"from_date": 0}, {"from_date": 1}):  # the same request, or another one
        answer = demo.post(f"{HUB}/search_sessions", body, nonce=nonce)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"


def test_a_wrong_signature_does_not_use_up_the_nonce(demo: SignedClient) -> None:
    nonce = f"n-{uuid.uuid4().hex}"
    forged = demo.post(f"{HUB}/search_sessions", {"from_date": 0}, nonce=nonce, headers={"X-Signature": "0" * 64})
    assert forged.status_code == 401
    assert demo.post(f"{HUB}/search_sessions", {"from_date": 0}, nonce=nonce).status_code == 200


def test_the_signature_covers_the_endpoint_and_the_body(demo: SignedClient) -> None:
    signed = demo.signed_headers(f"{HUB}/get_session", '{"session_id":"x"}')
    other_endpoint = demo.client.post(
        f"{demo.base_url}{HUB}/terminate_session", content='{"session_id":"x"}', headers=signed
    )
    other_body = demo.client.post(f"{demo.base_url}{HUB}/get_session", content='{"session_id":"y"}', headers=signed)
    assert other_endpoint.status_code == other_body.status_code == 401


# ---------------------------------------------------------------- malformed headers
def _signed_event_headers(client: SignedClient, path: str, raw: str, **override: str | None) -> dict[str, str]:
    sent = client.signed_headers(path, raw)
    for name, value in override.items():
        header = name.replace("_", "-")
        if value is None:
            sent.pop(header, None)
        else:
            sent[header] = value
    return sent


MALFORMED = {
    "a 5000-digit timestamp": {"X_Timestamp": "1" * 5000},
    "Arabic-Indic digits": {"X_Timestamp": "\u0661\u0667" + "\u0660" * 11},
    "full-width digits": {"X_Timestamp": "\uff11\uff17" + "\uff10" * 11},
    "a signed timestamp": {"X_Timestamp": "-1700000000000"},
    "a padded timestamp": {"X_Timestamp": " 1700000000000"},
    "an empty timestamp": {"X_Timestamp": ""},
    "no nonce": {"X_Nonce": None},
    "a short nonce": {"X_Nonce": "abc"},
    "a long nonce": {"X_Nonce": "a" * 65},
    "a huge nonce": {"X_Nonce": "a" * 5000},
    "a nonce with +/=": {"X_Nonce": "abcdefgh+/==abcdefgh"},
    "a non-ASCII nonce": {"X_Nonce": "é" * 20},
    "an upper-case signature": {"X_Signature": "A" * 64},
    "a non-ASCII signature": {"X_Signature": "é" * 64},
    "a huge app id": {"X_App_Id": "a" * 5000},
    "a non-ASCII app id": {"X_App_Id": "démo-operator"},
    "no app id": {"X_App_Id": None},
}


@pytest.mark.parametrize("path", [f"{HUB}/create_session", "/api/v1/bridge/demo/get_user_data"])
@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_auth_headers_are_401_never_5xx(running: RunningStack, path: str, case: str) -> None:
    secret = "demo-wallet-secret" if "bridge" in path else "demo-operator-secret"
    client = SignedClient(running.base_url, "demo-operator", secret)
    raw = '{"user_id":"player-1"}'
    headers = _signed_event_headers(client, path, raw, **MALFORMED[case])
    status, answer = running.call("POST", path, raw.encode(), admin_key=None, headers=headers)
    assert (status, answer["error"]["code"]) == (401, "unauthorized"), case


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(["X-Timestamp", "X-Nonce", "X-App-Id", "X-Signature"]),
    value=st.one_of(st.text(max_size=80), st.from_regex(r"[0-9]{14,5000}", fullmatch=True)),
    bridge=st.booleans(),
)
def test_no_auth_header_makes_a_5xx(running: RunningStack, name: str, value: str, bridge: bool) -> None:
    path = "/api/v1/bridge/demo/get_user_data" if bridge else f"{HUB}/search_sessions"
    client = SignedClient(running.base_url, "demo-operator", "demo-wallet-secret" if bridge else "demo-operator-secret")
    raw = '{"user_id":"player-1","from_date":0}'
    headers = {**client.signed_headers(path, raw), name: value}
    status, _ = running.call("POST", path, raw.encode(), admin_key=None, headers=headers)
    assert status in (200, 401), (name, value)


# ---------------------------------------------------------------- the bridge answers bridge operators only
def test_another_operator_signing_with_its_own_wallet_secret_reads_and_moves_nothing(running: RunningStack) -> None:
    created = _register(running)
    assert created["wallet"] == "external" and created["wallet_secret"]
    own = SignedClient(running.base_url, created["app_id"], created["wallet_secret"])
    pid = new_player(running)
    fund(running, pid, "10.00")
    bridge = f"/api/v1/bridge/{created['code']}"
    read = own.post(f"{bridge}/get_user_data", {"user_id": pid})
    assert read.status_code == 401 and read.json()["error"]["code"] == "unauthorized" and "accounts" not in read.json()
    tid = f"stp_{uuid.uuid4().hex}"
    play = {
        "transaction_id": tid,
        "user_id": pid,
        "type": "instant_win.play",
        "data": {"contract_id": "con_x", "session_id": "ses_x"},
        "prev_transactions": [],
        "transactions": [{"id": f"t-{tid}", "account_id": "real", "amount": "-1.00", "data": {}}],
    }
    moved = own.post(f"{bridge}/create_transaction", play)
    assert moved.status_code == 401 and moved.json()["error"]["code"] == "unauthorized"
    assert player(running, pid)["balances"]["real"] == "10.00"
    # nor under the bridge operator's path: its app id is not the caller's
    assert own.post("/api/v1/bridge/demo/get_user_data", {"user_id": pid}).status_code == 401


def test_a_bridge_operators_wallet_secret_is_never_shown_and_the_hub_uses_it(running: RunningStack) -> None:
    created = _register(running, wallet="bridge", wallet_base_url="https://ignored.example")
    code = created["code"]
    assert "wallet_secret" not in created and created["app_secret"]
    assert created["wallet"] == "bridge" and created["wallet_base_url"] == f"{running.base_url}/api/v1/bridge/{code}"
    hub = SignedClient(running.base_url, created["app_id"], created["app_secret"])

    def login() -> httpx.Response:
        made = hub.post(f"{HUB}/create_session", {"user_id": "player-1"}).json()
        token = parse_qs(urlparse(made["client_url"]).query)["token"][0]
        return httpx.post(f"{running.base_url}/api/v1/client/login", json={"client_token": token}, timeout=30)

    first = login()
    assert first.status_code == 200, first.text  # the hub signed with the secret no one was shown
    assert {a["ref_id"] for a in first.json()["accounts"]} == {"real", "bonus"}
    status, rotated = running.call("POST", f"{OPERATORS}/{code}/rotate", {"which": "wallet_secret"})
    assert status == 200 and rotated["version"] == 2 and "secret" not in rotated
    assert login().status_code == 200  # during the rotation the hub signs with the oldest
    status, retired = running.call("POST", f"{OPERATORS}/{code}/retire", {"which": "wallet_secret"})
    assert status == 200 and retired["wallet_secret_versions"] == [2]
    assert login().status_code == 200  # and then with the newest
    status, rotated = running.call("POST", f"{OPERATORS}/{code}/rotate", {"which": "app_secret"})
    assert status == 200 and rotated["secret"]  # an app secret is the operator's own: shown


# ---------------------------------------------------------------- registration and rotation
def test_the_same_registration_again_answers_the_operator_without_its_secrets(running: RunningStack) -> None:
    code = f"op{uuid.uuid4().hex[:8]}"
    body = {"code": code, "name": "Twice", "wallet_base_url": "http://127.0.0.1:9/w", "currencies": ["EUR"]}
    status, first = running.call("POST", OPERATORS, body)
    assert status == 201 and first["app_secret"] and first["wallet_secret"]
    status, again = running.call("POST", OPERATORS, body)
    assert status == 200 and again["app_id"] == first["app_id"]
    assert "app_secret" not in again and "wallet_secret" not in again  # shown once
    status, other = running.call("POST", OPERATORS, {**body, "name": "Other"})
    assert status == 409 and other["error"]["code"] == "conflict"


def test_a_registration_that_failed_half_way_is_repaired_by_its_retry(
    running: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = f"op{uuid.uuid4().hex[:8]}"
    body = {"code": code, "name": "Flaky", "wallet_base_url": "http://127.0.0.1:9/w", "currencies": ["EUR"]}
    written = secret_store.put_parameter

    def ssm_fails_on_the_wallet_secret(name: str, value: str) -> None:
        if "/wallet_secret/" in name:
            raise RuntimeError("SSM throttled")
        written(name, value)

    monkeypatch.setattr(secret_store, "put_parameter", ssm_fails_on_the_wallet_secret)
    status, _ = running.call("POST", OPERATORS, body)
    assert status == 500
    monkeypatch.setattr(secret_store, "put_parameter", written)
    status, created = running.call("POST", OPERATORS, body)
    assert status == 201, created
    hub = SignedClient(running.base_url, created["app_id"], created["app_secret"])
    assert hub.post(f"{HUB}/search_sessions", {"from_date": 0}).status_code == 200


def test_two_rotations_at_once_never_hand_out_a_secret_that_does_not_work(
    running: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = _register(running)
    code = created["code"]
    written = secret_store.put_parameter
    inner: dict[str, Any] = {}

    def the_other_rotation_runs_first(name: str, value: str) -> None:
        if not inner:  # the outer rotation is about to write its secret: another one runs meanwhile
            inner["answer"] = None
            other = threading.Thread(
                target=lambda: inner.update(
                    answer=running.call("POST", f"{OPERATORS}/{code}/rotate", {"which": "app_secret"})
                )
            )
            other.start()
            other.join()
        written(name, value)

    monkeypatch.setattr(secret_store, "put_parameter", the_other_rotation_runs_first)
    status, _ = running.call("POST", f"{OPERATORS}/{code}/rotate", {"which": "app_secret"})
    monkeypatch.setattr(secret_store, "put_parameter", written)
    assert status == 409  # the later one lost the race
    inner_status, rotated = inner["answer"]
    assert inner_status == 200 and rotated["version"] == 2
    new = SignedClient(running.base_url, created["app_id"], rotated["secret"])
    assert new.post(f"{HUB}/search_sessions", {"from_date": 0}).status_code == 200  # what was handed out works


# ---------------------------------------------------------------- the signing helpers
def test_a_signature_is_lowercase_hex_over_timestamp_nonce_method_endpoint_and_body() -> None:
    import hashlib
    import hmac

    headers = app_auth.headers(
        "app", "s3cret", "post", "create_session", b'{"a":1}', now_ms=1700000000000, nonce="n" * 16
    )
    message = b"1700000000000\n" + b"n" * 16 + b'\nPOST\ncreate_session\n{"a":1}'
    assert headers["X-Signature"] == hmac.new(b"s3cret", message, hashlib.sha256).hexdigest()
    assert headers["X-Timestamp"] == "1700000000000" and headers["X-Nonce"] == "n" * 16
    assert app_auth.endpoint_of("/api/v1/hub/create_session?x=1") == "create_session"
    assert app_auth.NONCE.fullmatch(app_auth.new_nonce())


def test_a_fresh_timestamp_is_within_300_s_either_way() -> None:
    now = int(time.time() * 1000)
    for skew, ok in ((0, True), (300_000, True), (-300_000, True), (300_001, False), (-300_001, False)):
        signed = app_auth.parse(
            {"x-app-id": "a", "x-timestamp": str(now + skew), "x-nonce": "n" * 16, "x-signature": "0" * 64}
        )
        assert signed is not None and app_auth.fresh(signed, now) is ok, skew


def test_a_bridge_operator_needs_no_wallet_url_and_a_third_party_does(running: RunningStack) -> None:
    code = f"op{uuid.uuid4().hex[:8]}"
    status, created = running.call(
        "POST", OPERATORS, {"code": code, "name": "Ours", "currencies": ["EUR"], "wallet": "bridge"}
    )
    assert status == 201 and created["wallet_base_url"].endswith(f"/api/v1/bridge/{code}")
    status, refused = running.call("POST", OPERATORS, {"code": f"x{code}", "name": "Theirs", "currencies": ["EUR"]})
    assert status == 400 and "wallet_base_url" in refused["error"]["message"]
