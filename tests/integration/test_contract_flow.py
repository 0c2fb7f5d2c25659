"""The contract flow end to end: the real ASL (statemachines/contract.asl.json) executed by moto,
the project's own Lambda handlers, and a fake operator wallet on loopback that applies the
operator-wallet rules and misbehaves on demand (contract-flow.md, operator-wallet.md)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import httpx
import pytest

from casino.contract import store
from casino.hub import series_store
from local.operator_client import SignedClient
from tests.conftest import RunningStack
from tests.fake_operator import FakeOperator, Fault

HUB = "/api/v1/hub"
CLIENT = "/api/v1/client"
ADMIN = "/api/v1/admin"
START = {"real": Decimal("50.00"), "bonus": Decimal("5.00")}


# ---------------------------------------------------------------- fixtures and helpers
def _game(running: RunningStack, prizes: list[dict[str, Any]], rtp: str, timeout_s: int) -> str:
    code = f"cf-{uuid.uuid4().hex[:10]}"
    config = {
        "currency": "EUR",
        "stake": "1.00",
        "tickets": 1000,
        "prizes": prizes,
        "rtp": rtp,
        "view_timeout_s": timeout_s,
    }
    status, game = running.call(
        "POST", f"{ADMIN}/games", {"code": code, "name": code, "kind": "instant_win", "configuration": config}
    )
    assert status == 201, game
    return code


@pytest.fixture(scope="module")
def win_game(running: RunningStack) -> str:
    """Every ticket wins 0.90 (rtp 0.9); the view times out after 5 s."""
    return _game(running, [{"amount": "0.90", "count": 1000}], "0.9", 5)


@pytest.fixture(scope="module")
def lose_game(running: RunningStack) -> str:
    """One ticket in 1,000 wins 900.00: nearly every play loses."""
    return _game(running, [{"amount": "900.00", "count": 1}], "0.9", 5)


class Player:
    """One user of a fake operator, logged in to one session."""

    def __init__(self, running: RunningStack, operator: FakeOperator, hub: SignedClient):
        self.running, self.operator, self.hub = running, operator, hub
        self.user = f"u{uuid.uuid4().hex[:10]}"
        operator.users[self.user] = dict(START)
        created = hub.post(f"{HUB}/create_session", {"user_id": self.user}).json()
        self.session_id: str = created["session"]["id"]
        token = parse_qs(urlparse(created["client_url"]).query)["token"][0]
        login = self.post("login", {"client_token": token})
        assert login.status_code == 200, login.text
        self.auth: str = login.json()["auth_token"]

    def post(self, path: str, body: Any = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.auth}"} if getattr(self, "auth", None) else {}
        return httpx.post(f"{self.running.base_url}{CLIENT}/{path}", json=body or {}, headers=headers, timeout=60)

    def get(self, path: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.auth}"}
        return httpx.get(f"{self.running.base_url}{CLIENT}/{path}", headers=headers, timeout=60)

    def play(self, game: str, play_id: str | None = None, stake: str = "1.00") -> httpx.Response:
        return self.post("play", {"game_id": game, "stake": stake, "play_id": play_id or uuid.uuid4().hex})

    def contract(self, contract_id: str) -> dict[str, Any]:
        answer = self.get(f"contracts/{contract_id}")
        assert answer.status_code == 200, answer.text
        contract: dict[str, Any] = answer.json()["contract"]
        return contract

    def wait(self, contract_id: str, *statuses: str, timeout_s: float = 20) -> dict[str, Any]:
        return until(lambda: _if(self.contract(contract_id), statuses), timeout_s, f"{contract_id} {statuses}")

    def session(self) -> dict[str, Any]:
        answer = self.hub.post(f"{HUB}/get_session", {"session_id": self.session_id, "is_our_id": True})
        assert answer.status_code == 200, answer.text
        session: dict[str, Any] = answer.json()
        return session

    def transactions(self, *types: str) -> list[dict[str, Any]]:
        """The create_transaction calls the operator received for this user, in order."""
        return [
            b
            for b in self.operator.calls_to("create_transaction")
            if b["user_id"] == self.user and (not types or b["type"] in types)
        ]

    def balance(self) -> dict[str, Decimal]:
        return dict(self.operator.users[self.user])


def _if(contract: dict[str, Any], statuses: tuple[str, ...]) -> dict[str, Any] | None:
    return contract if contract["status"] in statuses else None


def until(check: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture()
def fake(running: RunningStack) -> Iterator[tuple[FakeOperator, SignedClient]]:
    operator = FakeOperator().start()
    code = f"op{uuid.uuid4().hex[:8]}"
    status, created = running.call(
        "POST",
        f"{ADMIN}/operators",
        {"code": code, "name": "Fake", "wallet_base_url": operator.url, "currencies": ["EUR"]},
    )
    assert status == 201, created
    operator.app_id, operator.wallet_secret = created["app_id"], created["wallet_secret"]
    yield operator, SignedClient(running.base_url, created["app_id"], created["app_secret"])
    operator.stop()


@pytest.fixture()
def player(running: RunningStack, fake: tuple[FakeOperator, SignedClient]) -> Player:
    return Player(running, *fake)


def history(running: RunningStack, name: str) -> list[dict[str, Any]]:
    arn = running.stack.state_machine_arn.replace(":stateMachine:", ":execution:") + ":" + name
    events: list[dict[str, Any]] = boto3.client("stepfunctions").get_execution_history(
        executionArn=arn, maxResults=1000
    )["events"]
    return events


def entered(running: RunningStack, name: str) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in history(running, name) if "stateEnteredEventDetails" in e]


def execution_status(running: RunningStack, name: str) -> str:
    arn = running.stack.state_machine_arn.replace(":stateMachine:", ":execution:") + ":" + name
    status: str = boto3.client("stepfunctions").describe_execution(executionArn=arn)["status"]
    return status


def prize_of(player: Player, contract_id: str) -> dict[str, Any]:
    held = store.load(player.session_id, contract_id)
    assert held is not None
    found = series_store.prize(held.series_id, held.position)
    assert found is not None
    return found


def account(contract_or_session: dict[str, Any], ref: str, key: str = "balance") -> Decimal:
    accounts = contract_or_session[key]
    return Decimal(next(a["amount"] for a in accounts if a["ref_id"] == ref))


# ---------------------------------------------------------------- 1. the happy path
@pytest.mark.parametrize("which", ["win_game", "lose_game"])
def test_play_view_settle_finalize(running: RunningStack, player: Player, which: str, request: Any) -> None:
    game = request.getfixturevalue(which)
    answer = player.play(game)
    assert answer.status_code == 200, answer.text
    placed = answer.json()["contract"]
    cid = placed["id"]
    assert placed["status"] == "in_progress"
    prize = Decimal(placed["reveal"]["prize"])
    proof = placed["reveal"]["proof"]
    assert series_store.prize(proof["series_id"], proof["position"])["status"] == "in_progress"
    assert account(placed, "real") == Decimal("49.00") and account(placed, "bonus") == Decimal("5.00")

    (bet,) = player.transactions()
    steps = {s["type"]: s for s in placed["steps"]}
    assert bet["transaction_id"] == steps["place_bet"]["id"] and steps["place_bet"]["status"] == "finalized"
    assert bet["type"] == "instant_win.play" and bet["user_id"] == player.user
    assert bet["data"]["contract_id"] == cid and bet["prev_transactions"] == []
    assert [(t["account_id"], t["amount"]) for t in bet["transactions"]] == [("real", "-1.00")]

    viewed = player.post("view_done", {"contract_id": cid})
    assert viewed.status_code == 200, viewed.text
    done = player.wait(cid, "finalized", timeout_s=10)

    settle = player.transactions()[1:]
    assert len(settle) == 1
    assert settle[0]["type"] == ("instant_win.win" if prize > 0 else "instant_win.lose")
    assert settle[0]["prev_transactions"] == [bet["transaction_id"]]
    assert settle[0]["data"]["contract_id"] == cid
    assert [(t["account_id"], Decimal(t["amount"])) for t in settle[0]["transactions"]] == [("real", prize)]
    assert done["view"] == "viewed" and done["end_date"]
    assert {s["type"]: s["status"] for s in done["steps"]} == {"place_bet": "finalized", "pay_winnings": "finalized"}
    assert series_store.prize(proof["series_id"], proof["position"])["status"] == "finished"
    assert player.balance() == {"real": Decimal("49.00") + prize, "bonus": Decimal("5.00")}
    assert account(done, "real") == Decimal("49.00") + prize  # refreshed from the settle's answer

    session = player.session()
    assert account(session, "real", "accounts") == Decimal("49.00") + prize
    (event,) = [e for e in session["events"] if e["contract"]["id"] == cid]
    assert event["status"] == "finished" and event["contract"]["status"] == "finalized"
    assert [s["id"] for s in event["contract"]["steps"]] == [bet["transaction_id"], settle[0]["transaction_id"]]

    states = entered(running, cid)
    assert states == ["Start", "PlaceBet", "WasBetPlaced", "AwaitView", "Settle", "Finalize"]
    assert execution_status(running, cid) == "SUCCEEDED"
