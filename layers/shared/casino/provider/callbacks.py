"""The provider callbacks' logic (provider-callbacks.md) on the casino wallet.

Every command that moves money is an ``engine.Operation``: one batch read (token, wallet,
round, provider transaction, game, seal), a decision by the wallet domain and the round
(``casino.provider.rounds``), and one transaction: the wallet (conditional on its version),
the ledger entries, the bonus records, the provider transaction (the idempotency record,
``attribute_not_exists``), the round (conditional on its version) and, for a ``seed-sha1``
provider, the seal of the request's hash. A taken transaction id is answered from its first
outcome; a lost race is decided again from the transaction's cancellation reasons.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from casino import aws, cache, clock
from casino.error_map import provider_code
from casino.errors import DomainError
from casino.idempotency import fingerprint
from casino.money import currency, from_minor
from casino.ops import maintenance, services
from casino.provider import rounds, seals, store
from casino.provider import validation as v
from casino.provider.errors import ProviderError, auth_failed
from casino.provider.rounds import Round
from casino.provider.seals import Seal
from casino.registry import games
from casino.registry.providers import Provider
from casino.wallet import domain, engine
from casino.wallet import store as wallet_store
from casino.wallet.domain import BetSplit, Movement, Wallet
from casino.wallet.engine import Plan, Snapshot, Write


def balance_of(wallet: Wallet, now: int) -> Decimal:
    """real + playable bonus, with the currency's precision (a JSON number on the wire)."""
    return from_minor(wallet.real + wallet.playable_bonus(now), currency(wallet.currency))


def refused(error: DomainError) -> ProviderError:
    """A domain refusal in the provider's catalogue (``casino.error_map``)."""
    return ProviderError(provider_code(error), error.message)


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


def _not_ended_by_exclusion(session: dict[str, Any], wallet: Wallet) -> None:
    """A self-exclusion or time-out ends every session the player had: one started before it is
    refused as ended (its bets would be refused anyway, OP_36)."""
    if int(session.get("started_at", 0)) < wallet.responsible.sessions_after:
        raise ProviderError("OP_30", "the session ended with the player's self-exclusion")


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
    if game is None or not games.playable(game):
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
    minutes = wallet.session_minutes(now)
    if session is not None and minutes and now >= int(session["started_at"]) + minutes * 60_000:
        raise ProviderError("OP_34", "the player's session time limit is reached")


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


def _check_seal(snap: Snapshot, seal: Seal | None) -> None:
    """A seed-sha1 hash seen before with another body: OP_20, before anything else."""
    found = snap.get("seal")
    if seal is not None and found is not None and found.get("digest") != seal.digest:
        raise auth_failed("hash (already used with another body)")


def _seal_writes(seal: Seal | None) -> list[Write]:
    return [] if seal is None else [Write(seals.transaction_item(seal), "seal")]


def _give_back(
    wallet: Wallet,
    back: domain.StakeBack,
    bonus_id: str | None,
    now: int,
    reference: dict[str, Any],
    entry_type: str,
    converted: domain.Bonus | None,
) -> tuple[Movement, domain.RefundSplit]:
    """Stake-side money back to where it came from, and the wagering it earned taken back (a
    conversion it paid for undone)."""
    return domain.reverse_bet(
        wallet,
        real=back.real,
        bonus=back.bonus,
        bonus_id=bonus_id,
        deposit_wagering=back.deposit_wagering,
        bonus_wagering=back.bonus_wagering,
        now=now,
        reference=reference,
        entry_type=entry_type,
        converted=converted,
    )


def _dump(answer: dict[str, Any]) -> str:
    from casino.api.jsonio import dumps_numbers  # noqa: PLC0415

    return dumps_numbers(answer)


class _Callback(engine.Operation):
    """What every money callback shares: the seal (checked first, written with the money),
    a lost seal race refused OP_20, and a busy wallet answered OP_90 (safe to retry)."""

    seal: Seal | None

    def lost(self, snap: Snapshot, slots: set[str]) -> None:
        if "seal" in slots:
            raise auth_failed("hash (already used with another body)")

    def busy(self) -> Exception:
        return ProviderError("OP_90", "the wallet is busy; retry", 500)


