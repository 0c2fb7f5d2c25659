"""Password login (player-accounts.md): register, sign in, change the password; ops set them.

The players of our own casino brands (bridge operators, operator-wallet.md) may come to the
hub directly. Registration creates the casino player (its wallet), the password user and its
credential in one transaction. A sign-in verifies the password, then the hub opens a session
itself on that operator for the password user and logs in as cross-login does
(``casino.hub.client_sessions.password_login``). Cross-login users (an operator's
``create_session``) are other hub users, with no password: they never reach a password user,
and a password user is never reached through an operator's ``client_url``.

A sign-in first takes one counted attempt of the address and one of the account
(``casino.accounts.policy``), whether or not the account exists, then reads the credential
and verifies the password, against a dummy hash when there is no such user: an unknown user
and a wrong password answer the same ``unauthorized`` after the same work. Audit lines name
the operator, the user id when there is one, the address and the outcome; never a password,
never a hash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from casino import clock, ids
from casino.accounts import passwords, policy, store
from casino.errors import Conflict, DomainError, Forbidden, NotFound, Unauthorized, ValidationFailed
from casino.hub import client_sessions, session_end
from casino.hub import store as hub_store
from casino.registry import operators
from casino.registry.operators import Operator
from casino.wallet import store as wallet_store

DISPLAY_NAME_MAX = 64

audit = Logger(service="password-login")


def _audit(event: str, operator: str, outcome: str, **facts: Any) -> None:
    audit.info(event, extra={"audit": event, "operator": operator, "outcome": outcome, **facts})


def user_view(user: dict[str, Any]) -> dict[str, Any]:
    """A password user as the client and admin APIs show it: ``ref_id`` is its casino player."""
    keep = ("id", "ref_id", "username", "operator", "status", "created_at")
    return {k: user[k] for k in keep if k in user}


def new_player_id(now: int) -> str:
    """The id of a registered player's casino wallet (ours: the hub's user ``ref_id``)."""
    return ids.new_id("ply", now)


def bridge_operator(code: object) -> Operator:
    """One of our own casino brands (a bridge operator): the only ones whose players have
    passwords here. Any other code, unknown or an external operator, is ``not_found`` alike."""
    if not isinstance(code, str) or not code:
        raise ValidationFailed("operator: the code of one of our casinos", field="operator")
    operator = operators.get(code)
    if operator is None or not operator.is_bridge or operator.status != "active":
        raise NotFound(f"operator {code!r}: no casino of ours takes players by that code", field="operator")
    return operator


def _display_name(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > DISPLAY_NAME_MAX or not value.isprintable():
        raise ValidationFailed(f"display_name: 1 to {DISPLAY_NAME_MAX} printable characters", field="display_name")
    return value


# ---------------------------------------------------------------- register
def register(
    *,
    operator: object,
    username: object,
    password: object,
    currency: object,
    country: object,
    display_name: object = None,
) -> dict[str, Any]:
    """A new password player: its casino wallet, its hub user and its credential, all in one
    transaction (a taken username leaves nothing behind). Every field is checked before the
    password is hashed."""
    casino = bridge_operator(operator)
    name = policy.username(username)
    given = passwords.check_new(password, username=name)
    if not isinstance(currency, str) or currency not in casino.currencies:
        raise ValidationFailed(
            f"currency: one of the casino's currencies ({', '.join(casino.currencies)})", field="currency"
        )
    if not isinstance(country, str):
        raise ValidationFailed("country: an ISO 3166-1 alpha-2 code such as MT", field="country")
    shown = _display_name(display_name)
    now = clock.now_ms()
    # The wallet's admin module (and the books, bridge and provider rules it imports) at
    # registration alone: signing in and changing a password never make a wallet.
    from casino.wallet import admin as wallet_admin  # noqa: PLC0415

    wallet = wallet_admin.new_wallet(
        player_id=new_player_id(now),
        user_name=name,
        country=country,
        currency=currency,
        display_name=shown,
        now=now,
        brand=casino.code,
    )
    user = {
        "id": ids.new_id("usr", now),
        "ref_id": wallet.player_id,
        "status": "active",
        "operator": casino.code,
        "username": name,
        "created_at": now,
    }
    credential = {
        "operator": casino.code,
        "username": name,
        "user_id": user["id"],
        "player_id": wallet.player_id,
        "password_hash": passwords.hash_password(given),
        "created_at": now,
        "updated_at": now,
    }
    outcome = store.register(wallet_store.new_wallet_puts(wallet), user, credential)
    _audit("register", casino.code, outcome, user_id=user["id"] if outcome == "registered" else None)
    if outcome == "username_taken":
        raise Conflict("username: already taken at this casino", field="username")
    if outcome == "player_taken":
        raise Conflict(
            "the new player's id was taken meanwhile; send the registration again", details={"retryable": True}
        )
    return {"user": user_view(user)}


# ---------------------------------------------------------------- verification, counted
def _verified(
    operator: str, username: str, password: str, source_ip: str, refusal: Callable[[], DomainError], event: str
) -> dict[str, Any]:
    """The credential of (operator, username) if ``password`` is its password. Counted first, per
    address and per account (existing or not); then the same read and one argon2id verification
    whether the user exists or not. Raises ``TooManyAttempts`` or ``refusal()``."""
    now = clock.now_ms()
    address = source_ip or "unknown"
    taken, by_address = store.take_attempt(policy.ADDRESS, address, now)
    if not taken or by_address is None:
        _audit(event, operator, "address_locked", source_ip=address)
        raise policy.too_many(policy.ADDRESS, by_address, now)
    account = f"{operator}#{username}"
    taken, by_account = store.take_attempt(policy.ACCOUNT, account, now)
    if not taken:
        store.give_back_attempt(policy.ADDRESS, address, int(by_address["window_start"]))
        _audit(event, operator, "account_locked", source_ip=address)
        raise policy.too_many(policy.ACCOUNT, by_account, now)
    credential = store.credential(operator, username)
    if not passwords.verify(credential["password_hash"] if credential else None, password):
        _audit(
            event,
            operator,
            "wrong_password" if credential else "unknown_user",
            user_id=credential["user_id"] if credential else None,
            source_ip=address,
        )
        raise refusal()
    assert credential is not None
    store.clear_attempts(policy.ACCOUNT, account)
    store.give_back_attempt(policy.ADDRESS, address, int(by_address["window_start"]))
    return credential


def _unauthorized() -> DomainError:
    return Unauthorized(policy.UNAUTHORIZED_MESSAGE)


# ---------------------------------------------------------------- sign in
def password_login(
    *, operator: object, username: object, password: object, source_ip: str, remaining_ms: clock.Remaining | None = None
) -> dict[str, Any]:
    """Sign in: as cross-login's ``login`` answers (auth_token, session, accounts, games, client),
    on a session the hub opens on that operator for the password user."""
    casino = bridge_operator(operator)
    name = policy.username(username)
    given = passwords.check_presented(password)
    credential = _verified(casino.code, name, given, source_ip, _unauthorized, "password_login")
    if passwords.needs_rehash(credential["password_hash"]):  # the parameters changed since it was set
        store.replace_hash(
            casino.code,
            name,
            credential["user_id"],
            credential["password_hash"],
            passwords.hash_password(given),
            clock.now_ms(),
        )
    user = store.password_user(casino.code, credential["player_id"])
    if user is None or user["id"] != credential["user_id"]:
        raise RuntimeError(f"credential of {credential['user_id']} names no password user")
    _audit("password_login", casino.code, "ok", user_id=user["id"], source_ip=source_ip or "unknown")
    return client_sessions.password_login(casino, user, remaining_ms)


# ---------------------------------------------------------------- change, reset
def _end_sessions(operator: str, user_id: str, keep: str | None, remaining_ms: clock.Remaining | None) -> int:
    """Every active session of the password user but ``keep`` ends (``password_changed``)."""
    ended = 0
    for session in hub_store.active_password_sessions(operator, user_id):
        if session["id"] != keep and session_end.end(session, "terminated", "password_changed", remaining_ms):
            ended += 1
    return ended


def change_password(
    session: dict[str, Any],
    *,
    old_password: object,
    new_password: object,
    source_ip: str,
    remaining_ms: clock.Remaining | None = None,
) -> dict[str, Any]:
    """The player of a password session changes its password; every other session of the user
    ends, this one stays. A cross-login session has no password to change."""
    if not client_sessions.is_password_session(session):
        raise Forbidden("this session was opened through the casino's link: its player has no password here")
    operator, user_id = session["operator"], session["user"]["id"]
    user = store.password_user(operator, session["user"]["ref_id"])
    if user is None or user["id"] != user_id:
        raise Forbidden("this session's user has no password here")
    name = user["username"]
    old = passwords.check_presented(old_password, "old_password")
    new = passwords.check_new(new_password, username=name, field="new_password")
    if passwords.normalised(new) == passwords.normalised(old):
        raise ValidationFailed("new_password: must differ from the old one", field="new_password")

    def wrong_old() -> DomainError:
        return Forbidden("old_password: not the current password", field="old_password")

    credential = _verified(operator, name, old, source_ip, wrong_old, "password_change")
    if not store.replace_hash(
        operator, name, user_id, credential["password_hash"], passwords.hash_password(new), clock.now_ms()
    ):
        raise Conflict("the password was changed meanwhile; sign in again", details={"retryable": False})
    ended = _end_sessions(operator, user_id, session["id"], remaining_ms)
    _audit("password_change", operator, "ok", user_id=user_id, sessions_ended=ended)
    return {"ok": True}


def set_credentials(
    player_id: str, *, operator: object, username: object, password: object, remaining_ms: clock.Remaining | None = None
) -> dict[str, Any]:
    """Ops set (or reset) a password player's username and password; every session of the user
    ends and a lock of the account is lifted. Refused for a player that is not a password player
    of that operator."""
    casino = bridge_operator(operator)
    name = policy.username(username)
    new = passwords.check_new(password, username=name)
    user = store.password_user(casino.code, player_id)
    if user is None:
        if wallet_store.get_wallet(player_id) is None:
            raise NotFound(f"player {player_id!r} not found", field="player_id")
        raise Conflict(
            f"player {player_id!r} is not a password player of {casino.code!r}: a player who comes through an "
            "operator's link has no password",
            field="player_id",
        )
    if not store.set_credentials(user, name, passwords.hash_password(new), clock.now_ms()):
        raise Conflict("username: already taken at this casino", field="username")
    store.clear_attempts(policy.ACCOUNT, f"{casino.code}#{name}")  # ops vouched for the player: no lock left
    ended = _end_sessions(casino.code, user["id"], None, remaining_ms)
    _audit("credentials_set", casino.code, "ok", user_id=user["id"], sessions_ended=ended, by="admin")
    return {"user": user_view({**user, "username": name}), "sessions_ended": ended}
