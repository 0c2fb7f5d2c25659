"""The provider callbacks' logic (provider-callbacks.md) on the casino wallet.

Each command reads what it needs in one batch, decides with the wallet domain, and writes in
one transaction: the wallet (conditional on its version), the ledger entries, the bonus
records, the provider transaction (the idempotency record, ``attribute_not_exists``) and the
round (conditional on its version). A lost race reads and decides again; a taken transaction
id is answered from the transaction's first outcome.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from casino import clock
from casino.errors import InsufficientFunds
from casino.idempotency import fingerprint
from casino.money import currency, from_minor
from casino.provider import store
from casino.provider import validation as v
from casino.provider.errors import ProviderError
from casino.provider.seals import Seal
from casino.registry.providers import Provider
from casino.wallet import domain
from casino.wallet import store as wallet_store
from casino.wallet.domain import Movement, Wallet
from casino.wallet.service import MAX_ATTEMPTS, backoff

CLOSED = ("COMPLETED", "VOIDED")

# What the wallet's refusals are in the provider's catalogue.
REFUSALS: dict[type[Exception], str] = {
    InsufficientFunds: "OP_50",
    domain.PlayerBlocked: "OP_31",
    domain.BuyFeatureWithBonus: "OP_35",
    domain.RefundTooLarge: "OP_43",
}


def balance_of(wallet: Wallet, now: int) -> Decimal:
    """real + playable bonus, with the currency's precision (a JSON number on the wire)."""
    return from_minor(wallet.real + wallet.playable_bonus(now), currency(wallet.currency))


def _refusal(exc: Exception) -> ProviderError:
    for kind, code in REFUSALS.items():
        if isinstance(exc, kind):
            return ProviderError(code, str(exc))
    raise exc


# ------------------------------------------------------------------ checks
def _session_of(snapshot: store.Snapshot, provider: Provider, user: str, now: int) -> dict[str, Any]:
    session = snapshot.session
    if (
        session is None
        or session.get("provider") != provider.code
        or int(session["expires_at"]) <= now
        or session.get("player_id") != user
    ):
        raise ProviderError("OP_30", "token invalid, expired, or not this user's")
    return session


def _wallet_of(snapshot: store.Snapshot, *, active: bool) -> Wallet:
    wallet = snapshot.wallet
    if wallet is None:
        raise ProviderError("OP_31", "player unknown")
    if active and wallet.status != "active":
        raise ProviderError("OP_31", "player is blocked")
    return wallet


def _same_currency(wallet: Wallet, code: str) -> None:
    if code != wallet.currency:
        raise ProviderError("OP_32", f"currency_code {code!r} does not match the player's wallet ({wallet.currency})")


def _playable_game(snapshot: store.Snapshot, wallet: Wallet) -> dict[str, Any]:
    game = snapshot.game
    if (
        game is None
        or game.get("admin_status", "active") != "active"
        or not game.get("listed", True)
        or not game.get("provider_enabled", True)
    ):
        raise ProviderError("OP_33", "game unknown or disabled")
    if wallet.country in game.get("restricted_countries", []):
        raise ProviderError("OP_33", f"game restricted in {wallet.country}")
    return game


def _within_limits(
    change: v.Change, game: dict[str, Any], wallet: Wallet, session: dict[str, Any] | None, now: int
) -> None:
    limits = (game.get("bet_limits") or {}).get(wallet.currency) or {}
    low = max(limits.get("min_bet", 0), wallet.limits.min_bet or 0)
    highs = [h for h in (limits.get("max_bet"), wallet.limits.max_bet) if h is not None]
    if change.amount < low or (highs and change.amount > min(highs)):
        raise ProviderError("OP_34", "bet outside the limits")
    minutes = wallet.limits.session_minutes
    if session is not None and minutes and now >= int(session["started_at"]) + minutes * 60_000:
        raise ProviderError("OP_34", "the player's session time limit is reached")


# ------------------------------------------------------------------ transactions
def _answer_of(record: dict[str, Any], fp: str) -> dict[str, Any]:
    """A transaction id seen before: its first outcome, OP_40 for a changed payload, OP_42 for a
    tombstone."""
    if record.get("tombstone"):
        raise ProviderError("OP_42", "transaction_id was cancelled before it arrived")
    if record.get("fingerprint") != fp:
        raise ProviderError("OP_40", "transaction_id already used with a different payload")
    if record.get("outcome") == "ERROR":
        raise ProviderError(str(record["error_code"]), str(record["error_message"]))
    answer: dict[str, Any] = json.loads(record["answer"], parse_float=Decimal)
    return answer


