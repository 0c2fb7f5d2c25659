"""Adversarial review of service maintenance (admin-api.md "Ops", provider-callbacks.md ``OP_37``,
operator-wallet.md, client-api.md): ``POST /admin/status/{service}``, the refusal of new bets on
each face while settlements land, ``GET /admin/status``, and the game-list sync's time budget.

The review found six defects, each fixed and kept here as a test: a bridge session's hub play
while the wallet is closed, OP_37's message inviting a retry, a trickling platform keeping the
sync past its Lambda's time, a clearing's reason dropped, a rewording resetting ``since``, and an
invisible reason accepted. Every test that closes a service opens it again."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D
from typing import Any

import httpx
import pytest

from local.operator_client import SignedClient
from local.provider_client import ProviderClient
from tests.conftest import ADMIN_KEY, RunningStack
from tests.integration.test_account_bridge import BRIDGE, follow
from tests.integration.test_account_bridge import play as bridge_play
from tests.integration.test_admin_players import fund, new_player, player
from tests.integration.test_client_plays import new_game, new_play_id, open_page
from tests.integration.test_game_list_sync import platform_at, run_sync_with
from tests.peers import peer, trickle
from tests.provider.conftest import bet, make_player

STATUS = "/api/v1/admin/status"
SCRATCH = "sports"  # a service no face reads: safe to close in tests that only look at the flag


def set_maintenance(
    running: RunningStack, service: str, on: bool, reason: str | None = None, *, key: str = ADMIN_KEY
) -> tuple[int, Any]:
    body: dict[str, Any] = {"maintenance": on}
    if reason is not None:
        body["reason"] = reason
    return running.call("POST", f"{STATUS}/{service}", body, admin_key=key)


def reopen(running: RunningStack, *names: str) -> None:
    for name in names:
        assert set_maintenance(running, name, False)[0] == 200


@pytest.fixture()
def closed(running: RunningStack) -> Iterator[Callable[..., None]]:
    touched: list[str] = []

    def close(*names: str) -> None:
        for name in names:
            touched.append(name)
            status, answer = set_maintenance(running, name, True, f"review {uuid.uuid4().hex[:6]}")
            assert status == 200, answer

    yield close
    reopen(running, *touched)


@pytest.fixture(scope="module")
def hub(running: RunningStack) -> SignedClient:
    return SignedClient(running.base_url, "demo-operator", "demo-wallet-secret")


# ================================================================ defects
@pytest.mark.parametrize("service", ["bridge", "wallet"])
def test_a_hub_play_is_refused_with_maintenance_while_the_bridge_is_closed(
    running: RunningStack, closed: Callable[..., None], service: str
) -> None:
    game = new_game(running)
    page = open_page(running, real="10.00")
    closed(service)
    started = time.monotonic()
    answer = page.play(game["game_id"])
    took = time.monotonic() - started
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "maintenance", answer.text
    assert took < 3.0
    assert player(running, page.player_id)["balances"]["real"] == "10.00"


def test_op_37_does_not_invite_a_retry_that_can_never_succeed(
    running: RunningStack, provider: ProviderClient, closed: Callable[..., None]
) -> None:
    gambler = make_player(running, real="10.00")
    data = bet(gambler, D("1.00"))
    closed("provider_callbacks")
    refused = provider.send("changebalance", data)
    assert refused.error_code == "OP_37"
    message = str(refused.data["error_message"]).lower()
    reopen(running, "provider_callbacks")
    again = provider.send("changebalance", data)
    assert again.ok or "retry" not in message, (message, again.body)


@pytest.fixture()
def dripping_platform(running: RunningStack) -> Iterator[None]:
    """tlt's platform answers at once, then sends its body a byte every 0.2 s (~9 s)."""
    with peer(trickle(45), drip_s=0.2) as url, platform_at(url):
        yield


def test_a_trickling_platform_cannot_keep_the_sync_past_the_lambdas_time(
    running: RunningStack, dripping_platform: None
) -> None:
    record, took, left_ms = run_sync_with(running, timeout_s=6)
    assert record["outcome"] == "failed", record
    assert took < 5.5 and left_ms > 500, (took, left_ms)