# ------------------------------------------------------------------ changebalance
# A provider game's record (bet limits, restrictions, status) changes rarely: a BET reads it
# once per execution environment every GAME_CACHE_S, so a game ops close (or a sync disables)
# is refused OP_33 by every warm environment within that time, and by a new one at once.
GAME_CACHE_S = 30.0
_games: cache.Ttl[tuple[str, int], dict[str, Any]] = cache.Ttl(GAME_CACHE_S, max_items=1024)


class ChangeBalance(_Callback):
    def __init__(self, provider: Provider, change: v.Change, seal: Seal | None):
        self.provider = provider
        self.change = change
        self.seal = seal
        self.gate = change.user_id
        self.fp = fingerprint(change.fingerprint_fields())

    def read(self) -> Snapshot:
        """One ``BatchGetItem``; a BET's game comes from this environment's cache when it was
        read in the last ``GAME_CACHE_S`` (else with the rest, and kept)."""
        c = self.change
        bet = c.transaction_type == "BET"
        game = _games.get((self.provider.code, c.game_id)) if bet else None
        snap = aws.batch_get(
            store.slots(
                provider=self.provider.code,
                token=c.token,
                player_id=c.user_id,
                round_id=c.round_id,
                transaction_id=c.transaction_id,
                game_id=c.game_id if bet and game is None else None,
                seal=self.seal,
                services=maintenance.PROVIDER_BET if bet else (),
            )
        )
        if bet:
            if game is None:
                game = snap.get("game")
                if game is not None:  # an unknown game is never kept: a new one plays at once
                    _games.put((self.provider.code, c.game_id), game)
            snap["game"] = game
        if c.transaction_type != "REFUND" or snap.get("transaction") is not None:
            return snap
        return wallet_store.with_ended_bonus(snap, (snap.get("round") or {}).get("bonus_id"))

    def replay(self, snap: Snapshot) -> dict[str, Any] | None:
        _check_seal(snap, self.seal)
        record = snap.get("transaction")
        if record is None:
            return None
        if self.seal is not None and snap.get("seal") is None:
            seals.bind(self.seal)  # a retry signed afresh: its hash is bound too, before answering
        return _answer_of(record, self.fp)

    def decide(self, snap: Snapshot, now: int) -> Plan:
        view = store.view(snap)
        try:
            if self.change.transaction_type == "BET":
                maintenance.require_open(services.of_snapshot(snap, maintenance.PROVIDER_BET))
                return self._bet(view, now)
            if self.change.transaction_type == "WIN":
                return self._win(view, now)
            return self._refund(view, now)
        except DomainError as error:
            raise refused(error) from None

    def refusal(self, snap: Snapshot, error: Exception, now: int) -> list[Write] | None:
        """A refused BET/WIN/REFUND is kept (status ERROR), so /status reports it and a retry
        gets the same refusal."""
        if not isinstance(error, ProviderError):
            return None
        record = self._record(now, status="ERROR", outcome="ERROR", error_code=error.code, error_message=error.message)
        return [Write(store.ptx_put(record), "transaction"), *_seal_writes(self.seal)]

    # -------------------------------------------------------------- the three types
    def _reference(self) -> dict[str, Any]:
        c = self.change
        return {
            "source": self.provider.code,
            "transaction_id": c.transaction_id,
            "round_id": c.round_id,
            "type": c.transaction_type,
        }

    def _round(self, view: store.Snapshot, now: int) -> Round:
        c = self.change
        return view.round or Round.new(self.provider.code, c.round_id, c.user_id, c.game_id, now)

    def _credit_target(self, view: store.Snapshot) -> Wallet:
        """WIN and REFUND: the token is optional (a blocked player is still paid), but a token
        of another player is refused."""
        wallet = _wallet_of(view, active=False)
        if view.session is not None and view.session.get("player_id") != self.change.user_id:
            raise ProviderError("OP_30", "token is not this user's")
        _same_currency(wallet, self.change.currency_code)
        return wallet

    def _bet(self, view: store.Snapshot, now: int) -> Plan:
        c = self.change
        wallet = _wallet_of(view, active=True)
        session = None if c.free_spin else _session_of(view, self.provider, c.user_id, now)
        if session is not None:
            _not_ended_by_exclusion(session, wallet)
        _same_currency(wallet, c.currency_code)
        game = _playable_game(view, wallet)
        if session is not None and int(session.get("game_id", c.game_id)) != c.game_id:
            raise ProviderError("OP_30", "token was issued for another game")
        if not c.free_spin:
            _within_limits(c, game, wallet, session, now)
        rnd = self._round(view, now)
        rnd.playable_by(c.user_id)
        if c.free_spin:
            wallet.responsible.refuse_if_excluded(now)  # a free spin is a bet too
            movement = domain.begin(wallet, now, self._reference())
            split = BetSplit(0, 0, 0, 0, None)
        else:
            movement, split = domain.bet(
                wallet,
                c.amount,
                now=now,
                reference=self._reference(),
                category=game.get("category"),
                game_contribution=Decimal(str(game.get("wagering_contribution", "1"))),
                buy_feature=c.buy_feature,
            )
        after = rnd.with_bet(c.user_id, split, now, free_round=c.free_spin)
        return self._accepted(movement, after, wallet_store.record_fields(split), free_spin=c.free_spin)

    def _win(self, view: store.Snapshot, now: int) -> Plan:
        c = self.change
        wallet = self._credit_target(view)
        rnd = self._round(view, now)
        rnd.payable_by(c.user_id, c.amount)
        movement, split = domain.win(
            wallet,
            c.amount,
            now=now,
            reference=self._reference(),
            round_real=rnd.staked.real,
            round_bonus=rnd.staked.bonus,
            round_bonus_id=rnd.bonus_id,
        )
        after = rnd.with_win(c.user_id, split.real, split.bonus, now, finished=c.round_finished)
        return self._accepted(movement, after, {"real": split.real, "bonus": split.bonus, "bonus_id": rnd.bonus_id})

    def _refund(self, view: store.Snapshot, now: int) -> Plan:
        c = self.change
        wallet = self._credit_target(view)
        if view.round is None:
            raise rounds.RoundUnknown(f"round {c.round_id} is unknown", field="round_id")
        rnd = view.round
        share = rnd.refund_share(c.user_id, c.amount)
        movement, split = _give_back(wallet, share, rnd.bonus_id, now, self._reference(), "REFUND", view.ended_bonus)
        after = rnd.with_refund(share, split.bonus_wagering, now)
        return self._accepted(movement, after, wallet_store.record_fields(split))

    def _record(self, now: int, **fields: Any) -> dict[str, Any]:
        c = self.change
        return store.ptx_item(
            self.provider.code,
            c.transaction_id,
            transaction_type=c.transaction_type,
            user_id=c.user_id,
            round_id=c.round_id,
            game_id=c.game_id,
            currency=c.currency_code,
            amount=c.amount,
            fingerprint=self.fp,
            created_at=now,
            **fields,
        )

    def _accepted(self, movement: Movement, after: Round, split: dict[str, Any], **fields: Any) -> Plan:
        """The answer, and the writes beside the movement: the provider transaction (OK, with
        its split, so it can be refunded or cancelled), the round and the seal."""
        now = movement.now
        answer = {"balance": balance_of(movement.wallet, now), "currency_code": movement.wallet.currency}
        record = self._record(now, status="OK", outcome="OK", split=split, answer=_dump(answer), **fields)
        writes = [
            Write(store.ptx_put(record), "transaction"),
            Write(store.round_put(after), "round"),
            *_seal_writes(self.seal),
        ]
        return Plan(movement, answer, writes)


