"""The player's plays over the client API (client-api.md; contract-flow.md, "Prize pool"): many
players buying one series at once, a series sold out (rolled over or closed), a refused or
refunded bet's prize sold again, the reveal checked by the verifier, and the edges of every
client endpoint. Each test makes its own games, players and sessions on the shared stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from casino import clock
from casino.contract import executions
from casino.contract import store as contract_store
from casino.hub import plays, prizes, series_store
from casino.registry import store as registry_store
from local.operator_client import SignedClient
from tests.conftest import ROOT, RunningStack
from tests.fake_operator import FakeOperator, Fault
from tests.integration.test_admin_players import fund, ledger, new_player, player

A = "/api/v1/admin"
HUB = "/api/v1/hub"
CLIENT = "/api/v1/client"
TERMINAL = {"finalized", "cancelled", "refunded", "errored"}
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable
HALF_BACK = [{"amount": "2.00", "count": 2}, {"amount": "1.00", "count": 1}]  # 5.00 over 10 tickets of 1.00


# ---------------------------------------------------------------- helpers
class Page:
    """One client session, as the player's page drives it: every call with its auth token."""

    def __init__(self, base_url: str, auth: str, session_id: str, player_id: str) -> None:
        self.auth = auth
        self.session_id = session_id
        self.player_id = player_id
        self.http = httpx.Client(
            base_url=f"{base_url}{CLIENT}", headers={"Authorization": f"Bearer {auth}"}, timeout=60
        )

    def play(self, game_id: str, stake: str = "1.00", play_id: str | None = None) -> httpx.Response:
        return self.http.post("/play", json={"game_id": game_id, "stake": stake, "play_id": play_id or new_play_id()})

    def placed(self, game_id: str, stake: str = "1.00", play_id: str | None = None) -> dict[str, Any]:
        answer = self.play(game_id, stake, play_id)
        assert answer.status_code == 200, answer.text
        contract: dict[str, Any] = answer.json()["contract"]
        assert "reveal" in contract, contract
        return contract

    def contract(self, contract_id: str) -> dict[str, Any]:
        answer = self.http.get(f"/contracts/{contract_id}")
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()["contract"]
        return found

    def view_done(self, contract_id: str) -> httpx.Response:
        return self.http.post("/view_done", json={"contract_id": contract_id})

    def until_terminal(self, contract_id: str, within_s: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + within_s
        while True:
            found = self.contract(contract_id)
            if found["status"] in TERMINAL or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def seen_and_settled(self, contract_id: str) -> dict[str, Any]:
        """The page shows the prize, says so, and polls until the contract has ended."""
        done = self.view_done(contract_id)
        assert done.status_code == 200, done.text
        return self.until_terminal(contract_id)

    def proof(self, contract_id: str) -> dict[str, Any]:
        answer = self.http.get(f"/contracts/{contract_id}/proof")
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    def games(self) -> dict[str, dict[str, Any]]:
        answer = self.http.get("/games")
        assert answer.status_code == 200, answer.text
        return {g["id"]: g for g in answer.json()["games"]}

    def history(self, **query: Any) -> httpx.Response:
        return self.http.get("/history", params=query)

    def all_history(self) -> list[dict[str, Any]]:
        answer = self.history(limit=100)
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()["contracts"]
        return found


def new_play_id() -> str:
    return f"play-{uuid.uuid4().hex[:16]}"


def demo(running: RunningStack) -> SignedClient:
    return SignedClient(running.base_url, "demo-operator", "demo-operator-secret")


def login(running: RunningStack, client_url: str, player_id: str) -> Page:
    token = parse_qs(urlparse(client_url).query)["token"][0]
    answer = httpx.post(f"{running.base_url}{CLIENT}/login", json={"client_token": token}, timeout=60)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Page(running.base_url, body["auth_token"], body["session"]["id"], player_id)


def open_page(running: RunningStack, real: str = "20.00", player_id: str | None = None) -> Page:
    """A session of our own casino's player (a fresh one with ``real`` in it, unless given) through
    the seeded bridge operator ``demo``, logged in."""
    if player_id is None:
        player_id = new_player(running)
        fund(running, player_id, real)
    created = demo(running).post(f"{HUB}/create_session", {"user_id": player_id})
    assert created.status_code == 200, created.text
    return login(running, created.json()["client_url"], player_id)


def new_game(
    running: RunningStack,
    *,
    tickets: int = 10,
    table: list[dict[str, Any]] | None = None,
    rtp: str = "0.5",
    on_sold_out: str = "stop",
    view_timeout_s: int = 5,
) -> dict[str, Any]:
    code = f"t-{uuid.uuid4().hex[:10]}"
    configuration = {
        "currency": "EUR",
        "stake": "1.00",
        "tickets": tickets,
        "prizes": table or HALF_BACK,
        "rtp": rtp,
        "view_timeout_s": view_timeout_s,
        "on_sold_out": on_sold_out,
    }
    status, game = running.call(
        "POST", f"{A}/games", {"code": code, "name": "Scratch", "kind": "instant_win", "configuration": configuration}
    )
    assert status == 201, game
    created: dict[str, Any] = game
    return created


def real_of(running: RunningStack, player_id: str) -> Decimal:
    return Decimal(player(running, player_id)["balances"]["real"])


def prize_sum(contracts: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(c["reveal"]["prize"]) for c in contracts), Decimal(0))


