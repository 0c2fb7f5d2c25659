"""The platform's status report (admin-api.md, "Ops").

Pure assembly over what the registry returns; the reads live in ``casino.registry.store``.
"""

from __future__ import annotations

from typing import Any

from casino import clock
from casino.hub import status_store as hub_store
from casino.registry import credential_store, providers, store
from casino.sports import feeds as sports_feeds

SERVICES = ("wallet", "provider_callbacks", "hub", "contract_flow", "schedules", "sports")


def service_state(name: str) -> dict[str, Any]:
    item = store.service_status(name) or {}
    maintenance = bool(item.get("maintenance"))
    return {
        "status": "maintenance" if maintenance else "up",
        "maintenance_reason": item.get("reason") if maintenance else None,
    }


def last_syncs() -> list[dict[str, Any]]:
    """Per provider: its last game-list sync, and its signing scheme (``weak`` for the seed's
    ``seed-sha1``, whose hashes do not cover the body: provider-callbacks.md)."""
    answer = []
    for item in store.query_index("GSI1", "PROVIDERS"):
        provider = providers.from_item(item)
        history = store.sync_history(provider.code, 1)
        last = history[0] if history else None
        answer.append(
            {
                "provider": provider.code,
                "signature": provider.signature,
                "signing": "weak" if provider.weak_signing else "strong",
                "last_sync": None
                if last is None
                else {k: last.get(k) for k in ("started_at", "finished_at", "outcome", "error")},
            }
        )
    return answer


def operator_wallet_calls() -> list[dict[str, Any]]:
    calls = []
    for operator in store.query_index("GSI1", "OPERATORS", limit=1000):
        last = credential_store.last_wallet_call(operator["code"])
        calls.append(
            {
                "operator": operator["code"],
                "last_call": None if last is None else {k: last.get(k) for k in ("path", "outcome", "at")},
            }
        )
    return calls


def report() -> dict[str, Any]:
    services = {name: service_state(name) for name in SERVICES}
    syncs = last_syncs()
    sync_failed = any(s["last_sync"] and s["last_sync"].get("outcome") == "failed" for s in syncs)
    if sync_failed and services["schedules"]["status"] == "up":
        services["schedules"]["status"] = "degraded"
    feeds = sports_feeds.listed()
    if any(f.get("status", {}).get("state") == "down" for f in feeds) and services["sports"]["status"] == "up":
        services["sports"]["status"] = "degraded"
    overall = "up" if all(s["status"] == "up" for s in services.values()) else "degraded"
    return {
        "status": overall,
        "checked_at": clock.now_ms(),
        "services": services,
        "provider_syncs": syncs,
        "operator_wallet_calls": operator_wallet_calls(),
        "contracts_needing_attention": hub_store.contracts_needing_attention(),
        "finalize_refused": hub_store.finalize_refusals(),
        "active_sessions": hub_store.active_sessions(),
        "sports_feeds": [
            {k: f.get(k) for k in ("code", "status", "last_pull_at", "last_pull_outcome", "last_received_at")}
            for f in feeds
        ],
    }
