import json
from decimal import Decimal

from casino.api.jsonio import dumps, dumps_numbers, loads
from casino.ids import new_id


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
