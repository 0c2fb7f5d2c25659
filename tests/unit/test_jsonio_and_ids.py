import contextlib
import json
import time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casino.api.jsonio import JsonRejected, depth, dumps, dumps_numbers, loads
from casino.ids import new_id
from casino.provider import validation
from casino.provider.errors import ProviderError


def test_json_numbers_with_a_fraction_are_read_as_decimal_never_float() -> None:
    data = loads('{"amount": 12.10, "n": 3}')
    assert data["amount"] == Decimal("12.10")
    assert isinstance(data["amount"], Decimal)
    assert data["n"] == 3


def test_provider_balances_go_out_as_json_numbers_keeping_their_digits() -> None:
    text = dumps_numbers({"balance": Decimal("120.00"), "neg": Decimal("-0.50"), "items": [Decimal("1")]})
    assert text == '{"balance":120.00,"neg":-0.50,"items":[1]}'


def test_a_string_that_looks_like_the_marker_stays_a_string() -> None:
    text = dumps_numbers({"note": "\u0000deadbeef:12.00"})
    assert json.loads(text) == {"note": "\u0000deadbeef:12.00"}


def test_hub_amounts_go_out_as_decimal_strings() -> None:
    assert dumps({"amount": Decimal("12.50")}) == '{"amount":"12.50"}'


def test_ids_are_prefixed_and_sortable_by_time() -> None:
    earlier = new_id("trx", 1_700_000_000_000)
    later = new_id("trx", 1_700_000_000_001)
    assert earlier.startswith("trx_") and len(earlier) == 30
    assert earlier < later
    assert new_id("trx") != new_id("trx")


# ------------------------------------------------------------------ issue 9: bounded loads
def nested(levels: int) -> str:
    return '{"a":' * (levels - 1) + "[1]" + "}" * (levels - 1)


def test_nesting_up_to_32_levels_is_read_and_deeper_is_refused_without_recursion() -> None:
    assert depth(nested(32)) == 32
    assert loads(nested(32)) is not None
    for text in (nested(33), "[" * 20000, "[" * 20000 + "]" * 20000, '{"a":' * 50000):
        with pytest.raises(JsonRejected, match="deeper than 32"):
            loads(text)
        with pytest.raises(JsonRejected):
            loads(text.encode())


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = '{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "b\\"[[[": "\\\\[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}'
    assert depth(text) == 1
    assert loads(text)["a"] == "[" * 40


def test_stripping_strings_is_linear_on_unterminated_escapes() -> None:
    started = time.perf_counter()
    for text in ('"' + '\\"' * 32000, '["' + "\\" * 65000, '"' * 65000):
        with pytest.raises(JsonRejected):
            loads("[" * 40 + text)
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    "text",
    [
        "1" * 41,
        "-" + "1" * 41,
        "1" * 5000,  # int() would raise its 4300-digit ValueError
        "1" * 40 + ".5",
        "0." + "0" * 40 + "1",
        "1e40",
        "1E+300",
        "1e-300",
        "1e99999999999999999999",  # Decimal() would raise InvalidOperation
        '{"amount": 1e36, "id": ' + "9" * 41 + "}",
    ],
)
def test_numbers_with_more_than_40_digits_are_refused(text: str) -> None:
    with pytest.raises(JsonRejected, match="40 digits"):
        loads(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1" * 40, int("1" * 40)),
        ("1e39", Decimal("1E+39")),
        ("1.5e2", Decimal("150")),
        ("-0.0", Decimal("-0.0")),
        ("12.10", Decimal("12.10")),
        ("0." + "0" * 39 + "1", Decimal("1E-40")),
    ],
)
def test_numbers_within_40_digits_keep_their_exact_value(text: str, value: object) -> None:
    read = loads(text)
    assert read == value and type(read) is type(value)


