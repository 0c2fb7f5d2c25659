"""Races: concurrent duplicates move money once; concurrent debits never overdraw.

Each request runs in its own thread through the function's handler, each function serving
from as many execution environments as there are requests in flight, as Lambda would.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.conftest import ADMIN_KEY, RunningStack
from tests.integration.test_admin_players import fund, ledger, new_player, player, tx

STORM = 50


def test_50_identical_deposits_move_money_once_and_all_get_the_same_answer(running: RunningStack) -> None:
    pid = new_player(running)
    body = {"type": "deposit", "amount": "12.34", "idempotency_key": f"storm-{uuid.uuid4().hex}"}
    with ThreadPoolExecutor(max_workers=STORM) as pool:
        answers = list(pool.map(lambda _: tx(running, pid, **body), range(STORM)))
    assert {a[0] for a in answers} == {200}
    assert all(a == answers[0] for a in answers)
    assert player(running, pid)["balances"]["real"] == "12.34"
    assert len(ledger(running, pid)) == 1


def test_50_different_debits_on_a_wallet_that_can_pay_10(running: RunningStack) -> None:
    pid = new_player(running)
    fund(running, pid, "10.00")

    def withdraw(i: int) -> tuple[int, Any]:
        return tx(running, pid, type="withdrawal", amount="1.00", idempotency_key=f"w-{i}")

    with ThreadPoolExecutor(max_workers=STORM) as pool:
        answers = list(pool.map(withdraw, range(STORM)))
    ok = [a for a in answers if a[0] == 200]
    refused = [a for a in answers if a[0] != 200]
    assert len(ok) == 10
    assert {(s, b["error"]["code"]) for s, b in refused} == {(409, "insufficient_funds")}
    assert player(running, pid)["balances"]["real"] == "0.00"
    afters = sorted(b["balance_after"] for _, b in ok)
    assert afters == sorted(f"{n}.00" for n in range(10))  # each debit saw its own balance
    assert running.call("GET", "/api/v1/admin/ledger/verify", query=f"player_id={pid}")[1]["differences"] == []
    # and every refusal is kept: its retry is refused again, the others' answers stand
    for i in range(STORM):
        assert withdraw(i) == answers[i]


def test_a_storm_over_http_on_the_local_gateway(running: RunningStack) -> None:
    pid = new_player(running)
    fund(running, pid, "10.00")
    url = f"{running.base_url}/api/v1/admin/players/{pid}/transactions"
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    key = f"same-{uuid.uuid4().hex}"

    def send(i: int) -> httpx.Response:
        body = (
            {"type": "withdrawal", "amount": "1.00", "idempotency_key": key}
            if i % 2
            else {"type": "withdrawal", "amount": "1.00", "idempotency_key": f"{key}-{i}"}
        )
        with httpx.Client(timeout=30) as client:
            return client.post(url, json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(send, range(40)))
    duplicates = [a.json() for i, a in enumerate(answers) if i % 2]
    assert all(d == duplicates[0] for d in duplicates)
    distinct_ok = sum(1 for i, a in enumerate(answers) if i % 2 == 0 and a.status_code == 200)
    duplicate_ok = 1 if answers[1].status_code == 200 else 0
    assert distinct_ok + duplicate_ok == 10
    assert player(running, pid)["balances"]["real"] == "0.00"
