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
