from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino.errors import ValidationFailed
from casino.money import (
    CURRENCIES,
    Currency,
    _configured,
    canonical,
    currency,
    from_minor,
    positive_minor,
    to_decimal,
    to_decimal_string,
    to_minor,
)

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


@given(st.integers(min_value=-EUR.max_amount, max_value=EUR.max_amount))
def test_minor_units_round_trip_through_the_decimal_string(minor: int) -> None:
    text = to_decimal_string(minor, EUR)
    assert to_minor(text, EUR) == minor
    assert len(text.split(".")[1]) == EUR.precision
    assert from_minor(minor, EUR) == Decimal(text)


# ------------------------------------------------------------------ issue 9: exact or refused
@pytest.mark.parametrize(
    "value",
    [
        "12345678901234567890123456.785",  # the 28-digit context rounded it to .78, then credited it
        Decimal("12345678901234567890123456.785"),
        "12345678901234567890123456.78",  # exact, but far above max_amount
        Decimal("1.2E+25"),  # a provider WIN of ~1.2e25 was accepted
        "1" + "0" * 36,  # DynamoDB's serializer overflowed on it (500)
        "1000000000.01",
        Decimal("1000000000.01"),
        -100_000_000_001 // 100,
    ],
)
def test_amounts_above_max_amount_are_refused_never_rounded(value: object) -> None:
    with pytest.raises(ValidationFailed) as refused:
        to_minor(value, EUR, field="amount")
    assert refused.value.field == "amount"


def test_the_default_max_amount_is_a_billion_major_units_either_way() -> None:
    assert EUR.max_amount == 100_000_000_000
    assert to_minor("1000000000.00", EUR) == EUR.max_amount
    assert to_minor("-1000000000", EUR) == -EUR.max_amount
    assert to_minor(Decimal("1E+9"), EUR) == EUR.max_amount


@pytest.mark.parametrize(
    "value",
    [
        "\u0661\u0662",  # Arabic-Indic digits: were deposited as 12.00
        "\uff11\uff12",  # full-width
        "\u0968",  # Devanagari
        "1\u00b2",
        "12\n",
        "\u0661.5",
    ],
)
def test_only_ascii_digits_make_an_amount(value: str) -> None:
    with pytest.raises(ValidationFailed, match="plain decimal") as refused:
        to_minor(value, EUR, field="limits.min_bet")
    assert refused.value.field == "limits.min_bet"
    with pytest.raises(ValidationFailed):
        canonical(value)


@pytest.mark.parametrize(
    "value",
    ["1" * 41, "0." + "0" * 39 + "1", 10**40, -(10**40), 10**5000, "9" * 5000, Decimal("1E+40"), Decimal("1E-41")],
    ids=[
        "41-digits",
        "41-places",
        "1e40",
        "-1e40",
        "int-5001-digits",
        "str-5000-digits",
        "Decimal-1E+40",
        "Decimal-1E-41",
    ],
)
def test_more_than_40_digits_are_refused_without_blowing_up(value: object) -> None:
    with pytest.raises(ValidationFailed, match="40 digits"):
        to_minor(value, EUR)
    with pytest.raises(ValidationFailed, match="40 digits"):
        canonical(value)


@pytest.mark.parametrize(
    ("value", "minor"),
    [
        (Decimal("1E+2"), 10000),  # JSON 1e2: its exact value
        (Decimal("1.5E+2"), 15000),
        (Decimal("1.50E+1"), 1500),
        (Decimal("2.5E-1"), 25),
        (Decimal("1.000000"), 100),  # trailing zeros are not extra precision
        (Decimal("-0"), 0),
        ("-0.00", 0),
        ("0000012.50", 1250),
    ],
)
def test_json_numbers_with_exponents_keep_their_exact_value(value: object, minor: int) -> None:
    assert to_minor(value, EUR) == minor


