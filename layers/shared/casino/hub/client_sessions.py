"""The player's side of a session (client-api.md): login with the one-time client token,
heartbeat, exit.

Login (the seed's app_user_tools): the client token is first claimed with a conditional write
(with a lease: the login Lambda's remaining time), so a token is taken to the operator once:
a concurrent login of the same token is refused without calling the operator. Then the
operator's ``initialize_session`` and ``get_user_data``; the hub creates the accounts it lacks
(ref_id = the operator's account id), updates every balance, closes the accounts the operator
no longer lists, and answers an auth token (256 bits, stored as a hash, valid for this
session alone while it is active). If the operator's answer is unknown (timeout, 5xx), the
claim is released and the same link may be tried again; if the operator refuses for good,
the token is burnt (the casino must open a new link).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from casino import clock, ids
from casino.errors import Unauthorized, UpstreamUnavailable
from casino.hub import plays, session_end, store, views, wallet_client
from casino.hub.sessions import HEARTBEAT_TIMEOUT_MS, token_hash
from casino.registry import operators

Remaining = Callable[[], int]
DEFAULT_LEASE_MS = 60_000
LEASE_MARGIN_MS = 1_000


def sync_accounts(user_id: str, listed: list[dict[str, Any]], now: int) -> list[dict[str, Any]]:
    """Create the accounts the hub lacks, update every balance, close those no longer listed."""
    held = {a["ref_id"]: a for a in store.accounts_of(user_id)}
    seen = set()
    writes = []
    for account in listed:
        ref = str(account.get("id"))
        seen.add(ref)
        current = held.get(ref) or {"id": ids.new_id("acc", now), "ref_id": ref, "start_date": now}
        updated = {
            **current,
            "currency": str(account.get("currency", "")),
            "amount": str(account.get("amount")),
            "status": "active",
        }
        updated.pop("end_date", None)
        writes.append(updated)
    for ref, account in held.items():
        if ref not in seen and account.get("status") == "active":
            writes.append({**account, "status": "closed", "end_date": now})
    store.save_accounts(user_id, writes)
    return [views.account(a) for a in writes if a["status"] == "active"]


def login(client_token: str, remaining_ms: Remaining | None = None) -> dict[str, Any]:
    now = clock.now_ms()
    token = token_hash(client_token)
    claim = secrets.token_hex(16)
    lease_ms = remaining_ms() if remaining_ms is not None else DEFAULT_LEASE_MS
    claimed = store.claim_client_token(token, claim, now, now + lease_ms + LEASE_MARGIN_MS)
    if claimed is None:
        raise Unauthorized("this link has expired, was already used, or is in use; ask the casino for a new one")
    session = store.session(claimed["session_id"])
    if session is None or session["status"] != "active":
        store.burn_client_token(token, claim, now)
        raise session_end.closed(session)
    operator = operators.require(session["operator"])
    user = session["user"]
    try:
        wallet_client.call(operator, "initialize_session", views.session(session), remaining_ms=remaining_ms)
        data = wallet_client.call(
            operator, "get_user_data", {"user_id": user.get("ref_id") or user["id"]}, remaining_ms=remaining_ms
        )
    except wallet_client.WalletRefused as refused:
        store.burn_client_token(token, claim, clock.now_ms())
        raise UpstreamUnavailable(f"the casino's wallet refused: {refused.message}") from None
    except wallet_client.WalletOutcomeUnknown as unknown:
        store.release_client_token(token, claim)
        raise UpstreamUnavailable(f"the casino's wallet did not answer: {unknown.message}") from None
    listed = data.get("accounts")
    if not isinstance(listed, list):
        store.release_client_token(token, claim)
        raise UpstreamUnavailable("the casino's wallet answered without accounts")
    accounts = sync_accounts(user["id"], listed, now)
    auth_token = secrets.token_urlsafe(32)
    if not store.complete_login(
        token_hash=token,
        claim=claim,
        auth_hash=token_hash(auth_token),
        session_id=session["id"],
        accounts=accounts,
        heartbeat_deadline=clock.now_ms() + HEARTBEAT_TIMEOUT_MS,
        now=now,
    ):
        raise Unauthorized("this link was used meanwhile, or the session closed")
    answer_session = views.session({**session, "accounts": accounts})
    offered = plays.session_games({**session, "accounts": accounts})["games"]
    page = {
        "heartbeat_timeout_s": HEARTBEAT_TIMEOUT_MS // 1000,
        **{name: session[name] for name in ("game_id", "language", "return_url") if session.get(name)},
    }
    return {"auth_token": auth_token, "session": answer_session, "accounts": accounts, "games": offered, "client": page}


def session_of(auth_token: str) -> dict[str, Any]:
    """The session an auth token belongs to; the token is dead once the session has ended."""
    link = store.auth_token(token_hash(auth_token))
    if link is None:
        raise Unauthorized("sign in again from the casino")
    session = store.session(link["session_id"])
    if session is None or session["status"] != "active":
        raise session_end.closed(session)
    return session


def heartbeat(session: dict[str, Any]) -> dict[str, Any]:
    now = clock.now_ms()
    if not store.heartbeat(session["id"], now + HEARTBEAT_TIMEOUT_MS, now):
        raise session_end.closed(store.session(session["id"]))
    return {"status": "active", "accounts": session.get("accounts", [])}


def exit_session(session: dict[str, Any], remaining_ms: Remaining | None = None) -> dict[str, Any]:
    """The player leaves: the session is finished and the operator's finalize_session called."""
    ended = session_end.end(session, "finished", "player_exit", remaining_ms)
    if ended is None:
        raise session_end.closed(store.session(session["id"]))
    return views.session(ended)
