"""The reality check (player-accounts.md): every N minutes of a session (the player's
``reality_check`` limit, kept on their wallet) the page shows the time played and the net
position of the session, and the player must acknowledge it before the next play. The
player's session limit ends the playing time of a hub session here too (the provider face
checks it in its callbacks).

Only our own players have one (sessions on a bridge operator, whose wallet is ours): another
operator runs its own. The check costs the play one read of the wallet, for those sessions only.
"""

from __future__ import annotations

from typing import Any

from casino import clock
from casino.contract import store as contracts
from casino.errors import DomainError, NotFound
from casino.hub import store
from casino.hub.client_limits import wallet_player
from casino.money import currency, to_decimal_string
from casino.wallet import store as wallet_store
from casino.wallet.domain import Wallet
from casino.wallet.responsible import LimitExceeded

PAGE = 100
MAX_PAGES = 20  # a session of more than 2,000 plays shows the net of its latest 2,000
PLACED = ("in_progress", "return_pending", "finalized", "errored")


class RealityCheckDue(DomainError):
    """The player has not acknowledged the reality check that is due."""

    code = "reality_check_due"


def _wallet(session: dict[str, Any]) -> Wallet | None:
    """The wallet of the session's player (ours only on a bridge operator)."""
    player = wallet_player(session)
    return None if player is None else wallet_store.get_wallet(player)


def _due_at(session: dict[str, Any], minutes: int) -> int:
    since = max(int(session["start_date"]), int(session.get("reality_check_ack_at", 0)))
    return since + minutes * 60_000


def require_playable(session: dict[str, Any]) -> None:
    """Refuse a play once the player's session limit is reached (``limit_exceeded``) or while a
    reality check is due and not acknowledged (one read of the wallet, for our own players)."""
    now = clock.now_ms()
    wallet = _wallet(session)
    if wallet is None:
        return
    session_minutes = wallet.session_minutes(now)
    if session_minutes is not None and now >= int(session["start_date"]) + session_minutes * 60_000:
        raise LimitExceeded(f"the session limit of {session_minutes} minutes is reached")
    minutes = wallet.responsible.minutes("reality_check", now)
    if minutes is not None and now >= _due_at(session, minutes):
        raise RealityCheckDue("a reality check is due: acknowledge it to go on playing")


def status(session: dict[str, Any]) -> dict[str, Any]:
    """The time played and the net position of the session, and when the next check is due."""
    now = clock.now_ms()
    if wallet_player(session) is None:
        raise NotFound("the reality check of this session is the casino's own")
    wallet = _wallet(session)
    minutes = None if wallet is None else wallet.responsible.minutes("reality_check", now)
    code = None if wallet is None else wallet.currency
    staked = won = 0
    after = None
    for _ in range(MAX_PAGES):
        page, after = contracts.of_session(session["id"], PAGE, after)
        for contract in page:
            if contract.status in PLACED:
                staked += contract.stake
                won += contract.prize
        if after is None:
            break
    cur = currency(code or "EUR")
    answer: dict[str, Any] = {
        "minutes": minutes,
        "elapsed_s": (now - int(session["start_date"])) // 1000,
        "staked": to_decimal_string(staked, cur),
        "won": to_decimal_string(won, cur),
        "net": to_decimal_string(won - staked, cur),
        "currency": cur.code,
        "checked_at": now,
    }
    if minutes is not None:
        answer["due_at"] = _due_at(session, minutes)
        answer["due"] = now >= answer["due_at"]
    return answer


def acknowledge(session: dict[str, Any]) -> dict[str, Any]:
    now = clock.now_ms()
    if wallet_player(session) is None:
        raise NotFound("the reality check of this session is the casino's own")
    updated = store.acknowledge_reality_check(session["id"], now)
    return status(updated or {**session, "reality_check_ack_at": now})
