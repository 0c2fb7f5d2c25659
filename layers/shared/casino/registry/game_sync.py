"""Game-list sync (provider-callbacks.md, "Game-list sync"): pull, upsert, disable the unlisted.

``plan`` is pure: given what the provider lists and what we hold, it says what to write.
``run`` fetches over HTTP (httpx), applies the plan through the store and records history.
A failed or partial fetch disables nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from casino import clock, ids
from casino.money import currency, to_minor
from casino.registry import providers, store
from casino.registry.providers import Provider

FETCH_TIMEOUT_S = 10.0
RECORD_MARGIN_MS = 3000  # left after the fetch to apply the list and record the outcome
MIN_FETCH_S = 0.5  # below this a fetch is not started: the outcome is recorded instead


class CatalogueInvalid(Exception):
    """The provider's answer is not a complete, well-formed game list."""


@dataclass
class SyncPlan:
    upserts: list[dict[str, Any]] = field(default_factory=list)
    disable: list[dict[str, Any]] = field(default_factory=list)
    categories: set[str] = field(default_factory=set)
    created: int = 0
    updated: int = 0


def game_key(provider: str, game_id: int) -> tuple[str, str]:
    return f"GAME#{provider}#{game_id}", "GAME"


def normalise(provider: str, raw: dict[str, Any]) -> dict[str, Any]:
    """One listed game -> our game item fields. Raises CatalogueInvalid on a bad entry."""
    try:
        game_id = int(raw["game_id"])
        if not 0 < game_id < 1_000_000:
            raise ValueError("game_id must be 1..999999")
        limits: dict[str, dict[str, int]] = {}
        for code, lim in (raw.get("bet_limits") or {}).items():
            cur = currency(code)
            limits[code] = {
                "min_bet": to_minor(lim["min_bet"], cur, field="min_bet"),
                "max_bet": to_minor(lim["max_bet"], cur, field="max_bet"),
            }
        return {
            "source": provider,
            "game_id": game_id,
            "name": str(raw["name"]),
            "category": str(raw.get("category") or "uncategorised"),
            "kind": "provider",
            "provider_enabled": bool(raw.get("enabled", True)),
            "bet_limits": limits,
            "restricted_countries": sorted(str(c) for c in raw.get("restricted_countries") or ()),
            "wagering_contribution": str(raw.get("wagering_contribution", "1")),
        }
    except (KeyError, TypeError, ValueError, Exception) as exc:
        raise CatalogueInvalid(f"game entry {raw!r}: {exc}") from exc


def plan(provider: str, listed: list[dict[str, Any]], held: list[dict[str, Any]]) -> SyncPlan:
    result = SyncPlan()
    held_by_id = {int(g["game_id"]): g for g in held}
    listed_ids = set()
    for raw in listed:
        game = normalise(provider, raw)
        listed_ids.add(game["game_id"])
        result.categories.add(game["category"])
        before = held_by_id.get(game["game_id"])
        if before is None:
            result.created += 1
            result.upserts.append({**game, "admin_status": "active", "listed": True})
        else:
            merged = {**before, **game, "listed": True}
            if merged != before:
                result.updated += 1
                result.upserts.append(merged)
    for game_id, before in held_by_id.items():
        if game_id not in listed_ids and before.get("listed", True):
            result.disable.append({**before, "listed": False})
    return result


def fetch(provider: Provider, secret: str, timeout_s: float = FETCH_TIMEOUT_S) -> list[dict[str, Any]]:
    """The provider's game list, answered in full within ``timeout_s`` (a deadline for the whole
    exchange, not per read: ``casino.outbound``)."""
    from casino import outbound  # noqa: PLC0415
    from casino.provider import signing  # noqa: PLC0415

    headers = {
        "X-Operator-Id": provider.operator_id,
        "X-Authorization": signing.authorization("games", secret),
    }
    answer = outbound.fetch("GET", f"{provider.platform_url.rstrip('/')}/games", headers=headers, timeout_s=timeout_s)
    if not 200 <= answer.status_code < 300:
        raise CatalogueInvalid(f"HTTP {answer.status_code}")
    body = json.loads(answer.content)
    games = body.get("games") if isinstance(body, dict) else None
    if not isinstance(games, list) or body.get("complete", True) is not True:
        raise CatalogueInvalid("the answer has no complete 'games' list")
    return games


def run(code: str, remaining_ms: clock.Remaining | None = None) -> dict[str, Any]:
    """Sync one provider's games; the fetch ends ``RECORD_MARGIN_MS`` before the Lambda's time
    does, so a slow provider is recorded as failed instead of the Lambda being killed."""
    started = clock.now_ms()
    record: dict[str, Any] = {"id": ids.new_id("syn", started), "provider": code, "started_at": started}
    try:
        provider = providers.get(code)
        if provider is None:
            raise CatalogueInvalid(f"unknown provider {code!r}")
        secret = providers.secret_of(provider)
        if secret is None:
            raise CatalogueInvalid("provider secret unavailable")
        timeout_s = clock.within(remaining_ms, FETCH_TIMEOUT_S, RECORD_MARGIN_MS)
        if timeout_s < MIN_FETCH_S:
            raise TimeoutError("no time left to fetch the game list")
        listed = fetch(provider, secret, timeout_s)
        sync_plan = plan(code, listed, store.games_of(code))
        store.apply_game_sync(code, sync_plan.upserts + sync_plan.disable, sync_plan.categories)
        record.update(
            outcome="ok",
            created=sync_plan.created,
            updated=sync_plan.updated,
            disabled=len(sync_plan.disable),
        )
    except Exception as exc:  # a failed fetch disables nothing and is recorded
        record.update(outcome="failed", error=f"{type(exc).__name__}: {exc}"[:500], created=0, updated=0, disabled=0)
    record["finished_at"] = clock.now_ms()
    store.put_sync_record(code, record)
    return record


def run_all(remaining_ms: clock.Remaining | None = None) -> list[dict[str, Any]]:
    """Every active provider in turn, while time is left for one more fetch; the rest wait for
    the next run (the schedule comes round again)."""
    records = []
    for item in store.query_index("GSI1", "PROVIDERS"):
        if item.get("status") != "active":
            continue
        if remaining_ms is not None and clock.within(remaining_ms, FETCH_TIMEOUT_S, RECORD_MARGIN_MS) < MIN_FETCH_S:
            break
        records.append(run(item["code"], remaining_ms))
    return records


def history(code: str, limit: int = 50) -> list[dict[str, Any]]:
    """The provider's sync records, newest first."""
    keep = ("id", "provider", "started_at", "finished_at", "outcome", "created", "updated", "disabled", "error")
    records = store.sync_history(code, limit)
    return [{k: r.get(k) for k in keep} for r in records]
