"""Responsible-gaming limits and exclusions over the API (player-accounts.md): read them, change
them (by the player or by ops), and list their audit records.

A change is a wallet movement with no money in it: it goes through the exactly-once engine
(``service.move``), conditional on the wallet's version, and its audit records are written in
the same transaction, so a limit and its history never disagree. The rules are
``casino.wallet.responsible``'s.
"""

from __future__ import annotations

from typing import Any

from casino.errors import ValidationFailed
from casino.money import currency, positive_minor, to_decimal_string
from casino.wallet import domain, service, store
from casino.wallet.domain import Movement, Wallet
from casino.wallet.responsible import (
    EXCLUSIONS,
    KINDS,
    MAX_MINUTES,
    MINUTE_LIMITS,
    PERIODS,
    Change,
    Responsible,
    checked_zone,
)

HISTORY_LIMIT = 50
MAX_REASON = 500


# ---------------------------------------------------------------- views
def view(wallet: Wallet, now: int) -> dict[str, Any]:
    """The limits in force, the pending changes, this window's usage and any exclusion."""
    cur = currency(wallet.currency)
    rg = wallet.responsible.in_force(now)

    def amount(value: int | None) -> str | None:
        return None if value is None else to_decimal_string(value, cur)

    limits: dict[str, Any] = {
        kind: {period: amount(rg.limits.get(f"{kind}:{period}")) for period in PERIODS} for kind in KINDS
    }
    for key in MINUTE_LIMITS:
        limits[f"{key}_minutes"] = rg.limits.get(key)
    pending = [
        {
            "limit": _public_name(key),
            "value": (p.value if key in MINUTE_LIMITS else amount(p.value)),
            "effective_at": p.effective_at,
            "requested_at": p.requested_at,
        }
        for key, p in sorted(rg.pending.items())
    ]
    usage = {
        period: {
            "window": (t := rg.current(period, now)).window,
            "deposited": to_decimal_string(t.deposited, cur),
            "wagered": to_decimal_string(t.wagered, cur),
            "won": to_decimal_string(t.won, cur),
            "loss": to_decimal_string(t.loss, cur),
        }
        for period in PERIODS
    }
    exclusion = rg.excluded(now)
    if rg.next_timezone is not None:
        pending.append({"limit": "timezone", "value": rg.next_timezone, "effective_at": rg.next_timezone_at})
    return {
        "player_id": wallet.player_id,
        "currency": wallet.currency,
        "timezone": rg.timezone,
        "limits": limits,
        "pending": pending,
        "usage": usage,
        "exclusion": None
        if exclusion is None
        else {"kind": exclusion.kind, "period": exclusion.period, "since": exclusion.since, "until": exclusion.until},
    }


def _public_name(key: str) -> str:
    """``loss:day`` -> ``loss.day``, ``session`` -> ``session_minutes``; others as they are."""
    return f"{key}_minutes" if key in MINUTE_LIMITS else key.replace(":", ".")


def change_view(change: Change, cur_code: str) -> dict[str, Any]:
    cur = currency(cur_code)

    def shown(value: Any) -> Any:
        if change.subject in MINUTE_LIMITS or not isinstance(value, int) or isinstance(value, bool):
            return value
        return to_decimal_string(value, cur)

    answer = {
        "at": change.at,
        "by": change.by,
        "subject": _public_name(change.subject)
        if ":" in change.subject or change.subject in MINUTE_LIMITS
        else change.subject,
        "old": shown(change.old),
        "new": shown(change.new),
        "effective_at": change.effective_at,
    }
    if change.reason:
        answer["reason"] = change.reason
    return answer


# ---------------------------------------------------------------- reading
def of_player(player_id: str, now: int) -> dict[str, Any]:
    return view(domain.require_player(store.get_wallet(player_id), player_id), now)