@pytest.mark.parametrize(
    "text",
    ["NaN", "[Infinity]", '{"a": -Infinity}', "{x", "[1,", "", "'a'", '"\\ud800"', '{"\\udfff": 1}', "\ufeff[]"],
)
def test_bad_text_is_a_json_rejected_value_error(text: str) -> None:
    with pytest.raises(JsonRejected) as rejected:
        loads(text)
    assert isinstance(rejected.value, ValueError)


def test_bytes_that_are_not_utf8_are_refused() -> None:
    with pytest.raises(JsonRejected, match="UTF-8"):
        loads(b'{"a": "\xff"}')
    assert loads('{"a": "\U0001f600"}'.encode()) == {"a": "\U0001f600"}


@settings(max_examples=300)
@given(st.one_of(st.text(alphabet='[]{}",:\\0123456789.eE-+ ntrufalsx', max_size=200), st.binary(max_size=80)))
def test_loads_raises_nothing_but_json_rejected(text: str | bytes) -> None:
    with contextlib.suppress(JsonRejected):
        loads(text)


# ------------------------------------------------------------------ provider ids and amounts (OP_10, never OP_90)
def changebalance(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "token": "t" * 30,
        "user_id": "player-1",
        "transaction_type": "WIN",
        "transaction_id": 1,
        "round_id": 1,
        "game_id": 1,
        "currency_code": "EUR",
        "amount": Decimal("1.00"),
        "transaction_timestamp": "1700000000000",
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("transaction_id", 10**38),  # gave OP_90 (DynamoDB overflow)
        ("transaction_id", Decimal("1E+38")),
        ("transaction_id", 10**19),
        ("round_id", int("9" * 40)),
        ("round_id", Decimal("1E+999")),
        ("round_id", Decimal("1.5")),
        ("round_id", Decimal("1E-999")),
        ("round_id", Decimal("NaN")),
        ("transaction_id", 0),
        ("transaction_id", -1),
        ("transaction_id", True),
        ("transaction_id", "1"),
        ("game_id", 1_000_000),
    ],
)
def test_ids_are_positive_integers_of_at_most_19_digits(field: str, value: object) -> None:
    with pytest.raises(ProviderError) as refused:
        validation.change(changebalance(**{field: value}))
    assert refused.value.code == "OP_10"
    assert refused.value.message.startswith(f"{field}:")


@pytest.mark.parametrize(
    ("value", "expected"), [(10**19 - 1, 10**19 - 1), (Decimal("12.0"), 12), (Decimal("1.2E+1"), 12), (7, 7)]
)
def test_ids_read_exactly(value: object, expected: int) -> None:
    assert validation.change(changebalance(transaction_id=value)).transaction_id == expected


@pytest.mark.parametrize(
    "amount",
    [
        Decimal("1.2E+25"),  # a WIN of ~1.2e25 was accepted
        Decimal("12345678901234567890123456.785"),  # rounded to .78 by the 28-digit context
        Decimal("1000000000.01"),
        Decimal("0.001"),
        Decimal("-1"),
        Decimal("1E+39"),
        10**39,
    ],
)
def test_provider_amounts_are_exact_bounded_or_op_10(amount: object) -> None:
    with pytest.raises(ProviderError) as refused:
        validation.amount_minor({"amount": amount}, "EUR")
    assert refused.value.code == "OP_10"
    assert refused.value.message.startswith("amount:")


def test_provider_amounts_keep_their_exact_value() -> None:
    assert validation.amount_minor({"amount": Decimal("1.5E+2")}, "EUR") == 15000
    assert validation.amount_minor({"amount": Decimal("12.10")}, "EUR") == 1210
    assert validation.amount_minor({"amount": 0}, "EUR") == 0
    assert validation.amount_minor({"amount": Decimal("1000000000")}, "EUR") == 100_000_000_000
    with pytest.raises(ProviderError) as refused:
        validation.amount_minor({"amount": Decimal("1")}, "XXX")
    assert refused.value.code == "OP_32"
