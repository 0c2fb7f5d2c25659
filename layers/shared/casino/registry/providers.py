"""Game providers: their configuration in the registry, their secret in SSM (never in the table).

Registering is atomic or repaired by a retry (admin-api.md, "Integrations"): the secret is
written first, under a parameter name of its own (``.../providers/<code>/secrets/<ulid>``),
then the record, conditionally, naming that parameter. A failure before the record leaves no
provider (at worst a parameter nothing names); the same body again answers the provider
registered, another body with a taken code is a conflict.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, replace
from typing import Any

from aws_lambda_powertools import Logger

from casino import ids, secret_store
from casino.errors import Conflict, UpstreamUnavailable, ValidationFailed
from casino.provider.signing import HMAC_SHA256, SCHEMES, SEED_SHA1
from casino.registry import allow_list, store
from casino.settings import settings

# A record written before signature schemes existed was signed the seed's way.
LEGACY_SIGNATURE = SEED_SHA1

logger = Logger(service="casino")


@dataclass(frozen=True)
class Provider:
    code: str
    name: str
    operator_id: str
    platform_url: str
    currencies: tuple[str, ...]
    status: str = "active"
    signature: str = HMAC_SHA256
    allowed_ips: tuple[str, ...] = ()
    secret_parameter: str = ""  # "" for a record from before per-registration parameter names

    @property
    def weak_signing(self) -> bool:
        """The seed's scheme: its hashes do not cover the body (provider-callbacks.md)."""
        return self.signature == SEED_SHA1


def secret_parameter_name(code: str) -> str:
    """The one parameter name of a provider registered before names were per registration."""
    return f"{settings().parameter_prefix}/providers/{code}/secret"


def _new_parameter_name(code: str) -> str:
    return f"{settings().parameter_prefix}/providers/{code}/secrets/{ids.ulid()}"


def from_item(item: dict[str, Any]) -> Provider:
    return Provider(
        code=item["code"],
        name=item["name"],
        operator_id=item["operator_id"],
        platform_url=item.get("platform_url", ""),
        currencies=tuple(item.get("currencies", ())),
        status=item.get("status", "active"),
        signature=item.get("signature", LEGACY_SIGNATURE),
        allowed_ips=tuple(item.get("allowed_ips", ())),
        secret_parameter=item.get("secret_parameter", ""),
    )


def _item(provider: Provider) -> dict[str, Any]:
    return {
        **store.provider_keys(provider.code),
        **view(provider),
        "secret_parameter": provider.secret_parameter,
    }


def get(code: str) -> Provider | None:
    item = store.provider(code)
    return None if item is None else from_item(item)


def secret_of(provider: Provider) -> str | None:
    return secret_store.parameter(provider.secret_parameter or secret_parameter_name(provider.code))


def ip_allowed(provider: Provider, source_ip: str) -> bool:
    return allow_list.allows(provider.allowed_ips, source_ip)


def _write_secret(code: str, secret: str) -> str:
    """The secret under a new parameter name, before any record names it."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    name = _new_parameter_name(code)
    try:
        secret_store.put_parameter(name, secret)
    except (BotoCoreError, ClientError) as failed:
        logger.warning("provider secret not stored", extra={"provider": code, "error": type(failed).__name__})
        raise UpstreamUnavailable("the secret store is unavailable: nothing was registered, retry") from None
    return name


# Sources of our own: the admin API's ledger entries (``admin``), the hub's games (``hub``), the
# account bridge (``bridge``). A provider of one of these names would share their ledger feed
# partitions and game keys.
RESERVED_CODES = ("admin", "hub", "bridge")


def register(
    *,
    code: str,
    name: str,
    operator_id: str,
    secret: str,
    platform_url: str,
    currencies: list[str],
    signature: str = HMAC_SHA256,
    allowed_ips: list[str] | None = None,
) -> tuple[Provider, bool]:
    """A provider and whether this call created it. The same body again answers the provider
    (``created`` False) and repairs one whose secret never reached SSM; another body with a
    taken code raises ``Conflict``."""
    if signature not in SCHEMES:
        raise ValidationFailed(f"signature: one of {', '.join(SCHEMES)}", field="signature")
    if code in RESERVED_CODES:
        raise ValidationFailed(f"code: {code!r} is reserved ({', '.join(RESERVED_CODES)})", field="code")
    wanted = Provider(
        code, name, operator_id, platform_url, tuple(currencies), "active", signature, allow_list.checked(allowed_ips)
    )
    existing = get(code)
    if existing is None:
        provider = replace(wanted, secret_parameter=_write_secret(code, secret))
        if store.put_new(_item(provider)):
            return provider, True
        existing = get(code)  # registered meanwhile by a concurrent call: answered below
        if existing is None:  # a provider record is never deleted: not expected
            raise Conflict(f"provider {code!r} is being registered, retry", field="code")
    return _again(existing, wanted, secret), False


def _same_config(a: Provider, b: Provider, *, identity_only: bool = False) -> bool:
    identity = (a.name, a.operator_id, a.platform_url, a.currencies)
    if identity != (b.name, b.operator_id, b.platform_url, b.currencies):
        return False
    return identity_only or (a.signature, a.allowed_ips) == (b.signature, b.allowed_ips)


def _again(existing: Provider, wanted: Provider, secret: str) -> Provider:
    """A registration of a code that exists: the same body is the same provider."""
    taken = Conflict(f"provider {existing.code!r} already exists with another configuration", field="code")
    current = secret_of(existing)
    if current is None and not existing.secret_parameter:
        # Registered before secrets were written first, and its secret never arrived: the
        # provider has never authenticated a call, so the body that names it completes it.
        if not _same_config(existing, wanted, identity_only=True):
            raise taken
        repaired = replace(wanted, secret_parameter=_write_secret(existing.code, secret))
        store.put(_item(repaired))
        logger.info("provider registration repaired", extra={"provider": existing.code})
        return repaired
    if current is None:
        raise UpstreamUnavailable(f"provider {existing.code!r}: its secret cannot be read now, retry")
    same_secret = hmac.compare_digest(current.encode("utf-8", "surrogatepass"), secret.encode("utf-8", "surrogatepass"))
    if not (same_secret and _same_config(existing, wanted)):
        raise taken
    return existing


def view(provider: Provider) -> dict[str, object]:
    """A provider as the admin API shows it (its secret never)."""
    return {
        "code": provider.code,
        "name": provider.name,
        "operator_id": provider.operator_id,
        "platform_url": provider.platform_url,
        "currencies": list(provider.currencies),
        "status": provider.status,
        "signature": provider.signature,
        "allowed_ips": list(provider.allowed_ips),
    }
