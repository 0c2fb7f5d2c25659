"""A contract: one play of a hub game, from its bet to its settlement (contract-flow.md). Pure.

A ``Contract`` knows its money (stake and prize in minor units, the bet's split across the
player's accounts), its steps (``place_bet``, ``pay_winnings``, ``refund_bet``: their ids are
the operator wallet's ``transaction_id``s, fixed at creation so that every retry sends the same
body) and where it stands. Two fields say that:

- ``status``, what the models show (hub-operator-api.md): ``pending -> in_progress ->
  return_pending -> finalized``, or ``cancelled`` (bet refused), ``refunded`` (bet outcome
  unknown, refunded), ``errored`` (flagged by the state machine, still retried);
- ``phase``, what the flow must do next, never overwritten by an ``errored`` flag, so a sweep
  re-drives an errored contract from where it stopped: ``placing -> viewing -> settling ->
  settled -> done``, or ``placing -> refunding -> done``, or ``placing -> done`` (refused).

Every transition is a method returning a new contract and refusing (``WrongPhase``) from any
other phase; the store writes it conditioned on the contract's version.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from casino.errors import DomainError
from casino.hub.prizes import Reveal, unpacked_path
from casino.money import Currency, currency, to_decimal_string, to_minor

KIND = "instant_win"
Phase = Literal["placing", "viewing", "refunding", "settling", "settled", "done"]
StepType = Literal["place_bet", "pay_winnings", "refund_bet"]
ACCOUNT_ORDER = ("real", "bonus")  # a stake is taken real first, then bonus
EVENT_STATUS = {
    "pending": "pending",
    "in_progress": "pending",
    "return_pending": "pending",
    "finalized": "finished",
    "cancelled": "cancelled",
    "refunded": "cancelled",
    "errored": "errored",
}
PLACED_PHASES = ("viewing", "settling", "settled")


class WrongPhase(DomainError):
    """A step was asked of a contract that is not where that step starts (a bug, or a re-drive
    from the wrong place): the state machine flags it."""

    code = "wrong_phase"


@dataclass(frozen=True)
class Line:
    """One line of a step: an amount (signed minor units, negative = debit) on one of the
    operator's accounts (its id, e.g. ``real``)."""

    account_id: str
    amount: int


@dataclass(frozen=True)
class ContractStep:
    id: str
    type: StepType
    status: str = "pending"  # pending | finalized | failed
    ref_id: str | None = None  # the operator's transaction id, from its answer
    error: dict[str, str] | None = None
    start_date: int | None = None
    end_date: int | None = None
    transactions: tuple[dict[str, Any], ...] = ()  # the hub's Transaction records of its answer


