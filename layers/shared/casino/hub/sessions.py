"""Operator sessions (hub-operator-api.md): create, search, get, terminate; transactions by id.

An operator only ever sees its own: another operator's id is ``not_found``. The HubTable keys
are ``casino.hub.store``'s.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from casino import clock, ids
from casino.accounts import store as accounts
from casino.api import jsonio
from casino.contract import store as contract_store
from casino.errors import Conflict, GameUnavailable, NotFound, ValidationFailed
from casino.hub import session_end, store, views
from casino.idempotency import fingerprint
from casino.registry import games
from casino.registry import store as registry
from casino.registry.operators import Operator

CLIENT_TOKEN_TTL_MS = 10 * 60_000
HEARTBEAT_TIMEOUT_MS = 120_000
STATUSES = ("active", "finished", "terminated", "errored")
PAGE_BYTES = 4_000_000  # a search page's sessions, as JSON: well inside Lambda's 6 MB answer
CURSOR = re.compile(r"([0-9]{1,15}):(ses_[A-Za-z0-9]{1,64})")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _text(body: dict[str, Any], name: str, max_len: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise ValidationFailed(f"{name}: a string of 1 to {max_len} characters", field=name)
    return value


def _user(operator: Operator, their_id: str | None, now: int) -> dict[str, Any]:
    """The operator's user, created on first sight (or a guest when no id is given)."""
    if their_id is None:
        guest = {"id": ids.new_id("usr", now), "status": "active"}
        store.add_guest(operator.code, guest)
        return guest
    candidate = {"id": ids.new_id("usr", now), "ref_id": their_id, "status": "active"}
    stored = store.add_user(operator.code, their_id, candidate)
    return {"id": stored["id"], "ref_id": their_id, "status": stored["status"]}


def _web_address(url: str) -> bool:
    """An absolute http(s) address with a host and no spaces or control characters: the player's
    page links to it, so a ``javascript:`` or relative address is refused here, not there."""
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _client_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/play?{urlencode({'token': token})}"


def create_session(operator: Operator, body: dict[str, Any], base_url: str) -> dict[str, Any]:
    """A session for the operator's user (or a guest) and its one-time client_url. Their
    session id makes a retry safe: the same payload answers the first session again."""
    their_user = _text(body, "user_id", 70)
    if their_user is not None and operator.is_bridge and accounts.password_user(operator.code, their_user):
        # player-accounts.md: a password player is never reached through an operator's client_url
        raise ValidationFailed("user_id: this player signs in with a password, not through a link", field="user_id")
    their_session = _text(body, "session_id", 128)
    fields = {
        name: _text(body, name, limit)
        for name, limit in (
            ("session_token", 512),
            ("game_id", 64),
            ("currency", 4),
            ("language", 16),
            ("return_url", 2000),
        )
    }
    if fields["return_url"] is not None and not _web_address(fields["return_url"]):
        raise ValidationFailed("return_url: must be an absolute http or https address", field="return_url")
    if fields["currency"] is not None and fields["currency"] not in operator.currencies:
        raise ValidationFailed(
            f"currency: not one of the operator's ({', '.join(operator.currencies)})", field="currency"
        )
    if fields["game_id"] is not None:
        game = registry.game("hub", fields["game_id"])
        if game is None or not games.playable(game):
            raise GameUnavailable(f"game {fields['game_id']!r} is not available", field="game_id")
    fp = fingerprint({"user_id": their_user, **fields})
    now = clock.now_ms()
    if their_session is not None:
        earlier = store.session_ref(operator.code, their_session)
        if earlier is not None:
            return _again(operator, earlier, fp, base_url, now)
    session_id = ids.new_id("ses", now)
    session = {
        "id": session_id,
        "operator": operator.code,
        "ref_id": their_session,
        "user": _user(operator, their_user, now),
        "status": "active",
        "start_date": now,
        "fingerprint": fp,
        **{k: v for k, v in fields.items() if v is not None},
    }
    token = secrets.token_urlsafe(32)  # 256 bits
    taken = store.add_session(
        session,
        heartbeat_deadline=now + CLIENT_TOKEN_TTL_MS + HEARTBEAT_TIMEOUT_MS,
        token_hash=token_hash(token),
        token_expires_at=now + CLIENT_TOKEN_TTL_MS,
    )
    if taken is not None:
        return _again(operator, taken, fp, base_url, now)
    return {"session": views.session(session), "client_url": _client_url(base_url, token)}


