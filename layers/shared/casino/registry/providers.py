"""Game providers: their configuration in the registry, their secret in SSM (never in the table)."""

from __future__ import annotations

from dataclasses import dataclass

from casino import secret_store
from casino.registry import store
from casino.settings import settings


@dataclass(frozen=True)
class Provider:
    code: str
    name: str
    operator_id: str
    platform_url: str
    currencies: tuple[str, ...]
    status: str = "active"


def secret_parameter_name(code: str) -> str:
    return f"{settings().parameter_prefix}/providers/{code}/secret"


def get(code: str) -> Provider | None:
    item = store.get(f"PROVIDER#{code}", "PROVIDER")
    if item is None:
        return None
    return Provider(
        code=item["code"],
        name=item["name"],
        operator_id=item["operator_id"],
        platform_url=item.get("platform_url", ""),
        currencies=tuple(item.get("currencies", ())),
        status=item.get("status", "active"),
    )


def secret_of(provider: Provider) -> str | None:
    return secret_store.parameter(secret_parameter_name(provider.code))


def register(
    *, code: str, name: str, operator_id: str, secret: str, platform_url: str, currencies: list[str]
) -> Provider | None:
    """A new provider: its record in the registry, its secret in SSM. None if the code is taken."""
    provider = Provider(code, name, operator_id, platform_url, tuple(currencies))
    created = store.put_new(
        {
            "pk": f"PROVIDER#{code}",
            "sk": "PROVIDER",
            "gsi1pk": "PROVIDERS",
            "gsi1sk": code,
            "code": code,
            "name": name,
            "operator_id": operator_id,
            "platform_url": platform_url,
            "currencies": list(currencies),
            "status": "active",
        }
    )
    if not created:
        return None
    secret_store.put_parameter(secret_parameter_name(code), secret)
    return provider


def view(provider: Provider) -> dict[str, object]:
    """A provider as the admin API shows it (its secret never)."""
    return {
        "code": provider.code,
        "name": provider.name,
        "operator_id": provider.operator_id,
        "platform_url": provider.platform_url,
        "currencies": list(provider.currencies),
        "status": provider.status,
    }
