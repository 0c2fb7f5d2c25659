"""Operators (hub-operator-api.md, "Auth"): registered through the admin API, no deploy needed.

An operator's record (RegistryTable ``OPERATOR#<code>``) lists the versions of its secrets;
each version's value is an SSM SecureString ``<prefix>/operators/<code>/<which>/<version>``
(never in the table). A rotation adds a version: both work until ``retire``, which keeps only
the newest; a retired secret stops working at once (the record is read on every call; only
the immutable per-version values are cached).
"""

from __future__ import annotations

import ipaddress
import re
import secrets as random_secrets
from dataclasses import dataclass
from typing import Any

from casino import aws, clock, secret_store
from casino.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from casino.hub import app_auth
from casino.money import currency
from casino.registry import store
from casino.settings import settings

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,31}$")
WHICH = ("app_secret", "wallet_secret")


@dataclass(frozen=True)
class Operator:
    code: str
    name: str
    app_id: str
    wallet_base_url: str
    currencies: tuple[str, ...]
    allowed_ips: tuple[str, ...]
    status: str
    app_secret_versions: tuple[int, ...]
    wallet_secret_versions: tuple[int, ...]

    def versions(self, which: str) -> tuple[int, ...]:
        return self.app_secret_versions if which == "app_secret" else self.wallet_secret_versions


def _parameter(code: str, which: str, version: int) -> str:
    return f"{settings().parameter_prefix}/operators/{code}/{which}/{version}"


def _from_item(item: dict[str, Any]) -> Operator:
    return Operator(
        code=item["code"],
        name=item["name"],
        app_id=item["app_id"],
        wallet_base_url=item["wallet_base_url"],
        currencies=tuple(item.get("currencies", ())),
        allowed_ips=tuple(item.get("allowed_ips", ())),
        status=item.get("status", "active"),
        app_secret_versions=tuple(int(v) for v in item["app_secret_versions"]),
        wallet_secret_versions=tuple(int(v) for v in item["wallet_secret_versions"]),
    )


def view(operator: Operator) -> dict[str, Any]:
    return {
        "code": operator.code,
        "name": operator.name,
        "app_id": operator.app_id,
        "wallet_base_url": operator.wallet_base_url,
        "currencies": list(operator.currencies),
        "allowed_ips": list(operator.allowed_ips),
        "status": operator.status,
        "app_secret_versions": list(operator.app_secret_versions),
        "wallet_secret_versions": list(operator.wallet_secret_versions),
    }


def new_secret() -> str:
    return random_secrets.token_urlsafe(32)


