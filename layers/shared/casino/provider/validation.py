"""The provider protocol's data fields (the seed's tables): a bad field is ``OP_10`` naming it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from casino.errors import ValidationFailed
from casino.money import CURRENCIES, to_decimal, to_minor
from casino.provider.errors import ProviderError, invalid

TOKEN_AUTH = re.compile(r"^[A-Za-z0-9]{20,50}$")
TRANSACTION_TYPES = ("BET", "WIN", "REFUND")


def _text(data: dict[str, Any], name: str, *, max_len: int, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise invalid(f"{name}: required")
        return None
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise invalid(f"{name}: a string of 1 to {max_len} characters")
    return value


MAX_ID_DIGITS = 19  # ids are stored as DynamoDB numbers (38 digits) and compared as ints


def _whole(value: int | Decimal) -> int | None:
    """An int, or a Decimal with a whole value (``12``, ``12.0``, ``1.2e1``), as an int of at most
    MAX_ID_DIGITS digits; else None. Integer arithmetic on the digits: no context, no huge int."""
    if isinstance(value, int):
        return value if abs(value) < 10**MAX_ID_DIGITS else None
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or len(digits) > 40 or not -40 <= exponent <= MAX_ID_DIGITS:
        return None
    number = 0
    for digit in digits:
        number = number * 10 + digit
    scale: int = 10 ** abs(exponent)
    if exponent >= 0:
        number *= scale
    else:
        number, rest = divmod(number, scale)
        if rest:
            return None
    if number >= 10**MAX_ID_DIGITS:
        return None
    return -number if sign else number


def _positive_int(data: dict[str, Any], name: str, *, max_value: int | None = None) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise invalid(f"{name}: required, a positive integer")
    limit = max_value if max_value is not None else 10**MAX_ID_DIGITS - 1
    number = _whole(value)
    if number is None or number <= 0 or number > limit:
        raise invalid(f"{name}: a positive integer of at most {len(str(limit))} digits")
    return number


def _flag(data: dict[str, Any], name: str) -> bool:
    value = data.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid(f"{name}: true or false")
    return value


def user_id(data: dict[str, Any]) -> str:
    value = _text(data, "user_id", max_len=70)
    assert value is not None
    return value


def currency_code(data: dict[str, Any]) -> str:
    value = _text(data, "currency_code", max_len=4)
    assert value is not None
    return value


def auth_token(data: dict[str, Any]) -> str:
    value = data.get("token")
    if not isinstance(value, str) or not TOKEN_AUTH.fullmatch(value):
        raise invalid("token: required, 20 to 50 letters or digits")
    return value


def token(data: dict[str, Any], *, required: bool) -> str | None:
    return _text(data, "token", max_len=50, required=required)


def transaction_id(data: dict[str, Any]) -> int:
    return _positive_int(data, "transaction_id")


def round_id(data: dict[str, Any]) -> int:
    return _positive_int(data, "round_id")


def game_id(data: dict[str, Any]) -> int:
    return _positive_int(data, "game_id", max_value=999_999)


def timestamp(data: dict[str, Any], name: str) -> str:
    value = _text(data, name, max_len=64)
    assert value is not None
    return value


def amount_minor(data: dict[str, Any], code: str) -> int:
    """A JSON number >= 0 with no more decimals than the currency allows (never rounded)."""
    value = data.get("amount")
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise invalid("amount: required, a number")
    try:
        amount = to_decimal(value, field="amount")  # exact, at most 40 digits
        if amount < 0:
            raise invalid("amount: must be zero or more")
        currency = CURRENCIES.get(code)
        if currency is None:
            raise ProviderError("OP_32", f"currency_code: {code!r} is not the player's currency")
        return to_minor(amount, currency, field="amount")  # the currency's precision and max_amount
    except ValidationFailed as refused:
        raise invalid(refused.message) from None


@dataclass(frozen=True)
class Change:
    token: str | None
    user_id: str
    transaction_type: str
    transaction_id: int
    round_id: int
    round_finished: bool
    game_id: int
    currency_code: str
    amount: int
    transaction_timestamp: str
    context: dict[str, Any]

    @property
    def free_spin(self) -> bool:
        return self.context.get("type") == "PROMO-FREESPIN"

    @property
    def buy_feature(self) -> bool:
        return self.context.get("buy_feature") is True

    def fingerprint_fields(self) -> dict[str, Any]:
        """The fields that decide the money (not the token, the timestamps or the hash)."""
        return {
            "command": "changebalance",
            "transaction_type": self.transaction_type,
            "user_id": self.user_id,
            "round_id": self.round_id,
            "game_id": self.game_id,
            "currency_code": self.currency_code,
            "amount": self.amount,
            "context": self.context,
        }


def change(data: dict[str, Any]) -> Change:
    kind = data.get("transaction_type")
    if kind not in TRANSACTION_TYPES:
        raise invalid(f"transaction_type: one of {', '.join(TRANSACTION_TYPES)}")
    context = data.get("context")
    if context is not None and not isinstance(context, dict):
        raise invalid("context: an object")
    context = context or {}
    free = context.get("type") == "PROMO-FREESPIN"
    uid = user_id(data)
    tid = transaction_id(data)
    rid = round_id(data)
    gid = game_id(data)
    code = currency_code(data)
    return Change(
        token=token(data, required=kind == "BET" and not free),
        user_id=uid,
        transaction_type=str(kind),
        transaction_id=tid,
        round_id=rid,
        round_finished=_flag(data, "round_finished"),
        game_id=gid,
        currency_code=code,
        amount=amount_minor(data, code),
        transaction_timestamp=timestamp(data, "transaction_timestamp"),
        context=context,
    )


def round_finished(data: dict[str, Any]) -> bool:
    return _flag(data, "round_finished")
