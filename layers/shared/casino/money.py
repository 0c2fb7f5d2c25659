"""Money: currencies with their precision, amounts as integer minor units, never floats.

An amount with more decimal places than its currency allows is refused, never rounded.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from casino.errors import ValidationFailed


@dataclass(frozen=True)
class Currency:
    code: str
    name: str
    precision: int

    @property
    def unit(self) -> int:
        return int(10**self.precision)


_DEFAULT_CURRENCIES = {
    "EUR": Currency("EUR", "Euro", 2),
    "USD": Currency("USD", "US Dollar", 2),
    "GBP": Currency("GBP", "Pound Sterling", 2),
    "TRY": Currency("TRY", "Turkish Lira", 2),
}


def _load_currencies() -> dict[str, Currency]:
    """The built-in currencies, extended or overridden by ``CURRENCIES`` (JSON ``{code: precision}``)."""
    currencies = dict(_DEFAULT_CURRENCIES)
    extra = os.environ.get("CURRENCIES")
    if extra:
        for code, precision in json.loads(extra).items():
            currencies[code] = Currency(code, code, int(precision))
    return currencies


CURRENCIES = _load_currencies()


def currency(code: object, *, field: str = "currency") -> Currency:
    if not isinstance(code, str) or code not in CURRENCIES:
        raise ValidationFailed(f"{field}: unknown currency {code!r}", field=field)
    return CURRENCIES[code]


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """A decimal string, an int, or a Decimal (JSON numbers are parsed to Decimal). Never a float."""
    if isinstance(value, (bool, float)):
        raise ValidationFailed(f"{field}: must be a decimal string, not a binary float", field=field)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValidationFailed(f"{field}: {value!r} is not a decimal number", field=field) from None
        if text != value or not text or text[0] in "+" or "e" in text.lower():
            raise ValidationFailed(f"{field}: {value!r} is not a plain decimal number", field=field)
    else:
        raise ValidationFailed(f"{field}: must be a decimal number", field=field)
    if not result.is_finite():
        raise ValidationFailed(f"{field}: must be a finite number", field=field)
    return result


def to_minor(value: object, cur: Currency, *, field: str = "amount") -> int:
    """Decimal amount -> integer minor units; refuses more decimals than ``cur.precision``."""
    amount = to_decimal(value, field=field)
    scaled = amount * cur.unit
    if scaled != scaled.to_integral_value():
        raise ValidationFailed(
            f"{field}: {amount} has more than {cur.precision} decimal places for {cur.code}", field=field
        )
    return int(scaled)


def positive_minor(value: object, cur: Currency, *, field: str = "amount") -> int:
    minor = to_minor(value, cur, field=field)
    if minor <= 0:
        raise ValidationFailed(f"{field}: must be greater than zero", field=field)
    return minor


def to_decimal_string(minor: int, cur: Currency) -> str:
    """Integer minor units -> ``"12.50"`` with exactly the currency's precision."""
    return str(from_minor(minor, cur))


def from_minor(minor: int, cur: Currency) -> Decimal:
    return (Decimal(minor) / cur.unit).quantize(Decimal(1).scaleb(-cur.precision))
