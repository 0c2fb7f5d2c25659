"""Admin API auth: ``Authorization: Bearer <admin key>``, checked against stored key hashes."""

from __future__ import annotations

from collections.abc import Mapping

from casino.api.rest import Request
from casino.errors import Unauthorized
from casino.registry import admin_keys


def bearer_token(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization", "")
    if not value.startswith("Bearer "):
        return None
    return value[len("Bearer ") :].strip() or None


def require_admin(request: Request) -> None:
    """Raises ``Unauthorized`` unless the request carries a valid, unrevoked admin key."""
    token = bearer_token(request.headers)
    if token is None or not admin_keys.is_valid(token):
        raise Unauthorized("a valid admin key is required (Authorization: Bearer ...)")