def history(player_id: str, cursor: str | None, limit: int = HISTORY_LIMIT) -> dict[str, Any]:
    wallet = domain.require_player(store.get_wallet(player_id), player_id)
    if cursor is not None and not cursor.startswith("RG#"):
        raise ValidationFailed("cursor: not a cursor this history gave", field="cursor")
    changes, after = store.rg_changes(player_id, limit, cursor)
    return {"changes": [change_view(c, wallet.currency) for c in changes], "next_cursor": after}


# ---------------------------------------------------------------- changing
def requested(body: dict[str, Any], wallet: Wallet) -> list[tuple[str, int | None]]:
    """The limit changes a request asks for, parsed exactly ((key, minor units or minutes or
    None to remove)); ``ValidationFailed`` naming the field for anything else."""
    cur = currency(wallet.currency)
    wanted: list[tuple[str, int | None]] = []
    known = {*KINDS, *(f"{k}_minutes" for k in MINUTE_LIMITS), "timezone", "reason"}
    for name in body:
        if name not in known:
            raise ValidationFailed(f"{name}: not a limit (one of {', '.join(sorted(known))})", field=name)
    for kind in KINDS:
        given = body.get(kind)
        if given is None:
            continue
        if not isinstance(given, dict):
            raise ValidationFailed(f"{kind}: an object of day, week, month", field=kind)
        for period, value in given.items():
            if period not in PERIODS:
                raise ValidationFailed(f"{kind}.{period}: not a period (day, week, month)", field=f"{kind}.{period}")
            minor = None if value is None else positive_minor(value, cur, field=f"{kind}.{period}")
            wanted.append((f"{kind}:{period}", minor))
    for key in MINUTE_LIMITS:
        name = f"{key}_minutes"
        if name not in body:
            continue
        value = body[name]
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_MINUTES
        ):
            raise ValidationFailed(f"{name}: a whole number of minutes from 1 to {MAX_MINUTES}, or null", field=name)
        wanted.append((key, value))
    return wanted


def change(player_id: str, body: dict[str, Any], *, by: str) -> dict[str, Any]:
    """Set, lower, raise or remove limits (and the time zone of the windows): lower at once,
    raise or remove after the cooling-off. The view after, with what changed."""
    if not isinstance(body, dict):
        raise ValidationFailed("body: a JSON object", field="body")
    reason = _reason(body.get("reason"), required=by != "player")
    zone = None if body.get("timezone") is None else checked_zone(body.get("timezone"))

    def decide(wallet: Wallet, now: int) -> tuple[Movement, dict[str, Any]]:
        wanted = requested(body, wallet)
        m = domain.begin(wallet, now, {"responsible_gaming": by})
        rg: Responsible = m.wallet.responsible
        if zone is not None and (made := rg.set_timezone(zone, now, by)) is not None:
            m.changes.append(made)
        for key, value in wanted:
            m.changes.extend(rg.set_limit(key, value, now, by, reason))
        answer = view(m.wallet, now)
        answer["changes"] = [change_view(c, wallet.currency) for c in m.changes]
        return m, answer

    return service.move(player_id, decide)


def exclude(player_id: str, period: object, *, by: str, reason: object = None) -> dict[str, Any]:
    """A self-exclusion or a time-out from now on (it cannot be shortened)."""
    if not isinstance(period, str) or period not in EXCLUSIONS:
        raise ValidationFailed(f"period: one of {', '.join(EXCLUSIONS)}", field="period")
    why = _reason(reason, required=by != "player")

    def decide(wallet: Wallet, now: int) -> tuple[Movement, dict[str, Any]]:
        m = domain.begin(wallet, now, {"responsible_gaming": by})
        m.changes.append(m.wallet.responsible.exclude(period, now, by, why))
        return m, view(m.wallet, now)

    return service.move(player_id, decide)


def _reason(value: object, *, required: bool) -> str | None:
    if value is None:
        if required:
            raise ValidationFailed("reason: required when ops change a player's limits", field="reason")
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_REASON:
        raise ValidationFailed(f"reason: 1 to {MAX_REASON} characters", field="reason")
    return value.strip()
