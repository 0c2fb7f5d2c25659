"""The account bridge's rules (operator-wallet.md), in pure Python: what a step of a hub
contract may do to a casino player's wallet.

A ``Step`` is one ``create_transaction`` the bridge has seen: a play (the bet), a win or a
lose (settling a play), a refund (reversing a play), a cancel_win (reversing a win), or a
tombstone (a step reversed before it arrived). The rules:

- every step named in ``prev_transactions`` belongs to the same user and the same contract
  (``data.contract_id``); otherwise ``invalid_request``, nothing moves;
- a win or lose names an applied play of that user and contract that is neither refunded nor
  settled already: a play is settled once, and a win is never paid without a stake;
- a refund reverses its play once, and never a settled play; a refund of a play never applied
  moves nothing and leaves a tombstone, so the play arriving later is refused;
- a cancel_win reverses its win once (if the balance allows); a win never applied gets a
  tombstone the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from casino.errors import DomainError, ValidationFailed

KINDS = ("instant_win", "single_player", "multiplayer_pvh", "multiplayer_pvp")
ACTIONS = ("play", "win", "lose", "refund", "cancel_win")
TYPE = re.compile(rf"^({'|'.join(KINDS)})\.({'|'.join(ACTIONS)})$")
ACCOUNTS = ("real", "bonus")
ID = re.compile(r"^[\x21-\x7e]{1,64}$")
MAX_PREV = 20
MAX_LINES = 10

OK = "OK"
ERROR = "ERROR"
TOMBSTONE = "TOMBSTONE"


class UserBlocked(DomainError):
    code = "user_blocked"


class DuplicateMismatch(DomainError):
    code = "duplicate_mismatch"


class InvalidRequest(ValidationFailed):
    """A well-formed request the wallet cannot take (a win without a play, another user's step)."""


@dataclass(frozen=True)
class Line:
    account_id: str
    amount: str  # the decimal string as sent; the currency decides its minor units


@dataclass(frozen=True)
class StepRequest:
    """A ``create_transaction`` body, validated (its amounts are checked against the wallet's
    currency when it is known)."""

    step_id: str
    user_id: str
    kind: str
    action: str
    contract_id: str
    prev: tuple[str, ...]
    lines: tuple[Line, ...]
    type: str

    @property
    def target(self) -> str | None:
        """The step a win, lose, refund or cancel_win acts on: the last one it names."""
        return self.prev[-1] if self.prev else None


def _id(value: object, name: str) -> str:
    if not isinstance(value, str) or not ID.fullmatch(value):
        raise ValidationFailed(f"{name}: 1 to 64 printable ASCII characters", field=name)
    return value


def parse(body: dict[str, Any]) -> StepRequest:
    step_id = _id(body.get("transaction_id"), "transaction_id")
    user = body.get("user_id")
    if not isinstance(user, str) or not 0 < len(user) <= 70:
        raise ValidationFailed("user_id: a string of 1 to 70 characters", field="user_id")
    kind_action = body.get("type")
    match = TYPE.fullmatch(kind_action) if isinstance(kind_action, str) else None
    if not match:
        raise ValidationFailed(f"type: <kind>.<action>, kinds {KINDS}, actions {ACTIONS}", field="type")
    data = body.get("data")
    if not isinstance(data, dict):
        raise ValidationFailed("data: an object with the contract_id", field="data")
    contract = _id(data.get("contract_id"), "data.contract_id")
    prev = body.get("prev_transactions", [])
    if prev is None:
        prev = []
    if not isinstance(prev, list) or len(prev) > MAX_PREV:
        raise ValidationFailed(f"prev_transactions: a list of at most {MAX_PREV} ids", field="prev_transactions")
    named = tuple(_id(p, f"prev_transactions[{i}]") for i, p in enumerate(prev))
    if step_id in named:
        raise ValidationFailed("prev_transactions: a step cannot name itself", field="prev_transactions")
    raw_lines = body.get("transactions")
    if not isinstance(raw_lines, list) or len(raw_lines) > MAX_LINES:
        raise ValidationFailed(
            f"transactions: a list of at most {MAX_LINES} {{id, account_id, amount}}", field="transactions"
        )
    lines = []
    for i, line in enumerate(raw_lines):
        if not isinstance(line, dict) or line.get("account_id") not in ACCOUNTS:
            raise ValidationFailed(
                f"transactions[{i}].account_id: real or bonus", field=f"transactions[{i}].account_id"
            )
        amount = line.get("amount")
        if not isinstance(amount, str):
            raise ValidationFailed(f"transactions[{i}].amount: a decimal string", field=f"transactions[{i}].amount")
        lines.append(Line(str(line["account_id"]), amount))
    action = match.group(2)
    if action != "play" and not named:
        raise ValidationFailed(f"prev_transactions: a {action} names the step it acts on", field="prev_transactions")
    return StepRequest(step_id, user, match.group(1), action, contract, named, tuple(lines), kind_action)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Step:
    """A step the bridge has seen. ``split`` keeps what it moved (a play's bet split, a
    win's real and bonus parts); ``settled_by`` and ``reversed_by`` say what later steps did
    to it; ``version`` guards every change (0: not written yet)."""

    operator: str
    step_id: str
    user_id: str
    contract_id: str
    action: str
    status: str
    type: str = ""
    fingerprint: str = ""
    split: dict[str, Any] = field(default_factory=dict)
    names: str | None = None
    settled_by: str | None = None
    reversed_by: str | None = None
    answer: dict[str, Any] | None = None
    ref_id: str | None = None
    error: dict[str, Any] | None = None
    version: int = 0
    created_at: int = 0

    @property
    def applied(self) -> bool:
        return self.status == OK

    def then(self, **changes: Any) -> Step:
        return replace(self, version=self.version + 1, **changes)


def check_named(request: StepRequest, named: dict[str, Step | None]) -> None:
    """Every step it names is this user's and this contract's. Only the step a refund or a
    cancel_win reverses may be unknown (it may never have arrived): any other step it names
    must be one the bridge has seen, or its owner could not be checked."""
    for step_id in request.prev:
        step = named.get(step_id)
        if step is None:
            if request.action in ("refund", "cancel_win") and step_id == request.target:
                continue
            raise InvalidRequest(
                f"prev_transactions: {step_id} is not a step this wallet knows", field="prev_transactions"
            )
        if step.user_id != request.user_id or step.contract_id != request.contract_id:
            raise InvalidRequest(
                f"prev_transactions: {step_id} is not a step of this user and contract", field="prev_transactions"
            )


def play_to_settle(request: StepRequest, named: dict[str, Step | None]) -> Step:
    """The play a win or lose settles: applied, this user's, neither refunded nor settled."""
    target = named.get(request.target or "")
    if target is None or target.action != "play" or not target.applied:
        raise InvalidRequest(f"prev_transactions: a {request.action} names an applied play", field="prev_transactions")
    if target.reversed_by is not None:
        raise InvalidRequest("prev_transactions: the play was refunded", field="prev_transactions")
    if target.settled_by is not None:
        raise InvalidRequest(
            f"prev_transactions: the play was settled by {target.settled_by}", field="prev_transactions"
        )
    return target


def play_to_refund(request: StepRequest, named: dict[str, Step | None]) -> Step | None:
    """The play a refund reverses; None when there is nothing (left) to reverse: never
    applied, refused, or refunded already. A settled play is never refunded."""
    target = named.get(request.target or "")
    if target is None or target.status == TOMBSTONE:
        return None
    if target.action != "play":
        raise InvalidRequest("prev_transactions: a refund names the play it refunds", field="prev_transactions")
    if target.settled_by is not None:
        raise InvalidRequest(
            f"prev_transactions: the play was settled by {target.settled_by}", field="prev_transactions"
        )
    if not target.applied or target.reversed_by is not None:
        return None
    return target


def win_to_cancel(request: StepRequest, named: dict[str, Step | None]) -> Step | None:
    """The win a cancel_win reverses; None when there is nothing (left) to reverse."""
    target = named.get(request.target or "")
    if target is None or target.status == TOMBSTONE:
        return None
    if target.action != "win":
        raise InvalidRequest("prev_transactions: a cancel_win names the win it cancels", field="prev_transactions")
    if not target.applied or target.reversed_by is not None:
        return None
    return target


def tombstone(operator: str, step_id: str, request: StepRequest, now: int) -> Step:
    """A step reversed before it arrived: its later arrival is refused."""
    return Step(
        operator=operator,
        step_id=step_id,
        user_id=request.user_id,
        contract_id=request.contract_id,
        action="",
        status=TOMBSTONE,
        names=request.step_id,
        version=1,
        created_at=now,
    )
