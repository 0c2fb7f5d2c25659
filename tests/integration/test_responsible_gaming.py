"""Responsible gaming enforced by the wallet on every face (player-accounts.md): the provider
callbacks (OP_36), the account bridge and the hub's plays (limit_exceeded) and admin deposits
obey one rule, inside the bet's own write; limits through the client and admin APIs with their
cooling-off and audit records; self-exclusion refusing bets everywhere and ending sessions."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx
import pytest

from casino import clock
from casino.provider import callbacks
from casino.provider.errors import ProviderError
from casino.registry import game_sync, providers
from casino.registry.providers import Provider
from casino.wallet.responsible import COOLING_OFF_MS
from local.operator_client import SignedClient
from tests.conftest import RunningStack
from tests.integration.test_account_bridge import play as bridge_play
from tests.integration.test_admin_players import player
from tests.integration.test_client_plays import new_game, open_page
from tests.provider.conftest import Player, bet, make_player

A = "/api/v1/admin"
BRIDGE = "/api/v1/bridge/demo"


@pytest.fixture(scope="module", autouse=True)
def tlt(running: RunningStack) -> Provider:
    assert game_sync.run("tlt")["outcome"] == "ok"
    found = providers.get("tlt")
    assert found is not None
    return found


@pytest.fixture(scope="module")
def wallet_side(running: RunningStack) -> SignedClient:
    """The hub calling the account bridge of the seeded operator ``demo``."""
    return SignedClient(running.base_url, "demo-operator", "demo-wallet-secret")


def set_limits(running: RunningStack, pid: str, admin_key: str | None = None, **body: Any) -> dict[str, Any]:
    """Ops set the player's limits (with the seeded admin key, or ``admin_key``)."""
    keys: dict[str, Any] = {} if admin_key is None else {"admin_key": admin_key}
    status, answer = running.call("POST", f"{A}/players/{pid}/limits", {"reason": "test", **body}, **keys)
    assert status == 200, answer
    result: dict[str, Any] = answer
    return result


def provider_code(tlt: Provider, data: dict[str, Any]) -> str:
    """A provider callback, in process (no request timestamp window: the clock may be moved)."""
    try:
        callbacks.changebalance(tlt, data)
    except ProviderError as refused:
        return refused.code
    return "OK"


def real(running: RunningStack, pid: str) -> Decimal:
    return Decimal(player(running, pid)["balances"]["real"])


def books_clean(running: RunningStack, pid: str) -> None:
    status, report = running.call("GET", f"{A}/ledger/verify", query=f"player_id={pid}")
    assert status == 200 and report["differences"] == [], report


# ---------------------------------------------------------------- every face, one rule
def test_a_wager_limit_at_its_boundary_on_the_provider_face(running: RunningStack, tlt: Provider) -> None:
    p = make_player(running, real="100.00")
    set_limits(running, p.id, wager={"day": "10.00"})
    assert provider_code(tlt, bet(p, 6)) == "OK"
    assert provider_code(tlt, bet(p, Decimal("4.01"))) == "OP_36"  # one minor unit more than is left
    assert provider_code(tlt, bet(p, 4)) == "OK"  # exactly the limit
    assert provider_code(tlt, bet(p, 1)) == "OP_36"
    assert real(running, p.id) == Decimal("90.00")
    books_clean(running, p.id)


def test_a_loss_limit_on_the_bridge_face_is_final_and_replayed(
    running: RunningStack, wallet_side: SignedClient
) -> None:
    p = make_player(running, real="100.00")
    set_limits(running, p.id, loss={"week": "5.00"})
    assert wallet_side.post(f"{BRIDGE}/create_transaction", bridge_play(p.id, "5.00")).status_code == 200
    refused_body = bridge_play(p.id, "0.01")
    refused = wallet_side.post(f"{BRIDGE}/create_transaction", refused_body)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "limit_exceeded", refused.text
    set_limits(running, p.id, loss={"week": None})  # a removal waits for its cooling-off ...
    again = wallet_side.post(f"{BRIDGE}/create_transaction", refused_body)  # ... and a retry gets the same answer
    assert again.status_code == 409 and again.json()["error"]["code"] == "limit_exceeded"
    assert real(running, p.id) == Decimal("95.00")