def test_clearing_maintenance_keeps_the_reason_given(running: RunningStack) -> None:
    assert set_maintenance(running, SCRATCH, True, "feed vendor outage")[0] == 200
    status, cleared = set_maintenance(running, SCRATCH, False, "vendor confirmed the fix")
    assert status == 200 and cleared["status"] == "up"
    assert cleared["history"][0]["reason"] == "vendor confirmed the fix", cleared["history"][0]


def test_rewording_the_reason_keeps_since(running: RunningStack) -> None:
    status, first = set_maintenance(running, SCRATCH, True, "db upgrade")
    try:
        assert status == 200
        time.sleep(0.01)
        status, reworded = set_maintenance(running, SCRATCH, True, "db upgrade, 30 more minutes")
        assert status == 200 and reworded["reason"] == "db upgrade, 30 more minutes"
        shown = running.call("GET", STATUS)[1]["services"][SCRATCH]["maintenance"]
        assert shown["since"] == first["since"], (shown, first["since"])
    finally:
        reopen(running, SCRATCH)


@pytest.mark.parametrize("reason", ["\u0000", "\u200b", "\u0000\n\t"])
def test_a_reason_of_invisible_characters_is_refused(running: RunningStack, reason: str) -> None:
    status, answer = set_maintenance(running, SCRATCH, True, reason)
    try:
        assert (status, answer.get("error", {}).get("field")) == (400, "reason"), answer
    finally:
        reopen(running, SCRATCH)


# ================================================================ checked and right
def test_the_endpoint_answers_4xx_never_5xx_on_bad_input(running: RunningStack) -> None:
    for raw in (
        b"{bad",
        b"",
        b"[]",
        b"null",
        b'"x"',
        b'{"maintenance": true, "reason": 5}',
        b'{"maintenance": null}',
        b'{"maintenance": "false"}',
        b'{"maintenance": true, "reason": "\\ud800"}',
        json.dumps({"maintenance": True, "reason": "x" * 1_000_000}).encode(),
        json.dumps({"maintenance": False, "reason": "x" * 501}).encode(),
    ):
        status, answer = running.call("POST", f"{STATUS}/{SCRATCH}", raw)
        assert status in (400, 413) and answer["error"]["code"] in ("validation_error", "payload_too_large"), answer
    for name in ("Wallet", "WALLET", "wallet ", "..", "hub;x", "a" * 40):
        status, answer = running.call("POST", f"{STATUS}/{name}", {"maintenance": False})
        assert (status, answer["error"]["field"]) == (404, "service"), name
    assert running.call("POST", f"{STATUS}/{'a' * 41}", {"maintenance": False})[0] == 400
    auth = {"Authorization": f"Bearer {ADMIN_KEY}"}
    for path in ("%2e%2e", "w%C3%A4llet", "hub%00", "..%2Fhub", "hub/x"):
        answer = httpx.post(f"{running.base_url}{STATUS}/{path}", json={"maintenance": False}, headers=auth)
        assert 400 <= answer.status_code < 500, (path, answer.text)
    # no key: 401 before anything is said about the service or the body
    assert running.call("POST", f"{STATUS}/casino", b"{bad", admin_key=None)[0] == 401
    assert running.call("GET", STATUS)[1]["services"][SCRATCH]["status"] != "maintenance"


def test_set_by_is_the_callers_key_id_never_the_key_nor_the_body(running: RunningStack) -> None:
    status, created = running.call("POST", "/api/v1/admin/admin-keys", {"label": "ops-review"})
    assert status == 201, created
    key, key_id = str(created["key"]), str(created["key_id"])
    body = {"maintenance": True, "reason": "swap", "set_by": "mallory", "since": 1, "version": 99}
    status, answer = running.call("POST", f"{STATUS}/{SCRATCH}", body, admin_key=key)
    try:
        assert status == 200 and answer["set_by"] == key_id and answer["since"] != 1, answer
        shown = running.call("GET", STATUS)[1]
        assert shown["services"][SCRATCH]["maintenance"]["set_by"] == key_id
        assert key not in json.dumps(answer) and key not in json.dumps(shown)
    finally:
        reopen(running, SCRATCH)
    assert running.call("POST", f"/api/v1/admin/admin-keys/{key_id}/revoke")[0] == 200
    status, _ = set_maintenance(running, SCRATCH, True, "revoked", key=key)
    assert status == 401
    assert running.call("GET", STATUS)[1]["services"][SCRATCH]["status"] != "maintenance"


