"""The contract sweep: an open contract whose execution never started, or one the state machine
flagged errored, is re-driven in a fresh execution from where it stopped; past the re-drive
window it is handed to a person, never dropped. Against the bridge operator `demo`."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from casino import aws, clock
from casino.contract import executions, store, sweep
from casino.contract.domain import Contract
from casino.hub import plays
from local.operator_client import SignedClient
from tests.conftest import RunningStack
from tests.integration.test_admin_players import fund, new_player, player

DAY_MS = 24 * 3600_000


def _login(running: RunningStack, pid: str) -> dict[str, str]:
    hub = SignedClient(running.base_url, "demo-operator", "demo-operator-secret")
    created = hub.post("/api/v1/hub/create_session", {"user_id": pid}).json()
    token = parse_qs(urlparse(created["client_url"]).query)["token"][0]
    login = httpx.post(f"{running.base_url}/api/v1/client/login", json={"client_token": token}, timeout=30).json()
    return {"Authorization": f"Bearer {login['auth_token']}", "X-Session": created["session"]["id"]}


def _play(running: RunningStack, auth: dict[str, str]) -> dict[str, Any]:
    answer = httpx.post(
        f"{running.base_url}/api/v1/client/play",
        json={"game_id": "lucky-7", "stake": "1.00", "play_id": f"p-{uuid.uuid4().hex}"},
        headers=auth,
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    contract: dict[str, Any] = answer.json()["contract"]
    return contract


def _stored(auth: dict[str, str], contract_id: str) -> Contract:
    found = store.load(auth["X-Session"], contract_id)
    assert found is not None
    return found


def _until(check: Any, timeout_s: float = 20) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture()
def funded(running: RunningStack) -> Iterator[tuple[str, dict[str, str]]]:
    pid = new_player(running)
    fund(running, pid, "10.00")
    yield pid, _login(running, pid)


def test_a_play_whose_execution_never_started_is_placed_by_the_sweep_once(
    running: RunningStack, funded: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    pid, auth = funded
    monkeypatch.setattr(executions, "start", lambda contract, attempt=0: True)  # the play's Lambda died
    monkeypatch.setattr(plays, "WAIT_MS", 200)
    pending = _play(running, auth)
    assert pending["status"] == "pending" and "reveal" not in pending
    monkeypatch.undo()
    contract = _stored(auth, pending["id"])
    assert sweep.run(now=clock.now_ms())["redriven"] == 0  # not overdue yet
    later = clock.now_ms() + contract.view_timeout_s * 1000 + plays.DONE_GRACE_MS + 1
    assert contract.id not in {c["contract_id"] for c in store.needing_attention(500, clock.now_ms())}
    stuck = {c["contract_id"]: c for c in store.needing_attention(500, later)}
    assert stuck[contract.id]["list"] == "past its deadline"  # shown on the admin status
    assert sweep.run(now=later)["redriven"] >= 1
    assert sweep.run(now=later)["redriven"] == 0  # claimed once
    url = f"{running.base_url}/api/v1/client/contracts/{pending['id']}"
    placed = _until(lambda: (c := httpx.get(url, headers=auth).json()["contract"])["status"] == "in_progress" and c)
    assert "reveal" in placed
    httpx.post(f"{running.base_url}/api/v1/client/view_done", json={"contract_id": pending["id"]}, headers=auth)
    _until(lambda: httpx.get(url, headers=auth).json()["contract"]["status"] == "finalized")
    prize = int(placed["reveal"]["proof"]["amount_minor"])
    assert player(running, pid)["balances"]["real"] == str(
        (Decimal(1000 - 100 + prize) / 100).quantize(Decimal("0.01"))
    )  # one bet, one win


def test_an_errored_contract_past_its_window_is_handed_to_a_person(
    running: RunningStack, funded: tuple[str, dict[str, str]]
) -> None:
    _, auth = funded
    played = _play(running, auth)
    contract = _stored(auth, played["id"])
    long_ago = clock.iso(clock.now_ms() - 8 * DAY_MS)
    aws.dynamodb().update_item(  # as the state machine's FlagErrored writes it, 8 days ago
        TableName=running.stack.physical["HubTable"],
        Key=aws.to_item({"pk": f"SESSION#{contract.session_id}", "sk": f"CONTRACT#{contract.id}"}),
        UpdateExpression="SET #s = :e, gsi3pk = :a, gsi3sk = :t, errored_since = :t",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues=aws.to_item({":e": "errored", ":a": store.ATTENTION, ":t": long_ago}),
    )
    assert sweep.run()["handed_to_ops"] >= 1
    listed = {c["contract_id"]: c for c in store.needing_attention(200, clock.now_ms())}
    assert listed[contract.id]["list"] == "for a person" and listed[contract.id]["status"] == "errored"
    status, report = running.call("GET", "/api/v1/admin/status")
    assert status == 200 and contract.id in {c["contract_id"] for c in report["contracts_needing_attention"]}
    assert contract.id not in {c.id for c in store.errored(200)}  # no longer re-driven


def test_re_drives_back_off() -> None:
    assert [sweep.backoff_ms(n) // 60_000 for n in range(6)] == [5, 10, 20, 40, 60, 60]
