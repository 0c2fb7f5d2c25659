"""A provider's game round, in pure Python: what it staked, returned and paid, and to whom.

A round belongs to the player of its first transaction; every later BET, WIN, REFUND or
cancel on it must name that player (spec README "A money movement is owned"). Per account
(real, bonus) it keeps:

- ``staked``: the live bets (a cancelled bet leaves it);
- ``returned``: the live refunds (a cancelled refund leaves it); the bonus part of a refund
  whose bonus had ended counts as returned, though it was not credited;
- ``won``: the live wins.

The invariant the rules keep: ``returned <= staked`` on each account, so the stake side of a
round never pays the player more than the player put in, whatever the order of refunds and
cancels. A cancel of a bet reverses only what is still standing: the part a refund already
gave back is not given again (``cancel_bet``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from casino.errors import DomainError
from casino.wallet.domain import BetSplit, StakeBack, refund_share

OPEN = "OPEN"
COMPLETED = "COMPLETED"
VOIDED = "VOIDED"
CLOSED = (COMPLETED, VOIDED)


class RoundClosed(DomainError):
    code = "round_closed"


class RoundNotOwned(DomainError):
    """The round is another player's: nothing moves (never paid to the caller's player)."""

    code = "round_not_owned"


class RoundUnknown(DomainError):
    code = "round_unknown"


@dataclass(frozen=True)
class Parts:
    real: int = 0
    bonus: int = 0

    @property
    def total(self) -> int:
        return self.real + self.bonus


@dataclass(frozen=True)
class Round:
    provider: str
    round_id: int
    user_id: str
    game_id: int
    status: str = OPEN
    bonus_id: str | None = None
    staked: Parts = Parts()
    returned: Parts = Parts()
    won: Parts = Parts()
    deposit_wagering: int = 0
    bonus_wagering: int = 0
    bets: int = 0
    cancelled: int = 0  # bets cancelled: a round whose every bet was cancelled pays no win
    free_round: bool = False
    version: int = 0  # 0: not written yet
    created_at: int = 0
    updated_at: int = 0

    @staticmethod
    def new(provider: str, round_id: int, user_id: str, game_id: int, now: int) -> Round:
        return Round(provider, round_id, user_id, game_id, created_at=now, updated_at=now)

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    @property
    def open_bets(self) -> Parts:
        return Parts(self.staked.real - self.returned.real, self.staked.bonus - self.returned.bonus)

    def owned_by(self, user_id: str, game_id: int | None = None) -> None:
        if user_id != self.user_id:
            raise RoundNotOwned(f"round {self.round_id} belongs to another player", field="round_id")
        if game_id is not None and game_id != self.game_id:
            raise RoundNotOwned(f"round {self.round_id} is a round of another game", field="game_id")

    def playable_by(self, user_id: str) -> None:
        self.owned_by(user_id)
        if self.closed:
            raise RoundClosed(f"round {self.round_id} is closed", field="round_id")

    def payable_by(self, user_id: str, amount: int) -> None:
        """A WIN of ``amount`` may land: the round is the player's, open, and it pays nothing on a
        round whose every bet was cancelled (a WIN of 0 still closes it; a win on no stake at all
        is a round never bet on: ``Round.new``)."""
        self.playable_by(user_id)
        if amount and self.bets == 0 and self.cancelled:
            raise RoundClosed(f"round {self.round_id} has no bet: each was cancelled", field="round_id")

    def _next(self, now: int, **changes: object) -> Round:
        return replace(self, version=self.version + 1, updated_at=now, **changes)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ accepted transactions
    def with_bet(self, user_id: str, split: BetSplit, now: int, *, free_round: bool = False) -> Round:
        self.playable_by(user_id)
        return self._next(
            now,
            staked=Parts(self.staked.real + split.real, self.staked.bonus + split.bonus),
            deposit_wagering=self.deposit_wagering + split.deposit_wagering,
            bonus_wagering=self.bonus_wagering + split.bonus_wagering,
            bonus_id=self.bonus_id or split.bonus_id,
            bets=self.bets + 1,
            free_round=self.free_round or free_round,
        )

    def with_win(self, user_id: str, real: int, bonus: int, now: int, *, finished: bool) -> Round:
        self.payable_by(user_id, real + bonus)
        return self._next(
            now,
            won=Parts(self.won.real + real, self.won.bonus + bonus),
            status=COMPLETED if finished else self.status,
        )

    def refund_share(self, user_id: str, amount: int) -> StakeBack:
        """A refund of ``amount`` from the open bets, in their real:bonus proportion (the bonus
        part rounded down), with the same share of the wagering they earned."""
        self.owned_by(user_id)
        if self.closed:  # finished (its wins stand) or refunded already
            raise RoundClosed(f"round {self.round_id} is closed", field="round_id")
        return refund_share(
            amount,
            open_real=self.open_bets.real,
            open_bonus=self.open_bets.bonus,
            earned_deposit_wagering=self.deposit_wagering,
            earned_bonus_wagering=self.bonus_wagering,
        )

    def with_refund(self, share: StakeBack, taken_bonus_wagering: int, now: int) -> Round:
        return self._next(
            now,
            returned=Parts(self.returned.real + share.real, self.returned.bonus + share.bonus),
            deposit_wagering=self.deposit_wagering - share.deposit_wagering,
            bonus_wagering=self.bonus_wagering - taken_bonus_wagering,
            status=VOIDED,
        )

    # ------------------------------------------------------------------ cancels
    def standing(self, bet: BetSplit) -> StakeBack:
        """What cancelling ``bet`` gives back: the bet, less what refunds returned beyond the
        bets that remain once it is gone."""
        left = Parts(self.staked.real - bet.real, self.staked.bonus - bet.bonus)
        over_real = max(0, self.returned.real - left.real)
        over_bonus = max(0, self.returned.bonus - left.bonus)
        return StakeBack(
            real=max(0, bet.real - over_real),
            bonus=max(0, bet.bonus - over_bonus),
            deposit_wagering=min(bet.deposit_wagering, self.deposit_wagering),
            bonus_wagering=min(bet.bonus_wagering, self.bonus_wagering),
        )

    def without_bet(self, bet: BetSplit, standing: StakeBack, now: int) -> Round:
        consumed = Parts(bet.real - standing.real, bet.bonus - standing.bonus)
        return self._next(
            now,
            staked=Parts(self.staked.real - bet.real, self.staked.bonus - bet.bonus),
            returned=Parts(self.returned.real - consumed.real, self.returned.bonus - consumed.bonus),
            deposit_wagering=self.deposit_wagering - standing.deposit_wagering,
            bonus_wagering=self.bonus_wagering - standing.bonus_wagering,
            bets=self.bets - 1,
            cancelled=self.cancelled + 1,
        )

    def without_win(self, real: int, bonus: int, now: int) -> Round:
        return self._next(now, won=Parts(self.won.real - real, self.won.bonus - bonus))

    def refund_standing(self, real: int, bonus: int) -> Parts:
        """What cancelling a refund may take back: its parts, as far as they still stand (a
        later bet cancel may have absorbed some of it)."""
        return Parts(min(real, self.returned.real), min(bonus, self.returned.bonus))

    def without_refund(self, standing: Parts, now: int) -> Round:
        return self._next(
            now,
            returned=Parts(self.returned.real - standing.real, self.returned.bonus - standing.bonus),
            status=OPEN if self.status == VOIDED else self.status,
        )

    def finished(self, user_id: str, now: int) -> Round:
        self.owned_by(user_id)
        return self._next(now, status=COMPLETED)