def register(
    *,
    code: str,
    name: str,
    wallet_base_url: str,
    currencies: list[str],
    allowed_ips: list[str] | None = None,
    app_id: str | None = None,
    app_secret: str | None = None,
    wallet_secret: str | None = None,
) -> dict[str, Any]:
    """A new operator. Its secrets are generated (or, for the local seed, given) and shown once."""
    if not CODE.match(code):
        raise ValidationFailed("code: 2 to 32 lower-case letters, digits, _ or -", field="code")
    for cur in currencies:
        currency(cur, field="currencies")
    for network in allowed_ips or []:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ValidationFailed(
                f"allowed_ips: {network!r} is not an IP address or network", field="allowed_ips"
            ) from None
    app_id = app_id or f"{code}-{random_secrets.token_hex(6)}"
    app_secret = app_secret or new_secret()
    wallet_secret = wallet_secret or new_secret()
    now = clock.now_ms()
    item = {
        "pk": f"OPERATOR#{code}",
        "sk": "OPERATOR",
        "gsi1pk": "OPERATORS",
        "gsi1sk": code,
        "code": code,
        "name": name,
        "app_id": app_id,
        "wallet_base_url": wallet_base_url.rstrip("/"),
        "currencies": currencies,
        "allowed_ips": allowed_ips or [],
        "status": "active",
        "app_secret_versions": [1],
        "wallet_secret_versions": [1],
        "created_at": now,
    }
    client = aws.dynamodb()
    table = settings().registry_table
    try:
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table,
                        "Item": aws.to_item(item),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {
                    "Put": {
                        "TableName": table,
                        "Item": aws.to_item({"pk": f"APP#{app_id}", "sk": "APP", "operator": code}),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    except client.exceptions.TransactionCanceledException:
        raise Conflict(f"operator {code!r} or app id {app_id!r} already exists", field="code") from None
    secret_store.put_parameter(_parameter(code, "app_secret", 1), app_secret)
    secret_store.put_parameter(_parameter(code, "wallet_secret", 1), wallet_secret)
    return {**view(_from_item(item)), "app_secret": app_secret, "wallet_secret": wallet_secret}


def get(code: str) -> Operator | None:
    item = store.get(f"OPERATOR#{code}", "OPERATOR")
    return _from_item(item) if item else None


def require(code: str) -> Operator:
    operator = get(code)
    if operator is None:
        raise NotFound(f"operator {code!r} not found", field="code")
    return operator


def by_app_id(app_id: str) -> Operator | None:
    link = store.get(f"APP#{app_id}", "APP")
    return get(str(link["operator"])) if link else None


def secret_values(operator: Operator, which: str) -> list[str]:
    values = [secret_store.parameter(_parameter(operator.code, which, v)) for v in operator.versions(which)]
    return [v for v in values if v]


def signing_wallet_secret(operator: Operator) -> str:
    """The hub signs with the oldest active wallet secret: the one the operator surely knows,
    until the rotation is retired."""
    value = secret_store.parameter(_parameter(operator.code, "wallet_secret", min(operator.wallet_secret_versions)))
    if value is None:
        raise RuntimeError(f"operator {operator.code}: wallet secret unavailable")
    return value


def _versions_update(operator: Operator, which: str, versions: list[int]) -> None:
    client = aws.dynamodb()
    try:
        client.update_item(
            TableName=settings().registry_table,
            Key=aws.to_item({"pk": f"OPERATOR#{operator.code}", "sk": "OPERATOR"}),
            UpdateExpression="SET #versions = :new",
            ConditionExpression="#versions = :old",
            ExpressionAttributeNames={"#versions": f"{which}_versions"},
            ExpressionAttributeValues=aws.to_item({":new": versions, ":old": list(operator.versions(which))}),
        )
    except client.exceptions.ConditionalCheckFailedException:
        raise Conflict(f"{which} changed meanwhile; read the operator and try again", field="which") from None


def rotate(code: str, which: str) -> dict[str, Any]:
    """A new secret; the old one keeps working until ``retire``. At most two at a time."""
    operator = require(code)
    versions = list(operator.versions(which))
    if len(versions) >= 2:
        raise Conflict(f"{which} is already being rotated; retire the old one first", field="which")
    version = max(versions) + 1
    value = new_secret()
    secret_store.put_parameter(_parameter(code, which, version), value)
    _versions_update(operator, which, [*versions, version])
    return {"code": code, "which": which, "version": version, "secret": value}


def retire(code: str, which: str) -> dict[str, Any]:
    """Keep only the newest secret: the older one stops working at once."""
    operator = require(code)
    versions = list(operator.versions(which))
    if len(versions) > 1:
        _versions_update(operator, which, [max(versions)])
    return view(require(code))


def _ip_allowed(operator: Operator, source_ip: str) -> bool:
    if not operator.allowed_ips:
        return True
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in operator.allowed_ips)


def authenticate(
    headers: dict[str, str],
    body: str,
    source_ip: str,
    *,
    which: str,
    operator: Operator | None = None,
) -> Operator:
    """The caller of a hub endpoint (``app_secret``, found by ``X-App-Id``) or of the account
    bridge (``wallet_secret`` of the operator in the path). Raises ``Unauthorized``."""
    timestamp = headers.get("x-timestamp")
    if operator is None:
        operator = by_app_id(headers.get("x-app-id", ""))
    elif headers.get("x-app-id") != operator.app_id:
        operator = None
    if (
        operator is None
        or operator.status != "active"
        or not _ip_allowed(operator, source_ip)
        or not app_auth.fresh(timestamp)
        or not app_auth.valid(secret_values(operator, which), str(timestamp), body, headers.get("x-signature"))
    ):
        raise Unauthorized("X-App-Id, X-Timestamp (within 300 s) and X-Signature must be valid")
    return operator
