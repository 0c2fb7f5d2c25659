"""The casino wallet, in pure Python: balances, ledger entries, bonuses, wagering.

A wallet holds a player's real and bonus balances (integer minor units), their deposit
wagering, and at most one active bonus. Every operation builds a ``Movement``: the wallet as
it will be, and the ledger entries (one per balance touched) that explain the change, each
with ``balance_before`` and ``balance_after``. Nothing here talks to a database; the store
writes a movement in one transaction.

Rules (provider-callbacks.md, admin-api.md):
- a bet is paid from real first, the rest from the playable bonus;
- deposit wagering advances by the real part when there is no active bonus or the bonus is
  ``BONUS_ONLY``; bonus wagering advances by contribution x base (base = bonus part for
  ``BONUS_ONLY``, the whole bet for ``DEPOSIT_PLUS_BONUS``); when met, the remaining bonus
  converts to real, once;
- a win is split in the round's real:bonus proportion, the bonus part rounded down;
- a refund returns each part to where it came from; a bonus part whose bonus has ended is
  recorded and not credited; the wagering the refunded bet earned is taken back;
- a bonus past its expiry is expired (its balance removed) by the next movement on the
  wallet, before anything else.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from casino import ids
from casino.errors import Conflict, DomainError, InsufficientFunds, NotFound, ValidationFailed
from casino.money import currency, to_decimal_string
from casino.wallet.responsible import Change, Responsible

REAL = "real"
BONUS = "bonus"
BONUS_ONLY = "BONUS_ONLY"
DEPOSIT_PLUS_BONUS = "DEPOSIT_PLUS_BONUS"
BONUS_MODES = (BONUS_ONLY, DEPOSIT_PLUS_BONUS)
PLAYER_STATUSES = ("active", "blocked")


class PlayerBlocked(DomainError):
    code = "player_blocked"


class BuyFeatureWithBonus(DomainError):
    code = "buy_feature_bonus"


class RefundTooLarge(DomainError):
    code = "refund_too_large"


@dataclass(frozen=True)
class Limits:
    min_bet: int | None = None
    max_bet: int | None = None
    session_minutes: int | None = None


@dataclass
class Bonus:
    """A bonus grant. ``status`` is active until it converts, expires or is forfeited."""

    id: str
    player_id: str
    mode: str
    amount: int
    wagering_multiplier: str
    wagering_required: int
    wagering_progress: int
    contributions: dict[str, str]
    expires_at: int
    granted_at: int
    status: str = "active"
    ended_at: int | None = None
    converted_amount: int = 0
    removed_amount: int = 0

    def contribution(self, category: str | None, game_default: Decimal = Decimal(1)) -> Decimal:
        """The contribution factor of a game category (the bonus's table, else the game's own)."""
        if category is not None and category in self.contributions:
            return Decimal(self.contributions[category])
        return game_default


@dataclass
class Wallet:
    player_id: str
    currency: str
    country: str
    user_name: str
    status: str = "active"
    display_name: str | None = None
    group: str | None = None
    limits: Limits = field(default_factory=Limits)
    real: int = 0
    bonus: int = 0
    deposit_wagering_multiplier: str = "1"
    deposit_wagering_required: int = 0
    deposit_wagering_progress: int = 0
    active_bonus: Bonus | None = None
    responsible: Responsible = field(default_factory=Responsible)
    version: int = 0
    created_at: int = 0
    # The casino brand (a bridge operator's code) a password player registered with: only that
    # brand's bridge serves it. None: a player of the casino itself (made by ops), which every
    # bridge operator, our own brands, serves.
    brand: str | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> Wallet:
        """A movement's working copy: the limits are frozen and the scalars immutable, so only the
        responsible-gaming state and the bonus are copied (a generic deep copy took three times as
        long, on every money movement)."""
        return replace(
            self,
            responsible=copy.deepcopy(self.responsible, memo),
            active_bonus=copy.deepcopy(self.active_bonus, memo),
        )

    def served_by(self, operator: str) -> bool:
        """Whether the account bridge, answering for ``operator``, may read or move this money."""
        return self.brand is None or self.brand == operator

    def bonus_is_live(self, now: int) -> bool:
        return self.active_bonus is not None and now < self.active_bonus.expires_at

    def playable_bonus(self, now: int) -> int:
        return self.bonus if self.bonus_is_live(now) else 0

    def deposit_wagering_remaining(self) -> int:
        return max(0, self.deposit_wagering_required - self.deposit_wagering_progress)

    def session_minutes(self, now: int) -> int | None:
        """The session limit in force: the lowest of the one ops set and the player's own."""
        set_by = [m for m in (self.limits.session_minutes, self.responsible.minutes("session", now)) if m]
        return min(set_by) if set_by else None

    def withdrawable(self, now: int) -> int:
        """Real money that may leave: none while deposit wagering is due or a
        DEPOSIT_PLUS_BONUS bonus holds the deposit."""
        if self.deposit_wagering_remaining() > 0:
            return 0
        if self.bonus_is_live(now) and self.active_bonus and self.active_bonus.mode == DEPOSIT_PLUS_BONUS:
            return 0
        return self.real