def statuses(series_id: str, tickets: int) -> dict[int, dict[str, Any]]:
    found = {}
    for position in range(tickets):
        stored = series_store.prize(series_id, position)
        assert stored is not None, position
        found[position] = stored
    return found


def play_and_settle(page: Page, game_id: str) -> dict[str, Any]:
    placed = page.placed(game_id)
    final = page.seen_and_settled(placed["id"])
    assert final["status"] == "finalized", final
    return final


# ---------------------------------------------------------------- 1. many players, one series
# Every contract costs the in-process emulator about 0.6 s of CPU (one core): 200 plays take ~2.5 min.
PLAYS = int(os.environ.get("CLIENT_PLAYS", "20"))  # end to end, each settled by the state machine
RESERVATIONS = 200  # concurrent plays that only reserve and create their contracts
SESSIONS, WORKERS = 10, 16


def revealed(page: Page, game_id: str) -> dict[str, Any]:
    """A play as the page makes it: the answer, or (if it answered before the bet was placed)
    the contract polled until its prize can be revealed."""
    answer = page.play(game_id)
    assert answer.status_code == 200, answer.text
    contract: dict[str, Any] = answer.json()["contract"]
    deadline = time.monotonic() + 60
    while "reveal" not in contract and contract["status"] not in TERMINAL and time.monotonic() < deadline:
        time.sleep(0.5)
        contract = page.contract(contract["id"])
    return contract