@dataclass(frozen=True)
class Contract:
    id: str
    session_id: str
    operator: str
    user_id: str  # the hub's user
    wallet_user: str  # the user id the operator's wallet knows
    session_token: str | None
    game_id: str
    currency_code: str
    stake: int
    prize: int
    series_id: str
    tickets: int
    position: int
    salt: str
    path: str  # the Merkle path: 64 hex characters per step
    sides: str  # one letter per step: l or r
    root: str
    play_id: str
    view_timeout_s: int
    bet_lines: tuple[Line, ...]
    steps: dict[str, ContractStep]
    start_date: int
    status: str = "pending"
    phase: Phase = "placing"
    view: str | None = None  # viewed | timeout
    end_date: int | None = None
    version: int = 0
    kind: str = KIND
    # Its requests' lines carry ``data`` (operator-wallet.md). A contract stored before they did
    # keeps sending lines without it: a retry must send the very body its first attempt sent (an
    # operator may answer another body with the final ``duplicate_mismatch``).
    line_data: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    # ---------------------------------------------------------------- what it is
    @property
    def currency(self) -> Currency:
        return currency(self.currency_code)

    @property
    def placed(self) -> bool:
        return self.phase in PLACED_PHASES or self.status == "finalized"

    @property
    def won(self) -> bool:
        return self.prize > 0

    def reveal(self) -> Reveal:
        """The prize and its Merkle proof against the series' commitment."""
        steps = unpacked_path(self.path, self.sides)
        return Reveal(self.series_id, self.tickets, self.position, self.prize, self.salt, steps, self.root)

    def _money(self, minor: int) -> str:
        return to_decimal_string(minor, self.currency)

    # ---------------------------------------------------------------- what the operator gets
    def _data(self, step: StepType) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "game_id": self.game_id,
            "contract_id": self.id,
            "contract_step_id": self.steps[step].id,
            "prize_id": f"{self.series_id}:{self.position}",
            "round": {"stake": self._money(self.stake), "currency": self.currency_code},
        }

    def _request(self, step: StepType, action: str, lines: tuple[Line, ...], prev: list[str]) -> dict[str, Any]:
        step_id = self.steps[step].id
        body: dict[str, Any] = {
            "transaction_id": step_id,
            "user_id": self.wallet_user,
            "type": f"{self.kind}.{action}",
            "data": self._data(step),
            "prev_transactions": prev,
            "transactions": [
                {"id": f"{step_id}.{i}", "account_id": line.account_id, "amount": self._money(line.amount)}
                | ({"data": {}} if self.line_data else {})
                for i, line in enumerate(lines)
            ],
        }
        if self.session_token is not None:
            body["session_token"] = self.session_token
        return body

    def bet_request(self) -> dict[str, Any]:
        """``<kind>.play``: the stake, split across the accounts as it was at the play."""
        return self._request("place_bet", "play", self.bet_lines, [])

    def settle_request(self) -> dict[str, Any]:
        """``<kind>.win`` (to the account that funded most of the bet) or ``<kind>.lose`` (a zero
        line: pay_winnings of zero closes the contract at the operator), naming the bet."""
        account = max(self.bet_lines, key=lambda line: -line.amount).account_id
        action = "win" if self.won else "lose"
        bet = self.steps["place_bet"].id
        return self._request("pay_winnings", action, (Line(account, self.prize),), [bet])

    def refund_request(self) -> dict[str, Any]:
        """``<kind>.refund`` naming the bet, the bet's lines given back."""
        lines = tuple(Line(line.account_id, -line.amount) for line in self.bet_lines)
        return self._request("refund_bet", "refund", lines, [self.steps["place_bet"].id])

    # ---------------------------------------------------------------- transitions
    def _from(self, *phases: Phase) -> None:
        if self.phase not in phases:
            raise WrongPhase(f"contract {self.id} is {self.phase}, not {' or '.join(phases)}")

    def _step_done(
        self, kind: StepType, now: int, ref_id: str | None, status: str = "finalized", **more: Any
    ) -> dict[str, ContractStep]:
        current = self.steps[kind]
        done = replace(
            current, status=status, ref_id=ref_id, end_date=now, start_date=current.start_date or now, **more
        )
        return {**self.steps, kind: done}

    def _step_started(self, kind: StepType, now: int) -> dict[str, ContractStep]:
        current = self.steps[kind]
        return {**self.steps, kind: replace(current, start_date=current.start_date or now)}

    def placed_by(self, ref_id: str | None, now: int, transactions: tuple[dict[str, Any], ...] = ()) -> Contract:
        self._from("placing")
        steps = self._step_done("place_bet", now, ref_id, transactions=transactions)
        return replace(self, status="in_progress", phase="viewing", steps=steps)

    def refused(self, code: str, message: str, now: int) -> Contract:
        self._from("placing")
        steps = self._step_done("place_bet", now, None, status="failed", error={"code": code, "message": message})
        return replace(self, status="cancelled", phase="done", steps=steps, end_date=now)

    def refunding(self, now: int) -> Contract:
        self._from("placing")
        return replace(self, phase="refunding", steps=self._step_started("refund_bet", now))

    def refunded_by(self, ref_id: str | None, now: int, transactions: tuple[dict[str, Any], ...] = ()) -> Contract:
        self._from("refunding")
        steps = self._step_done("refund_bet", now, ref_id, transactions=transactions)
        steps["place_bet"] = replace(steps["place_bet"], status="failed", end_date=now)
        return replace(self, status="refunded", phase="done", steps=steps, end_date=now)

    def settling(self, view: str, now: int) -> Contract:
        self._from("viewing")
        return replace(
            self, status="return_pending", phase="settling", view=view, steps=self._step_started("pay_winnings", now)
        )

    def settled_by(self, ref_id: str | None, now: int, transactions: tuple[dict[str, Any], ...] = ()) -> Contract:
        self._from("settling")
        return replace(
            self, phase="settled", steps=self._step_done("pay_winnings", now, ref_id, transactions=transactions)
        )

    @property
    def event_status(self) -> str:
        return EVENT_STATUS.get(self.status, "pending")


def new_steps(step_ids: dict[StepType, str], now: int) -> dict[str, ContractStep]:
    """A new contract's steps: its bet starts with it (the play sends it at once); the others
    start when they are sent."""
    return {
        kind: ContractStep(id=step_id, type=kind, start_date=now if kind == "place_bet" else None)
        for kind, step_id in step_ids.items()
    }


def split_stake(stake: int, balances: list[tuple[str, int]]) -> tuple[Line, ...]:
    """The stake across the player's accounts as the hub last saw them: ``real`` first, then
    ``bonus``, then any other in the operator's order; what no balance covers stays on the
    first account (the operator has the last word on funds and refuses it)."""
    order = sorted(
        (b for b in balances if b[1] > 0),
        key=lambda b: ACCOUNT_ORDER.index(b[0]) if b[0] in ACCOUNT_ORDER else len(ACCOUNT_ORDER),
    )
    first = order[0][0] if order else (balances[0][0] if balances else ACCOUNT_ORDER[0])
    taken: dict[str, int] = {}
    left = stake
    for account, balance in order:
        part = min(left, balance)
        if part:
            taken[account] = part
            left -= part
    if left:
        taken[first] = taken.get(first, 0) + left
    return tuple(Line(account, -amount) for account, amount in taken.items())


def balances_of(accounts: list[dict[str, Any]], code: str) -> list[tuple[str, int]]:
    """The session's accounts in ``code`` as (operator's account id, balance in minor units)."""
    cur = currency(code)
    found = []
    for account in accounts:
        if account.get("currency") != code or account.get("status", "active") != "active":
            continue
        try:
            found.append((str(account["ref_id"]), to_minor(str(account.get("amount", "0")), cur)))
        except DomainError:
            continue  # an operator's balance finer than the currency: not used to split
    return found