def test_a_hub_play_over_a_limit_is_refused_and_holds_no_prize(running: RunningStack) -> None:
    game = new_game(running)
    page = open_page(running, real="20.00")
    set_limits(running, page.player_id, wager={"month": "1.00"})
    first = page.placed(game["game_id"])
    assert first["status"] in ("in_progress", "return_pending", "finalized")
    refused = page.play(game["game_id"])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "limit_exceeded", refused.text
    prize = Decimal(page.seen_and_settled(first["id"])["reveal"]["prize"])
    assert real(running, page.player_id) == Decimal("19.00") + prize


def test_an_admin_deposit_over_the_deposit_limit_is_refused_and_a_withdrawal_never(running: RunningStack) -> None:
    p = make_player(running, real="0.00")
    set_limits(running, p.id, deposit={"day": "50.00"})

    def deposit(amount: str) -> tuple[int, Any]:
        body = {"type": "deposit", "amount": amount, "idempotency_key": uuid.uuid4().hex}
        return running.call("POST", f"{A}/players/{p.id}/transactions", body)

    assert deposit("50.00")[0] == 200
    status, answer = deposit("0.01")
    assert (status, answer["error"]["code"]) == (409, "limit_exceeded"), answer
    assert real(running, p.id) == Decimal("50.00")


# ---------------------------------------------------------------- concurrency
def test_50_concurrent_bets_against_a_loss_limit_that_allows_10_place_exactly_10(
    running: RunningStack, wallet_side: SignedClient
) -> None:
    p = make_player(running, real="100.00")
    set_limits(running, p.id, loss={"day": "10.00"})
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(
            pool.map(lambda _: wallet_side.post(f"{BRIDGE}/create_transaction", bridge_play(p.id, "1.00")), range(50))
        )
    codes = Counter(a.status_code for a in answers)
    assert codes == {200: 10, 409: 40}, [a.text for a in answers if a.status_code not in (200, 409)][:3]
    assert all(a.json()["error"]["code"] == "limit_exceeded" for a in answers if a.status_code == 409)
    assert real(running, p.id) == Decimal("90.00")
    books_clean(running, p.id)