@dataclass(frozen=True)
class LedgerEntry:
    id: str
    player_id: str
    account: str  # real | bonus
    type: str
    amount: int  # signed minor units
    balance_before: int
    balance_after: int
    created_at: int
    reference: dict[str, Any]


class Movement:
    """The changes one operation makes to a wallet: the wallet after, the ledger entries,
    and the bonus records to write. Built on a copy; the wallet read is left untouched."""

    def __init__(self, wallet: Wallet, now: int, reference: dict[str, Any] | None = None):
        self.before = wallet
        self.wallet = copy.deepcopy(wallet)
        self.now = now
        self.reference = dict(reference or {})
        self.entries: list[LedgerEntry] = []
        self.bonus_records: list[Bonus] = []
        self.changes: list[Change] = []  # responsible-gaming audit records, written with the wallet
        self.result: dict[str, Any] = {}

    def _move(self, account: str, amount: int, kind: str) -> None:
        if amount == 0:
            return
        before = getattr(self.wallet, account)
        after = before + amount
        if after < 0:
            raise InsufficientFunds(f"{account} balance would go below zero")
        setattr(self.wallet, account, after)
        self.entries.append(
            LedgerEntry(
                id=ids.new_id("led", self.now),
                player_id=self.wallet.player_id,
                account=account,
                type=kind,
                amount=amount,
                balance_before=before,
                balance_after=after,
                created_at=self.now,
                reference=self.reference,
            )
        )

    def credit(self, account: str, amount: int, kind: str) -> None:
        self._move(account, amount, kind)

    def debit(self, account: str, amount: int, kind: str) -> None:
        self._move(account, -amount, kind)

    def end_bonus(self, status: str, entry_type: str) -> None:
        """The active bonus ends; what is left on the bonus balance is removed (or converted)."""
        bonus = self.wallet.active_bonus
        assert bonus is not None
        left = self.wallet.bonus
        if status == "converted":
            self.debit(BONUS, left, entry_type)
            self.credit(REAL, left, entry_type)
            bonus = replace(bonus, converted_amount=left)
        else:
            self.debit(BONUS, left, entry_type)
            bonus = replace(bonus, removed_amount=left)
        self._record(replace(bonus, status=status, ended_at=self.now))
        self.wallet.active_bonus = None

    def _record(self, bonus: Bonus) -> None:
        """The bonus record to write (one per bonus per movement: a transaction touches an item once)."""
        self.bonus_records = [b for b in self.bonus_records if b.id != bonus.id]
        self.bonus_records.append(bonus)

    def touch_bonus(self) -> None:
        """Record the active bonus's new wagering progress."""
        if self.wallet.active_bonus is not None:
            self._record(copy.deepcopy(self.wallet.active_bonus))

    @property
    def changed(self) -> bool:
        return bool(self.entries or self.bonus_records or self.changes) or self.wallet != self.before


def _scaled(amount: int, factor: Decimal, rounding: str) -> int:
    return int((Decimal(amount) * factor).to_integral_value(rounding=rounding))


def begin(wallet: Wallet, now: int, reference: dict[str, Any] | None = None) -> Movement:
    """A movement on the wallet, with an overdue bonus expired first."""
    movement = Movement(wallet, now, reference)
    bonus = movement.wallet.active_bonus
    if bonus is not None and now >= bonus.expires_at:
        movement.end_bonus("expired", "BONUS_EXPIRY")
    return movement


