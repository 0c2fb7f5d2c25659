"""The player's side of a session (client-api.md): login with the one-time client token (or,
for a password user, on a session the hub opens itself: player-accounts.md), heartbeat, exit.

Login (the seed's app_user_tools): the client token is first claimed with a conditional write
(with a lease: the login Lambda's remaining time), so a token is taken to the operator once:
a concurrent login of the same token is refused without calling the operator. Then the
operator's ``initialize_session`` and ``get_user_data``; the hub creates the accounts it lacks
(ref_id = the operator's account id), updates every balance, closes the accounts the operator
no longer lists, and answers an auth token (256 bits, stored as a hash, valid for this
session alone while it is active). If the operator's answer is unknown (timeout, 5xx), the
claim is released and the same link may be tried again; if the operator refuses for good,
the token is burnt (the casino must open a new link).

Both ways in share everything after the session exists (``enter``): only how the login
completes and what a failure undoes is a way in's own (``WayIn``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from casino import clock, ids
from casino.errors import Unauthorized, UpstreamUnavailable
from casino.hub import session_end, store, views, wallet_client
from casino.hub.sessions import HEARTBEAT_TIMEOUT_MS, token_hash
from casino.registry import operators
from casino.registry.operators import Operator

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


@dataclass(frozen=True)
class WayIn:
    """What is a way in's own once its session exists (cross-login's one-time link, password
    login): how it completes (``complete(auth_hash, accounts, heartbeat_deadline, now)`` stores the
    auth token with the session's accounts in one write, False if the session or the way in was
    spent meanwhile), and what it undoes when the operator refused for good or did not answer."""

    complete: Callable[[str, list[dict[str, Any]], int, int], bool]
    refused: Callable[[], None]
    unknown: Callable[[], None]
    spent: str  # the refusal when ``complete`` finds the way in spent


def enter(session: dict[str, Any], way_in: WayIn, remaining_ms: clock.Remaining | None, now: int) -> dict[str, Any]:
    """The login of a session that exists, shared by every way in: the operator's
    ``initialize_session`` and ``get_user_data``, the accounts synced, an auth token for this
    session, and the answer (auth_token, session, accounts, games, client)."""
    operator = operators.require(session["operator"])
    user = session["user"]
    try:
        initialize = views.to_wallet(views.session(session), session)
        wallet_client.call(operator, "initialize_session", initialize, remaining_ms=remaining_ms)
        whose = views.to_wallet({"user_id": user.get("ref_id") or user["id"]}, session)
        data = wallet_client.call(operator, "get_user_data", whose, remaining_ms=remaining_ms)
    except wallet_client.WalletRefused:
        way_in.refused()
        raise  # final: the operator's own code (user_blocked, ...), a 4xx the page can explain
    except wallet_client.WalletOutcomeUnknown as unknown:
        way_in.unknown()
        raise UpstreamUnavailable(f"the casino's wallet did not answer: {unknown.message}") from None
    listed = data.get("accounts")
    if not isinstance(listed, list):
        way_in.unknown()
        raise UpstreamUnavailable("the casino's wallet answered without accounts")
    accounts = sync_accounts(user["id"], listed, now)
    auth_token = secrets.token_urlsafe(32)
    if not way_in.complete(token_hash(auth_token), accounts, clock.now_ms() + HEARTBEAT_TIMEOUT_MS, now):
        raise Unauthorized(way_in.spent)
    answer_session = views.session({**session, "accounts": accounts})
    from casino.hub import plays  # noqa: PLC0415 - only a login offers games (the client API's other functions load less)

    offered = plays.session_games({**session, "accounts": accounts}, cached=True)["games"]
    page = {
        "heartbeat_timeout_s": HEARTBEAT_TIMEOUT_MS // 1000,
        **{name: session[name] for name in ("game_id", "language", "return_url") if session.get(name)},
    }
    return {"auth_token": auth_token, "session": answer_session, "accounts": accounts, "games": offered, "client": page}


def login(client_token: str, remaining_ms: clock.Remaining | None = None) -> dict[str, Any]:
    """Cross-login: the one-time client token of an operator's ``client_url``."""
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
    session_id = session["id"]

    def complete(auth_hash: str, accounts: list[dict[str, Any]], deadline: int, at: int) -> bool:
        return store.complete_login(
            token_hash=token,
            claim=claim,
            auth_hash=auth_hash,
            session_id=session_id,
            accounts=accounts,
            heartbeat_deadline=deadline,
            now=at,
        )

    link = WayIn(
        complete=complete,
        refused=lambda: store.burn_client_token(token, claim, clock.now_ms()),
        unknown=lambda: store.release_client_token(token, claim),
        spent="this link was used meanwhile, or the session closed",
    )
    return enter(session, link, remaining_ms, now)


def password_login(
    operator: Operator, user: dict[str, Any], remaining_ms: clock.Remaining | None = None
) -> dict[str, Any]:
    """Password login, once the password is verified (``casino.accounts.service``): the hub opens
    a session itself on the (bridge) operator for the password user, marked ``login = password``,
    then logs in as cross-login does. Its user's ``ref_id`` is the casino player, so the bridge
    moves that player's money. A login the operator refused, or did not answer, ends the session."""
    now = clock.now_ms()
    session_id = ids.new_id("ses", now)
    session: dict[str, Any] = {
        "id": session_id,
        "operator": operator.code,
        "user": {"id": user["id"], "ref_id": user["ref_id"], "status": user["status"]},
        "status": "active",
        "start_date": now,
        "login": store.LOGIN_BY_CREDENTIALS,
    }
    store.add_password_session(session, heartbeat_deadline=now + HEARTBEAT_TIMEOUT_MS)

    def complete(auth_hash: str, accounts: list[dict[str, Any]], deadline: int, at: int) -> bool:
        return store.complete_password_login(
            auth_hash=auth_hash, session_id=session_id, accounts=accounts, heartbeat_deadline=deadline, now=at
        )

    def failed() -> None:
        session_end.end(session, "errored", "login_failed", remaining_ms)

    credentials = WayIn(
        complete=complete, refused=failed, unknown=failed, spent="the session ended before the sign-in completed"
    )
    return enter(session, credentials, remaining_ms, now)


def is_password_session(session: dict[str, Any]) -> bool:
    return session.get("login") == store.LOGIN_BY_CREDENTIALS


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


def exit_session(session: dict[str, Any], remaining_ms: clock.Remaining | None = None) -> dict[str, Any]:
    """The player leaves: the session is finished and the operator's finalize_session called."""
    ended = session_end.end(session, "finished", "player_exit", remaining_ms)
    if ended is None:
        raise session_end.closed(store.session(session["id"]))
    return views.session(ended)
