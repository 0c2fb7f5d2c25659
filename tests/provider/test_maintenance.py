"""Maintenance (admin-api.md "Ops"): ``POST /admin/status/{service}`` closes a service to new bets
with a clear code on every face (provider BET ``OP_37``, bridge ``.play`` and hub ``play``
``maintenance``) while what is under way still settles (wins, refunds, cancels, contract steps)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal as D
from typing import Any

import pytest

from casino import cache
from local.operator_client import SignedClient
from local.provider_client import ProviderClient
from tests.conftest import RunningStack, event
from tests.integration.test_account_bridge import BRIDGE, follow
from tests.integration.test_account_bridge import play as bridge_play
from tests.integration.test_admin_players import fund, new_player, player
from tests.integration.test_client_plays import new_game, open_page
from tests.provider.conftest import bet, make_player
from tests.provider.test_callback_rules import cancel_of

STATUS = "/api/v1/admin/status"


def set_maintenance(running: RunningStack, service: str, on: bool, reason: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"maintenance": on}
    if reason is not None:
        body["reason"] = reason
    status, answer = running.call("POST", f"{STATUS}/{service}", body)
    assert status == 200, answer
    found: dict[str, Any] = answer
    return found


@pytest.fixture()
def closed(running: RunningStack) -> Iterator[Any]:
    """Closes services for one test and always opens them again."""
    touched: list[str] = []

    def close(*services: str) -> None:
        for service in services:
            touched.append(service)
            set_maintenance(running, service, True, f"test {uuid.uuid4().hex[:6]}")

    yield close
    for service in touched:
        set_maintenance(running, service, False)


def win_of(data: dict[str, Any], amount: D) -> dict[str, Any]:
    return {**data, "transaction_type": "WIN", "transaction_id": data["transaction_id"] + 1_000_000, "amount": amount}


# ---------------------------------------------------------------- the endpoint
def test_setting_maintenance_needs_an_admin_key_a_known_service_and_a_reason(running: RunningStack) -> None:
    assert running.call("POST", f"{STATUS}/hub", {"maintenance": True, "reason": "x"}, admin_key=None)[0] == 401
    assert running.call("POST", f"{STATUS}/hub", {"maintenance": True, "reason": "x"}, admin_key="nope")[0] == 401
    status, answer = running.call("POST", f"{STATUS}/casino", {"maintenance": True, "reason": "x"})
    assert (status, answer["error"]["field"]) == (404, "service")
    for body, field in (
        ({"maintenance": True}, "reason"),
        ({"maintenance": True, "reason": "   "}, "reason"),
        ({"maintenance": "yes", "reason": "x"}, "maintenance"),
        ({"maintenance": 1, "reason": "x"}, "maintenance"),
        ({"reason": "x"}, "maintenance"),
        ({"maintenance": True, "reason": "x" * 501}, "reason"),
    ):
        status, answer = running.call("POST", f"{STATUS}/bridge", body)
        assert (status, answer["error"]["field"]) == (400, field), body
    assert running.call("GET", STATUS)[1]["services"]["bridge"]["status"] != "maintenance"


def test_maintenance_is_shown_with_its_reason_and_who_set_it_and_each_change_is_kept(running: RunningStack) -> None:
    first = set_maintenance(running, "schedules", True, "provider platform upgrade")
    try:
        assert first["status"] == "maintenance" and first["set_by"] == "bootstrap"
        again = set_maintenance(running, "schedules", True, "provider platform upgrade")
        assert again["since"] == first["since"]  # the same state again changes nothing
        service = running.call("GET", STATUS)[1]["services"]["schedules"]
        assert service["status"] == "maintenance"
        since = first["since"]
        assert service["maintenance"] == {"reason": "provider platform upgrade", "set_by": "bootstrap", "since": since}
    finally:
        cleared = set_maintenance(running, "schedules", False)
    assert cleared["status"] == "up" and cleared["reason"] is None
    assert [c["maintenance"] for c in cleared["history"][:2]] == [False, True]
    assert running.call("GET", STATUS)[1]["services"]["schedules"]["status"] != "maintenance"


# ---------------------------------------------------------------- provider callbacks
@pytest.mark.parametrize("service", ["provider_callbacks", "wallet"])
def test_a_provider_bet_is_refused_with_op_37_while_wins_refunds_and_cancels_still_apply(
    running: RunningStack, provider: ProviderClient, closed: Any, service: str
) -> None:
    player = make_player(running, real="10.00")
    placed = bet(player, D("2.00"))
    to_cancel = bet(player, D("1.00"))
    assert provider.send("changebalance", placed).ok
    assert provider.send("changebalance", to_cancel).ok
    closed(service)

    refused = provider.send("changebalance", bet(player, D("1.00"), round_id=placed["round_id"]))
    assert refused.error_code == "OP_37" and refused.signed
    assert provider.send("changebalance", placed).ok  # a retry of a bet made before: its first answer
    assert provider.send("changebalance", win_of(placed, D("5.00"))).ok
    assert provider.send("cancel", cancel_of(player, to_cancel)).ok
    assert player.balances()["real"] == "13.00"  # 10 - 2 - 1 + 5 + 1: the refused bet moved nothing


def test_a_refused_bet_stays_refused_once_maintenance_ends(
    running: RunningStack, provider: ProviderClient, closed: Any
) -> None:
    player = make_player(running, real="10.00")
    data = bet(player, D("1.00"))
    closed("provider_callbacks")
    assert provider.send("changebalance", data).error_code == "OP_37"
    set_maintenance(running, "provider_callbacks", False)
    assert provider.send("changebalance", data).error_code == "OP_37"  # a retry gets the first answer
    assert provider.send("changebalance", bet(player, D("1.00"))).ok  # a new bet is taken again
    assert player.balances()["real"] == "9.00"


def test_maintenance_of_the_hub_does_not_stop_provider_bets(
    running: RunningStack, provider: ProviderClient, closed: Any
) -> None:
    player = make_player(running, real="10.00")
    closed("hub", "contract_flow", "bridge", "schedules", "sports")
    assert provider.send("changebalance", bet(player, D("1.00"))).ok


# ---------------------------------------------------------------- the account bridge
@pytest.fixture(scope="module")
def hub(running: RunningStack) -> SignedClient:
    return SignedClient(running.base_url, "demo-operator", "demo-wallet-secret")


@pytest.mark.parametrize("service", ["bridge", "wallet"])
def test_a_bridge_play_is_refused_while_wins_and_refunds_land(
    running: RunningStack, hub: SignedClient, closed: Any, service: str
) -> None:
    user = new_player(running)
    fund(running, user, "10.00")
    first = bridge_play(user, "2.00")
    second = bridge_play(user, "1.00")
    assert hub.post(f"{BRIDGE}/create_transaction", first).status_code == 200
    assert hub.post(f"{BRIDGE}/create_transaction", second).status_code == 200
    closed(service)

    late = bridge_play(user, "1.00")
    refused = hub.post(f"{BRIDGE}/create_transaction", late)
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "maintenance"
    assert hub.post(f"{BRIDGE}/create_transaction", first).status_code == 200  # a retry: the first answer
    win = hub.post(f"{BRIDGE}/create_transaction", follow(user, "win", "4.00", [first["transaction_id"]]))
    assert win.status_code == 200, win.text
    refund = hub.post(f"{BRIDGE}/create_transaction", follow(user, "refund", "1.00", [second["transaction_id"]]))
    assert refund.status_code == 200, refund.text
    assert player(running, user)["balances"]["real"] == "12.00"  # 10 - 2 - 1 + 4 + 1

    set_maintenance(running, service, False)  # not recorded: the same play once maintenance ends
    assert hub.post(f"{BRIDGE}/create_transaction", late).status_code == 200
    assert player(running, user)["balances"]["real"] == "11.00"


# ---------------------------------------------------------------- the hub's plays
@pytest.mark.parametrize("service", ["hub", "contract_flow"])
def test_a_hub_play_is_refused_while_a_contract_under_way_settles(
    running: RunningStack, closed: Any, service: str
) -> None:
    game = new_game(running)
    page = open_page(running, real="10.00")
    under_way = page.placed(game["game_id"])
    closed(service)

    refused = page.play(game["game_id"])
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "maintenance"
    final = page.seen_and_settled(under_way["id"])
    assert final["status"] == "finalized", final
    won = D(final["reveal"]["prize"])
    assert D(player(running, page.player_id)["balances"]["real"]) == D("9.00") + won


def test_provider_maintenance_does_not_stop_hub_plays(running: RunningStack, closed: Any) -> None:
    game = new_game(running)
    page = open_page(running, real="10.00")
    closed("provider_callbacks", "schedules", "sports")
    assert page.play(game["game_id"]).status_code == 200


# ---------------------------------------------------------------- schedules
def test_the_game_list_sync_is_skipped_while_schedules_are_in_maintenance(running: RunningStack, closed: Any) -> None:
    closed("schedules")
    answer = running.invoke("GameListSyncFunction", event("schedules/game-list-sync.json"))
    assert answer == {"synced": 0, "failed": 0, "skipped": "maintenance"}


# ---------------------------------------------------------------- the game registry
def test_ops_close_and_reopen_a_provider_game(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="10.00")
    status, game = running.call("POST", "/api/v1/admin/games/tlt:1001/status", {"status": "disabled"})
    try:
        assert status == 200 and game["admin_status"] == "disabled", game
        assert provider.send("changebalance", bet(player, D("1.00"))).error_code == "OP_33"
        listed = running.call("GET", "/api/v1/admin/games", query="provider=tlt&status=disabled")[1]
        assert any(g["game_id"] == 1001 for g in listed["games"]), listed
    finally:
        assert running.call("POST", "/api/v1/admin/games/tlt:1001/status", {"status": "active"})[0] == 200
    cache.clear_all()  # the game's record is kept per environment for a while (test_callback_costs.py)
    assert provider.send("changebalance", bet(player, D("1.00"))).ok
    status, answer = running.call("POST", "/api/v1/admin/games/tlt:999999/status", {"status": "disabled"})
    assert (status, answer["error"]["code"]) == (404, "not_found")


def test_the_sample_event_closes_provider_callbacks(running: RunningStack) -> None:
    answer = running.invoke("AdminStatusSetFunction", event("admin/status-set.json"))
    try:
        assert answer["statusCode"] == 200, answer
        assert json.loads(answer["body"])["status"] == "maintenance"
    finally:
        set_maintenance(running, "provider_callbacks", False)
