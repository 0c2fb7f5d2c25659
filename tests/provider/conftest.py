"""Provider callback fixtures: a signing provider client, and players with tokens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from casino import clock
from casino.registry import game_sync
from local.provider_client import ProviderClient
from tests.conftest import RunningStack


@pytest.fixture(scope="session")
def provider(running: RunningStack) -> Iterator[ProviderClient]:
    assert game_sync.run("tlt")["outcome"] == "ok"
    client = ProviderClient(running.base_url)
    yield client
    client.client.close()


@dataclass
class Player:
    id: str
    token: str
    running: RunningStack

    def view(self) -> dict[str, Any]:
        status, body = self.running.call("GET", f"/api/v1/admin/players/{self.id}")
        assert status == 200
        return body

    def balances(self) -> dict[str, str]:
        balances: dict[str, str] = self.view()["balances"]
        return balances

    def ledger(self) -> list[dict[str, Any]]:
        status, body = self.running.call("GET", f"/api/v1/admin/players/{self.id}/ledger", query="limit=100")
        assert status == 200
        entries: list[dict[str, Any]] = body["entries"]
        return entries

    def fund(self, amount: str) -> None:
        status, body = self.running.call(
            "POST",
            f"/api/v1/admin/players/{self.id}/transactions",
            {"type": "adjustment", "amount": amount, "idempotency_key": uuid.uuid4().hex},
        )
        assert status == 200, body


def make_player(
    running: RunningStack,
    *,
    real: str = "100.00",
    bonus: str | None = None,
    mode: str = "BONUS_ONLY",
    country: str = "MT",
    limits: dict[str, Any] | None = None,
    game_id: int = 1001,
    contributions: dict[str, str] | None = None,
) -> Player:
    pid = f"pp-{uuid.uuid4().hex[:10]}"
    body: dict[str, Any] = {"player_id": pid, "user_name": pid, "country": country, "currency": "EUR"}
    if limits:
        body["limits"] = limits
    assert running.call("POST", "/api/v1/admin/players", body)[0] == 201
    player = Player(pid, "", running)
    if real != "0.00":
        player.fund(real)
    if bonus:
        grant = {
            "amount": bonus,
            "mode": mode,
            "wagering_multiplier": "10",
            "expires_at": clock.now_ms() + 86_400_000,
            "idempotency_key": f"b-{pid}",
            "contributions": contributions or {},
        }
        assert running.call("POST", f"/api/v1/admin/players/{pid}/bonuses", grant)[0] == 200
    status, session = running.call(
        "POST", "/api/v1/admin/game-sessions", {"player_id": pid, "provider": "tlt", "game_id": game_id}
    )
    assert status == 201, session
    player.token = session["token"]
    return player


_ids = iter(range(10_000_000, 99_999_999))


def next_id() -> int:
    return next(_ids) + uuid.uuid4().int % 1_000_000 * 100


def bet(
    player: Player,
    amount: Any,
    *,
    transaction_id: int | None = None,
    round_id: int | None = None,
    game_id: int = 1001,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "token": player.token,
        "user_id": player.id,
        "transaction_type": "BET",
        "transaction_id": transaction_id or next_id(),
        "round_id": round_id or next_id(),
        "game_id": game_id,
        "currency_code": "EUR",
        "amount": amount,
        "transaction_timestamp": "2026-11-22T03:00:00Z",
        **extra,
    }
