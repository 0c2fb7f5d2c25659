"""Operators (hub-operator-api.md, "Auth"; operator-wallet.md): registered through the admin
API, no deploy needed.

An operator's record lists the live versions of its app secret and its wallet secret; each
version's value is an SSM SecureString ``<prefix>/operators/<code>/<which>/<version id>``
(never in the table). The version id is unique, so a parameter is written once and never
overwritten: two rotations at once write two parameters, and the record (updated under a
condition) keeps exactly one of them. A rotation adds a version: both work until ``retire``,
which keeps only the newest; a retired secret stops working at once (the record is read on
every call; only the immutable per-version values are cached).

A **bridge** operator (``wallet: "bridge"``) is one of our own casino brands: its wallet is
the account bridge on our wallet, and its wallet secret is generated and kept inside the
platform, never shown (not at registration, not on rotation). Only bridge operators are
answered by the bridge.

Registration writes the secrets first, then the record and its app-id link in one
conditional transaction: a failure leaves no operator (at most unreferenced parameters),
and a retry with the same body answers the operator (without its secrets: they are shown
once; rotate to get new ones), with another body ``conflict``.
"""

from __future__ import annotations

import re
import secrets as random_secrets
from dataclasses import dataclass
from typing import Any

from casino import clock, ids, secret_store
from casino.errors import Conflict, NotFound, ValidationFailed
from casino.idempotency import fingerprint
from casino.money import currency
from casino.registry import allow_list
from casino.registry import credential_store as store
from casino.settings import settings

CODE = re.compile(r"[a-z0-9][a-z0-9_-]{1,31}")
WHICH = ("app_secret", "wallet_secret")
BRIDGE = "bridge"
EXTERNAL = "external"
MAX_LIVE_VERSIONS = 2


@dataclass(frozen=True)
class SecretVersion:
    """One version of a secret: its number (1, 2, ...) and the unique id naming its parameter."""

    number: int
    id: str
    legacy: bool = False  # recorded before version ids: its parameter is named by its number

    def stored(self) -> dict[str, Any] | int:
        return self.number if self.legacy else {"number": self.number, "id": self.id}


@dataclass(frozen=True)
class Operator:
    code: str
    name: str
    app_id: str
    wallet: str  # bridge | external
    wallet_base_url: str
    currencies: tuple[str, ...]
    allowed_ips: tuple[str, ...]
    status: str
    app_secret_versions: tuple[SecretVersion, ...]
    wallet_secret_versions: tuple[SecretVersion, ...]

    @property
    def is_bridge(self) -> bool:
        return self.wallet == BRIDGE

    def versions(self, which: str) -> tuple[SecretVersion, ...]:
        return self.app_secret_versions if which == "app_secret" else self.wallet_secret_versions


def _parameter(code: str, which: str, version: SecretVersion) -> str:
    return f"{settings().parameter_prefix}/operators/{code}/{which}/{version.id}"


def _version(stored: Any) -> SecretVersion:
    if isinstance(stored, dict):
        return SecretVersion(int(stored["number"]), str(stored["id"]))
    return SecretVersion(int(stored), str(int(stored)), legacy=True)


def _from_item(item: dict[str, Any]) -> Operator:
    return Operator(
        code=item["code"],
        name=item["name"],
        app_id=item["app_id"],
        wallet=item.get("wallet", EXTERNAL),
        wallet_base_url=item["wallet_base_url"],
        currencies=tuple(item.get("currencies", ())),
        allowed_ips=tuple(item.get("allowed_ips", ())),
        status=item.get("status", "active"),
        app_secret_versions=tuple(_version(v) for v in item["app_secret_versions"]),
        wallet_secret_versions=tuple(_version(v) for v in item["wallet_secret_versions"]),
    )


def view(operator: Operator) -> dict[str, Any]:
    """An operator as the admin API shows it (its secrets never)."""
    return {
        "code": operator.code,
        "name": operator.name,
        "app_id": operator.app_id,
        "wallet": operator.wallet,
        "wallet_base_url": operator.wallet_base_url,
        "currencies": list(operator.currencies),
        "allowed_ips": list(operator.allowed_ips),
        "status": operator.status,
        "app_secret_versions": [v.number for v in operator.app_secret_versions],
        "wallet_secret_versions": [v.number for v in operator.wallet_secret_versions],
    }


def new_secret() -> str:
    return random_secrets.token_urlsafe(32)


def bridge_wallet_url(public_base_url: str, code: str) -> str:
    """A bridge operator's wallet base URL: the account bridge on this platform."""
    if not public_base_url:
        raise RuntimeError("the platform's public base URL is unknown: a bridge operator needs it")
    return f"{public_base_url.rstrip('/')}/api/v1/bridge/{code}"


def _validate(code: str, currencies: list[str], allowed_ips: list[str]) -> None:
    if not CODE.fullmatch(code):
        raise ValidationFailed("code: 2 to 32 lower-case letters, digits, _ or -", field="code")
    for cur in currencies:
        currency(cur, field="currencies")
    allow_list.checked(allowed_ips)


@dataclass(frozen=True)
class Registration:
    """What ``register`` answers: the operator (with its secrets when this call created it)."""

    answer: dict[str, Any]
    created: bool