def test_200_concurrent_plays_reserve_each_prize_once_and_conserve_the_pool(
    running: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """200 plays at once through the API, their executions held back (the bench and the test
    below run whole contracts): each reserves a different prize with its contract, atomically,
    and the pool adds up; then each is cancelled as a refused bet and every prize is on sale again."""
    game = new_game(running, tickets=400, table=[{"amount": "5.00", "count": 40}], on_sold_out="stop")
    code, series_id = game["game_id"], game["commitment"]["series_id"]
    pages = [open_page(running, real="50.00") for _ in range(SESSIONS)]
    monkeypatch.setattr(executions, "start", lambda contract, attempt=0: True)
    monkeypatch.setattr(plays, "WAIT_MS", 0)
    with ThreadPoolExecutor(max_workers=WORKERS * 2) as pool:
        answers = list(pool.map(lambda i: pages[i % SESSIONS].play(code), range(RESERVATIONS)))
    assert Counter(a.status_code for a in answers) == {200: RESERVATIONS}, [a.text for a in answers[:3]]
    made = [
        contract_store.load(pages[i % SESSIONS].session_id, a.json()["contract"]["id"]) for i, a in enumerate(answers)
    ]
    assert all(
        c is not None and c.phase == "placing" and "reveal" not in a.json()["contract"]
        for c, a in zip(made, answers, strict=True)
    )
    held = {c.position: c for c in made if c is not None}
    assert len(held) == RESERVATIONS, "a prize was reserved twice"
    stored = statuses(series_id, 400)
    assert {p for p, s in stored.items() if s["status"] == "reserved"} == set(held)
    assert all(stored[p]["contract_id"] == c.id for p, c in held.items())
    assert sum(s["status"] == "available" for s in stored.values()) == 400 - RESERVATIONS
    now = clock.now_ms()
    for contract in held.values():  # as PlaceBet records a refused bet: the prize goes back
        released = series_store.release_writes(contract.series_id, contract.position, contract.id)
        contract_store.save(contract, contract.refused("test", "cleaned up", now), released)
    assert all(s["status"] == "available" for s in statuses(series_id, 400).values())
    assert not series_store.sold_out(series_id)


def test_concurrent_plays_sell_each_prize_once_and_conserve_the_pool(running: RunningStack) -> None:
    assert PLAYS % SESSIONS == 0 and PLAYS <= 400
    table = [{"amount": "5.00", "count": 20}, {"amount": "2.00", "count": 50}]  # 200.00 = 0.5 of 400 x 1.00
    game = new_game(running, tickets=400, table=table, on_sold_out="stop", view_timeout_s=5)
    code, series_id, root = game["game_id"], game["commitment"]["series_id"], game["commitment"]["root"]
    funded = Decimal(PLAYS // SESSIONS)
    with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
        pages = list(pool.map(lambda _: open_page(running, real=str(funded)), range(SESSIONS)))
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:  # no view_done: the 5 s view timeout settles each
        placed = list(pool.map(lambda i: (pages[i % SESSIONS], revealed(pages[i % SESSIONS], code)), range(PLAYS)))
    assert all("reveal" in contract for _, contract in placed), [c for _, c in placed if "reveal" not in c][:3]

    positions = [contract["reveal"]["proof"]["position"] for _, contract in placed]
    assert len(set(positions)) == PLAYS, "a prize position was sold twice"
    for _, contract in placed:
        proof = contract["reveal"]["proof"]
        assert (proof["series_id"], proof["root"]) == (series_id, root)
        assert prizes.verify(prizes.Reveal.from_json(proof), root), contract["id"]
        assert Decimal(contract["reveal"]["prize"]) * 100 == proof["amount_minor"]

    # every contract ends: the page's history shows each one finalized
    deadline = time.monotonic() + 60
    while True:
        shown = {c["id"]: c for page in pages for c in page.all_history()}
        if all(shown[c["id"]]["status"] in TERMINAL for _, c in placed) or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    assert Counter(shown[c["id"]]["status"] for _, c in placed) == {"finalized": PLAYS}
    assert len(shown) == PLAYS

    # the pool: each sold position finished for its own contract, every other one still on sale
    stored = statuses(series_id, 400)
    by_position = {contract["reveal"]["proof"]["position"]: contract for _, contract in placed}
    sold = {p for p, s in stored.items() if s["status"] == "finished"}
    available = {p for p, s in stored.items() if s["status"] == "available"}
    assert sold == set(by_position) and len(sold) + len(available) == 400
    for position, contract in by_position.items():
        assert stored[position]["contract_id"] == contract["id"]
        assert stored[position]["amount"] == contract["reveal"]["proof"]["amount_minor"]
    sample = placed[:: PLAYS // 5]
    for page, contract in sample:  # and the proof endpoint agrees
        proof = page.proof(contract["id"])
        assert proof["valid"] is True and proof["commitment"]["root"] == root, proof

    # the money: each player paid 1.00 a play and got exactly the prizes revealed to them
    for page in pages:
        mine = [shown[c["id"]] for who, c in placed if who is page]
        assert real_of(running, page.player_id) == funded - len(mine) + prize_sum(mine), page.player_id


# ---------------------------------------------------------------- 2. a series sold out
@pytest.mark.parametrize("on_sold_out", ["new_series", "stop"])
def test_a_sold_out_series_pays_its_rtp_exactly_then_rolls_over_or_closes(
    running: RunningStack, on_sold_out: str
) -> None:
    game = new_game(running, tickets=10, on_sold_out=on_sold_out)
    code, old = game["game_id"], game["commitment"]
    page = open_page(running, real="20.00")
    assert page.games()[code]["commitment"]["series_id"] == old["series_id"]
    placed = [page.placed(code) for _ in range(10)]  # one after another (a burst: see the test below)
    with ThreadPoolExecutor(max_workers=10) as pool:
        sold = list(pool.map(lambda c: page.seen_and_settled(c["id"]), placed))
    assert Counter(c["status"] for c in sold) == {"finalized": 10}

    assert sorted(c["reveal"]["proof"]["position"] for c in sold) == list(range(10))
    assert {c["reveal"]["proof"]["series_id"] for c in sold} == {old["series_id"]}
    paid = sum((Fraction(c["reveal"]["prize"]) for c in sold), Fraction(0))
    assert paid == Fraction("0.5") * Fraction("1.00") * 10  # exactly its RTP
    assert Counter(c["reveal"]["prize"] for c in sold) == {"2.00": 2, "1.00": 1, "0.00": 7}
    assert series_store.sold_out(old["series_id"])
    before = real_of(running, page.player_id)
    assert before == Decimal("20.00") - 10 + Decimal("5.00")

    eleventh = page.play(code)
    if on_sold_out == "stop":
        assert eleventh.status_code == 409 and eleventh.json()["error"]["code"] == "game_unavailable", eleventh.text
        assert code not in page.games()
        assert real_of(running, page.player_id) == before
        assert len(page.all_history()) == 10
        return
    assert eleventh.status_code == 200, eleventh.text
    contract = eleventh.json()["contract"]
    shown = page.games()[code]["commitment"]
    assert shown["series_id"] != old["series_id"] and shown["root"] != old["root"]
    reveal = contract["reveal"]["proof"]
    assert (reveal["series_id"], reveal["root"]) == (shown["series_id"], shown["root"])
    assert prizes.verify(prizes.Reveal.from_json(reveal), shown["root"])
    assert not prizes.verify(prizes.Reveal.from_json(reveal), old["root"])
    proof = page.proof(contract["id"])
    assert proof["valid"] is True and proof["commitment"]["root"] == shown["root"]
    final = page.seen_and_settled(contract["id"])
    assert final["status"] == "finalized"
    assert real_of(running, page.player_id) == before - 1 + Decimal(final["reveal"]["prize"])


@pytest.mark.parametrize("on_sold_out", ["stop", "new_series"])
def test_a_burst_of_plays_never_closes_or_leaves_a_series_with_prizes_unsold(
    running: RunningStack, on_sold_out: str
) -> None:
    """Plays that lose their races for a prize are not a sold-out series: at commit 34480ab a play
    that lost TRIES_PER_SHARD races on the only shard got ``None`` from ``series_store.reserve``,
    and the game closed ('stop') or rolled over ('new_series') with prizes of its series unsold."""
    game = new_game(running, tickets=10, on_sold_out=on_sold_out)  # 10 tickets: one shard
    code, old = game["game_id"], game["commitment"]["series_id"]
    page = open_page(running, real="20.00")
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda _: page.play(code), range(12)))
    outcomes = Counter((a.status_code, a.json().get("error", {}).get("code")) for a in answers)
    unsold = sum(series_store.prize(old, p)["status"] == "available" for p in range(10))  # type: ignore[index]
    listed = page.games().get(code)
    if listed is None or listed["commitment"]["series_id"] != old:  # the game left its series...
        assert unsold == 0, f"the game left series {old} with {unsold} of its 10 prizes unsold ({dict(outcomes)})"
    if on_sold_out == "stop":
        assert outcomes[(200, None)] == 10, dict(outcomes)


# ---------------------------------------------------------------- 3. a returned prize is sold again
@pytest.fixture()
def failing_wallet(running: RunningStack) -> Iterator[tuple[FakeOperator, SignedClient]]:
    """A third-party operator whose wallet answers 5xx to the bet (its outcome stays unknown)."""
    operator = FakeOperator().start()
    status, created = running.call(
        "POST",
        f"{A}/operators",
        {"code": f"op{uuid.uuid4().hex[:8]}", "name": "Flaky", "wallet_base_url": operator.url, "currencies": ["EUR"]},
    )
    assert status == 201, created
    operator.app_id, operator.wallet_secret = created["app_id"], created["wallet_secret"]
    operator.users["u1"] = {"real": Decimal("50.00")}
    yield operator, SignedClient(running.base_url, created["app_id"], created["app_secret"])
    operator.stop()


def held_prize(page: Page, play_id: str, series_id: str) -> dict[str, Any]:
    """The contract a refused play made (it is never shown with a prize) and its prize as stored."""
    record = contract_store.play_record(page.session_id, play_id)
    assert record is not None
    held = contract_store.load(page.session_id, str(record["contract_id"]))
    assert held is not None and held.series_id == series_id
    stored = series_store.prize(series_id, held.position)
    assert stored is not None
    return {"contract": held, "prize": stored}


def test_a_refused_or_refunded_bet_holds_no_prize_and_its_prize_is_sold_again(
    running: RunningStack, failing_wallet: tuple[FakeOperator, SignedClient]
) -> None:
    game = new_game(running, tickets=10, on_sold_out="stop")
    code, series_id = game["game_id"], game["commitment"]["series_id"]

    # refused: 0.50 in the account for a 1.00 ticket
    poor = open_page(running, real="0.50")
    refused_id = new_play_id()
    refused = poor.play(code, play_id=refused_id)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "insufficient_funds", refused.text
    first = held_prize(poor, refused_id, series_id)
    assert first["contract"].status == "cancelled"
    assert first["prize"]["status"] == "available" and "contract_id" not in first["prize"]
    shown = poor.contract(first["contract"].id)
    assert shown["status"] == "cancelled" and "reveal" not in shown
    assert poor.http.get(f"/contracts/{first['contract'].id}/proof").status_code == 404  # no prize to prove
    again = poor.play(code, play_id=refused_id)  # the same play id: the same refusal, never a second bet
    assert again.status_code == 409 and again.json()["error"]["code"] == "insufficient_funds"
    assert real_of(running, poor.player_id) == Decimal("0.50")

    # refunded: the operator's wallet answers 5xx to every attempt of the bet, then takes the refund
    operator, hub = failing_wallet
    created = hub.post(f"{HUB}/create_session", {"user_id": "u1"})
    assert created.status_code == 200, created.text
    flaky = login(running, created.json()["client_url"], "u1")
    operator.fail("create_transaction", Fault("fail_5xx", times=12))
    refunded_id = new_play_id()
    answer = flaky.play(code, play_id=refunded_id)
    assert answer.status_code != 200 or "reveal" not in answer.json()["contract"], answer.text
    contract_id = held_prize(flaky, refunded_id, series_id)["contract"].id
    final = flaky.until_terminal(contract_id)
    assert final["status"] == "refunded" and "reveal" not in final, final
    second = held_prize(flaky, refunded_id, series_id)
    assert second["prize"]["status"] == "available" and "contract_id" not in second["prize"]
    assert operator.users["u1"]["real"] == Decimal("50.00")
    kinds = [body["type"] for body in operator.calls_to("create_transaction")]
    assert kinds[-1] == "instant_win.refund" and set(kinds[:-1]) == {"instant_win.play"}, kinds

    # both prizes are on sale again: the series sells all ten tickets, and pays its RTP exactly
    rich = open_page(running, real="20.00")
    sold = [rich.placed(code) for _ in range(10)]  # one after another
    positions = sorted(c["reveal"]["proof"]["position"] for c in sold)
    assert positions == list(range(10)), positions  # the refused and the refunded one too
    assert prize_sum(sold) == Decimal("5.00")
    assert rich.play(code).json()["error"]["code"] == "game_unavailable"


# ---------------------------------------------------------------- 4. the verifier
def verify(path: Path, *root: str) -> subprocess.CompletedProcess[str]:
    extra = ["--root", root[0]] if root else []
    return subprocess.run(
        [PYTHON, "-m", "local.verify", str(path), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def flip(hex_text: str) -> str:
    return ("0" if hex_text[0] != "0" else "1") + hex_text[1:]


def test_a_reveal_verifies_and_any_tampering_is_rejected(running: RunningStack, tmp_path: Path) -> None:
    game = new_game(running, tickets=10, on_sold_out="stop")
    code = game["game_id"]
    page = open_page(running)
    published = page.games()
    root = published[code]["commitment"]["root"]
    contract = play_and_settle(page, code)
    proof = page.proof(contract["id"])
    assert proof["valid"] is True and "problem" not in proof
    assert proof["commitment"]["root"] == root and proof["commitment"]["series_id"] == game["commitment"]["series_id"]
    reveal = proof["reveal"]
    assert reveal == contract["reveal"]["proof"]

    def tampered(**changes: Any) -> dict[str, Any]:
        return {**json.loads(json.dumps(reveal)), **changes}

    other_amount = 200 if reveal["amount_minor"] != 200 else 0
    path = [dict(step) for step in reveal["path"]]
    path[0]["sibling"] = flip(path[0]["sibling"])
    cases: dict[str, tuple[dict[str, Any], tuple[str, ...], int]] = {
        "the API's answer": (proof, (), 0),
        "the reveal, against the published root": (reveal, (root,), 0),
        "the prize amount changed": (tampered(amount_minor=other_amount), (), 1),
        "the position changed": (tampered(position=(reveal["position"] + 1) % 10), (), 1),
        "a path sibling changed": (tampered(path=path), (), 1),
        "the salt changed": (tampered(salt=flip(reveal["salt"])), (), 1),
        "the root changed in the reveal": (tampered(root=flip(reveal["root"])), (root,), 1),
        "another game's root": (reveal, (published["lucky-7"]["commitment"]["root"],), 1),
        "a made-up root": (reveal, ("ab" * 32,), 1),
    }
    files = {}
    for n, (name, (body, _, _)) in enumerate(cases.items()):
        files[name] = tmp_path / f"case{n}.json"
        files[name].write_text(json.dumps(body), encoding="utf-8")
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        ran = dict(zip(cases, pool.map(lambda name: verify(files[name], *cases[name][1]), cases), strict=True))
    for name, (_, _, expected) in cases.items():
        done = ran[name]
        assert done.returncode == expected, (name, done.stdout, done.stderr)
        assert done.stdout.startswith("VALID" if expected == 0 else "INVALID"), (name, done.stdout)


# ---------------------------------------------------------------- 5. the client endpoints' edges
def test_every_client_endpoint_needs_a_live_auth_token(running: RunningStack) -> None:
    page = open_page(running)
    game = new_game(running, view_timeout_s=60)  # only a view_done settles it within this test
    contract = page.placed(game["game_id"])
    calls = [
        ("GET", "/games", None),
        ("POST", "/play", {"game_id": game["game_id"], "stake": "1.00", "play_id": new_play_id()}),
        ("GET", f"/contracts/{contract['id']}", None),
        ("GET", f"/contracts/{contract['id']}/proof", None),
        ("POST", "/view_done", {"contract_id": contract["id"]}),
        ("GET", "/history", None),
        ("POST", "/heartbeat", None),
    ]
    for headers in ({}, {"Authorization": "Bearer not-a-token-at-all"}, {"Authorization": page.auth}):
        for method, path, body in calls:
            answer = httpx.request(method, f"{running.base_url}{CLIENT}{path}", json=body, headers=headers, timeout=30)
            assert answer.status_code == 401, (headers, method, path, answer.text)
            assert answer.json()["error"]["code"] == "unauthorized"
    assert page.contract(contract["id"]).get("view") is None  # the refused view_done changed nothing
    assert len(page.all_history()) == 1
    page.seen_and_settled(contract["id"])


def test_another_sessions_contract_and_proof_are_not_found(running: RunningStack) -> None:
    game = new_game(running, view_timeout_s=60)  # only a view_done settles it within this test
    mine = open_page(running)
    same_player_other_session = open_page(running, player_id=mine.player_id)
    stranger = open_page(running)
    contract = mine.placed(game["game_id"])
    for other in (same_player_other_session, stranger):
        for answer in (
            other.http.get(f"/contracts/{contract['id']}"),
            other.http.get(f"/contracts/{contract['id']}/proof"),
            other.view_done(contract["id"]),
        ):
            assert answer.status_code == 404, answer.text
            assert answer.json()["error"]["code"] == "not_found" and "contract" not in answer.json()
        assert other.all_history() == []
    untouched = mine.contract(contract["id"])
    assert untouched["status"] == "in_progress" and "view" not in untouched  # no one else's view_done counted
    for unknown in ("con_01ARZ3NDEKTSV4RRFFQ69G5FAV", "not-a-contract"):
        assert mine.http.get(f"/contracts/{unknown}").status_code == 404
        assert mine.http.get(f"/contracts/{unknown}/proof").status_code == 404
    final = mine.seen_and_settled(contract["id"])
    assert final["status"] == "finalized" and final["view"] == "viewed"


@pytest.fixture(scope="module")
def shop(running: RunningStack) -> dict[str, Any]:
    """A player with 5.00, a game to play and a game an admin has disabled."""
    page = open_page(running, real="5.00")
    game = new_game(running)
    disabled = new_game(running)
    status, _ = running.call("POST", f"{A}/games/hub:{disabled['game_id']}/status", {"status": "disabled"})
    assert status == 200
    return {"page": page, "game": game, "disabled": disabled}


REFUSALS: list[tuple[str, dict[str, Any] | bytes, int, str, str | None]] = [
    ("unknown game", {"game_id": "no-such-game"}, 409, "game_unavailable", None),
    ("disabled game", {"game_id": "<disabled>"}, 409, "game_unavailable", None),
    ("a stake not on offer", {"stake": "2.00"}, 400, "validation_error", "stake"),
    ("a stake finer than the currency", {"stake": "1.001"}, 400, "validation_error", "stake"),
    ("a stake a hair under", {"stake": "0.999"}, 400, "validation_error", "stake"),
    ("a stake that is not a number", {"stake": "one"}, 400, "validation_error", "stake"),
    ("a play id too short", {"play_id": "short"}, 400, "validation_error", "play_id"),
    ("a play id with spaces", {"play_id": "has a space in it"}, 400, "validation_error", "play_id"),
    ("a play id too long", {"play_id": "x" * 65}, 400, "validation_error", "play_id"),
    ("no play id", {"play_id": None}, 400, "validation_error", "play_id"),
    ("a body that is not JSON", b"{game_id: lucky", 400, "validation_error", "body"),
    ("a body that is a list", b"[1, 2]", 400, "validation_error", None),
]


@pytest.mark.parametrize(("case", "change", "status", "code", "field"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_refused_play_changes_nothing(
    running: RunningStack,
    shop: dict[str, Any],
    case: str,
    change: dict[str, Any] | bytes,
    status: int,
    code: str,
    field: str | None,
) -> None:
    page, game = shop["page"], shop["game"]
    play_id = new_play_id()
    if isinstance(change, bytes):
        answer = page.http.post("/play", content=change, headers={"Content-Type": "application/json"})
    else:
        body = {"game_id": game["game_id"], "stake": "1.00", "play_id": play_id, **change}
        if body["game_id"] == "<disabled>":
            body["game_id"] = shop["disabled"]["game_id"]
        answer = page.http.post("/play", json={k: v for k, v in body.items() if v is not None})
    assert answer.status_code == status, (case, answer.text)
    error = answer.json()["error"]
    assert error["code"] == code, (case, error)
    if field is not None:
        assert error.get("field") == field, (case, error)
    assert real_of(running, page.player_id) == Decimal("5.00")
    assert page.all_history() == []
    assert shop["disabled"]["game_id"] not in page.games()
    stored = statuses(game["commitment"]["series_id"], 10)
    assert {s["status"] for s in stored.values()} == {"available"}  # no prize held by a refusal
    assert contract_store.play_record(page.session_id, play_id) is None  # the play id is not burnt


def test_a_stake_spelt_otherwise_is_the_same_stake_and_a_reused_play_id_is_one_bet(running: RunningStack) -> None:
    game = new_game(running)
    page = open_page(running, real="5.00")
    play_id = new_play_id()
    first = page.placed(game["game_id"], stake="1.0", play_id=play_id)
    assert first["stake"] == "1.00"
    again = page.placed(game["game_id"], stake="1.00", play_id=play_id)
    assert again["id"] == first["id"] and again["reveal"] == first["reveal"]
    other = page.play(game["game_id"], stake="2.00", play_id=play_id)
    assert other.status_code in (400, 409), other.text  # never a second bet under the same id
    final = page.seen_and_settled(first["id"])
    assert [c["id"] for c in page.all_history()] == [first["id"]]
    assert real_of(running, page.player_id) == Decimal("4.00") + Decimal(final["reveal"]["prize"])


def test_history_is_newest_first_and_paginated(running: RunningStack) -> None:
    game = new_game(running, table=[{"amount": "0.50", "count": 10}])  # every ticket pays 0.50
    page = open_page(running, real="10.00")
    played = []
    for _ in range(5):
        contract = page.placed(game["game_id"])
        assert page.view_done(contract["id"]).status_code == 200
        played.append(contract["id"])
    pages, cursor = [], None
    for _ in range(5):
        answer = page.history(limit=2, **({"cursor": cursor} if cursor else {}))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages.append([c["id"] for c in body["contracts"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [cid for p in pages for cid in p] == played[::-1]
    for forged in ("garbage", "con_123", "' OR 1=1 --", "CONTRACT#con_01ARZ3NDEKTSV4RRFFQ69G5FAV"):
        answer = page.history(limit=2, cursor=forged)
        assert answer.status_code == 400 and answer.json()["error"]["field"] == "cursor", (forged, answer.text)
    for limit in (0, 101, "many"):
        answer = page.history(limit=limit)
        assert answer.status_code == 400 and answer.json()["error"]["field"] == "limit", (limit, answer.text)


def test_view_done_twice_settles_once(running: RunningStack) -> None:
    game = new_game(running, table=[{"amount": "0.50", "count": 10}])  # every ticket pays 0.50
    page = open_page(running, real="10.00")
    contract = page.placed(game["game_id"])
    assert contract["reveal"]["prize"] == "0.50" and contract["reveal"]["won"] is True
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: page.view_done(contract["id"]), range(2)))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    final = page.until_terminal(contract["id"])
    assert final["status"] == "finalized" and final["view"] == "viewed"
    late = page.view_done(contract["id"])
    assert late.status_code == 200 and late.json()["contract"]["status"] == "finalized"
    time.sleep(0.5)  # anything still in flight would land now
    moves = [e for e in ledger(running, page.player_id) if (e.get("reference") or {}).get("contract_id") == final["id"]]
    assert sorted(e["amount"] for e in moves) == ["-1.00", "0.50"], moves
    assert real_of(running, page.player_id) == Decimal("9.50")
    paid = [s for s in final["steps"] if s["type"] == "pay_winnings"]
    assert len(paid) == 1 and [t["amount"] for t in paid[0]["transactions"]] == ["0.50"]


def test_a_series_whose_last_prize_is_held_rolls_over_and_sells_that_prize_when_it_comes_back(
    running: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The game plays on while the last prize of its series waits for its bet; if that prize comes
    back it is sold before the new series', so the old series still sells out and pays its RTP."""
    game = new_game(running, tickets=10, table=HALF_BACK, on_sold_out="new_series")
    code, first = game["game_id"], game["commitment"]["series_id"]
    page = open_page(running, real="30.00")
    for _ in range(9):
        assert page.placed(code)["reveal"]["proof"]["series_id"] == first
    monkeypatch.setattr(executions, "start", lambda contract, attempt=0: True)  # the last bet hangs
    monkeypatch.setattr(plays, "WAIT_MS", 0)
    hanging = page.play(code)
    assert hanging.status_code == 200 and hanging.json()["contract"]["status"] == "pending"
    monkeypatch.undo()
    rolled = page.placed(code)  # not a 409: the game rolled over
    second = rolled["reveal"]["proof"]["series_id"]
    assert second != first and page.games()[code]["commitment"]["series_id"] == second
    held = contract_store.load(page.session_id, hanging.json()["contract"]["id"])
    assert held is not None and held.series_id == first
    released = series_store.release_writes(held.series_id, held.position, held.id)  # its bet refused after all
    contract_store.save(held, held.refused("insufficient_funds", "refused", clock.now_ms()), released)
    again = page.placed(code)
    assert again["reveal"]["proof"]["series_id"] == first and again["reveal"]["proof"]["position"] == held.position
    assert not any(s["status"] == "available" for s in statuses(first, 10).values())
    assert page.placed(code)["reveal"]["proof"]["series_id"] == second  # the first is done: closed for good
    assert first not in (registry_store.game("hub", code) or {}).get("closing_series", set())
