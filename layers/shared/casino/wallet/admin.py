"""The admin API's "Players and money" (admin-api.md): players, deposits, withdrawals,
adjustments, bonuses, the ledger and its verification."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from casino import clock, ids
from casino.errors import Conflict, NotFound, ValidationFailed
from casino.idempotency import fingerprint
from casino.money import canonical, positive_minor, to_decimal, to_decimal_string, to_minor
from casino.money import currency as currency_of
from casino.ops import books
from casino.wallet import domain, service, store
from casino.wallet.domain import Bonus, LedgerEntry, Limits, Wallet

PLAYER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,69}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
TRANSACTION_TYPES = ("deposit", "withdrawal", "adjustment")
KEY = re.compile(r"^[\x21-\x7e]{1,128}$")


# ------------------------------------------------------------------ views
def entry_view(entry: LedgerEntry, currency: str) -> dict[str, Any]:
    cur = currency_of(currency)
    return {
        "id": entry.id,
        "player_id": entry.player_id,
        "account": entry.account,
        "type": entry.type,
        "amount": to_decimal_string(entry.amount, cur),
        "balance_before": to_decimal_string(entry.balance_before, cur),
        "balance_after": to_decimal_string(entry.balance_after, cur),
        "currency": currency,
        "created_at": entry.created_at,
        "reference": entry.reference,
    }


def bonus_view(bonus: Bonus, currency: str, balance: int | None = None) -> dict[str, Any]:
    cur = currency_of(currency)
    view: dict[str, Any] = {
        "id": bonus.id,
        "player_id": bonus.player_id,
        "status": bonus.status,
        "mode": bonus.mode,
        "amount": to_decimal_string(bonus.amount, cur),
        "wagering_multiplier": bonus.wagering_multiplier,
        "wagering": {
            "required": to_decimal_string(bonus.wagering_required, cur),
            "progress": to_decimal_string(bonus.wagering_progress, cur),
            "remaining": to_decimal_string(max(0, bonus.wagering_required - bonus.wagering_progress), cur),
        },
        "contributions": bonus.contributions,
        "expires_at": bonus.expires_at,
        "granted_at": bonus.granted_at,
        "ended_at": bonus.ended_at,
        "converted_amount": to_decimal_string(bonus.converted_amount, cur),
        "removed_amount": to_decimal_string(bonus.removed_amount, cur),
    }
    if balance is not None:
        view["balance"] = to_decimal_string(balance, cur)
    return view


def player_view(wallet: Wallet, now: int | None = None) -> dict[str, Any]:
    now = clock.now_ms() if now is None else now
    cur = currency_of(wallet.currency)
    bonus = wallet.active_bonus
    live = bonus is not None and now < bonus.expires_at
    limits = wallet.limits
    return {
        "player_id": wallet.player_id,
        "user_name": wallet.user_name,
        "display_name": wallet.display_name,
        "group": wallet.group,
        "country": wallet.country,
        "currency": wallet.currency,
        "status": wallet.status,
        "brand": wallet.brand,
        "limits": {
            "min_bet": None if limits.min_bet is None else to_decimal_string(limits.min_bet, cur),
            "max_bet": None if limits.max_bet is None else to_decimal_string(limits.max_bet, cur),
            "session_minutes": limits.session_minutes,
        },
        "balances": {
            "real": to_decimal_string(wallet.real, cur),
            "bonus": to_decimal_string(wallet.bonus, cur),
            "playable_bonus": to_decimal_string(wallet.playable_bonus(now), cur),
            "withdrawable": to_decimal_string(wallet.withdrawable(now), cur),
        },
        "bonus": None if bonus is None else {**bonus_view(bonus, wallet.currency, wallet.bonus), "live": live},
        "deposit_wagering": {
            "multiplier": wallet.deposit_wagering_multiplier,
            "required": to_decimal_string(wallet.deposit_wagering_required, cur),
            "progress": to_decimal_string(wallet.deposit_wagering_progress, cur),
            "remaining": to_decimal_string(wallet.deposit_wagering_remaining(), cur),
        },
        "created_at": wallet.created_at,
    }


# ------------------------------------------------------------------ validation helpers
def _key(value: str) -> str:
    if not KEY.fullmatch(value):
        raise ValidationFailed("idempotency_key: 1 to 128 printable characters", field="idempotency_key")
    return value


def _same_currency(wallet: Wallet, given: str | None) -> None:
    if given is not None and given != wallet.currency:
        raise ValidationFailed(
            f"currency: {given!r} does not match the player's wallet ({wallet.currency})", field="currency"
        )


def _non_negative_decimal(value: object, field: str) -> Decimal:
    number = to_decimal(value, field=field)
    if number < 0:
        raise ValidationFailed(f"{field}: must not be negative", field=field)
    return number


# ------------------------------------------------------------------ players
def create_player(
    *,
    player_id: str | None,
    user_name: str,
    country: str,
    currency: str,
    display_name: str | None = None,
    group: str | None = None,
    limits: dict[str, Any] | None = None,
    deposit_wagering_multiplier: object = None,
) -> dict[str, Any]:
    now = clock.now_ms()
    wallet = new_wallet(
        player_id=player_id,
        user_name=user_name,
        country=country,
        currency=currency,
        display_name=display_name,
        group=group,
        limits=limits,
        deposit_wagering_multiplier=deposit_wagering_multiplier,
        now=now,
    )
    if not store.create_wallet(wallet):
        raise Conflict(f"player {wallet.player_id!r} already exists", field="player_id")
    return player_view(wallet, now)


def new_wallet(
    *,
    player_id: str | None,
    user_name: str,
    country: str,
    currency: str,
    now: int,
    display_name: str | None = None,
    group: str | None = None,
    limits: dict[str, Any] | None = None,
    deposit_wagering_multiplier: object = None,
    brand: str | None = None,
) -> Wallet:
    """A new player's wallet, validated (``ValidationFailed`` naming the field), not yet stored;
    ``brand``: the bridge operator a password player registers with (``Wallet.brand``)."""
    pid = player_id if player_id is not None else ids.new_id("ply", now)
    if not PLAYER_ID.fullmatch(pid):
        raise ValidationFailed("player_id: 1 to 70 letters, digits or _.:@- characters", field="player_id")
    if not user_name or len(user_name) > 64:
        raise ValidationFailed("user_name: 1 to 64 characters", field="user_name")
    if not COUNTRY.fullmatch(country):
        raise ValidationFailed("country: an ISO 3166-1 alpha-2 code such as MT", field="country")
    cur = currency_of(currency, field="currency")
    given = limits or {}
    min_bet = None if given.get("min_bet") is None else positive_minor(given["min_bet"], cur, field="limits.min_bet")
    max_bet = None if given.get("max_bet") is None else positive_minor(given["max_bet"], cur, field="limits.max_bet")
    if min_bet is not None and max_bet is not None and min_bet > max_bet:
        raise ValidationFailed("limits.max_bet: must not be below limits.min_bet", field="limits.max_bet")
    minutes = given.get("session_minutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0):
        raise ValidationFailed("limits.session_minutes: a positive whole number", field="limits.session_minutes")
    multiplier = (
        Decimal(1)
        if deposit_wagering_multiplier is None
        else _non_negative_decimal(deposit_wagering_multiplier, "deposit_wagering_multiplier")
    )
    return Wallet(
        player_id=pid,
        currency=cur.code,
        country=country,
        user_name=user_name,
        display_name=display_name,
        group=group,
        limits=Limits(min_bet, max_bet, minutes),
        deposit_wagering_multiplier=str(multiplier),
        created_at=now,
        brand=brand,
    )


def get_player(player_id: str) -> dict[str, Any]:
    return player_view(domain.require_player(store.get_wallet(player_id), player_id))


def set_status(player_id: str, status: str) -> dict[str, Any]:
    def decide(wallet: Wallet, now: int) -> tuple[domain.Movement, dict[str, Any]]:
        movement = domain.set_status(wallet, status, now)
        return movement, player_view(movement.wallet, now)

    return service.move(player_id, decide)


def post_transaction(
    player_id: str,
    *,
    type: str,
    amount: object,
    idempotency_key: str,
    note: str | None = None,
    currency: str | None = None,
) -> dict[str, Any]:
    if type not in TRANSACTION_TYPES:
        raise ValidationFailed(f"type: must be one of {', '.join(TRANSACTION_TYPES)}", field="type")
    key = _key(idempotency_key)
    fp = fingerprint({"op": "transaction", "type": type, "amount": canonical(amount), "currency": currency})

    def decide(wallet: Wallet, now: int) -> tuple[domain.Movement, dict[str, Any]]:
        _same_currency(wallet, currency)
        cur = currency_of(wallet.currency)
        reference = {"source": "admin", "idempotency_key": key, "note": note}
        if type == "adjustment":
            minor = to_minor(amount, cur, field="amount")
            if minor == 0:
                raise ValidationFailed("amount: an adjustment must not be zero", field="amount")
            movement = domain.adjustment(wallet, minor, now, reference)
        else:
            minor = positive_minor(amount, cur, field="amount")
            operation = domain.deposit if type == "deposit" else domain.withdrawal
            movement = operation(wallet, minor, now, reference)
        entry = next(e for e in reversed(movement.entries) if e.type == type.upper())
        return movement, entry_view(entry, wallet.currency)

    return service.move(player_id, decide, scope=f"admin#{player_id}", key=key, fp=fp)


def grant_bonus(
    player_id: str,
    *,
    amount: object,
    mode: str,
    wagering_multiplier: object,
    expires_at: int,
    idempotency_key: str,
    contributions: dict[str, Any] | None = None,
    currency: str | None = None,
) -> dict[str, Any]:
    key = _key(idempotency_key)
    multiplier = _non_negative_decimal(wagering_multiplier, "wagering_multiplier")
    factors = {
        str(category): _non_negative_decimal(factor, f"contributions.{category}")
        for category, factor in (contributions or {}).items()
    }
    fp = fingerprint(
        {
            "op": "bonus",
            "amount": canonical(amount),
            "mode": mode,
            "wagering_multiplier": canonical(multiplier, field="wagering_multiplier"),
            "expires_at": expires_at,
            "contributions": {k: canonical(v, field=f"contributions.{k}") for k, v in factors.items()},
            "currency": currency,
        }
    )
    bonus_id = ids.new_id("bon")

    def decide(wallet: Wallet, now: int) -> tuple[domain.Movement, dict[str, Any]]:
        _same_currency(wallet, currency)
        minor = positive_minor(amount, currency_of(wallet.currency), field="amount")
        movement = domain.grant_bonus(
            wallet,
            bonus_id=bonus_id,
            amount=minor,
            mode=mode,
            wagering_multiplier=multiplier,
            expires_at=expires_at,
            contributions=factors,
            now=now,
            reference={"source": "admin", "idempotency_key": key, "bonus_id": bonus_id},
        )
        granted = next(b for b in movement.bonus_records if b.id == bonus_id)
        return movement, bonus_view(granted, wallet.currency)

    return service.move(player_id, decide, scope=f"admin#{player_id}", key=key, fp=fp)


def forfeit_bonus(bonus_id: str) -> dict[str, Any]:
    bonus = store.get_bonus(bonus_id)
    if bonus is None:
        raise NotFound(f"bonus {bonus_id!r} not found", field="bonus_id")
    if bonus.status != "active":
        wallet = store.get_wallet(bonus.player_id)
        return bonus_view(bonus, wallet.currency if wallet else "EUR")

    def decide(wallet: Wallet, now: int) -> tuple[domain.Movement, dict[str, Any]]:
        movement = domain.begin(wallet, now, {"source": "admin", "bonus_id": bonus_id})
        active = movement.wallet.active_bonus
        if active is not None and active.id == bonus_id:
            movement = domain.forfeit_bonus(wallet, bonus_id, now, {"source": "admin", "bonus_id": bonus_id})
        ended = next((b for b in movement.bonus_records if b.id == bonus_id), None)
        if ended is None:  # it ended meanwhile (converted, expired or forfeited): answer as it stands
            current = store.get_bonus(bonus_id)
            assert current is not None
            ended = current
        return movement, bonus_view(ended, wallet.currency)

    return service.move(bonus.player_id, decide)


def ledger(player_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
    wallet = domain.require_player(store.get_wallet(player_id), player_id)
    if cursor is not None and not re.fullmatch(r"LEDGER#[0-9]{12}#[0-9]{2}", cursor):
        raise ValidationFailed("cursor: not a cursor this endpoint gave", field="cursor")
    entries, next_cursor = store.ledger_page(player_id, after=cursor, limit=limit)
    return {"entries": [entry_view(e, wallet.currency) for e in entries], "next_cursor": next_cursor}


# ------------------------------------------------------------------ verification
def verify_wallet(wallet: Wallet, entries: list[LedgerEntry]) -> list[dict[str, Any]]:
    """Stored balances against the sum of the ledger, and each entry's chain, per account."""
    differences: list[dict[str, Any]] = []
    for account in (domain.REAL, domain.BONUS):
        mine = [e for e in entries if e.account == account]
        running = 0
        for entry in mine:
            if entry.balance_before != running or entry.balance_after != running + entry.amount:
                differences.append(
                    {
                        "player_id": wallet.player_id,
                        "account": account,
                        "entry_id": entry.id,
                        "problem": "chain",
                        "expected_before": running,
                        "balance_before": entry.balance_before,
                        "balance_after": entry.balance_after,
                        "amount": entry.amount,
                    }
                )
            running += entry.amount
            if running < 0:
                differences.append(
                    {
                        "player_id": wallet.player_id,
                        "account": account,
                        "entry_id": entry.id,
                        "problem": "negative",
                    }
                )
        stored = getattr(wallet, account)
        if stored != running:
            cur = currency_of(wallet.currency)
            differences.append(
                {
                    "player_id": wallet.player_id,
                    "account": account,
                    "problem": "balance",
                    "stored": to_decimal_string(stored, cur),
                    "ledger_sum": to_decimal_string(running, cur),
                }
            )
    return differences


