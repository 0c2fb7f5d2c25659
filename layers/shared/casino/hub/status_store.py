"""What the admin status reads of the hub: active sessions, contracts needing attention, and
sessions whose finalize_session the operator refused (all through HubTable's sparse GSI3,
never a scan; the keys are ``casino.hub.store``'s)."""

from __future__ import annotations

from typing import Any

from casino import clock
from casino.contract import store as contract_store
from casino.hub import store

# The admin status counts active sessions up to this many (one bounded read of the index,
# whatever the number of sessions); past it the status says "at least" (``exact`` False).
ACTIVE_SESSIONS_COUNTED_UP_TO = 1000


def active_sessions() -> tuple[int, bool]:
    """``(count, exact)``: exact up to ``ACTIVE_SESSIONS_COUNTED_UP_TO``, else that many and False."""
    return store.active_session_count(ACTIVE_SESSIONS_COUNTED_UP_TO)


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
