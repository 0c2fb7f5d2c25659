from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino.errors import ValidationFailed
from casino.money import CURRENCIES, currency, from_minor, positive_minor, to_decimal_string, to_minor

EUR = CURRENCIES["EUR"]


@pytest.mark.parametrize(
    ("value", "minor"),
    [
        ("12.50", 1250),
        ("0.01", 1),
        ("100", 10000),
        (Decimal("7.1"), 710),
        (3, 300),
        ("0", 0),
        ("-2.30", -230),
    ],
)
def test_amounts_become_exact_minor_units(value: object, minor: int) -> None:
    assert to_minor(value, EUR) == minor


@pytest.mark.parametrize("value", ["12.505", "0.001", Decimal("1.999")])
def test_an_amount_finer_than_the_currency_is_refused_not_rounded(value: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        to_minor(value, EUR, field="amount")
    assert refused.value.field == "amount"
    assert "decimal places" in refused.value.message


@pytest.mark.parametrize("value", [12.5, True, None, "abc", "", " 1.00", "1e3", "NaN", "Infinity", "+1", [1], {}])
def test_floats_and_non_numbers_are_refused_naming_the_field(value: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        to_minor(value, EUR, field="amount")
    assert refused.value.field == "amount"


@pytest.mark.parametrize("value", ["0", "-1.00", "0.00"])
def test_positive_amounts_only_where_asked(value: str) -> None:
    with pytest.raises(ValidationFailed, match="greater than zero"):
        positive_minor(value, EUR)


def test_unknown_currency_names_the_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        currency("XXX", field="currency_code")
    assert refused.value.field == "currency_code"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_minor_units_round_trip_through_the_decimal_string(minor: int) -> None:
    text = to_decimal_string(minor, EUR)
    assert to_minor(text, EUR) == minor
    assert len(text.split(".")[1]) == EUR.precision
    assert from_minor(minor, EUR) == Decimal(text)