def changebalance(provider: Provider, data: dict[str, Any], seal: Seal | None = None) -> dict[str, Any]:
    return engine.run(ChangeBalance(provider, v.change(data), seal))


# ------------------------------------------------------------------ cancel
class Cancel(_Callback):
    """Reverse a transaction of this player, on this round and game, once; an id never seen
    leaves a tombstone (the rollback-before-bet race)."""

    def __init__(self, provider: Provider, data: dict[str, Any], seal: Seal | None):
        self.provider = provider
        self.user = v.user_id(data)
        self.gate = self.user
        self.tid = v.transaction_id(data)
        self.rid = v.round_id(data)
        self.gid = v.game_id(data)
        self.finished = v.round_finished(data)
        self.seal = seal
        self.done = {"user_id": self.user, "transaction_id": self.tid, "transaction_status": "CANCELED"}

    def read(self) -> Snapshot:
        snap = aws.batch_get(
            store.slots(
                provider=self.provider.code,
                player_id=self.user,
                round_id=self.rid,
                transaction_id=self.tid,
                seal=self.seal,
            )
        )
        record = snap.get("transaction") or {}
        if record.get("transaction_type") != "BET" or record.get("status") != "OK":
            return snap
        return wallet_store.with_ended_bonus(snap, (record.get("split") or {}).get("bonus_id"))

    def replay(self, snap: Snapshot) -> dict[str, Any] | None:
        _check_seal(snap, self.seal)
        return None

    def refusal(self, snap: Snapshot, error: Exception, now: int) -> list[Write] | None:
        """A refused cancel is not recorded (it may be sent again once the balance allows),
        but its hash is bound all the same."""
        if not isinstance(error, ProviderError) or self.seal is None:
            return None
        return _seal_writes(self.seal)

    def decide(self, snap: Snapshot, now: int) -> Plan:
        view = store.view(snap)
        record = view.transaction
        if record is None:
            tombstone = store.ptx_item(
                self.provider.code,
                self.tid,
                user_id=self.user,
                round_id=self.rid,
                game_id=self.gid,
                status="CANCELED",
                tombstone=True,
                created_at=now,
                cancelled_at=now,
            )
            return Plan(None, self.done, [Write(store.ptx_put(tombstone), "transaction"), *_seal_writes(self.seal)])
        if (
            record.get("user_id") != self.user
            or int(record.get("round_id", 0)) != self.rid
            or int(record.get("game_id", 0)) != self.gid
        ):
            # the id is spent on another user's, round's or game's transaction: the same id with other
            # fields (OP_41 is status's "never seen", which a provider may forget; this it must not)
            raise ProviderError(
                "OP_40", "transaction_id: a transaction of another user, round or game (name its own to cancel it)"
            )
        if record["status"] == "CANCELED":
            return Plan(None, self.done, _seal_writes(self.seal))
        cancelled = Write(
            store.ptx_put({**record, "status": "CANCELED", "cancelled_at": now}, expect_status=record["status"]),
            "transaction",
        )
        if record["status"] == "ERROR":  # nothing moved: nothing to reverse
            return Plan(None, self.done, [cancelled, *_seal_writes(self.seal)])
        try:
            movement, after = self._reversal(view, record, now)
        except DomainError as error:
            raise refused(error) from None
        writes = [cancelled, *_seal_writes(self.seal)]
        if after is not None:
            writes.append(Write(store.round_put(after), "round"))
        return Plan(movement, self.done, writes)

    def _reversal(self, view: store.Snapshot, record: dict[str, Any], now: int) -> tuple[Movement, Round | None]:
        """An OK transaction reversed, as far as it still stands. Each reversal is an
        ADJUSTMENT entry naming what it cancels."""
        wallet = _wallet_of(view, active=False)
        split = record.get("split") or {}
        kind = record["transaction_type"]
        rnd = view.round
        reference = {
            "source": self.provider.code,
            "cancels": self.tid,
            "cancels_type": kind,
            "round_id": self.rid,
        }
        if rnd is not None:
            rnd.owned_by(self.user)
        after: Round | None = None
        if kind == "BET":
            bet = BetSplit(
                int(split.get("real", 0)),
                int(split.get("bonus", 0)),
                int(split.get("deposit_wagering", 0)),
                int(split.get("bonus_wagering", 0)),
                split.get("bonus_id"),
            )
            standing = rnd.standing(bet) if rnd is not None else domain.StakeBack(bet.real, bet.bonus, 0, 0)
            movement, _ = _give_back(wallet, standing, bet.bonus_id, now, reference, "ADJUSTMENT", view.ended_bonus)
            after = rnd.without_bet(bet, standing, now) if rnd is not None else None
        elif kind == "WIN":
            real, bonus = int(split.get("real", 0)), int(split.get("bonus", 0))
            movement = domain.reverse_win(
                wallet, real=real, bonus=bonus, bonus_id=split.get("bonus_id"), now=now, reference=reference
            )
            after = rnd.without_win(real, bonus, now) if rnd is not None else None
        else:  # REFUND: take back what it credited, as far as it still stands
            credited_bonus = int(split.get("bonus", 0))
            whole_bonus = credited_bonus + int(split.get("bonus_not_credited", 0))
            back = (
                rnd.refund_standing(int(split.get("real", 0)), whole_bonus)
                if rnd is not None
                else rounds.Parts(int(split.get("real", 0)), whole_bonus)
            )
            movement = domain.reverse_win(
                wallet,
                real=back.real,
                bonus=min(back.bonus, credited_bonus),
                bonus_id=record.get("bonus_id") or (rnd.bonus_id if rnd else None),
                now=now,
                reference=reference,
            )
            after = rnd.without_refund(back, now) if rnd is not None else None
        if after is not None and self.finished and not after.closed:
            after = after.finished(self.user, now)
        return movement, after