def _ptx(provider: Provider, change: v.Change, fp: str, now: int, **fields: Any) -> dict[str, Any]:
    return {
        **store.ptx_key(provider.code, change.transaction_id),
        "provider": provider.code,
        "transaction_id": change.transaction_id,
        "transaction_type": change.transaction_type,
        "user_id": change.user_id,
        "round_id": change.round_id,
        "game_id": change.game_id,
        "currency": change.currency_code,
        "amount": change.amount,
        "fingerprint": fp,
        "created_at": now,
        **fields,
    }


def _new_round(provider: str, round_id: int, user_id: str, game_id: int, now: int) -> dict[str, Any]:
    """A round as first seen (version 0: its first write makes it 1)."""
    return {
        **store.round_key(provider, round_id),
        "provider": provider,
        "round_id": round_id,
        "user_id": user_id,
        "game_id": game_id,
        "status": "OPEN",
        "real_bet": 0,
        "bonus_bet": 0,
        "deposit_wagering": 0,
        "bonus_wagering": 0,
        "refunded_real": 0,
        "refunded_bonus": 0,
        "win_real": 0,
        "win_bonus": 0,
        "bets": 0,
        "free_round": False,
        "rversion": 0,
        "created_at": now,
    }


def _round_base(provider: Provider, change: v.Change, existing: dict[str, Any] | None, now: int) -> dict[str, Any]:
    """The round this change writes: the one read (or a new one), at its next version."""
    base = existing or _new_round(provider.code, change.round_id, change.user_id, change.game_id, now)
    return {**base, "rversion": int(base["rversion"]) + 1, "updated_at": now}


Plan = tuple[Movement | None, dict[str, Any], list[dict[str, Any]]]  # movement, answer, other writes


def _credit_target(snap: store.Snapshot, change: v.Change) -> Wallet:
    """WIN and REFUND: the token is optional (a blocked player is still paid), but a token of
    another player is refused."""
    wallet = _wallet_of(snap, active=False)
    if snap.session is not None and snap.session.get("player_id") != change.user_id:
        raise ProviderError("OP_30", "token is not this user's")
    _same_currency(wallet, change.currency_code)
    return wallet


def _accepted(
    provider: Provider,
    change: v.Change,
    snap: store.Snapshot,
    fp: str,
    now: int,
    movement: Movement,
    round_item: dict[str, Any],
    split: dict[str, Any],
    **fields: Any,
) -> Plan:
    """The answer, and the writes beside the movement: the provider transaction (OK, with its
    split, so it can be refunded or cancelled) and the round (conditional on the version read)."""
    answer = {"balance": balance_of(movement.wallet, now), "currency_code": movement.wallet.currency}
    ptx = _ptx(provider, change, fp, now, status="OK", outcome="OK", split=split, answer=_dump(answer), **fields)
    read_version = None if snap.round is None else int(snap.round["rversion"])
    return movement, answer, [store.ptx_put(ptx), store.round_put(round_item, read_version)]


def _decide_bet(provider: Provider, change: v.Change, snap: store.Snapshot, fp: str, now: int) -> Plan:
    wallet = _wallet_of(snap, active=True)
    session = None if change.free_spin else _session_of(snap, provider, change.user_id, now)
    _same_currency(wallet, change.currency_code)
    game = _playable_game(snap, wallet)
    if not change.free_spin:
        _within_limits(change, game, wallet, session, now)
    if snap.round is not None and snap.round["status"] in CLOSED:
        raise ProviderError("OP_43", f"round {change.round_id} is closed")
    round_item = _round_base(provider, change, snap.round, now)
    reference = {"source": provider.code, "transaction_id": change.transaction_id, "round_id": change.round_id}
    if change.free_spin:
        movement = domain.begin(wallet, now, reference)
        split = domain.BetSplit(0, 0, 0, 0, None)
        round_item["free_round"] = True
    else:
        try:
            movement, split = domain.bet(
                wallet,
                change.amount,
                now=now,
                reference=reference,
                category=game.get("category"),
                game_contribution=Decimal(str(game.get("wagering_contribution", "1"))),
                buy_feature=change.buy_feature,
            )
        except (InsufficientFunds, domain.PlayerBlocked, domain.BuyFeatureWithBonus) as refused:
            raise _refusal(refused) from None
    round_item["real_bet"] += split.real
    round_item["bonus_bet"] += split.bonus
    round_item["deposit_wagering"] += split.deposit_wagering
    round_item["bonus_wagering"] += split.bonus_wagering
    round_item["bonus_id"] = round_item.get("bonus_id") or split.bonus_id
    round_item["bets"] += 1
    return _accepted(provider, change, snap, fp, now, movement, round_item, asdict(split), free_spin=change.free_spin)


