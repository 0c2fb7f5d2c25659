"""Money: currencies with their precision and bounds, amounts as integer minor units, never floats.

An amount is parsed exactly, with integer arithmetic on its digits (no decimal context ever
rounds it): plain ASCII decimal strings (``-?[0-9]+(\\.[0-9]+)?``), ints, or the exact
``Decimal``s that ``casino.api.jsonio.loads`` makes of JSON numbers (``1e2`` is 100). More
than ``MAX_DIGITS`` digits, more decimal places than the currency's precision, or more than
its ``max_amount`` is refused (``ValidationFailed`` naming the field), never rounded.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from decimal import Decimal

from casino.errors import ValidationFailed

MAX_DIGITS = 40
DEFAULT_MAX_MAJOR = 1_000_000_000
MAX_PRECISION = 18
MAX_MINOR = 10**36  # a max_amount stays far inside DynamoDB's 38 digits, sums of many included
_PLAIN = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


@dataclass(frozen=True)
class Currency:
    """A currency: ``precision`` decimal places; ``max_amount`` is the largest amount one request
    may carry, in minor units (0 when built means the default, 1,000,000,000 major units)."""

    code: str
    name: str
    precision: int
    max_amount: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.precision, bool) or not 0 <= self.precision <= MAX_PRECISION:
            raise ValueError(f"currency {self.code}: precision must be 0 to {MAX_PRECISION}")
        if self.max_amount == 0:
            object.__setattr__(self, "max_amount", DEFAULT_MAX_MAJOR * self.unit)
        if not 0 < self.max_amount < MAX_MINOR:
            raise ValueError(f"currency {self.code}: max_amount must be positive and under 10**36 minor units")

    @property
    def unit(self) -> int:
        return int(10**self.precision)


_DEFAULT_CURRENCIES = {
    "EUR": Currency("EUR", "Euro", 2),
    "USD": Currency("USD", "US Dollar", 2),
    "GBP": Currency("GBP", "Pound Sterling", 2),
    "TRY": Currency("TRY", "Turkish Lira", 2),
}


def _configured(code: str, spec: object) -> Currency:
    """One entry of ``CURRENCIES``: a precision, or ``{"precision": p, "max_amount": "..."}``
    (``max_amount`` in major units, exact at the precision; ``name`` optional)."""
    if isinstance(spec, dict):
        precision, name, limit = spec.get("precision"), spec.get("name", code), spec.get("max_amount")
    else:
        precision, name, limit = spec, code, None
    if isinstance(precision, str) and precision.isascii() and precision.isdigit():
        precision = int(precision)
    if isinstance(precision, bool) or not isinstance(precision, int) or not isinstance(name, str):
        raise ValueError(f"CURRENCIES: {code}: precision must be an integer")
    if limit is None:
        return Currency(code, name, precision)
    try:
        minor = to_minor(limit, Currency(code, name, precision, MAX_MINOR - 1), field="max_amount")
    except ValidationFailed as refused:
        raise ValueError(f"CURRENCIES: {code}: {refused.message}") from None
    if minor <= 0:
        raise ValueError(f"CURRENCIES: {code}: max_amount must be greater than zero")
    return Currency(code, name, precision, minor)


def _load_currencies() -> dict[str, Currency]:
    """The built-in currencies, extended or overridden by ``CURRENCIES`` (JSON ``{code: precision}``
    or ``{code: {"precision": p, "max_amount": "..."}}``)."""
    currencies = dict(_DEFAULT_CURRENCIES)
    extra = os.environ.get("CURRENCIES")
    if extra:
        for code, spec in json.loads(extra).items():
            currencies[code] = _configured(code, spec)
    return currencies


def currency(code: object, *, field: str = "currency") -> Currency:
    if not isinstance(code, str) or code not in CURRENCIES:
        raise ValidationFailed(f"{field}: unknown currency {code!r}", field=field)
    return CURRENCIES[code]


def _refuse(field: str, problem: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {problem}", field=field)


def _digits_written(coefficient: int, exponent: int) -> int:
    """How many digits ``coefficient * 10**exponent`` takes written out, as a string amount
    counts them (``0.05``: 3, ``1e2``: 3): the same bound for a JSON number and a string."""
    length = len(str(abs(coefficient))) if coefficient else 1
    return max(length + exponent, 1) + max(-exponent, 0)


def _exact(value: object, field: str) -> tuple[int, int]:
    """``value`` as ``(coefficient, exponent)`` with ``value == coefficient * 10**exponent``
    exactly and ``exponent <= 0`` (the decimal places as given: ``"5.00"`` is ``(500, -2)``).
    Integer arithmetic only; every bound is checked before any large number is built."""
    if isinstance(value, bool | float):
        raise _refuse(field, "must be a decimal string, not a binary float or a boolean")
    if isinstance(value, str):
        if len(value) > MAX_DIGITS + 2:
            raise _refuse(field, f"more than {MAX_DIGITS} digits")
        if not _PLAIN.fullmatch(value):
            raise _refuse(field, f"{value!r} is not a plain decimal number (ASCII digits, an optional - and .)")
        whole, _, fraction = value.lstrip("-").partition(".")
        if len(whole) + len(fraction) > MAX_DIGITS:
            raise _refuse(field, f"more than {MAX_DIGITS} digits")
        coefficient = int(whole + fraction)
        return (-coefficient if value.startswith("-") else coefficient), -len(fraction)
    if isinstance(value, int):
        if not -(10**MAX_DIGITS) < value < 10**MAX_DIGITS:
            raise _refuse(field, f"more than {MAX_DIGITS} digits")
        return value, 0
    if isinstance(value, Decimal):
        sign, digits, exponent = value.as_tuple()
        if not isinstance(exponent, int):
            raise _refuse(field, "must be a finite number")
        if len(digits) > MAX_DIGITS or exponent > MAX_DIGITS or exponent < -MAX_DIGITS:
            raise _refuse(field, f"more than {MAX_DIGITS} digits")
        coefficient = 0
        for digit in digits:
            coefficient = coefficient * 10 + digit
        if _digits_written(coefficient, exponent) > MAX_DIGITS:
            raise _refuse(field, f"more than {MAX_DIGITS} digits")
        if exponent > 0:
            coefficient, exponent = coefficient * 10**exponent, 0
        return (-coefficient if sign else coefficient), exponent
    raise _refuse(field, "must be a decimal number")


def _normal(coefficient: int, exponent: int) -> tuple[int, int]:
    """Without trailing zeros in the fraction: ``(500, -2)`` -> ``(5, 0)``; zero is ``(0, 0)``."""
    if coefficient == 0:
        return 0, 0
    while exponent < 0 and coefficient % 10 == 0:
        coefficient, exponent = coefficient // 10, exponent + 1
    return coefficient, exponent


def _text(coefficient: int, exponent: int) -> str:
    """``coefficient * 10**exponent`` (``exponent <= 0``) as a plain decimal string."""
    digits = str(abs(coefficient))
    if exponent < 0:
        digits = digits.rjust(1 - exponent, "0")
        digits = f"{digits[:exponent]}.{digits[exponent:]}"
    return f"-{digits}" if coefficient < 0 else digits


def canonical(value: object, *, field: str = "amount") -> str:
    """The one spelling of an amount, for idempotency fingerprints: ``"5.00"``, ``"5.0"``, ``5``
    and the JSON number ``5.0`` are all ``"5"``; ``-0`` is ``"0"``; ``"-0.50"`` is ``"-0.5"``.
    Refuses what parsing refuses (floats, non-ASCII digits, more than 40 digits...)."""
    return _text(*_normal(*_exact(value, field)))


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """A decimal string, an int, or a Decimal (JSON numbers are parsed to Decimal), exactly, with
    the decimal places it was given (``"5.00"`` stays ``5.00``; ``1e2`` becomes ``100``). Never a float."""
    coefficient, exponent = _exact(value, field)
    return Decimal((1 if coefficient < 0 else 0, tuple(map(int, str(abs(coefficient)))), exponent))


def to_minor(value: object, cur: Currency, *, field: str = "amount") -> int:
    """Decimal amount -> integer minor units, exactly; refuses more decimals than ``cur.precision``
    and more than ``cur.max_amount`` either way."""
    coefficient, exponent = _normal(*_exact(value, field))
    if -exponent > cur.precision:
        raise _refuse(
            field, f"{_text(coefficient, exponent)} has more than {cur.precision} decimal places for {cur.code}"
        )
    minor: int = coefficient * 10 ** (exponent + cur.precision)  # exponent >= -precision here
    if abs(minor) > cur.max_amount:
        raise _refuse(
            field, f"more than {to_decimal_string(cur.max_amount, cur)} {cur.code}, the largest amount allowed"
        )
    return minor


def positive_minor(value: object, cur: Currency, *, field: str = "amount") -> int:
    minor = to_minor(value, cur, field=field)
    if minor <= 0:
        raise ValidationFailed(f"{field}: must be greater than zero", field=field)
    return minor


def to_decimal_string(minor: int, cur: Currency) -> str:
    """Integer minor units -> ``"12.50"`` with exactly the currency's precision."""
    return _text(minor, -cur.precision)


def from_minor(minor: int, cur: Currency) -> Decimal:
    """Integer minor units -> the exact Decimal with the currency's precision (``1250`` -> ``12.50``)."""
    return Decimal((1 if minor < 0 else 0, tuple(map(int, str(abs(minor)))), -cur.precision))


CURRENCIES = _load_currencies()
