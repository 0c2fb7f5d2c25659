"""What the admin status reads of the hub: active sessions, contracts needing attention, and
sessions whose finalize_session the operator refused (all through HubTable's sparse GSI3,
never a scan; the keys are ``casino.hub.store``'s)."""

from __future__ import annotations

from typing import Any

from casino import clock
from casino.contract import store as contract_store
from casino.hub import store


def active_sessions() -> int:
    return store.active_session_count()


def contracts_needing_attention(limit: int = 50) -> list[dict[str, Any]]:
    return contract_store.needing_attention(limit, clock.now_ms())


def finalize_refusals(limit: int = 50) -> list[dict[str, Any]]:
    """Ended sessions whose operator refused finalize_session for good (never retried)."""
    return [
        {
            "session_id": s["id"],
            "operator": s.get("operator"),
            "code": s.get("finalize_error"),
            "since": s.get("finalize_refused_at"),
        }
        for s in store.finalize_refusals(limit)
    ]