def register(
    *,
    code: str,
    name: str,
    wallet_base_url: str,
    currencies: list[str],
    allowed_ips: list[str] | None = None,
    wallet: str | None = None,
    public_base_url: str = "",
    app_id: str | None = None,
    app_secret: str | None = None,
    wallet_secret: str | None = None,
) -> Registration:
    """A new operator; its secrets are generated (or, for the local seed, given) and shown once,
    a bridge operator's wallet secret never. The same registration again answers the operator
    without its secrets; another registration under the same code is a ``conflict``."""
    allowed_ips = allowed_ips or []
    _validate(code, currencies, allowed_ips)
    kind = BRIDGE if wallet == BRIDGE else EXTERNAL
    url = bridge_wallet_url(public_base_url, code) if kind == BRIDGE else wallet_base_url.rstrip("/")
    fp = fingerprint(
        {
            "name": name,
            "wallet": kind,
            "wallet_base_url": None if kind == BRIDGE else url,  # a bridge's is ours, whatever was given
            "currencies": currencies,
            "allowed_ips": allowed_ips,
            "app_id": app_id,
        }
    )
    existing = store.operator(code)
    if existing is not None:
        return _registered_before(existing, fp)
    app_id = app_id or f"{code}-{random_secrets.token_hex(6)}"
    values = {"app_secret": app_secret or new_secret(), "wallet_secret": wallet_secret or new_secret()}
    now = clock.now_ms()
    versions = {which: SecretVersion(1, ids.new_id("sv", now)) for which in WHICH}
    for which in WHICH:  # first the secrets, under names no one else writes
        secret_store.put_parameter(_parameter(code, which, versions[which]), values[which])
    fields = {
        "code": code,
        "name": name,
        "app_id": app_id,
        "wallet": kind,
        "wallet_base_url": url,
        "currencies": currencies,
        "allowed_ips": allowed_ips,
        "status": "active",
        "app_secret_versions": [versions["app_secret"].stored()],
        "wallet_secret_versions": [versions["wallet_secret"].stored()],
        "fingerprint": fp,
        "created_at": now,
    }
    if not store.add_operator(fields):
        raced = store.operator(code)
        if raced is None:
            raise Conflict(f"app id {app_id!r} already belongs to another operator", field="app_id")
        return _registered_before(raced, fp)
    shown = {"app_secret": values["app_secret"]}
    if kind != BRIDGE:
        shown["wallet_secret"] = values["wallet_secret"]
    return Registration({**view(_from_item(fields)), **shown}, created=True)


def _registered_before(item: dict[str, Any], fp: str) -> Registration:
    if item.get("fingerprint") != fp:
        raise Conflict(f"operator {item['code']!r} already exists with another registration", field="code")
    return Registration(view(_from_item(item)), created=False)


def get(code: str) -> Operator | None:
    if not CODE.fullmatch(code):
        return None
    item = store.operator(code)
    return _from_item(item) if item else None


def require(code: str) -> Operator:
    operator = get(code)
    if operator is None:
        raise NotFound(f"operator {code!r} not found", field="code")
    return operator


def bridges() -> list[Operator]:
    """The operators whose wallet is our own (our casino's brands), retired ones included: a
    player's sessions on any of them are ours to end."""
    return [operator for operator in map(_from_item, store.operators()) if operator.is_bridge]


def by_app_id(app_id: str) -> Operator | None:
    code = store.operator_code_of_app(app_id)
    return get(code) if code else None


def secret_values(operator: Operator, which: str) -> list[str]:
    """The live values of one secret (one, or two during a rotation)."""
    values = [secret_store.parameter(_parameter(operator.code, which, v)) for v in operator.versions(which)]
    return [v for v in values if v]


def signing_wallet_secret(operator: Operator) -> str:
    """The hub signs with the oldest live wallet secret: the one the operator surely knows,
    until the rotation is retired."""
    oldest = min(operator.wallet_secret_versions, key=lambda v: v.number)
    value = secret_store.parameter(_parameter(operator.code, "wallet_secret", oldest))
    if value is None:
        raise RuntimeError(f"operator {operator.code}: wallet secret unavailable")
    return value


def _replace_versions(operator: Operator, which: str, versions: list[SecretVersion]) -> None:
    old = [v.stored() for v in operator.versions(which)]
    if not store.replace_secret_versions(operator.code, which, old, [v.stored() for v in versions]):
        raise Conflict(f"{which} changed meanwhile; read the operator and try again", field="which")


def rotate(code: str, which: str) -> dict[str, Any]:
    """A new secret; the old one keeps working until ``retire``. At most two at a time. A bridge
    operator's new wallet secret is not shown."""
    operator = require(code)
    versions = list(operator.versions(which))
    if len(versions) >= MAX_LIVE_VERSIONS:
        raise Conflict(f"{which} is already being rotated; retire the old one first", field="which")
    version = SecretVersion(max(v.number for v in versions) + 1, ids.new_id("sv", clock.now_ms()))
    value = new_secret()
    secret_store.put_parameter(_parameter(code, which, version), value)
    _replace_versions(operator, which, [*versions, version])
    answer: dict[str, Any] = {"code": code, "which": which, "version": version.number}
    if not (which == "wallet_secret" and operator.is_bridge):
        answer["secret"] = value
    return answer


def retire(code: str, which: str) -> dict[str, Any]:
    """Keep only the newest secret: the older one stops working at once."""
    operator = require(code)
    versions = list(operator.versions(which))
    if len(versions) > 1:
        _replace_versions(operator, which, [max(versions, key=lambda v: v.number)])
    return view(require(code))


def ip_allowed(operator: Operator, source_ip: str) -> bool:
    return allow_list.allows(operator.allowed_ips, source_ip)
