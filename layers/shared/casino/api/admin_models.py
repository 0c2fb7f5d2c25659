"""Request bodies of the admin API. Amounts are decimal strings (or JSON numbers, read as
Decimal), passed on in their one canonical spelling (``"5.00"`` and ``5.0`` are ``"5"``); the
domain refuses anything finer than the currency's precision or above its ``max_amount``.
Every number and list is bounded, so nothing oversized reaches the domain or DynamoDB."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from casino.errors import ValidationFailed
from casino.money import canonical, to_decimal

MAX_FACTOR = Decimal(1000)
FACTOR_PLACES = 4
MAX_UNIX_MS = 10**13  # 2286-11-20: a timestamp in unix ms has at most 13 digits


def _amount(value: object) -> object:
    """A decimal string, an integer, or a JSON number (already a Decimal), exact: its canonical
    string; the domain checks it against the currency."""
    if isinstance(value, str | int | Decimal) and not isinstance(value, bool):
        try:
            return canonical(value, field="amount")
        except ValidationFailed as refused:
            raise ValueError(refused.message.removeprefix("amount: ")) from None
    raise ValueError('must be a decimal amount such as "12.50"')


def _factor(value: object) -> object:
    """A wagering multiplier or contribution factor: 0 to 1000, at most 4 decimal places; its
    canonical string."""
    if isinstance(value, str | int | Decimal) and not isinstance(value, bool):
        try:
            number = to_decimal(value, field="factor")
        except ValidationFailed as refused:
            raise ValueError(refused.message.removeprefix("factor: ")) from None
        if number < 0 or number > MAX_FACTOR:
            raise ValueError(f"must be from 0 to {MAX_FACTOR}")
        text = canonical(number, field="factor")
        if len(text.partition(".")[2]) > FACTOR_PLACES:
            raise ValueError(f"at most {FACTOR_PLACES} decimal places")
        return text
    raise ValueError('must be a decimal number such as "10" or "0.5"')


Amount = Annotated[
    Any,
    BeforeValidator(_amount),
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "maxLength": 42, "examples": ["12.50"]}),
]
Factor = Annotated[
    Any,
    BeforeValidator(_factor),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]{1,4}(\.[0-9]{1,4})?$", "examples": ["10", "0.5"]}),
]
DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"
# A hub game's configuration as documented: ``casino.hub.prizes.parse_config`` checks it (its
# bounds are the numbers below: tests/unit/test_admin_models_docs.py holds them to it), and also
# that the prize table pays exactly ``rtp`` of a series' stakes.
GAME_CONFIGURATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["currency", "stake", "tickets", "prizes", "rtp"],
    "properties": {
        "currency": {"type": "string", "minLength": 3, "maxLength": 4, "examples": ["EUR"]},
        "stake": {"type": "string", "pattern": DECIMAL, "maxLength": 42, "examples": ["1.00"]},
        "tickets": {"type": "integer", "minimum": 10, "maximum": 1_000_000, "examples": [10000]},
        "prizes": {
            "type": "array",
            "minItems": 1,
            "maxItems": 64,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["amount", "count"],
                "properties": {
                    "amount": {"type": "string", "pattern": DECIMAL, "maxLength": 42, "examples": ["100.00"]},
                    "count": {"type": "integer", "minimum": 1},
                },
            },
            "description": "winning tickets by count, each amount once; at most `tickets` winners in all",
        },
        "rtp": {"type": "string", "pattern": DECIMAL, "maxLength": 42, "examples": ["0.95"]},
        "view_timeout_s": {"type": "integer", "minimum": 5, "maximum": 3600, "default": 60},
        "on_sold_out": {"type": "string", "enum": ["new_series", "stop"], "default": "new_series"},
    },
    "description": (
        "An instant-win game: `rtp` (above 0, at most 1) must be paid exactly over a series: "
        "the sum of amount * count equals tickets * stake * rtp. Fields not listed are refused."
    ),
}
Category = Annotated[str, Field(min_length=1, max_length=64)]
CurrencyCode = Annotated[str, Field(min_length=3, max_length=4)]
IpRange = Annotated[str, Field(min_length=1, max_length=64)]


class _Body(BaseModel):
    # defer_build: a model's validator is built when it is first used, not when this module is
    # imported; each admin function uses one of these, and building them all was most of an
    # admin function's own import time.
    model_config = ConfigDict(extra="ignore", defer_build=True)


class PlayerLimits(_Body):
    min_bet: Amount | None = None
    max_bet: Amount | None = None
    session_minutes: int | None = Field(default=None, gt=0, le=10080, strict=True, description="at most a week")


class CreatePlayer(_Body):
    player_id: str | None = Field(default=None, max_length=70)
    user_name: str = Field(min_length=1, max_length=64)
    country: str = Field(min_length=2, max_length=2)
    currency: str = Field(min_length=3, max_length=4)
    display_name: str | None = Field(default=None, max_length=128)
    group: str | None = Field(default=None, max_length=64)
    limits: PlayerLimits | None = None
    deposit_wagering_multiplier: Factor | None = None


class SetPlayerStatus(_Body):
    status: Literal["active", "blocked"]


class PlayerTransaction(_Body):
    type: Literal["deposit", "withdrawal", "adjustment"]
    amount: Amount
    idempotency_key: str = Field(min_length=1, max_length=128)
    note: str | None = Field(default=None, max_length=500)
    currency: str | None = Field(default=None, max_length=4)


class GrantBonus(_Body):
    amount: Amount
    mode: Literal["BONUS_ONLY", "DEPOSIT_PLUS_BONUS"]
    wagering_multiplier: Factor
    expires_at: int = Field(gt=0, lt=MAX_UNIX_MS, strict=True, description="unix ms")
    contributions: dict[Category, Factor] | None = Field(default=None, max_length=50)
    idempotency_key: str = Field(min_length=1, max_length=128)
    currency: str | None = Field(default=None, max_length=4)


class CreateAdminKey(_Body):
    label: str = Field(min_length=1, max_length=100)


class RegisterProvider(_Body):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,31}$")
    name: str = Field(min_length=1, max_length=100)
    operator_id: str = Field(min_length=1, max_length=100)
    secret: str = Field(min_length=8, max_length=200)
    platform_url: str = Field(pattern=r"^https?://", max_length=500)
    currencies: list[CurrencyCode] = Field(min_length=1, max_length=20)
    signature: Literal["hmac-sha256", "seed-sha1"] = "hmac-sha256"
    allowed_ips: list[IpRange] | None = Field(default=None, max_length=50)


class OpenGameSession(_Body):
    player_id: str = Field(min_length=1, max_length=70)
    provider: str = Field(min_length=1, max_length=32)
    game_id: int = Field(gt=0, lt=1_000_000, strict=True)
    ttl_minutes: int = Field(default=240, gt=0, le=1440, strict=True)


class RegisterOperator(_Body):
    model_config = ConfigDict(  # documented: a third party's wallet URL is required, a bridge operator's is ours
        json_schema_extra={
            "if": {"properties": {"wallet": {"const": "bridge"}}, "required": ["wallet"]},
            "else": {"required": ["wallet_base_url"]},
        }
    )

    code: str = Field(min_length=2, max_length=32, json_schema_extra={"pattern": r"^[a-z0-9][a-z0-9_-]{1,31}$"})
    name: str = Field(min_length=1, max_length=100)
    wallet_base_url: str | None = Field(default=None, pattern=r"^https?://", max_length=500)
    currencies: list[CurrencyCode] = Field(min_length=1, max_length=20)
    allowed_ips: list[IpRange] | None = Field(default=None, max_length=50)
    wallet: Literal["bridge"] | None = None

    @model_validator(mode="after")
    def _wallet_url(self) -> RegisterOperator:
        """A third party's wallet is where it says; a bridge operator's is ours (none given)."""
        if self.wallet != "bridge" and self.wallet_base_url is None:
            raise ValueError("wallet_base_url: required unless wallet is bridge")
        return self


class OperatorSecret(_Body):
    which: Literal["app_secret", "wallet_secret"]


class CreateHubGame(_Body):
    """A hub game; its configuration is checked by ``casino.hub.prizes.parse_config``."""

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,31}$")
    name: str = Field(min_length=1, max_length=100)
    kind: Literal["instant_win"]
    configuration: Annotated[dict[str, Any], WithJsonSchema(GAME_CONFIGURATION_SCHEMA)] = Field(max_length=16)


class SetGameStatus(_Body):
    status: Literal["active", "disabled"]


class SetServiceStatus(_Body):
    """``POST /status/{service}``: ``maintenance`` true with a reason closes the service to new
    bets; false opens it again."""

    maintenance: bool = Field(strict=True)
    reason: str | None = Field(default=None, max_length=500)