def _again(operator: Operator, ref: dict[str, Any], fp: str, base_url: str, now: int) -> dict[str, Any]:
    """The same session id again: the first session (with a fresh one-time client_url, since
    the first answer may have been lost); with another payload, a conflict."""
    if ref["fingerprint"] != fp:
        raise Conflict("session_id: already used with a different payload", field="session_id")
    session = store.session(ref["session_id"])
    assert session is not None
    token = secrets.token_urlsafe(32)
    store.add_client_token(token_hash(token), session["id"], now + CLIENT_TOKEN_TTL_MS)
    return {"session": views.session(session), "client_url": _client_url(base_url, token)}


def find(operator: Operator, session_id: str, is_our_id: bool) -> dict[str, Any]:
    if is_our_id:
        session = store.session(session_id)
    else:
        ref = store.session_ref(operator.code, session_id)
        session = store.session(ref["session_id"]) if ref else None
    if session is None or session.get("operator") != operator.code:
        raise NotFound(f"session {session_id!r} not found", field="session_id")
    return session


def _with_events(session: dict[str, Any]) -> dict[str, Any]:
    """A session with its events: its latest contracts with their steps, newest first."""
    return views.session(session, contract_store.of_session(session["id"], views.MAX_EVENTS)[0])


def get(operator: Operator, session_id: str, is_our_id: bool) -> dict[str, Any]:
    return _with_events(find(operator, session_id, is_our_id))


def terminate(
    operator: Operator, session_id: str, is_our_id: bool, remaining_ms: Callable[[], int] | None = None
) -> dict[str, Any]:
    """New plays are refused at once; contracts under way still settle. Idempotent. The
    operator's finalize_session is called once."""
    session = find(operator, session_id, is_our_id)
    if session["status"] != "active":
        return _with_events(session)
    ended = session_end.end(session, "terminated", "operator", remaining_ms)
    return _with_events(ended if ended is not None else find(operator, session_id, is_our_id))


def _cursor(position: store.Position | None) -> str | None:
    if position is None:
        return None
    start, session_id = position
    return base64.urlsafe_b64encode(f"{start}:{session_id}".encode("ascii")).decode("ascii")


def _uncursor(cursor: str, lowest: int, highest: int) -> store.Position:
    """Where a page ended, from a cursor this endpoint gave: anything else (a forged cursor, one
    from another date range) is a validation error, never a failed query."""
    refused = ValidationFailed("cursor: not a cursor this search gave", field="cursor")
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (ValueError, binascii.Error, UnicodeError):
        raise refused from None
    match = CURSOR.fullmatch(text)
    if match is None or not lowest <= int(match.group(1)) <= highest:
        raise refused
    return int(match.group(1)), match.group(2)


def search(
    operator: Operator,
    *,
    from_date: int,
    to_date: int | None,
    user_id: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """Newest first, by start date, one index partition of this operator (never a scan)."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed(f"status: one of {', '.join(STATUSES)}", field="status")
    upper = to_date if to_date is not None else clock.now_ms() + 1
    if upper < from_date:
        raise ValidationFailed("to_date: must not be before from_date", field="to_date")
    after = _uncursor(cursor, from_date, upper) if cursor else None
    found, position = store.sessions_of(
        operator.code,
        user_id=user_id,
        from_ms=from_date,
        to_ms=upper,
        status=status,
        limit=limit,
        after=after,
    )
    # Each with its events, as every endpoint serialises a Session (hub-operator-api.md); a page
    # whose sessions' events would pass PAGE_BYTES ends early, its cursor after its last session.
    # The events are read a few sessions at a time, and no further once the page is full.
    shown: list[dict[str, Any]] = []
    size, step = 0, contract_store.SESSIONS_AT_ONCE
    for first in range(0, len(found), step):
        chunk = found[first : first + step]
        events = contract_store.latest_of_sessions([s["id"] for s in chunk], views.MAX_EVENTS)
        for item in chunk:
            session = views.session(item, events[item["id"]])
            size += len(jsonio.dumps(session))
            if shown and size > PAGE_BYTES:
                return {"sessions": shown, "next_cursor": _cursor(store.position_of(found[len(shown) - 1]))}
            shown.append(session)
    return {"sessions": shown, "next_cursor": _cursor(position)}


def transaction(operator: Operator, transaction_id: str, is_our_id: bool) -> dict[str, Any]:
    """A wallet transaction of this operator's contracts, by our id or theirs (the ref_id)."""
    found = store.transaction(transaction_id) if is_our_id else store.transaction_by_ref(operator.code, transaction_id)
    if found is None or found.get("operator") != operator.code:
        raise NotFound(f"transaction {transaction_id!r} not found", field="transaction_id")
    return views.transaction(found)