def _convert_if_met(movement: Movement) -> None:
    bonus = movement.wallet.active_bonus
    if bonus is not None and bonus.wagering_progress >= bonus.wagering_required:
        movement.end_bonus("converted", "BONUS_CONVERSION")


# ------------------------------------------------------------------ admin movements
def deposit(wallet: Wallet, amount: int, now: int, reference: dict[str, Any]) -> Movement:
    m = begin(wallet, now, reference)
    m.wallet.responsible.deposit(amount, now)  # an exclusion or a deposit limit refuses it here
    m.credit(REAL, amount, "DEPOSIT")
    multiplier = Decimal(m.wallet.deposit_wagering_multiplier)
    m.wallet.deposit_wagering_required += _scaled(amount, multiplier, ROUND_CEILING)
    return m


def withdrawal(wallet: Wallet, amount: int, now: int, reference: dict[str, Any]) -> Movement:
    m = begin(wallet, now, reference)
    withdrawable = m.wallet.withdrawable(now)
    if amount > withdrawable:
        cur = currency(m.wallet.currency)
        raise InsufficientFunds(
            f"amount: {to_decimal_string(amount, cur)} exceeds the withdrawable real balance "
            f"({to_decimal_string(withdrawable, cur)} {cur.code})",
            field="amount",
        )
    m.debit(REAL, amount, "WITHDRAWAL")
    return m


def adjustment(wallet: Wallet, amount: int, now: int, reference: dict[str, Any]) -> Movement:
    m = begin(wallet, now, reference)
    if m.wallet.real + amount < 0:
        raise InsufficientFunds("amount: the adjustment would take the real balance below zero", field="amount")
    m.credit(REAL, amount, "ADJUSTMENT")
    return m


def grant_bonus(
    wallet: Wallet,
    *,
    bonus_id: str,
    amount: int,
    mode: str,
    wagering_multiplier: Decimal,
    expires_at: int,
    contributions: dict[str, Decimal],
    now: int,
    reference: dict[str, Any],
) -> Movement:
    if mode not in BONUS_MODES:
        raise ValidationFailed(f"mode: must be one of {', '.join(BONUS_MODES)}", field="mode")
    if expires_at <= now:
        raise ValidationFailed("expires_at: must be in the future", field="expires_at")
    m = begin(wallet, now, reference)
    if m.wallet.active_bonus is not None:
        raise Conflict(f"player already has an active bonus ({m.wallet.active_bonus.id})", field="player_id")
    base = amount if mode == BONUS_ONLY else amount + m.wallet.real
    bonus = Bonus(
        id=bonus_id,
        player_id=m.wallet.player_id,
        mode=mode,
        amount=amount,
        wagering_multiplier=str(wagering_multiplier),
        wagering_required=_scaled(base, wagering_multiplier, ROUND_CEILING),
        wagering_progress=0,
        contributions={k: str(v) for k, v in contributions.items()},
        expires_at=expires_at,
        granted_at=now,
    )
    m.wallet.active_bonus = bonus
    m.credit(BONUS, amount, "BONUS_GRANT")
    m.touch_bonus()
    _convert_if_met(m)  # a zero requirement converts at once
    return m


def forfeit_bonus(wallet: Wallet, bonus_id: str, now: int, reference: dict[str, Any]) -> Movement:
    m = begin(wallet, now, reference)
    bonus = m.wallet.active_bonus
    if bonus is None or bonus.id != bonus_id:
        raise Conflict(f"bonus {bonus_id} is not the player's active bonus", field="bonus_id")
    m.end_bonus("forfeited", "BONUS_FORFEIT")
    return m


def set_status(wallet: Wallet, status: str, now: int) -> Movement:
    if status not in PLAYER_STATUSES:
        raise ValidationFailed(f"status: must be one of {', '.join(PLAYER_STATUSES)}", field="status")
    m = begin(wallet, now, {"status": status})
    m.wallet.status = status
    return m


# ------------------------------------------------------------------ game movements
@dataclass(frozen=True)
class BetSplit:
    real: int
    bonus: int
    deposit_wagering: int
    bonus_wagering: int
    bonus_id: str | None


