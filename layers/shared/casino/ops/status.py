"""The platform's status report (admin-api.md, "Ops").

Pure assembly over what the registry returns; the reads live in ``casino.registry.store``.
"""

from __future__ import annotations

from typing import Any

from casino import clock
from casino.hub import status_store as hub_store
from casino.ops import maintenance
from casino.ops import services as flags
from casino.ops.maintenance import ServiceState
from casino.registry import credential_store, providers, store
from casino.sports import feeds as sports_feeds

SERVICES = maintenance.SERVICES


def service_state(state: ServiceState, problems: list[str]) -> dict[str, Any]:
    """A service: ``maintenance`` when ops closed it, else ``degraded`` with the signals that say
    why, else ``up``."""
    status = "maintenance" if state.maintenance else ("degraded" if problems else "up")
    return {
        "status": status,
        "maintenance_reason": state.reason if state.maintenance else None,
        "maintenance": {"reason": state.reason, "set_by": state.set_by, "since": state.since}
        if state.maintenance
        else None,
        "problems": problems,
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
    syncs = last_syncs()
    calls = operator_wallet_calls()
    attention = hub_store.contracts_needing_attention()
    refused = hub_store.finalize_refusals()
    feeds = sports_feeds.listed()
    active, exact = hub_store.active_sessions()
    problems: dict[str, list[str]] = {name: [] for name in SERVICES}
    failed_syncs = [s["provider"] for s in syncs if s["last_sync"] and s["last_sync"].get("outcome") == "failed"]
    if failed_syncs:
        problems["schedules"].append(f"last game-list sync failed: {', '.join(failed_syncs)}")
    if attention:
        problems["contract_flow"].append(f"{len(attention)} contract(s) errored or past their deadline")
    unknown = [c["operator"] for c in calls if c["last_call"] and c["last_call"].get("outcome") == "unknown"]
    if unknown:
        problems["hub"].append(f"last operator wallet call unanswered: {', '.join(unknown)}")
    if refused:
        problems["hub"].append(f"{len(refused)} session(s) whose finalize_session the operator refused")
    down = [f.get("code") for f in feeds if f.get("status", {}).get("state") == "down"]
    if down:
        problems["sports"].append(f"feed(s) down: {', '.join(str(c) for c in down)}")
    services = {state.service: service_state(state, problems[state.service]) for state in flags.states(SERVICES)}
    overall = "up" if all(s["status"] == "up" for s in services.values()) else "degraded"
    return {
        "status": overall,
        "checked_at": clock.now_ms(),
        "services": services,
        "provider_syncs": syncs,
        "weakly_signed_providers": [s["provider"] for s in syncs if s["signing"] == "weak"],
        "operator_wallet_calls": calls,
        "contracts_needing_attention": attention,
        "finalize_refused": refused,
        "active_sessions": active,
        "active_sessions_exact": exact,
        "sports_feeds": [
            {k: f.get(k) for k in ("code", "status", "last_pull_at", "last_pull_outcome", "last_received_at")}
            for f in feeds
        ],
    }
