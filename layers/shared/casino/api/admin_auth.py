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


def require_admin(request: Request) -> str:
    """The id of the admin key the request carries (``bootstrap`` for the deploy's first key;
    ``app.context["caller"]``, who did what); ``Unauthorized`` unless it is valid and unrevoked."""
    token = bearer_token(request.headers)
    key_id = admin_keys.key_id_of(token) if token is not None else None
    if key_id is None:
        raise Unauthorized("a valid admin key is required (Authorization: Bearer ...)")
    return key_id