def bet(
    wallet: Wallet,
    amount: int,
    *,
    now: int,
    reference: dict[str, Any],
    category: str | None = None,
    game_contribution: Decimal = Decimal(1),
    buy_feature: bool = False,
) -> tuple[Movement, BetSplit]:
    m = begin(wallet, now, reference)
    w = m.wallet
    if w.status != "active":
        raise PlayerBlocked("player is blocked", field="user_id")
    w.responsible.bet(amount, now)  # an exclusion or a limit refuses the bet before anything moves
    playable = w.playable_bonus(now)
    if amount > w.real + playable:
        raise InsufficientFunds("insufficient funds for this bet", field="amount")
    real_part = min(w.real, amount)
    bonus_part = amount - real_part
    if buy_feature and bonus_part > 0:
        raise BuyFeatureWithBonus("a buy-feature bet may not use bonus funds", field="context.buy_feature")
    m.debit(REAL, real_part, "BET")
    m.debit(BONUS, bonus_part, "BET")
    bonus = w.active_bonus
    deposit_earned = real_part if bonus is None or bonus.mode == BONUS_ONLY else 0
    w.deposit_wagering_progress += deposit_earned
    bonus_earned = 0
    if bonus is not None:
        base = bonus_part if bonus.mode == BONUS_ONLY else amount
        bonus_earned = _scaled(base, bonus.contribution(category, game_contribution), ROUND_FLOOR)
        bonus.wagering_progress += bonus_earned
        m.touch_bonus()
    split = BetSplit(real_part, bonus_part, deposit_earned, bonus_earned, bonus.id if bonus else None)
    _convert_if_met(m)
    return m, split


@dataclass(frozen=True)
class WinSplit:
    real: int
    bonus: int


def win_split(amount: int, round_real: int, round_bonus: int, bonus_can_take_credit: bool) -> WinSplit:
    """Proportional to the round's bet split; the bonus part rounded down, the rest to real."""
    total = round_real + round_bonus
    if not bonus_can_take_credit or total <= 0 or round_bonus <= 0:
        return WinSplit(amount, 0)
    bonus_part = amount * round_bonus // total
    return WinSplit(amount - bonus_part, bonus_part)


def win(
    wallet: Wallet,
    amount: int,
    *,
    now: int,
    reference: dict[str, Any],
    round_real: int = 0,
    round_bonus: int = 0,
    round_bonus_id: str | None = None,
) -> tuple[Movement, WinSplit]:
    m = begin(wallet, now, reference)
    bonus = m.wallet.active_bonus
    can_take = bonus is not None and bonus.id == round_bonus_id
    split = win_split(amount, round_real, round_bonus, can_take)
    m.wallet.responsible.win(split.real, now)  # bonus money won does not buy room under a loss limit
    m.credit(REAL, split.real, "WIN")
    m.credit(BONUS, split.bonus, "WIN")
    return m, split


@dataclass(frozen=True)
class RefundSplit:
    real: int
    bonus: int  # credited to the bonus balance
    bonus_not_credited: int  # the bonus part whose bonus has ended: recorded, not credited
    deposit_wagering: int  # taken back
    bonus_wagering: int  # taken back


def reverse_bet(
    wallet: Wallet,
    *,
    real: int,
    bonus: int,
    bonus_id: str | None,
    deposit_wagering: int,
    bonus_wagering: int,
    now: int,
    reference: dict[str, Any],
    entry_type: str,
    converted: Bonus | None = None,
) -> tuple[Movement, RefundSplit]:
    """Give a bet's parts back where they came from and take back the wagering they earned.

    ``converted`` is the bet's bonus when it has converted since: if taking back the bet's
    wagering leaves that bonus short of its requirement, the conversion the bet paid for is
    undone first (``_unconvert``), so a refunded or cancelled bet never leaves bonus money
    turned real."""
    m = begin(wallet, now, reference)
    w = m.wallet
    if converted is not None and converted.id == bonus_id and w.active_bonus is None:
        _unconvert(m, converted, bonus_wagering)
    live = w.active_bonus if (w.active_bonus is not None and w.active_bonus.id == bonus_id) else None
    w.responsible.stake_back(real + bonus, now)
    m.credit(REAL, real, entry_type)
    credited_bonus = bonus if live is not None else 0
    m.credit(BONUS, credited_bonus, entry_type)
    w.deposit_wagering_progress = max(0, w.deposit_wagering_progress - deposit_wagering)
    taken_bonus_wagering = 0
    if live is not None:
        taken_bonus_wagering = min(live.wagering_progress, bonus_wagering)
        live.wagering_progress -= taken_bonus_wagering
        m.touch_bonus()
    return m, RefundSplit(real, credited_bonus, bonus - credited_bonus, deposit_wagering, taken_bonus_wagering)


