"""The game-list sync schedule against the seeded provider's local catalogue (over HTTP)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest

from casino.registry import game_sync, store
from local.server import proxy_event
from tests.conftest import ADMIN_KEY, RunningStack, event
from tests.peers import peer


def _games(code: str = "tlt") -> dict[int, dict[str, Any]]:
    return {g["game_id"]: g for g in store.games_of(code)}


def test_the_schedule_syncs_the_seeded_catalogue(running: RunningStack) -> None:
    result = running.invoke("GameListSyncFunction", event("schedules/game-list-sync.json"))
    assert result["synced"] >= 1  # the seeded provider, and whatever providers other tests registered
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


# ---------------------------------------------------------------- time budgets
@contextmanager
def platform_at(url: str) -> Iterator[None]:
    """tlt's platform moved to ``url`` for the test."""
    item = store.get("PROVIDER#tlt", "PROVIDER")
    assert item is not None
    store.put({**item, "platform_url": url})
    try:
        yield
    finally:
        store.put(item)


@pytest.fixture()
def silent_platform(running: RunningStack) -> Iterator[None]:
    """The provider's platform takes the connection and never answers."""
    with peer(None) as url, platform_at(url):
        yield


def run_sync_with(running: RunningStack, timeout_s: int) -> tuple[dict[str, Any], float, int]:
    """``POST /admin/providers/tlt/sync`` in a Lambda of ``timeout_s``: its answer, how long it
    took, and the time it had left."""
    logical, route, params = running.gateway.find("POST", "/api/v1/admin/providers/tlt/sync")  # type: ignore[misc]
    evt = proxy_event(
        route,
        "POST",
        "/api/v1/admin/providers/tlt/sync",
        params,
        [("Authorization", f"Bearer {ADMIN_KEY}")],
        "",
        b"",
        "127.0.0.1",
    )
    context = replace(running.stack.context(logical), timeout_s=timeout_s, started=time.monotonic())
    with running.stack.environment_for(logical) as module:
        started = time.monotonic()
        answer = module.handler(evt, context)
        took = time.monotonic() - started
    return json.loads(answer["body"]), took, context.get_remaining_time_in_millis()


def test_a_silent_provider_is_recorded_as_failed_inside_the_lambdas_time(
    running: RunningStack, silent_platform: None
) -> None:
    record, took, left_ms = run_sync_with(running, timeout_s=5)
    assert record["outcome"] == "failed" and "Timeout" in record["error"], record
    assert took < 4.5 and left_ms > 500  # the fetch gave up ~3 s before the end, the record was written
    assert game_sync.history("tlt", 1)[0]["id"] == record["id"]


def test_with_no_time_for_a_fetch_none_is_started_and_the_outcome_is_recorded(
    running: RunningStack, silent_platform: None
) -> None:
    record, took, _ = run_sync_with(running, timeout_s=3)
    assert record["outcome"] == "failed" and "no time left" in record["error"], record
    assert took < 1.0