# GET /ledger/verify over every player reads a bounded page per request: at most ``limit``
# players (VERIFY_PLAYERS by default, VERIFY_MAX_PLAYERS at most), and it stops after the
# player that brings the ledger entries read past VERIFY_ENTRY_BUDGET, so one request stays
# well inside the function's 10 s whatever the number of players; ``next_cursor`` goes on.
VERIFY_PLAYERS = 50
VERIFY_MAX_PLAYERS = 200
VERIFY_ENTRY_BUDGET = 20_000


def _verify_player(pid: str) -> tuple[list[dict[str, Any]], int]:
    """One player's differences (ledger chain and books audit) and how many entries it read."""
    wallet = domain.require_player(store.get_wallet(pid), pid)
    entries = store.all_ledger(pid)
    return [*verify_wallet(wallet, entries), *books.audit_player(pid, entries)], len(entries)


def verify(player_id: str | None = None, *, cursor: str | None = None, limit: int = VERIFY_PLAYERS) -> dict[str, Any]:
    """One player (``player_id``): ``{checked: 1, differences}``. Else a page of every player,
    in player id order from after ``cursor`` (the last player a page checked):
    ``{checked, differences, next_cursor}``, ``next_cursor`` None once the last player is checked.
    A player's whole ledger is read in the page that checks it (its books audit spans it)."""
    if player_id is not None:
        differences, _ = _verify_player(player_id)
        return {"checked": 1, "differences": differences}
    limit = max(1, min(limit, VERIFY_MAX_PLAYERS))
    page, after = store.player_ids_page(cursor, limit=limit)
    found: list[dict[str, Any]] = []
    checked, entries_read, last = 0, 0, cursor
    for pid in page:
        differences, read = _verify_player(pid)
        found.extend(differences)
        checked, entries_read, last = checked + 1, entries_read + read, pid
        if entries_read >= VERIFY_ENTRY_BUDGET:
            break
    finished = after is None and checked == len(page)
    return {"checked": checked, "differences": found, "next_cursor": None if finished else (last or after)}