def _unconvert(m: Movement, bonus: Bonus, bonus_wagering: int) -> None:
    """Undo a conversion that ``bonus_wagering`` paid for: the bonus is active again with that
    wagering taken off (the caller takes it), and what converted goes back from real to bonus,
    as far as real still holds it."""
    if bonus.status != "converted" or m.now >= bonus.expires_at:
        return
    if bonus.wagering_progress - bonus_wagering >= bonus.wagering_required:
        return  # it would have converted all the same
    back = min(bonus.converted_amount, m.wallet.real)
    m.debit(REAL, back, "BONUS_CONVERSION_REVERSED")
    m.credit(BONUS, back, "BONUS_CONVERSION_REVERSED")
    m.wallet.active_bonus = replace(bonus, status="active", ended_at=None, converted_amount=0)
    m.touch_bonus()


@dataclass(frozen=True)
class StakeBack:
    """What goes back to the player from the stake side (a refund's share of the open bets,
    or what still stands of a cancelled bet), and the wagering it takes back."""

    real: int
    bonus: int
    deposit_wagering: int
    bonus_wagering: int


def refund_share(
    amount: int, *, open_real: int, open_bonus: int, earned_deposit_wagering: int, earned_bonus_wagering: int
) -> StakeBack:
    """A refund of ``amount`` from open bets, in their real:bonus proportion (the bonus part
    rounded down), with the same share of the wagering they earned; exact integer arithmetic."""
    total = open_real + open_bonus
    if amount > total:
        raise RefundTooLarge("amount: larger than the round's open bets", field="amount")
    if total == 0:
        return StakeBack(amount, 0, 0, 0)
    bonus = amount * open_bonus // total
    return StakeBack(
        real=amount - bonus,
        bonus=bonus,
        deposit_wagering=earned_deposit_wagering * amount // total,
        bonus_wagering=earned_bonus_wagering * amount // total,
    )


def refund(
    wallet: Wallet,
    amount: int,
    *,
    open_real: int,
    open_bonus: int,
    bonus_id: str | None,
    earned_deposit_wagering: int,
    earned_bonus_wagering: int,
    now: int,
    reference: dict[str, Any],
) -> tuple[Movement, RefundSplit]:
    """Refund part or all of a round's open bets, in the round's proportion."""
    share = refund_share(
        amount,
        open_real=open_real,
        open_bonus=open_bonus,
        earned_deposit_wagering=earned_deposit_wagering,
        earned_bonus_wagering=earned_bonus_wagering,
    )
    return reverse_bet(
        wallet,
        real=share.real,
        bonus=share.bonus,
        bonus_id=bonus_id,
        deposit_wagering=share.deposit_wagering,
        bonus_wagering=share.bonus_wagering,
        now=now,
        reference=reference,
        entry_type="REFUND",
    )


def reverse_win(
    wallet: Wallet, *, real: int, bonus: int, bonus_id: str | None, now: int, reference: dict[str, Any]
) -> Movement:
    """Take a win back if the balance allows: its bonus part from the same live bonus, the rest from real."""
    m = begin(wallet, now, reference)
    w = m.wallet
    live = w.active_bonus is not None and w.active_bonus.id == bonus_id
    from_bonus = min(bonus, w.bonus) if live else 0
    from_real = real + bonus - from_bonus
    if from_real > w.real:
        raise InsufficientFunds("the balance no longer covers the win", field="transaction_id")
    w.responsible.win_back(real + bonus, now)
    m.debit(BONUS, from_bonus, "ADJUSTMENT")
    m.debit(REAL, from_real, "ADJUSTMENT")
    return m


def require_player(wallet: Wallet | None, player_id: str) -> Wallet:
    if wallet is None:
        raise NotFound(f"player {player_id!r} not found", field="player_id")
    return wallet
