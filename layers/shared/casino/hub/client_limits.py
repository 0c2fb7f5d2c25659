"""The player's responsible-gaming limits and exclusion through the client API: the session's
wallet player, on a bridge operator (our own casino's players); the rules are the wallet's.

An exclusion ends every hub session of the player: the cross-login sessions every bridge
operator opened for them and their password sessions (provider game sessions end through the
wallet's ``sessions_after``)."""

from __future__ import annotations

from typing import Any

from casino import clock
from casino.accounts import store as accounts
from casino.errors import NotFound
from casino.hub import session_end
from casino.hub import store as hub_store
from casino.registry import operators
from casino.wallet import limits


def wallet_player(session: dict[str, Any]) -> str | None:
    """The wallet player behind a hub session: only a bridge operator's users are our players
    (another operator keeps its players' limits and reality checks in its own wallet)."""
    if not operators.require(session["operator"]).is_bridge:
        return None
    user = session.get("user") or {}
    return str(user.get("ref_id") or user.get("id"))


def _player(session: dict[str, Any]) -> str:
    player = wallet_player(session)
    if player is None:
        raise NotFound("responsible-gaming limits of this session are kept by the casino's own wallet")
    return player


def current(session: dict[str, Any]) -> dict[str, Any]:
    return limits.of_player(_player(session), clock.now_ms())


def change(session: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    return limits.change(_player(session), body, by="player")


def exclude(session: dict[str, Any], period: object, remaining_ms: clock.Remaining | None = None) -> dict[str, Any]:
    player_id = _player(session)
    answer = limits.exclude(player_id, period, by="player")
    answer["sessions_ended"] = end_sessions_of_player(player_id, remaining_ms)
    return answer


def exclude_by_ops(
    player_id: str, period: object, reason: str, remaining_ms: clock.Remaining | None = None
) -> dict[str, Any]:
    answer = limits.exclude(player_id, period, by="ops", reason=reason)
    answer["sessions_ended"] = end_sessions_of_player(player_id, remaining_ms)
    return answer


def end_sessions_of_player(player_id: str, remaining_ms: clock.Remaining | None = None) -> int:
    """End every active hub session of a wallet player, on every bridge operator; how many ended."""
    ended = 0
    for operator in operators.bridges():
        sessions = hub_store.active_sessions_of_user(operator.code, player_id)
        user = accounts.password_user(operator.code, player_id)
        if user is not None:
            sessions += hub_store.active_password_sessions(operator.code, str(user["id"]))
        for session in sessions:
            if session_end.end(session, "terminated", "self_exclusion", remaining_ms) is not None:
                ended += 1
    return ended
