"""Session expiry (client-api.md): a session with no heartbeat for its timeout is finished.

Active sessions sit in HubTable's sparse index GSI3 sorted by their heartbeat deadline, so the
schedule reads only the overdue ones. Each is ended (its finalize_session made due in the same
write) and its operator's finalize_session called; then every finalize_session still due (an
unknown outcome, or a claim whose Lambda died) is tried again.

A session whose contract is still under way (placed, being viewed or settled) is kept alive
instead, for at most ``HOLD_MS`` past its last heartbeat: its win settles while the session is
open, before the operator hears finalize_session (an operator may refuse money on a session it
has finalized). A terminate or an exit ends a session at once, as the operator asked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from casino import clock
from casino.contract import store as contract_store
from casino.hub import session_end, store
from casino.hub.sessions import HEARTBEAT_TIMEOUT_MS

BATCH = 100
HOLD_MS = 15 * 60_000


def _held(session: dict[str, Any], now: int) -> bool:
    """Keep an overdue session alive while one of its contracts is under way (bounded)."""
    last = int(session.get("last_heartbeat") or session.get("start_date") or 0)
    if now - last > HOLD_MS or not contract_store.under_way(str(session["id"])):
        return False
    return store.heartbeat(str(session["id"]), now + HEARTBEAT_TIMEOUT_MS // 4, last)


def run(remaining_ms: Callable[[], int] | None = None) -> dict[str, int]:
    now = clock.now_ms()
    overdue = store.overdue_sessions(now, BATCH)
    ending = [s for s in overdue if not _held(s, now)]
    expired = [o for o in (session_end.expire(s, remaining_ms) for s in ending) if o is not None]
    retried = session_end.sweep(remaining_ms)
    outcomes = expired + retried
    return {
        "overdue": len(overdue),
        "held_for_a_contract": len(overdue) - len(ending),
        "finished": len(expired),
        "finalize_retried": len(retried),
        "finalized": outcomes.count("done"),
        "finalize_refused": outcomes.count("refused"),
    }