@pytest.mark.parametrize("value", [Decimal("1E-3"), Decimal("1.5E-2"), Decimal("NaN"), Decimal("-Infinity")])
def test_exponents_finer_than_the_currency_or_not_finite_are_refused(value: Decimal) -> None:
    with pytest.raises(ValidationFailed):
        to_minor(value, EUR)


@pytest.mark.parametrize(
    ("spellings", "text"),
    [
        (["5", "5.0", "5.00", 5, Decimal("5.0"), Decimal("5.00"), Decimal("0.5E+1"), "005"], "5"),
        (["5.1", "5.10", Decimal("5.100"), Decimal("51E-1")], "5.1"),
        (["-0.5", "-0.50", Decimal("-0.500"), Decimal("-5E-1")], "-0.5"),
        (["0", "-0", "0.000", "-0.00", 0, Decimal("-0E+3")], "0"),
        (["100", Decimal("1E+2"), "100.0"], "100"),
        (["0.0001", Decimal("1E-4")], "0.0001"),
        (["12345678901234567890123456.785"], "12345678901234567890123456.785"),
    ],
)
def test_canonical_gives_two_spellings_of_one_amount_one_text(spellings: list[object], text: str) -> None:
    assert {canonical(s, field="amount") for s in spellings} == {text}


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(lambda d: len(d.as_tuple().digits) < 30))
def test_canonical_is_exact_and_stable(value: Decimal) -> None:
    try:
        text = canonical(value)
    except ValidationFailed:
        return  # more than 40 digits written out
    assert Decimal(text) == value  # exact: compared without rounding
    assert canonical(text) == text
    assert canonical(to_decimal(text)) == text


def test_to_decimal_keeps_the_places_it_was_given_and_never_uses_exponents() -> None:
    assert str(to_decimal("5.00")) == "5.00"
    assert str(to_decimal(Decimal("1E+2"))) == "100"
    with pytest.raises(ValidationFailed) as refused:
        to_decimal("\u0661\u0662", field="wagering_multiplier")
    assert refused.value.field == "wagering_multiplier"


def test_decimal_strings_of_minor_units_are_exact_at_any_precision() -> None:
    btc = Currency("BTC", "Bitcoin", 8)
    jpy = Currency("JPY", "Yen", 0)
    assert to_decimal_string(5, btc) == "0.00000005"
    assert str(from_minor(5, btc)) in ("5E-8", "0.00000005") and from_minor(5, btc) == Decimal("0.00000005")
    assert to_decimal_string(-1234, jpy) == "-1234"
    assert to_decimal_string(-5, EUR) == "-0.05"
    assert to_minor("0.00000005", btc) == 5
    assert btc.max_amount == 10**17


def test_currencies_env_gives_a_precision_or_a_precision_and_max_amount() -> None:
    assert _configured("BTC", 8) == Currency("BTC", "BTC", 8, 10**17)
    assert _configured("XAU", {"precision": 3, "max_amount": "5000.5"}).max_amount == 5_000_500
    assert _configured("XAU", {"precision": "3", "max_amount": 20}).max_amount == 20_000
    assert _configured("IDR", {"precision": 2, "max_amount": "1000000000000000"}).max_amount == 10**17
    for bad in ("5000.005", "0", "-1", "1e3", "\u0661"):
        with pytest.raises(ValueError, match="CURRENCIES: XAU"):
            _configured("XAU", {"precision": 2, "max_amount": bad})
    with pytest.raises(ValueError):
        _configured("XAU", {"precision": True})
    with pytest.raises(ValueError):
        Currency("BAD", "Bad", 19)


def test_a_json_number_and_its_written_out_string_meet_the_same_digit_bound() -> None:
    """Found by hypothesis: a Decimal of 21 digits at 1e-40 passed while its own canonical text
    (41 digits written out) was refused."""
    tiny = Decimal("2.13415533082762252469E-20")
    with pytest.raises(ValidationFailed, match="40 digits"):
        canonical(tiny)
    assert canonical(Decimal("2.1341553308276225246E-19")) == "0." + "0" * 18 + "21341553308276225246"