def cancel(provider: Provider, data: dict[str, Any], seal: Seal | None = None) -> dict[str, Any]:
    return engine.run(Cancel(provider, data, seal))


# ------------------------------------------------------------------ finish round
class FinishRound(_Callback):
    def __init__(self, provider: Provider, data: dict[str, Any]):
        self.provider = provider
        self.rid = v.round_id(data)
        self.user = v.user_id(data)
        self.gid = v.game_id(data)
        v.timestamp(data, "round_date")
        v.timestamp(data, "round_ts")
        self.seal = None
        self.done = {"round_id": self.rid, "user_id": self.user, "game_id": self.gid}

    def read(self) -> Snapshot:
        return aws.batch_get(store.slots(provider=self.provider.code, round_id=self.rid))

    def decide(self, snap: Snapshot, now: int) -> Plan:
        view = store.view(snap)
        rnd = view.round or Round.new(self.provider.code, self.rid, self.user, self.gid, now)
        try:
            rnd.owned_by(self.user, self.gid)
        except DomainError as error:
            raise refused(error) from None
        if rnd.closed:
            return Plan(None, self.done)
        return Plan(None, self.done, [Write(store.round_put(rnd.finished(self.user, now)), "round")])


def finishround(provider: Provider, data: dict[str, Any], seal: Seal | None = None) -> dict[str, Any]:
    return engine.run(FinishRound(provider, data))


# ------------------------------------------------------------------ status, authenticate, balance
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


def authenticate(provider: Provider, data: dict[str, Any], seal: Seal | None = None) -> dict[str, Any]:
    token = v.auth_token(data)
    now = clock.now_ms()
    snap = store.read(provider=provider.code, token=token)
    session = snap.session
    if session is None or session.get("provider") != provider.code or int(session["expires_at"]) <= now:
        raise ProviderError("OP_30", "token invalid or expired")
    wallet = _wallet_of(store.read(provider=provider.code, player_id=session["player_id"]), active=True)
    _not_ended_by_exclusion(session, wallet)
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
