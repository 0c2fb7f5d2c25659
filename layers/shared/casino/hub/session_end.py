"""A session's end (terminate, exit, heartbeat expiry) and the operator's ``finalize_session``.

Ending a session and making its finalize due is ONE conditional write (status, end date, out
of the active list, listed under ``FINALIZE_DUE``), so a Lambda that dies right after it
loses nothing: the session-expiry schedule sweeps that list. The call itself is claimed
with a conditional write holding a lease (the claimer's remaining time): concurrent ends call
the operator once, and a claim left ``calling`` past its lease (its Lambda died) is taken
again. An unknown outcome is due again; a final refusal of the protocol is recorded as
``refused`` with its code, listed for ops, and never retried.
"""

from __future__ import annotations

import secrets
from typing import Any, Literal

from casino import clock
from casino.errors import SessionClosed
from casino.hub import store, views, wallet_client
from casino.registry import operators

DEFAULT_LEASE_MS = 120_000  # when no Lambda time bounds the caller (longer than any function's timeout)
LEASE_MARGIN_MS = 1_000
SWEEP_BATCH = 50


# Why a session ended, kept on it (``end_reason``) so the player's page can say so.
EndReason = Literal[
    "operator", "player_exit", "heartbeat_timeout", "password_changed", "login_failed", "self_exclusion"
]

ENDED_BECAUSE = {
    "operator": "the casino ended this session",
    "player_exit": "you left this session",
    "heartbeat_timeout": "this session ended after a while without activity",
    "password_changed": "this session ended because the account's password was changed; sign in again",
    "login_failed": "this session could not be opened; sign in again",
    "self_exclusion": "this session ended with the player's self-exclusion or time-out",
}


def closed(session: dict[str, Any] | None) -> SessionClosed:
    """The refusal of a call on an ended session, saying how it ended (``session_status``,
    ``end_reason``) so the player's page can tell an operator's terminate from an expiry."""
    if session is None:
        return SessionClosed("this session is closed")
    reason = str(session.get("end_reason", ""))
    details = {"session_status": str(session.get("status", "")), "end_reason": reason}
    return SessionClosed(ENDED_BECAUSE.get(reason, "this session is closed"), details=details)


def end(
    session: dict[str, Any], status: str, reason: EndReason, remaining_ms: clock.Remaining | None = None
) -> dict[str, Any] | None:
    """active -> ``status`` (terminated, finished) for ``reason``, then the operator's
    finalize_session. The ended session, or None if it had already ended."""
    return _end(session, status, reason, remaining_ms)[0]


def expire(session: dict[str, Any], remaining_ms: clock.Remaining | None = None) -> str | None:
    """An overdue session is finished: the outcome of its finalize_session (``finalize``'s), or
    None if it had already ended."""
    ended, outcome = _end(session, "finished", "heartbeat_timeout", remaining_ms)
    return None if ended is None else outcome or "no_operator"


def _end(
    session: dict[str, Any], status: str, reason: EndReason, remaining_ms: clock.Remaining | None
) -> tuple[dict[str, Any] | None, str]:
    ended = store.end_session(session["id"], status, reason, clock.now_ms(), finalize="operator" in session)
    if ended is None:
        return None, ""
    outcome = finalize(ended["id"], remaining_ms) if ended.get("finalize_state") == "due" else ""
    return ended, outcome


def finalize(session_id: str, remaining_ms: clock.Remaining | None = None) -> str:
    """Call the operator's finalize_session if it is due and no one else is calling it. The
    outcome: ``done``, ``refused``, ``unknown`` (due again), or ``not_claimed``."""
    now = clock.now_ms()
    claim = secrets.token_hex(16)
    lease_ms = remaining_ms() if remaining_ms is not None else DEFAULT_LEASE_MS
    claimed = store.claim_finalize(session_id, claim, now, now + lease_ms + LEASE_MARGIN_MS)
    if claimed is None:
        return "not_claimed"
    operator = operators.require(claimed["operator"])
    try:
        body = views.to_wallet(views.session(claimed), claimed)
        wallet_client.call(operator, "finalize_session", body, remaining_ms=remaining_ms)
    except wallet_client.WalletRefused as refused:
        store.finalize_refused(session_id, claim, refused.code, clock.now_ms())
        return "refused"
    except wallet_client.WalletOutcomeUnknown:
        store.finalize_again(session_id, claim, clock.now_ms())
        return "unknown"
    store.finalize_done(session_id, claim, clock.now_ms())
    return "done"


def sweep(remaining_ms: clock.Remaining | None = None) -> list[str]:
    """Every finalize_session due now (a retry, or a claim whose lease ran out): the outcomes."""
    return [finalize(s["id"], remaining_ms) for s in store.finalize_due(clock.now_ms(), SWEEP_BATCH)]
