"""Session expiry (client-api.md): a session with no heartbeat for its timeout is finished.

Active sessions sit in HubTable's sparse index GSI3 sorted by their heartbeat deadline, so the
schedule reads only the overdue ones. Each is ended (its finalize_session made due in the same
write) and its operator's finalize_session called; then every finalize_session still due (an
unknown outcome, or a claim whose Lambda died) is tried again.
"""

from __future__ import annotations

from collections.abc import Callable

from casino import clock
from casino.hub import session_end, store

BATCH = 100


def run(remaining_ms: Callable[[], int] | None = None) -> dict[str, int]:
    overdue = store.overdue_sessions(clock.now_ms(), BATCH)
    expired = [o for o in (session_end.expire(s, remaining_ms) for s in overdue) if o is not None]
    retried = session_end.sweep(remaining_ms)
    outcomes = expired + retried
    return {
        "overdue": len(overdue),
        "finished": len(expired),
        "finalize_retried": len(retried),
        "finalized": outcomes.count("done"),
        "finalize_refused": outcomes.count("refused"),
    }