def _decide_win(provider: Provider, change: v.Change, snap: store.Snapshot, fp: str, now: int) -> Plan:
    wallet = _credit_target(snap, change)
    if snap.round is not None and snap.round["status"] in CLOSED:
        raise ProviderError("OP_43", f"round {change.round_id} is closed")
    round_item = _round_base(provider, change, snap.round, now)
    reference = {"source": provider.code, "transaction_id": change.transaction_id, "round_id": change.round_id}
    movement, split = domain.win(
        wallet,
        change.amount,
        now=now,
        reference=reference,
        round_real=int(round_item["real_bet"]),
        round_bonus=int(round_item["bonus_bet"]),
        round_bonus_id=round_item.get("bonus_id"),
    )
    round_item["win_real"] += split.real
    round_item["win_bonus"] += split.bonus
    if change.round_finished:
        round_item["status"] = "COMPLETED"
    split_fields = {"real": split.real, "bonus": split.bonus, "bonus_id": round_item.get("bonus_id")}
    return _accepted(provider, change, snap, fp, now, movement, round_item, split_fields)


def _decide_refund(provider: Provider, change: v.Change, snap: store.Snapshot, fp: str, now: int) -> Plan:
    wallet = _credit_target(snap, change)
    if snap.round is None or snap.round["status"] == "VOIDED":
        raise ProviderError("OP_43", f"round {change.round_id} is unknown or already voided")
    rnd = snap.round
    open_real = int(rnd["real_bet"]) - int(rnd["refunded_real"])
    open_bonus = int(rnd["bonus_bet"]) - int(rnd["refunded_bonus"])
    reference = {"source": provider.code, "transaction_id": change.transaction_id, "round_id": change.round_id}
    try:
        movement, split = domain.refund(
            wallet,
            change.amount,
            open_real=open_real,
            open_bonus=open_bonus,
            bonus_id=rnd.get("bonus_id"),
            earned_deposit_wagering=int(rnd["deposit_wagering"]),
            earned_bonus_wagering=int(rnd["bonus_wagering"]),
            now=now,
            reference=reference,
        )
    except domain.RefundTooLarge as refused:
        raise ProviderError("OP_43", str(refused)) from None
    round_item = _round_base(provider, change, rnd, now)
    round_item["refunded_real"] += split.real
    round_item["refunded_bonus"] += split.bonus + split.bonus_not_credited
    round_item["deposit_wagering"] -= split.deposit_wagering
    round_item["bonus_wagering"] -= split.bonus_wagering
    round_item["status"] = "VOIDED"
    return _accepted(provider, change, snap, fp, now, movement, round_item, asdict(split))


DECIDE: dict[str, Callable[[Provider, v.Change, store.Snapshot, str, int], Plan]] = {
    "BET": _decide_bet,
    "WIN": _decide_win,
    "REFUND": _decide_refund,
}


def _dump(answer: dict[str, Any]) -> str:
    from casino.api.jsonio import dumps_numbers  # noqa: PLC0415

    return dumps_numbers(answer)


def _write(movement: Movement | None, writes: list[dict[str, Any]]) -> int:
    """One transaction: the movement's items, then ``writes``. Returns the index of
    ``writes[0]`` in it (where a taken provider transaction's old item will be reported)."""
    items = wallet_store.movement_items(movement) if movement is not None and movement.changed else []
    first = len(items)
    try:
        store.transact(items + writes)
    except wallet_store.VersionConflict as lost:
        lost.first_write = first  # type: ignore[attr-defined]
        raise
    return first


def _record_refusal(
    provider: Provider, change: v.Change, fp: str, refusal: ProviderError, now: int
) -> dict[str, Any] | None:
    """Keep a refused BET/WIN/REFUND (status ERROR), so /status reports it and a retry gets the
    same refusal. None when recorded; the first outcome when a duplicate got there first."""
    record = _ptx(
        provider,
        change,
        fp,
        now,
        status="ERROR",
        outcome="ERROR",
        error_code=refusal.code,
        error_message=refusal.message,
    )
    try:
        store.transact([store.ptx_put(record)])
    except wallet_store.VersionConflict as taken:
        first = taken.old_item(0)
        if first is None:
            raise
        return _answer_of(first, fp)  # its answer, or its refusal (raised), OP_40 or OP_42
    return None


