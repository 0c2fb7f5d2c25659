"""The contract flow end to end: the real ASL (statemachines/contract.asl.json) executed by moto,
the project's own Lambda handlers, and a fake operator wallet on loopback that applies the
operator-wallet rules and misbehaves on demand (contract-flow.md, operator-wallet.md,
client-api.md, hub-operator-api.md)."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from casino import clock
from casino.contract import executions, store, sweep
from casino.contract.domain import WrongPhase
from casino.errors import SessionClosed
from casino.hub import plays, series_store, session_expiry, wallet_client
from casino.hub import store as hub_store
from local.operator_client import SignedClient
from tests.conftest import RunningStack
from tests.fake_operator import FakeOperator, Fault

HUB = "/api/v1/hub"
CLIENT = "/api/v1/client"
ADMIN = "/api/v1/admin"
START = {"real": Decimal("50.00"), "bonus": Decimal("5.00")}
AFTER_A_WIN = {"real": Decimal("49.90"), "bonus": Decimal("5.00")}  # 1.00 staked, 0.90 won
HAPPY_STATES = ["Start", "PlaceBet", "WasBetPlaced", "AwaitView", "Settle", "Finalize"]
PLAY, WIN, REFUND = "instant_win.play", "instant_win.win", "instant_win.refund"


# ---------------------------------------------------------------- games, operator, players
def _game(running: RunningStack, tickets: int, prizes: list[dict[str, Any]]) -> str:
    """A fresh instant-win game: stake 1.00 EUR, rtp 0.9, a view timeout of 5 s."""
    code = f"cf-{uuid.uuid4().hex[:10]}"
    config = {"currency": "EUR", "stake": "1.00", "tickets": tickets, "prizes": prizes, "rtp": "0.9"}
    body = {"code": code, "name": code, "kind": "instant_win", "configuration": {**config, "view_timeout_s": 5}}
    status, game = running.call("POST", f"{ADMIN}/games", body)
    assert status == 201, game
    return code


@pytest.fixture(scope="module")
def win_game(running: RunningStack) -> str:
    """Every ticket wins 0.90."""
    return _game(running, 200, [{"amount": "0.90", "count": 200}])


@pytest.fixture(scope="module")
def lose_game(running: RunningStack) -> str:
    """One ticket in 100 wins 90.00: nearly every play loses."""
    return _game(running, 100, [{"amount": "90.00", "count": 1}])


@pytest.fixture(scope="module")
def fake(running: RunningStack) -> Iterator[tuple[FakeOperator, SignedClient]]:
    """One third-party operator for the module, its wallet the fake. Every test has its own user
    and session, and leaves no contract running and no fault behind."""
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


class Player:
    """A new user of the fake operator, logged in to a new session through the client API."""

    def __init__(
        self, running: RunningStack, operator: FakeOperator, hub: SignedClient, start: dict[str, Decimal] = START
    ):
        self.running, self.operator, self.hub = running, operator, hub
        self.user = f"u{uuid.uuid4().hex[:10]}"
        operator.users[self.user] = dict(start)
        created = hub.post(f"{HUB}/create_session", {"user_id": self.user})
        assert created.status_code == 200, created.text
        self.session_id: str = created.json()["session"]["id"]
        token = parse_qs(urlparse(created.json()["client_url"]).query)["token"][0]
        self.auth = ""
        login = self.post("login", {"client_token": token})
        assert login.status_code == 200, login.text
        self.auth = login.json()["auth_token"]

    # the client API
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.auth}"} if self.auth else {}

    def post(self, path: str, body: Any = None) -> httpx.Response:
        url = f"{self.running.base_url}{CLIENT}/{path}"
        return httpx.post(url, json=body or {}, headers=self._headers(), timeout=60)

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"{self.running.base_url}{CLIENT}/{path}", headers=self._headers(), timeout=60)

    def play(self, game: str, play_id: str | None = None, stake: str = "1.00") -> httpx.Response:
        return self.post("play", {"game_id": game, "stake": stake, "play_id": play_id or uuid.uuid4().hex})

    def placed(self, game: str, play_id: str | None = None) -> dict[str, Any]:
        answer = self.play(game, play_id)
        assert answer.status_code == 200, answer.text
        contract: dict[str, Any] = answer.json()["contract"]
        assert contract["status"] == "in_progress" and "reveal" in contract, contract
        return contract

    def contract(self, contract_id: str) -> dict[str, Any]:
        answer = self.get(f"contracts/{contract_id}")
        assert answer.status_code == 200, answer.text
        contract: dict[str, Any] = answer.json()["contract"]
        return contract

    def contract_of_play(self, play_id: str) -> dict[str, Any]:
        answer = self.get("history")
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = [c for c in answer.json()["contracts"] if c["play_id"] == play_id]
        assert len(found) == 1, found
        return found[0]

    def wait(self, contract_id: str, status: str, timeout_s: float = 20) -> dict[str, Any]:
        found: dict[str, Any] = until(
            lambda: _with(self.contract(contract_id), status), timeout_s, f"{contract_id} {status}"
        )
        return found

    def finish(self, contract_id: str) -> dict[str, Any]:
        """The player views the prize and the contract is finalized (nothing left running)."""
        assert self.post("view_done", {"contract_id": contract_id}).status_code == 200
        return self.wait(contract_id, "finalized", timeout_s=10)

    # the operator's side
    def session(self) -> dict[str, Any]:
        answer = self.hub.post(f"{HUB}/get_session", {"session_id": self.session_id, "is_our_id": True})
        assert answer.status_code == 200, answer.text
        session: dict[str, Any] = answer.json()
        return session

    def event(self, contract_id: str) -> dict[str, Any]:
        """The session event of a contract, as get_session shows it to the operator."""
        found: list[dict[str, Any]] = [e for e in self.session()["events"] if e["contract"]["id"] == contract_id]
        assert len(found) == 1, found
        return found[0]

    def transactions(self, *types: str) -> list[dict[str, Any]]:
        """The create_transaction bodies the operator received for this user, in order."""
        return [
            b
            for b in self.operator.calls_to("create_transaction")
            if b["user_id"] == self.user and (not types or b["type"] in types)
        ]

    def balance(self) -> dict[str, Decimal]:
        """What the operator holds for the player."""
        return dict(self.operator.users[self.user])


@pytest.fixture()
def player(running: RunningStack, fake: tuple[FakeOperator, SignedClient]) -> Iterator[Player]:
    yield Player(running, *fake)
    fake[0].faults.clear()


def _with(contract: dict[str, Any], status: str) -> dict[str, Any] | None:
    return contract if contract["status"] == status else None


def until(check: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _arn(running: RunningStack, name: str) -> str:
    return running.stack.state_machine_arn.replace(":stateMachine:", ":execution:") + ":" + name


def entered(running: RunningStack, name: str) -> list[str]:
    """The states an execution entered, in order."""
    events = boto3.client("stepfunctions").get_execution_history(executionArn=_arn(running, name), maxResults=1000)
    return [e["stateEnteredEventDetails"]["name"] for e in events["events"] if "stateEnteredEventDetails" in e]


def execution_status(running: RunningStack, name: str) -> str:
    status: str = boto3.client("stepfunctions").describe_execution(executionArn=_arn(running, name))["status"]
    return status


def ended(running: RunningStack, name: str, status: str) -> None:
    until(lambda: execution_status(running, name) == status, 10, f"execution {name} {status}")


def prize_status(player: Player, contract_id: str) -> str:
    held = store.load(player.session_id, contract_id)
    assert held is not None
    prize = series_store.prize(held.series_id, held.position)
    assert prize is not None
    return str(prize["status"])


def amounts(accounts: list[dict[str, Any]]) -> dict[str, Decimal]:
    return {a["ref_id"]: Decimal(a["amount"]) for a in accounts}


def lines(body: dict[str, Any]) -> list[tuple[str, Decimal]]:
    return [(t["account_id"], Decimal(t["amount"])) for t in body["transactions"]]


def needing_attention(running: RunningStack) -> list[str]:
    status, report = running.call("GET", f"{ADMIN}/status")
    assert status == 200, report
    return [c["contract_id"] for c in report["contracts_needing_attention"]]


# ---------------------------------------------------------------- 1. the happy path
@pytest.mark.parametrize(
    ("game", "start", "bet", "paid_to"),
    [
        ("win_game", START, [("real", "-1.00")], "real"),
        # real first, then bonus; the settlement goes to the account that funded most of the bet
        (
            "lose_game",
            {"real": Decimal("0.40"), "bonus": Decimal("5.00")},
            [("real", "-0.40"), ("bonus", "-0.60")],
            "bonus",
        ),
    ],
    ids=["win", "lose-stake-split"],
)
def test_play_view_settle_finalize(
    running: RunningStack,
    fake: tuple[FakeOperator, SignedClient],
    request: pytest.FixtureRequest,
    game: str,
    start: dict[str, Decimal],
    bet: list[tuple[str, Any]],
    paid_to: str,
) -> None:
    player = Player(running, *fake, start=start)
    contract = player.placed(request.getfixturevalue(game))
    cid = contract["id"]
    prize = Decimal(contract["reveal"]["prize"])
    staked = {account: start[account] + Decimal(amount) for account, amount in bet}
    assert amounts(contract["balance"]) == {**start, **staked}  # the bet's answer, shown to the player
    assert prize_status(player, cid) == "in_progress"

    (placing,) = player.transactions()
    steps = {s["type"]: s for s in contract["steps"]}
    assert placing["transaction_id"] == steps["place_bet"]["id"] and steps["place_bet"]["status"] == "finalized"
    assert (placing["type"], placing["user_id"], placing["prev_transactions"]) == (PLAY, player.user, [])
    assert placing["data"]["contract_id"] == cid
    assert lines(placing) == [(account, Decimal(amount)) for account, amount in bet]

    done = player.finish(cid)
    (settling,) = player.transactions()[1:]
    assert settling["type"] == (WIN if prize > 0 else "instant_win.lose")
    assert settling["prev_transactions"] == [placing["transaction_id"]]
    assert settling["data"]["contract_id"] == cid
    assert lines(settling) == [(paid_to, prize)]
    assert done["view"] == "viewed" and done["end_date"] >= done["start_date"]
    assert {s["type"]: s["status"] for s in done["steps"]} == {"place_bet": "finalized", "pay_winnings": "finalized"}
    assert prize_status(player, cid) == "finished"
    expected = {**start, **staked}
    expected[paid_to] += prize
    assert player.balance() == expected
    assert amounts(done["balance"]) == expected  # refreshed from the settlement's answer

    session = player.session()
    assert amounts(session["accounts"]) == expected
    event = player.event(cid)
    assert event["status"] == "finished" and event["contract"]["status"] == "finalized"
    assert [s["id"] for s in event["contract"]["steps"]] == [placing["transaction_id"], settling["transaction_id"]]
    assert all(s["status"] == "finalized" and s["transactions"] for s in event["contract"]["steps"])

    assert entered(running, cid) == HAPPY_STATES  # six states, no detour
    assert execution_status(running, cid) == "SUCCEEDED"


# ---------------------------------------------------------------- 2. the view timeout
def test_a_prize_never_viewed_settles_at_the_view_timeout(running: RunningStack, player: Player, win_game: str) -> None:
    started = time.monotonic()
    cid = player.placed(win_game)["id"]
    time.sleep(1)
    assert player.contract(cid)["status"] == "in_progress"  # waiting for the view
    assert len(player.transactions()) == 1
    done = player.wait(cid, "finalized", timeout_s=15)
    assert time.monotonic() - started >= 5  # not before the game's view timeout
    assert done["view"] == "timeout"
    (win,) = player.transactions(WIN)
    assert win["prev_transactions"] == [player.transactions(PLAY)[0]["transaction_id"]]
    assert player.balance() == AFTER_A_WIN
    assert prize_status(player, cid) == "finished"
    assert entered(running, cid) == HAPPY_STATES


# ---------------------------------------------------------------- 3. faults at PlaceBet
@pytest.mark.parametrize(
    "fault",
    [
        Fault("slow", seconds=2.0),  # past the deadline (1 s here): the answer is lost, the bet lands later
        Fault("fail_5xx"),
        Fault("drop_after_apply"),  # applied, the answer lost
        Fault("malformed"),
    ],
    ids=lambda f: f.mode,
)
def test_an_unknown_bet_outcome_is_retried_with_the_same_id_and_charged_once(
    player: Player, win_game: str, fault: Fault, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPERATOR_WALLET_DEADLINE_S", "1")
    player.operator.fail("create_transaction", Fault(fault.mode, fault.seconds, types=(PLAY,)))
    contract = player.placed(win_game)
    bets = player.transactions(PLAY)
    assert len(bets) == 2 and bets[0] == bets[1]  # the same transaction_id and body
    assert bets[0]["transaction_id"] == contract["steps"][0]["id"]
    assert player.balance()["real"] == Decimal("49.00")  # charged exactly once
    assert amounts(contract["balance"])["real"] == Decimal("49.00")
    player.finish(contract["id"])
    assert player.balance() == AFTER_A_WIN
    assert len(player.transactions(WIN)) == 1


@pytest.mark.parametrize("code", sorted(wallet_client.FINAL_CODES - {"duplicate_mismatch"}))
def test_a_refused_bet_cancels_the_contract_and_returns_the_prize(
    running: RunningStack, player: Player, win_game: str, code: str
) -> None:
    player.operator.fail("create_transaction", Fault("refuse", code=code, types=(PLAY,)))
    play_id = uuid.uuid4().hex
    answer = player.play(win_game, play_id)
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == code
    contract = player.contract_of_play(play_id)
    assert contract["status"] == "cancelled" and "reveal" not in contract  # no prize shown
    assert contract["error"]["code"] == code
    assert prize_status(player, contract["id"]) == "available"  # back in the pool
    assert len(player.transactions()) == 1  # a final refusal: never retried, nothing to refund
    assert player.balance() == START
    ended(running, contract["id"], "SUCCEEDED")
    assert entered(running, contract["id"])[-2:] == ["WasBetPlaced", "Closed"]
    assert player.event(contract["id"])["status"] == "cancelled"


def test_a_bet_whose_id_the_operator_holds_with_another_body_is_refunded_not_cancelled(
    running: RunningStack, player: Player, win_game: str
) -> None:
    """duplicate_mismatch on a bet: the operator holds something under its id and may have
    charged it, so the bet is refunded (naming it), never just forgotten."""
    player.operator.fail("create_transaction", Fault("refuse", code="duplicate_mismatch", times=1000, types=(PLAY,)))
    answer = player.play(win_game)
    assert answer.status_code == 200, answer.text
    cid = answer.json()["contract"]["id"]
    player.wait(cid, "refunded", timeout_s=20)
    (refund,) = player.transactions(REFUND)
    assert refund["prev_transactions"] == [player.transactions(PLAY)[0]["transaction_id"]]
    assert prize_status(player, cid) == "available"


@pytest.mark.parametrize("step", [PLAY, WIN])
def test_a_200_that_applied_nothing_is_an_unknown_outcome_never_a_success(
    running: RunningStack, player: Player, win_game: str, step: str
) -> None:
    """A 2xx without the transaction's id and balances (a proxy's page, an error in a 200) is
    retried with the same id: the bet is charged once, the win paid once, neither lost."""
    player.operator.fail("create_transaction", Fault("ok_unapplied", types=(step,)))
    cid = player.placed(win_game)["id"]
    done = player.finish(cid)
    calls = player.transactions(step)
    assert len(calls) == 2 and calls[0] == calls[1]
    kind = "place_bet" if step == PLAY else "pay_winnings"
    assert next(s for s in done["steps"] if s["type"] == kind)["ref_id"]  # the operator's own id
    assert player.balance() == AFTER_A_WIN


@pytest.mark.parametrize("mode", ["fail_5xx", "drop_after_apply"])
def test_a_bet_whose_outcome_stays_unknown_is_refunded(
    running: RunningStack, player: Player, win_game: str, mode: str
) -> None:
    """Never applied (5xx), or applied with every answer lost: either way the refund names the
    bet and leaves the player where they were."""
    player.operator.fail("create_transaction", Fault(mode, times=1000, types=(PLAY,)))
    answer = player.play(win_game)
    assert answer.status_code == 200, answer.text
    assert "reveal" not in answer.json()["contract"]  # never placed: no prize shown
    cid = answer.json()["contract"]["id"]
    done = player.wait(cid, "refunded", timeout_s=20)
    bets = player.transactions(PLAY)
    assert len(bets) >= 2 and all(b == bets[0] for b in bets)  # retried, always the same id and body
    assert all(line["data"] == {} for body in (bets[0], *player.transactions(REFUND)) for line in body["transactions"])
    (refund,) = player.transactions(REFUND)
    assert refund["prev_transactions"] == [bets[0]["transaction_id"]]
    assert refund["data"]["contract_id"] == cid
    assert lines(refund) == [("real", Decimal("1.00"))]
    assert player.balance() == START
    assert amounts(done["balance"]) == START
    assert prize_status(player, cid) == "available"
    assert "reveal" not in done
    steps = {s["type"]: s for s in done["steps"]}  # hub-operator-api.md: every ContractStep has its start_date
    assert set(steps) == {"place_bet", "refund_bet"} and all("start_date" in s for s in steps.values()), steps
    assert steps["place_bet"]["start_date"] == done["start_date"] and steps["place_bet"]["status"] == "failed"
    ended(running, cid, "SUCCEEDED")
    assert entered(running, cid)[-2:] == ["RefundBet", "Closed"]
    assert player.event(cid)["status"] == "cancelled"
    calls = len(player.operator.calls)
    for task in ("ContractPlaceBetFunction", "ContractRefundBetFunction"):  # a retry after success
        running.invoke(task, {"contract_id": cid, "session_id": player.session_id})
    assert len(player.operator.calls) == calls
    assert player.contract(cid) == done


# ---------------------------------------------------------------- 4. faults at Settle
@pytest.mark.parametrize("mode", ["fail_5xx", "drop_after_apply"])
def test_an_unknown_settlement_is_retried_and_paid_once(player: Player, win_game: str, mode: str) -> None:
    cid = player.placed(win_game)["id"]
    player.operator.fail("create_transaction", Fault(mode, types=(WIN,)))
    done = player.finish(cid)
    wins = player.transactions(WIN)
    assert len(wins) == 2 and wins[0] == wins[1]  # the same transaction_id and body
    assert player.balance() == AFTER_A_WIN  # paid exactly once
    assert amounts(done["balance"]) == AFTER_A_WIN
    assert prize_status(player, cid) == "finished"


def test_a_refused_settlement_is_flagged_then_redriven_by_the_sweep(
    running: RunningStack, player: Player, win_game: str
) -> None:
    cid = player.placed(win_game)["id"]
    player.operator.fail("create_transaction", Fault("refuse", code="limit_exceeded", types=(WIN,)))
    assert player.post("view_done", {"contract_id": cid}).status_code == 200
    errored = player.wait(cid, "errored", timeout_s=10)
    assert "end_date" not in errored
    ended(running, cid, "FAILED")
    assert entered(running, cid)[-3:] == ["Settle", "FlagErrored", "Errored"]
    assert len(player.transactions(WIN)) == 1  # a final refusal is not retried in the execution
    assert player.balance()["real"] == Decimal("49.00")
    assert cid in needing_attention(running)
    assert player.event(cid)["status"] == "errored"
    assert prize_status(player, cid) == "return_pending"

    assert not player.operator.faults.get("create_transaction")  # the operator pays again
    sweep.run(now=clock.now_ms())  # too early: the first re-drive waits its backoff (5 minutes)
    assert cid in needing_attention(running)
    with pytest.raises(ClientError):
        execution_status(running, f"{cid}-r1")
    sweep.run(now=clock.now_ms() + 6 * 60_000)
    ended(running, f"{cid}-r1", "SUCCEEDED")
    assert entered(running, f"{cid}-r1") == ["Start", "Resume", "Settle", "Finalize"]
    done = player.wait(cid, "finalized", timeout_s=5)
    wins = player.transactions(WIN)
    assert len(wins) == 2 and wins[0] == wins[1]  # the same transaction id, landed once
    assert player.balance() == AFTER_A_WIN
    assert amounts(done["balance"]) == AFTER_A_WIN
    assert prize_status(player, cid) == "finished"
    assert cid not in needing_attention(running)
    sweep.run(now=clock.now_ms() + 20 * 60_000)  # past the next backoff: a finalized contract is left alone
    with pytest.raises(ClientError):
        execution_status(running, f"{cid}-r2")


# ---------------------------------------------------------------- 5. a task run again
def test_tasks_run_again_after_the_contract_is_finalized_change_nothing(
    running: RunningStack, player: Player, win_game: str
) -> None:
    cid = player.placed(win_game)["id"]
    done = player.finish(cid)
    stored = store.load(player.session_id, cid)
    calls = len(player.operator.calls)
    event = {"contract_id": cid, "session_id": player.session_id}
    assert running.invoke("ContractPlaceBetFunction", event) == {"outcome": "placed"}
    assert running.invoke("ContractSettleFunction", {**event, "view": {"viewed": True}})["outcome"] == "won"
    assert running.invoke("ContractSettleFunction", {**event, "view": {"Error": "States.Timeout"}})["outcome"] == "won"
    with pytest.raises(WrongPhase):  # a placed bet is settled, never refunded
        running.invoke("ContractRefundBetFunction", event)
    assert len(player.operator.calls) == calls  # nobody called
    assert player.contract(cid) == done
    assert store.load(player.session_id, cid) == stored  # not even rewritten
    assert player.balance() == AFTER_A_WIN
    assert prize_status(player, cid) == "finished"


def test_a_refund_run_for_a_placed_bet_calls_nobody(running: RunningStack, player: Player, win_game: str) -> None:
    cid = player.placed(win_game)["id"]
    with contextlib.suppress(Exception):  # refusing is right; moving money is not
        running.invoke("ContractRefundBetFunction", {"contract_id": cid, "session_id": player.session_id})
    refunds = player.transactions(REFUND)
    player.finish(cid)
    assert player.balance() == AFTER_A_WIN  # with the bug: 50.90, the stake refunded and the win paid
    assert refunds == []


def test_a_settlement_run_before_the_bet_is_placed_calls_nobody(
    running: RunningStack, player: Player, win_game: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(executions, "start", lambda contract, attempt=0: True)  # its execution held back
    monkeypatch.setattr(plays, "WAIT_MS", 0)
    play_id = uuid.uuid4().hex
    assert player.play(win_game, play_id).status_code == 200
    monkeypatch.undo()
    cid = player.contract_of_play(play_id)["id"]
    held = store.load(player.session_id, cid)
    assert held is not None and held.phase == "placing"
    with pytest.raises(WrongPhase):  # refusing is right; calling the operator is not
        running.invoke("ContractSettleFunction", {"contract_id": cid, "session_id": player.session_id})
    assert player.transactions() == []  # not even the bet: nobody was called
    assert store.load(player.session_id, cid) == held
    executions.start(held)  # now the execution runs: the bet, then its settlement
    player.finish(cid)
    assert player.balance() == AFTER_A_WIN
    assert len(player.transactions(WIN)) == 1


# ---------------------------------------------------------------- 6. terminate while a contract is under way
def test_a_terminated_session_still_settles_its_contract(running: RunningStack, player: Player, win_game: str) -> None:
    cid = player.placed(win_game)["id"]
    before = hub_store.session(player.session_id)
    assert before is not None
    terminated = player.hub.post(f"{HUB}/terminate_session", {"session_id": player.session_id, "is_our_id": True})
    assert terminated.status_code == 200 and terminated.json()["status"] == "terminated"
    again = player.play(win_game)
    assert again.status_code in (401, 409), again.text
    if again.status_code == 409:
        assert again.json()["error"]["code"] == "session_closed"
    with pytest.raises(SessionClosed):  # a play that had read the session before the terminate
        plays.play(before, win_game, "1.00", uuid.uuid4().hex)
    assert [e["contract"]["id"] for e in player.session()["events"]] == [cid]
    done = until(lambda: _with(player.event(cid)["contract"], "finalized"), 15, "the contract to settle")
    assert done["view"] == "timeout"  # the client's token died with the session: the view timed out
    assert len(player.transactions(PLAY)) == 1
    assert len(player.transactions(WIN)) == 1
    assert player.balance() == AFTER_A_WIN  # the win is never voided by a terminate
    assert prize_status(player, cid) == "finished"
    assert len([s for s in player.operator.calls_to("finalize_session") if s["id"] == player.session_id]) == 1


# ---------------------------------------------------------------- 7. the same play_id
def test_the_same_play_id_never_bets_twice(player: Player, win_game: str, lose_game: str) -> None:
    play_id = uuid.uuid4().hex
    first = player.placed(win_game, play_id)
    assert player.placed(win_game, play_id)["id"] == first["id"]
    assert len(player.transactions(PLAY)) == 1

    shared = uuid.uuid4().hex
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: player.play(win_game, shared), range(8)))
    assert [a.status_code for a in answers] == [200] * 8, [a.text for a in answers]
    assert len({a.json()["contract"]["id"] for a in answers}) == 1
    assert len(player.transactions(PLAY)) == 2
    contracts = player.get("history").json()["contracts"]
    assert [c["play_id"] for c in contracts].count(shared) == 1

    for other in (player.play(win_game, play_id, stake="2.00"), player.play(lose_game, play_id)):
        assert other.status_code == 409, other.text
        assert other.json()["error"]["code"] == "conflict"
    assert len(player.transactions(PLAY)) == 2
    player.finish(first["id"])
    player.finish(answers[0].json()["contract"]["id"])
    assert player.balance()["real"] == Decimal("49.80")  # two stakes, two wins


def test_an_overdue_session_is_kept_while_its_contract_settles_then_finalized_after_the_win(
    running: RunningStack, player: Player, win_game: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator hears finalize_session after the win, not before (it may refuse money on a
    session it has finalized): the heartbeat expiry waits for the contract under way."""
    monkeypatch.setattr(executions, "start", lambda contract, attempt=0: True)  # under way until let go
    monkeypatch.setattr(plays, "WAIT_MS", 0)
    play_id = uuid.uuid4().hex
    assert player.play(win_game, play_id).status_code == 200
    monkeypatch.undo()
    cid = player.contract_of_play(play_id)["id"]
    now = clock.now_ms()
    assert hub_store.heartbeat(player.session_id, now - 1, now)  # the page went quiet: overdue
    session_expiry.run()
    assert (hub_store.session(player.session_id) or {})["status"] == "active"
    held = store.load(player.session_id, cid)
    assert held is not None
    executions.start(held)
    player.wait(cid, "in_progress")
    player.finish(cid)
    now = clock.now_ms()
    assert hub_store.heartbeat(player.session_id, now - 1, now)
    session_expiry.run()
    assert (hub_store.session(player.session_id) or {})["status"] == "finished"
    order = [
        (path, body.get("type"))
        for path, body in player.operator.calls
        if body.get("user_id") == player.user or body.get("id") == player.session_id
    ]
    assert order.index(("finalize_session", None)) > order.index(("create_transaction", WIN))


def test_an_errored_contract_stays_on_the_admin_status_while_the_sweep_re_drives_it(
    running: RunningStack, player: Player, win_game: str
) -> None:
    cid = player.placed(win_game)["id"]
    player.operator.fail("create_transaction", Fault("refuse", code="limit_exceeded", times=1000, types=(WIN,)))
    assert player.post("view_done", {"contract_id": cid}).status_code == 200
    player.wait(cid, "errored", timeout_s=10)
    sweep.run(now=clock.now_ms() + 6 * 60_000)  # re-driven while the operator still refuses
    assert cid in needing_attention(running)  # shown from the claim on, not only once flagged again
    ended(running, f"{cid}-r1", "FAILED")
    assert cid in needing_attention(running)
    player.operator.faults.clear()
    sweep.run(now=clock.now_ms() + 30 * 60_000)  # the second re-drive, past its longer backoff
    ended(running, f"{cid}-r2", "SUCCEEDED")
    player.wait(cid, "finalized", timeout_s=5)
    assert cid not in needing_attention(running)
    assert player.balance() == AFTER_A_WIN
