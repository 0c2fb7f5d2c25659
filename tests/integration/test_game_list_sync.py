"""The game-list sync schedule against the seeded provider's local catalogue (over HTTP)."""

from __future__ import annotations

from typing import Any

from casino.registry import game_sync, store
from tests.conftest import RunningStack, event


def _games(code: str = "tlt") -> dict[int, dict[str, Any]]:
    return {g["game_id"]: g for g in store.games_of(code)}


def test_the_schedule_syncs_the_seeded_catalogue(running: RunningStack) -> None:
    result = running.invoke("GameListSyncFunction", event("schedules/game-list-sync.json"))
    assert result == {"synced": 1, "failed": 0}
    games = _games()
    assert set(games) == {1001, 1002, 1003}
    assert games[1001]["bet_limits"]["EUR"] == {"min_bet": 10, "max_bet": 10000}
    assert games[1002]["category"] == "table games" and games[1002]["wagering_contribution"] == "0.1"
    assert games[1003]["provider_enabled"] is False
    categories = store.query_prefix("PROVIDER#tlt", "CATEGORY#")
    assert {c["name"] for c in categories} == {"slots", "table games"}
    history = store.query_prefix("PROVIDER#tlt", "SYNC#", newest_first=True, limit=1)
    assert history[0]["outcome"] == "ok"


def test_an_unlisted_game_is_disabled_and_a_failed_fetch_disables_nothing(running: RunningStack) -> None:
    running.invoke("GameListSyncFunction", event("schedules/game-list-sync.json"))
    catalogue = running.seeded.data["providers"][0]["catalogue"]
    removed = catalogue.pop(1)
    try:
        record = game_sync.run("tlt")
        assert record["outcome"] == "ok" and record["disabled"] == 1
        assert _games()[1002]["listed"] is False
    finally:
        catalogue.insert(1, removed)
    assert game_sync.run("tlt")["updated"] == 1
    assert _games()[1002]["listed"] is True

    item = store.get("PROVIDER#tlt", "PROVIDER")
    assert item is not None
    store.put({**item, "platform_url": "http://127.0.0.1:9/unreachable"})
    try:
        failed = game_sync.run("tlt")
    finally:
        store.put(item)
    assert failed["outcome"] == "failed" and failed["disabled"] == 0 and failed["error"]
    assert all(g["listed"] for g in _games().values())
