"""Wagering through real callbacks, and the admin API's providers and games."""

from __future__ import annotations

from decimal import Decimal as D

from casino.registry import game_sync
from local.provider_client import ProviderClient
from tests.conftest import RunningStack
from tests.provider.conftest import bet, make_player, next_id


def game_token(running: RunningStack, player_id: str, game_id: int) -> str:
    status, session = running.call(
        "POST", "/api/v1/admin/game-sessions", {"player_id": player_id, "provider": "tlt", "game_id": game_id}
    )
    assert status == 201, session
    token: str = session["token"]
    return token


def test_bonus_wagering_uses_the_games_contribution_factor(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="0.00", bonus="20.00", game_id=1002)
    assert provider.send("changebalance", bet(player, D("5.00"), game_id=1002)).ok  # table games: 0.1
    assert player.view()["bonus"]["wagering"]["progress"] == "0.50"
    player.token = game_token(running, player.id, 1001)  # a token is for one game
    assert provider.send("changebalance", bet(player, D("5.00"), game_id=1001)).ok  # slots: 1
    assert player.view()["bonus"]["wagering"]["progress"] == "5.50"


def test_the_bonus_contribution_table_overrides_the_game(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="0.00", bonus="20.00", contributions={"table games": "0.5"}, game_id=1002)
    assert provider.send("changebalance", bet(player, D("4.00"), game_id=1002)).ok
    assert player.view()["bonus"]["wagering"]["progress"] == "2.00"


def test_deposit_wagering_advances_by_real_bets_until_withdrawable(
    running: RunningStack, provider: ProviderClient
) -> None:
    player = make_player(running, real="0.00")
    running.call(
        "POST",
        f"/api/v1/admin/players/{player.id}/transactions",
        {"type": "deposit", "amount": "10.00", "idempotency_key": "dep"},
    )
    assert player.view()["balances"]["withdrawable"] == "0.00"
    for _ in range(2):
        assert provider.send("changebalance", bet(player, D("5.00"))).ok
        provider.send("changebalance", {**bet(player, D("5.00")), "transaction_type": "WIN"})
    view = player.view()
    assert view["deposit_wagering"]["remaining"] == "0.00"
    assert view["balances"]["withdrawable"] == view["balances"]["real"] == "10.00"


def test_the_bonus_converts_to_real_exactly_once_when_met(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="0.00", bonus="1.00")  # x10: 10.00 to wager on the bonus part
    placed = bet(player, D("1.00"))
    assert provider.send("changebalance", placed).ok
    won = {**bet(player, D("10.00"), round_id=placed["round_id"]), "transaction_type": "WIN"}
    assert provider.send("changebalance", won).ok  # the round was all bonus: the win goes to bonus
    assert player.balances()["bonus"] == "10.00"
    for _ in range(9):  # progress 1 + 9 = 10: met; the 1.00 left converts to real
        assert provider.send("changebalance", bet(player, D("1.00"))).ok
    view = player.view()
    assert view["bonus"] is None
    conversions = [(e["account"], e["amount"]) for e in player.ledger() if e["type"] == "BONUS_CONVERSION"]
    assert sorted(conversions) == [("bonus", "-1.00"), ("real", "1.00")]  # once
    assert view["balances"]["bonus"] == "0.00" and view["balances"]["real"] == "1.00"
    assert provider.send("changebalance", bet(player, D("1.01"))).error_code == "OP_50"


def test_providers_are_registered_once_with_their_secret_kept_out_of_sight(running: RunningStack) -> None:
    body = {
        "code": f"p{next_id()}",
        "name": "Acme",
        "operator_id": "acme-op",
        "secret": "s3cret-value-123",
        "platform_url": "http://127.0.0.1:9/acme",
        "currencies": ["EUR"],
    }
    status, created = running.call("POST", "/api/v1/admin/providers", body)
    assert status == 201 and created["code"] == body["code"] and "secret" not in created
    assert created["signature"] == "hmac-sha256"  # the default for a new provider
    assert running.call("POST", "/api/v1/admin/providers", body) == (200, created)  # the same body: the same provider
    assert running.call("POST", "/api/v1/admin/providers", {**body, "secret": "another-secret-1"})[0] == 409
    assert running.call("POST", "/api/v1/admin/providers", {**body, "name": "Acme 2"})[0] == 409
    status, bad = running.call("POST", "/api/v1/admin/providers", {**body, "code": "x y"})
    assert status == 400 and bad["error"]["field"] == "code"
    new = ProviderClient(
        running.base_url, provider=body["code"], operator_id="acme-op", secret=body["secret"], signature="hmac-sha256"
    )
    assert new.send("ping").ok and new.send("ping").signed
    status, record = running.call("POST", f"/api/v1/admin/providers/{body['code']}/sync")
    assert status == 200 and record["outcome"] == "failed" and record["disabled"] == 0
    status, history = running.call("GET", f"/api/v1/admin/providers/{body['code']}/sync-history")
    assert status == 200 and history["records"][0]["id"] == record["id"]


def test_games_list_by_provider_and_status(running: RunningStack, provider: ProviderClient) -> None:
    assert game_sync.run("tlt")["outcome"] == "ok"
    status, body = running.call("GET", "/api/v1/admin/games", query="provider=tlt")
    assert status == 200
    by_id = {g["game_id"]: g for g in body["games"]}
    assert by_id[1001]["status"] == "active" and by_id[1003]["status"] == "disabled"
    assert by_id[1001]["bet_limits"] == {"EUR": {"min_bet": "0.10", "max_bet": "100.00"}}
    status, active = running.call("GET", "/api/v1/admin/games", query="provider=tlt&status=active")
    assert {g["game_id"] for g in active["games"]} == {1001, 1002}
    assert running.call("GET", "/api/v1/admin/games", query="status=weird")[0] == 400