def test_concurrent_toggles_leave_one_state_and_a_consistent_history(running: RunningStack) -> None:
    def toggle(i: int) -> tuple[int, Any]:
        return set_maintenance(running, SCRATCH, i % 2 == 0, f"r{i}")

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(toggle, range(16)))
    assert all(status in (200, 409) for status, _ in answers), answers
    status, final = set_maintenance(running, SCRATCH, True, "final")
    try:
        assert status == 200
        history = final["history"]
        assert history[0] == {k: final[k] for k in ("maintenance", "reason", "set_by", "since")}
        sinces = [c["since"] for c in history]
        assert sinces == sorted(sinces, reverse=True)
        assert all(
            c["maintenance"] != n["maintenance"] or c["reason"] != n["reason"] for c, n in itertools.pairwise(history)
        )
        shown = running.call("GET", STATUS)[1]["services"][SCRATCH]
        assert shown["status"] == "maintenance" and shown["maintenance"]["reason"] == "final"
    finally:
        reopen(running, SCRATCH)


def test_a_free_spin_is_a_new_bet_refused_op_37_and_status_reports_it(
    running: RunningStack, provider: ProviderClient, closed: Callable[..., None]
) -> None:
    gambler = make_player(running, real="10.00")
    closed("wallet")
    spin = bet(gambler, D("0"), context={"type": "PROMO-FREESPIN"}, token=None)
    refused = provider.send("changebalance", spin)
    assert refused.http_status == 200 and refused.signed and refused.error_code == "OP_37"
    assert "wallet is in maintenance" in refused.data["error_message"]
    status = provider.send(
        "status",
        {
            "user_id": gambler.id,
            "transaction_id": spin["transaction_id"],
            "transaction_type": "BET",
            "transaction_date": "2026-11-22T03:00:00Z",
            "transaction_ts": "1795442400000",
            "round_id": spin["round_id"],
        },
    )
    assert status.ok and status.data["transaction_status"] == "ERROR", status.body
    assert gambler.balances()["real"] == "10.00"


def test_bridge_settlements_of_plays_made_before_maintenance_land(
    running: RunningStack, hub: SignedClient, closed: Callable[..., None]
) -> None:
    user = new_player(running)
    fund(running, user, "10.00")
    lost, won = bridge_play(user, "1.00"), bridge_play(user, "2.00")
    for placed in (lost, won):
        assert hub.post(f"{BRIDGE}/create_transaction", placed).status_code == 200
    closed("wallet", "bridge")
    lose = hub.post(f"{BRIDGE}/create_transaction", follow(user, "lose", "0", [lost["transaction_id"]]))
    assert lose.status_code == 200, lose.text
    win = follow(user, "win", "5.00", [won["transaction_id"]])
    assert hub.post(f"{BRIDGE}/create_transaction", win).status_code == 200
    cancel = hub.post(f"{BRIDGE}/create_transaction", follow(user, "cancel_win", "-5.00", [win["transaction_id"]]))
    assert cancel.status_code == 200, cancel.text
    assert player(running, user)["balances"]["real"] == "7.00"  # 10 - 1 - 2 + 5 - 5
    refused = hub.post(f"{BRIDGE}/create_transaction", bridge_play(user, "1.00"))
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "maintenance"
    assert "maintenance" in refused.json()["error"]["message"]


def test_a_hub_play_retried_with_its_play_id_answers_its_contract_and_a_new_play_id_is_refused(
    running: RunningStack, closed: Callable[..., None]
) -> None:
    game = new_game(running)
    page = open_page(running, real="10.00")
    play_id = new_play_id()
    first = page.placed(game["game_id"], play_id=play_id)
    closed("hub")
    again = page.play(game["game_id"], play_id=play_id)
    assert again.status_code == 200 and again.json()["contract"]["id"] == first["id"]
    refused = page.play(game["game_id"])
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "maintenance"
    assert "hub is in maintenance" in refused.json()["error"]["message"]
    assert page.http.post("/heartbeat").status_code == 200
    assert page.seen_and_settled(first["id"])["status"] == "finalized"