def changebalance(provider: Provider, data: dict[str, Any], seal: Seal | None = None) -> dict[str, Any]:
    change = v.change(data)
    fp = fingerprint(change.fingerprint_fields())
    decide = DECIDE[change.transaction_type]
    for attempt in range(MAX_ATTEMPTS):
        now = clock.now_ms()
        snap = store.read(
            provider=provider.code,
            token=change.token,
            player_id=change.user_id,
            round_id=change.round_id,
            transaction_id=change.transaction_id,
            game_id=change.game_id if change.transaction_type == "BET" else None,
        )
        if snap.transaction is not None:
            return _answer_of(snap.transaction, fp)
        try:
            movement, answer, writes = decide(provider, change, snap, fp, now)
        except ProviderError as refusal:
            first = _record_refusal(provider, change, fp, refusal, now)
            if first is not None:
                return first
            raise
        try:
            _write(movement, writes)  # writes[0] is the provider transaction
        except wallet_store.VersionConflict as lost:
            taken = lost.old_item(lost.first_write)  # type: ignore[attr-defined]
            if taken is not None:
                return _answer_of(taken, fp)
            backoff(attempt)
            continue
        return answer
    raise ProviderError("OP_90", "the wallet is busy; retry", 500)


# ------------------------------------------------------------------ cancel, status, finish round
def cancel(provider: Provider, data: dict[str, Any], seal: Seal | None = None) -> dict[str, Any]:
    user = v.user_id(data)
    tid = v.transaction_id(data)
    rid = v.round_id(data)
    gid = v.game_id(data)
    v.round_finished(data)
    done = {"user_id": user, "transaction_id": tid, "transaction_status": "CANCELED"}
    for attempt in range(MAX_ATTEMPTS):
        now = clock.now_ms()
        snap = store.read(provider=provider.code, player_id=user, transaction_id=tid)
        record = snap.transaction
        try:
            if record is None:  # the rollback-before-bet race: keep a tombstone
                store.transact(
                    [
                        store.ptx_put(
                            {
                                **store.ptx_key(provider.code, tid),
                                "provider": provider.code,
                                "transaction_id": tid,
                                "user_id": user,
                                "round_id": rid,
                                "game_id": gid,
                                "status": "CANCELED",
                                "tombstone": True,
                                "created_at": now,
                                "cancelled_at": now,
                            }
                        )
                    ]
                )
                return done
            if record.get("user_id") != user:
                raise ProviderError("OP_41", "transaction not found for this user")
            if record["status"] == "CANCELED":
                return done
            if record["status"] == "ERROR":  # nothing moved: nothing to reverse
                store.transact(
                    [store.ptx_put({**record, "status": "CANCELED", "cancelled_at": now}, expect_status="ERROR")]
                )
                return done
            movement, round_write = _reversal(provider, record, snap, now)
            ptx_write = store.ptx_put({**record, "status": "CANCELED", "cancelled_at": now}, expect_status="OK")
            _write(movement, [ptx_write, *round_write])
            return done
        except wallet_store.VersionConflict:
            backoff(attempt)
    raise ProviderError("OP_90", "the wallet is busy; retry", 500)


def _reversal(
    provider: Provider, record: dict[str, Any], snap: store.Snapshot, now: int
) -> tuple[Movement | None, list[dict[str, Any]]]:
    """Reverse an OK transaction: a BET's parts go back, a WIN or REFUND is taken back if the
    balance allows (else OP_50 and it stays OK). Each reversal is an ADJUSTMENT entry."""
    wallet = _wallet_of(snap, active=False)
    split = record.get("split") or {}
    kind = record["transaction_type"]
    reference = {"source": provider.code, "cancels": record["transaction_id"], "round_id": record["round_id"]}
    if kind == "BET" and record.get("free_spin"):
        return None, []
    try:
        if kind == "BET":
            movement, _ = domain.reverse_bet(
                wallet,
                real=int(split["real"]),
                bonus=int(split["bonus"]),
                bonus_id=split.get("bonus_id"),
                deposit_wagering=int(split["deposit_wagering"]),
                bonus_wagering=int(split["bonus_wagering"]),
                now=now,
                reference=reference,
                entry_type="ADJUSTMENT",
            )
        else:
            movement = domain.reverse_win(
                wallet,
                real=int(split["real"]),
                bonus=int(split["bonus"]),
                bonus_id=split.get("bonus_id"),
                now=now,
                reference=reference,
            )
    except InsufficientFunds:
        raise ProviderError("OP_50", "insufficient funds to take the transaction back") from None
    rnd = store.read(provider=provider.code, round_id=int(record["round_id"])).round
    if rnd is None:
        return movement, []
    updated = {**rnd, "rversion": int(rnd["rversion"]) + 1, "updated_at": now}
    if kind == "BET":
        updated["real_bet"] -= int(split["real"])
        updated["bonus_bet"] -= int(split["bonus"])
        updated["deposit_wagering"] = max(0, updated["deposit_wagering"] - int(split["deposit_wagering"]))
        updated["bonus_wagering"] = max(0, updated["bonus_wagering"] - int(split["bonus_wagering"]))
    elif kind == "WIN":
        updated["win_real"] -= int(split["real"])
        updated["win_bonus"] -= int(split["bonus"])
    else:
        updated["refunded_real"] -= int(split["real"])
        updated["refunded_bonus"] -= int(split["bonus"]) + int(split.get("bonus_not_credited", 0))
        updated["status"] = "OPEN"
    return movement, [store.round_put(updated, int(rnd["rversion"]))]