# ---------------------------------------------------------------- the player's own limits
def test_the_player_sets_lowers_at_once_raises_after_24_hours_and_every_change_is_audited(
    running: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = open_page(running, real="20.00")
    put = page.http.put("/limits", json={"wager": {"day": "3.00"}, "timezone": "Europe/Malta"})
    assert put.status_code == 200, put.text
    assert put.json()["limits"]["wager"]["day"] == "3.00" and put.json()["timezone"] == "Europe/Malta"
    raised = page.http.put("/limits", json={"wager": {"day": "8.00"}, "session_minutes": 30})
    body = raised.json()
    assert body["limits"]["wager"]["day"] == "3.00"  # still the lower one
    assert body["limits"]["session_minutes"] == 30  # a new limit: at once
    assert body["pending"] == [
        {
            "limit": "wager.day",
            "value": "8.00",
            "effective_at": body["pending"][0]["effective_at"],
            "requested_at": body["pending"][0]["requested_at"],
        }
    ]
    assert body["pending"][0]["effective_at"] - body["pending"][0]["requested_at"] == COOLING_OFF_MS
    later = clock.now_ms() + COOLING_OFF_MS + 1_000
    monkeypatch.setattr(clock, "now_ms", lambda: later)
    shown = page.http.get("/limits").json()
    assert shown["limits"]["wager"]["day"] == "8.00" and shown["pending"] == []
    status, history = running.call("GET", f"{A}/players/{page.player_id}/limits/history")
    assert status == 200
    changes = [(c["subject"], c["old"], c["new"], c["by"]) for c in history["changes"]]
    assert changes == [
        ("session_minutes", None, 30, "player"),
        ("wager.day", "3.00", "8.00", "player"),
        ("wager.day", None, "3.00", "player"),
        ("timezone", "UTC", "Europe/Malta", "player"),
    ], changes
    pending_change = history["changes"][1]
    assert pending_change["effective_at"] > pending_change["at"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"wager": {"day": "-1.00"}}, "wager.day"),
        ({"wager": {"day": "1.001"}}, "wager.day"),
        ({"deposit": {"week": "0"}}, "deposit.week"),
        ({"wager": {"fortnight": "1.00"}}, "wager.fortnight"),
        ({"wager": "1.00"}, "wager"),
        ({"bet": {"day": "1.00"}}, "bet"),
        ({"session_minutes": 0}, "session_minutes"),
        ({"session_minutes": True}, "session_minutes"),
        ({"reality_check_minutes": "15"}, "reality_check_minutes"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_bad_limits_are_refused_naming_the_field_and_change_nothing(
    running: RunningStack, body: dict[str, Any], field: str
) -> None:
    page = open_page(running, real="1.00")
    answer = page.http.put("/limits", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["field"] == field
    assert running.call("GET", f"{A}/players/{page.player_id}/limits/history")[1]["changes"] == []


def test_ops_need_a_reason_and_an_unknown_player_is_404(running: RunningStack) -> None:
    p = make_player(running, real="0.00")
    status, answer = running.call("POST", f"{A}/players/{p.id}/limits", {"wager": {"day": "1.00"}})
    assert (status, answer["error"]["field"]) == (400, "reason")
    assert running.call("POST", f"{A}/players/nobody-{uuid.uuid4().hex[:6]}/limits", {"reason": "x"})[0] == 404


# ---------------------------------------------------------------- exclusion
def test_a_self_exclusion_refuses_bets_on_every_face_and_deposits_but_pays_wins_and_withdrawals(
    running: RunningStack, tlt: Provider, wallet_side: SignedClient
) -> None:
    game = new_game(running)
    page = open_page(running, real="30.00")
    pid = page.player_id
    provider_player = Player(pid, "", running)
    status, session = running.call("POST", f"{A}/game-sessions", {"player_id": pid, "provider": "tlt", "game_id": 1001})
    assert status == 201
    provider_player.token = session["token"]
    open_round = bet(provider_player, 2)
    assert provider_code(tlt, open_round) == "OK"

    other = open_page(running, player_id=pid)  # a second session of the same player
    excluded = page.http.post("/self_exclusion", json={"period": "7d"})
    assert excluded.status_code == 200, excluded.text
    assert excluded.json()["exclusion"]["kind"] == "time_out"
    assert excluded.json()["sessions_ended"] == 2
    for ended in (page, other):  # every hub session of the player ends, saying why
        beat = ended.http.post("/heartbeat")
        assert beat.status_code == 409 and beat.json()["error"]["end_reason"] == "self_exclusion", beat.text

    assert provider_code(tlt, bet(provider_player, 1)) == "OP_30"  # the session started before it: ended
    status, fresh = running.call("POST", f"{A}/game-sessions", {"player_id": pid, "provider": "tlt", "game_id": 1001})
    provider_player.token = fresh["token"]
    assert provider_code(tlt, bet(provider_player, 1)) == "OP_36"
    refused = wallet_side.post(f"{BRIDGE}/create_transaction", bridge_play(pid, "1.00"))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "limit_exceeded"  # the protocol's code
    later = open_page(running, player_id=pid)  # a new session opens, but its plays are refused
    hub_play = later.play(game["game_id"])
    assert hub_play.status_code == 409 and hub_play.json()["error"]["code"] == "limit_exceeded", hub_play.text
    deposit = {"type": "deposit", "amount": "5.00", "idempotency_key": uuid.uuid4().hex}
    status, answer = running.call("POST", f"{A}/players/{pid}/transactions", deposit)
    assert (status, answer["error"]["code"]) == (403, "self_excluded")

    win = {**open_round, "transaction_type": "WIN", "transaction_id": open_round["transaction_id"] + 1, "amount": 7}
    win.pop("token")
    assert provider_code(tlt, win) == "OK"  # a win on the open round still lands
    withdrawal = {"type": "withdrawal", "amount": "1.00", "idempotency_key": uuid.uuid4().hex}
    assert running.call("POST", f"{A}/players/{pid}/transactions", withdrawal)[0] == 200
    assert real(running, pid) == Decimal("30.00") - 2 + 7 - 1

    shorter = later.http.post("/self_exclusion", json={"period": "24h"})
    assert shorter.status_code == 409 and shorter.json()["error"]["field"] == "period", shorter.text  # never shortened
    status, answer = running.call(
        "POST", f"{A}/players/{pid}/self_exclusion", {"period": "24h", "reason": "shorten it"}
    )
    assert status == 409, answer
    status, answer = running.call(
        "POST", f"{A}/players/{pid}/self_exclusion", {"period": "permanent", "reason": "asked by phone"}
    )
    assert status == 200 and answer["exclusion"]["until"] is None and answer["sessions_ended"] == 1
    books_clean(running, pid)


def test_limits_of_a_session_on_an_operator_with_its_own_wallet_are_not_ours(running: RunningStack) -> None:
    from tests.fake_operator import FakeOperator

    operator = FakeOperator().start()
    try:
        code = f"op{uuid.uuid4().hex[:8]}"
        status, created = running.call(
            "POST",
            f"{A}/operators",
            {"code": code, "name": "Fake", "wallet_base_url": operator.url, "currencies": ["EUR"]},
        )
        assert status == 201
        operator.app_id, operator.wallet_secret = created["app_id"], created["wallet_secret"]
        operator.users["u1"] = {"real": Decimal("5.00")}
        hub = SignedClient(running.base_url, created["app_id"], created["app_secret"])
        url = hub.post("/api/v1/hub/create_session", {"user_id": "u1"}).json()["client_url"]
        token = url.split("token=", 1)[1]
        auth = httpx.post(f"{running.base_url}/api/v1/client/login", json={"client_token": token}).json()["auth_token"]
        answer = httpx.get(f"{running.base_url}/api/v1/client/limits", headers={"Authorization": f"Bearer {auth}"})
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    finally:
        operator.stop()


# ---------------------------------------------------------------- reality check
def test_a_reality_check_is_due_every_n_minutes_and_holds_plays_until_acknowledged(
    running: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    game = new_game(running, view_timeout_s=5)
    page = open_page(running, real="20.00")
    set_limits(running, page.player_id, reality_check_minutes=10)
    first = page.placed(game["game_id"], play_id="reality-first-01")
    settled = page.seen_and_settled(first["id"])
    status = page.http.get("/reality_check").json()
    assert status["minutes"] == 10 and status["due"] is False
    assert status["staked"] == "1.00" and status["won"] == settled["reveal"]["prize"]
    assert Decimal(status["net"]) == Decimal(settled["reveal"]["prize"]) - 1

    later = clock.now_ms() + 10 * 60_000
    monkeypatch.setattr(clock, "now_ms", lambda: later)
    refused = page.play(game["game_id"])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "reality_check_due", refused.text
    again = page.play(game["game_id"], play_id="reality-first-01")  # the earlier play is still answered
    assert again.status_code == 200 and again.json()["contract"]["id"] == first["id"]
    due = page.http.get("/reality_check").json()
    assert due["due"] is True and due["elapsed_s"] >= 600
    seen = page.http.post("/reality_check")
    assert seen.status_code == 200 and seen.json()["due"] is False
    assert seen.json()["due_at"] == later + 10 * 60_000
    assert page.play(game["game_id"]).status_code == 200


def test_ops_exclude_a_password_player_and_their_password_session_ends(running: RunningStack) -> None:
    name = f"rg{uuid.uuid4().hex[:8]}"
    body = {
        "operator": "demo",
        "username": name,
        "password": "a long unusual pass 7",
        "currency": "EUR",
        "country": "MT",
    }
    registered = httpx.post(f"{running.base_url}/api/v1/client/register", json=body, timeout=60)
    assert registered.status_code == 201, registered.text
    login = httpx.post(
        f"{running.base_url}/api/v1/client/password_login",
        json={"operator": "demo", "username": name, "password": body["password"]},
        timeout=60,
    )
    assert login.status_code == 200, login.text
    auth, pid = login.json()["auth_token"], login.json()["session"]["user"]["ref_id"]
    status, answer = running.call("POST", f"{A}/players/{pid}/self_exclusion", {"period": "6m", "reason": "by phone"})
    assert status == 200 and answer["sessions_ended"] == 1 and answer["exclusion"]["kind"] == "self_exclusion"
    beat = httpx.post(
        f"{running.base_url}/api/v1/client/heartbeat", headers={"Authorization": f"Bearer {auth}"}, timeout=60
    )
    assert beat.status_code == 409 and beat.json()["error"]["end_reason"] == "self_exclusion"
    status, history = running.call("GET", f"{A}/players/{pid}/limits/history")
    assert [(c["subject"], c["by"], c.get("reason")) for c in history["changes"]] == [("exclusion", "ops", "by phone")]


def test_the_session_limit_ends_the_playing_time_of_a_hub_session(
    running: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    game = new_game(running)
    page = open_page(running, real="20.00")
    set_limits(running, page.player_id, session_minutes=20)
    assert page.play(game["game_id"]).status_code == 200
    later = clock.now_ms() + 20 * 60_000
    monkeypatch.setattr(clock, "now_ms", lambda: later)
    refused = page.play(game["game_id"])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "limit_exceeded", refused.text
    assert "session limit" in refused.json()["error"]["message"]
