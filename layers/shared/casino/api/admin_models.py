"""Request bodies of the admin API. Amounts are decimal strings (or JSON numbers, read as
Decimal); the domain refuses anything finer than the currency's precision."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema


def _amount(value: object) -> object:
    """A decimal string, an integer, or a JSON number (already a Decimal); the domain checks
    its precision against the currency."""
    if isinstance(value, str | int | Decimal) and not isinstance(value, bool):
        return value
    raise ValueError('must be a decimal amount such as "12.50"')


Amount = Annotated[
    Any,
    BeforeValidator(_amount),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "examples": ["12.50"]}),
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PlayerLimits(_Body):
    min_bet: Amount | None = None
    max_bet: Amount | None = None
    session_minutes: int | None = None


class CreatePlayer(_Body):
    player_id: str | None = Field(default=None, max_length=70)
    user_name: str = Field(min_length=1, max_length=64)
    country: str = Field(min_length=2, max_length=2)
    currency: str = Field(min_length=3, max_length=4)
    display_name: str | None = Field(default=None, max_length=128)
    group: str | None = Field(default=None, max_length=64)
    limits: PlayerLimits | None = None
    deposit_wagering_multiplier: Amount | None = None


class SetPlayerStatus(_Body):
    status: Literal["active", "blocked"]


class PlayerTransaction(_Body):
    type: Literal["deposit", "withdrawal", "adjustment"]
    amount: Amount
    idempotency_key: str = Field(min_length=1, max_length=128)
    note: str | None = Field(default=None, max_length=500)
    currency: str | None = None


class GrantBonus(_Body):
    amount: Amount
    mode: Literal["BONUS_ONLY", "DEPOSIT_PLUS_BONUS"]
    wagering_multiplier: Amount
    expires_at: int = Field(gt=0, description="unix ms")
    contributions: dict[str, Amount] | None = None
    idempotency_key: str = Field(min_length=1, max_length=128)
    currency: str | None = None


class CreateAdminKey(_Body):
    label: str = Field(min_length=1, max_length=100)


class RegisterProvider(_Body):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,31}$")
    name: str = Field(min_length=1, max_length=100)
    operator_id: str = Field(min_length=1, max_length=100)
    secret: str = Field(min_length=8, max_length=200)
    platform_url: str = Field(pattern=r"^https?://", max_length=500)
    currencies: list[str] = Field(min_length=1)
    signature: Literal["hmac-sha256", "seed-sha1"] = "hmac-sha256"
    allowed_ips: list[str] | None = None


class OpenGameSession(_Body):
    player_id: str = Field(min_length=1, max_length=70)
    provider: str = Field(min_length=1, max_length=32)
    game_id: int = Field(gt=0, lt=1_000_000)
    ttl_minutes: int = Field(default=240, gt=0, le=1440)


class RegisterOperator(_Body):
    code: str = Field(min_length=2, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    wallet_base_url: str = Field(pattern=r"^https?://", max_length=500)
    currencies: list[str] = Field(min_length=1)
    allowed_ips: list[str] | None = None
    wallet: Literal["bridge"] | None = None


class OperatorSecret(_Body):
    which: Literal["app_secret", "wallet_secret"]
