"""The admin API's documented request shapes agree with the rules that check them."""

from __future__ import annotations

from casino.api.admin_models import GAME_CONFIGURATION_SCHEMA, RegisterOperator
from casino.hub import prizes
from casino.registry import operators


def test_the_documented_game_configuration_is_the_one_parse_config_checks() -> None:
    documented = GAME_CONFIGURATION_SCHEMA["properties"]
    assert tuple(documented) == prizes.CONFIG_FIELDS
    assert (documented["tickets"]["minimum"], documented["tickets"]["maximum"]) == (
        prizes.MIN_TICKETS,
        prizes.MAX_TICKETS,
    )
    assert documented["prizes"]["maxItems"] == prizes.MAX_PRIZE_LEVELS
    timeout = documented["view_timeout_s"]
    assert (timeout["minimum"], timeout["maximum"], timeout["default"]) == (
        prizes.MIN_VIEW_TIMEOUT_S,
        prizes.MAX_VIEW_TIMEOUT_S,
        prizes.DEFAULT_VIEW_TIMEOUT_S,
    )
    assert tuple(documented["on_sold_out"]["enum"]) == prizes.SOLD_OUT_POLICIES


def test_the_documented_operator_code_is_the_one_registration_checks() -> None:
    pattern = RegisterOperator.model_json_schema()["properties"]["code"]["pattern"]
    assert pattern == f"^{operators.CODE.pattern}$"
