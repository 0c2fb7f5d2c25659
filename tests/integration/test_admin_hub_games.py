"""POST /api/v1/admin/games and /games/{id}/status: hub games committed before they open."""

from __future__ import annotations

import uuid
from typing import Any

from casino.hub import prizes, series_store
from tests.conftest import RunningStack

A = "/api/v1/admin"
CONFIG: dict[str, Any] = {
    "currency": "EUR",
    "stake": "0.50",
    "tickets": 100,
    "prizes": [{"amount": "20.00", "count": 1}, {"amount": "1.00", "count": 20}],
    "rtp": "0.8",
    "view_timeout_s": 30,
    "on_sold_out": "stop",
}


def body(code: str, **changes: Any) -> dict[str, Any]:
    return {"code": code, "name": "Test scratch", "kind": "instant_win", "configuration": dict(CONFIG), **changes}


def code() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def test_a_game_is_created_with_its_commitment_published_and_listed(running: RunningStack) -> None:
    new = code()
    status, game = running.call("POST", f"{A}/games", body(new))
    assert status == 201, game
    assert game["id"] == f"hub:{new}" and game["kind"] == "instant_win" and game["status"] == "active"
    commitment = game["commitment"]
    assert commitment["tickets"] == 100 and len(commitment["root"]) == 64
    assert prizes.parse_config(game["configuration"]) == prizes.parse_config(CONFIG)
    meta = series_store.meta_of(commitment["series_id"])
    assert meta is not None and meta["root"] == commitment["root"] and meta["game"] == new
    held = series_store.reserve(commitment["series_id"], "con_admin_test")
    assert held is not None and prizes.verify(held.reveal(commitment["root"]), commitment["root"])
    status, listed = running.call("GET", f"{A}/games", query="provider=hub")
    assert status == 200
    shown = {g["game_id"]: g for g in listed["games"]}
    assert shown[new]["commitment"] == commitment
    assert shown["lucky-7"]["commitment"]["tickets"] == 10_000


def test_the_same_code_again_is_a_conflict(running: RunningStack) -> None:
    new = code()
    assert running.call("POST", f"{A}/games", body(new))[0] == 201
    for again in (body(new), body(new, name="Another")):
        status, answer = running.call("POST", f"{A}/games", again)
        assert (status, answer["error"]["field"]) == (409, "code"), answer


def test_a_bad_configuration_is_refused_naming_the_field(running: RunningStack) -> None:
    cases = {
        "configuration.prizes": {**CONFIG, "rtp": "0.9"},  # the table pays 0.8
        "configuration.tickets": {**CONFIG, "tickets": 5},
        "configuration.prizes[0].weight": {**CONFIG, "prizes": [{"amount": "1.00", "weight": 3}]},
        "configuration.stake": {**CONFIG, "stake": "0.001"},
        "configuration.on_sold_out": {**CONFIG, "on_sold_out": "later"},
    }
    for field, config in cases.items():
        new = code()
        status, answer = running.call("POST", f"{A}/games", body(new, configuration=config))
        assert (status, answer["error"]["field"]) == (400, field), answer
        assert running.call("POST", f"{A}/games/hub:{new}/status", {"status": "active"})[0] == 404  # nothing kept
    status, answer = running.call("POST", f"{A}/games", body(code(), kind="slots"))
    assert status == 400 and answer["error"]["field"] == "kind", answer


def test_status_toggles_and_an_unknown_game_is_404(running: RunningStack) -> None:
    new = code()
    assert running.call("POST", f"{A}/games", body(new))[0] == 201
    status, game = running.call("POST", f"{A}/games/hub:{new}/status", {"status": "disabled"})
    assert (status, game["status"], game["admin_status"]) == (200, "disabled", "disabled"), game
    status, listed = running.call("GET", f"{A}/games", query="provider=hub&status=disabled")
    assert new in {g["game_id"] for g in listed["games"]}
    status, game = running.call("POST", f"{A}/games/{new}/status", {"status": "active"})  # a bare hub code
    assert (status, game["status"]) == (200, "active")
    status, answer = running.call("POST", f"{A}/games/hub:no-such-game/status", {"status": "active"})
    assert status == 404, answer
    status, answer = running.call("POST", f"{A}/games/hub:{new}/status", {"status": "paused"})
    assert status == 400 and answer["error"]["field"] == "status", answer


def test_the_game_endpoints_require_the_admin_key(running: RunningStack) -> None:
    for key in (None, "wrong-key"):
        status, _ = running.call("POST", f"{A}/games", body(code()), admin_key=key)
        assert status == 401
        status, _ = running.call("POST", f"{A}/games/hub:lucky-7/status", {"status": "disabled"}, admin_key=key)
        assert status == 401
