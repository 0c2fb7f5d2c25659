"""The hub's operator API over HTTP: dynamic app auth (``casino.hub.app_auth``) with the
operator's app secret, checked before the body is read; the same check, with the wallet
secret, serves the account bridge (``casino.bridge.http``).

A request is refused with 401 ``unauthorized`` when its auth headers are missing or
malformed, its timestamp is more than 300 s off, its app id is unknown (or not the path's
operator, at the bridge), its operator is not active or its address not allowed, its
signature does not verify, or its nonce was seen before. The nonce is recorded only once
the signature verifies (a conditional put that expires after the window), so no one can
burn another caller's nonces.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from casino import clock
from casino.api.rest import APIGatewayRestResolver, Request, rest_app
from casino.errors import Unauthorized
from casino.hub import app_auth, store
from casino.registry import operators
from casino.registry.operators import Operator
from casino.settings import settings

HUB = "hub"
BRIDGE = "bridge"

# What a signed call's authoriser needs beyond ``Request``: the method and the path, which the
# signature covers. Set by ``signed_app``'s resolve for the request the same thread serves.
_route = threading.local()

SignedAuthorize = Callable[[Request, str, str], Any]


def signed_app(authorize: SignedAuthorize, rename: Mapping[str, str] | None = None) -> APIGatewayRestResolver:
    """``rest_app`` whose authoriser also sees the request's method and path."""
    app = rest_app(lambda request: authorize(request, _route.method, _route.path), rename)
    resolve = app.resolve

    def resolve_signed(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        _route.method = str(event.get("httpMethod") or "")
        _route.path = str(event.get("path") or "")
        return resolve(event, context)

    app.resolve = resolve_signed  # type: ignore[method-assign]
    return app


def _refused() -> Unauthorized:
    return Unauthorized("X-App-Id, X-Timestamp (within 300 s), X-Nonce (fresh) and X-Signature must be valid")


def authenticate(
    request: Request, method: str, path: str, *, audience: str, operator: Operator | None = None
) -> Operator:
    """The signed caller: the operator of ``X-App-Id`` with one of its app secrets (the hub), or
    ``operator`` (the path's) with one of its wallet secrets (the bridge). Raises ``Unauthorized``."""
    signed = app_auth.parse(request.headers)
    now = clock.now_ms()
    if signed is None or not app_auth.fresh(signed, now):
        raise _refused()
    if operator is None:
        operator = operators.by_app_id(signed.app_id)
    elif operator.app_id != signed.app_id:
        operator = None
    if operator is None or operator.status != "active":
        raise _refused()
    if audience == HUB and not operators.ip_allowed(operator, request.source_ip):
        raise _refused()
    which = "app_secret" if audience == HUB else "wallet_secret"
    secrets = operators.secret_values(operator, which)
    if not app_auth.valid(secrets, signed, method, app_auth.endpoint_of(path), request.signed_body):
        raise _refused()
    if not store.record_nonce(audience, signed.app_id, signed.nonce, app_auth.nonce_expiry_ms(signed, now)):
        raise _refused()
    return operator


def authorize(request: Request, method: str, path: str) -> Operator:
    return authenticate(request, method, path, audience=HUB)


def hub_app() -> APIGatewayRestResolver:
    return signed_app(authorize)


def caller(app: APIGatewayRestResolver) -> Operator:
    operator: Operator = app.context["caller"]
    return operator


def public_base_url(app: APIGatewayRestResolver) -> str:
    """Where players reach the platform: configured, or the API's own address as called."""
    if settings().public_base_url:
        return settings().public_base_url
    context: dict[str, Any] = app.current_event.raw_event.get("requestContext") or {}
    return f"https://{context.get('domainName', 'localhost')}/{context.get('stage', '')}".rstrip("/")