def status(provider: Provider, data: dict[str, Any], seal: Seal | None = None) -> dict[str, Any]:
    user = v.user_id(data)
    tid = v.transaction_id(data)
    v.round_id(data)
    kind = data.get("transaction_type")
    if kind not in v.TRANSACTION_TYPES:
        raise ProviderError("OP_10", f"transaction_type: one of {', '.join(v.TRANSACTION_TYPES)}")
    v.timestamp(data, "transaction_date")
    v.timestamp(data, "transaction_ts")
    record = store.read(provider=provider.code, transaction_id=tid).transaction
    if record is None or record.get("user_id") != user:
        raise ProviderError("OP_41", "transaction not found")
    return {"user_id": user, "transaction_id": tid, "transaction_status": record["status"]}


def finishround(provider: Provider, data: dict[str, Any], seal: Seal | None = None) -> dict[str, Any]:
    rid = v.round_id(data)
    user = v.user_id(data)
    gid = v.game_id(data)
    v.timestamp(data, "round_date")
    v.timestamp(data, "round_ts")
    done = {"round_id": rid, "user_id": user, "game_id": gid}
    for attempt in range(MAX_ATTEMPTS):
        now = clock.now_ms()
        rnd = store.read(provider=provider.code, round_id=rid).round
        if rnd is not None and rnd["status"] in CLOSED:
            return done
        if rnd is not None and rnd.get("user_id") != user:
            raise ProviderError("OP_43", "round belongs to another user")
        base = rnd or _new_round(provider.code, rid, user, gid, now)
        finished = {**base, "status": "COMPLETED", "rversion": int(base["rversion"]) + 1, "updated_at": now}
        try:
            store.transact([store.round_put(finished, None if rnd is None else int(rnd["rversion"]))])
        except wallet_store.VersionConflict:
            backoff(attempt)
            continue
        return done
    raise ProviderError("OP_90", "the wallet is busy; retry", 500)


# ------------------------------------------------------------------ authenticate, balance
def authenticate(provider: Provider, data: dict[str, Any], seal: Seal | None = None) -> dict[str, Any]:
    token = v.auth_token(data)
    now = clock.now_ms()
    snap = store.read(provider=provider.code, token=token)
    session = snap.session
    if session is None or session.get("provider") != provider.code or int(session["expires_at"]) <= now:
        raise ProviderError("OP_30", "token invalid or expired")
    wallet = _wallet_of(store.read(provider=provider.code, player_id=session["player_id"]), active=True)
    answer: dict[str, Any] = {
        "user_id": wallet.player_id,
        "user_name": wallet.user_name,
        "user_country": wallet.country,
        "currency_code": wallet.currency,
        "balance": balance_of(wallet, now),
    }
    if wallet.display_name:
        answer["display_name"] = wallet.display_name
    if wallet.group:
        answer["group"] = wallet.group
    return answer


def balance(provider: Provider, data: dict[str, Any], seal: Seal | None = None) -> dict[str, Any]:
    token = v.token(data, required=True)
    code = v.currency_code(data)
    user = v.user_id(data)
    now = clock.now_ms()
    snap = store.read(provider=provider.code, token=token, player_id=user)
    _session_of(snap, provider, user, now)
    wallet = _wallet_of(snap, active=True)
    _same_currency(wallet, code)
    return {"balance": balance_of(wallet, now), "currency_code": wallet.currency}
