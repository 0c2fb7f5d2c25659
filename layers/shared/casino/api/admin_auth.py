"""Admin API auth: ``Authorization: Bearer <admin key>``, checked against stored key hashes."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from casino.api.rest import error_response
from casino.registry import admin_keys


def bearer_token(headers: dict[str, str] | None) -> str | None:
    for name, value in (headers or {}).items():
        if name.lower() == "authorization" and value.startswith("Bearer "):
            return value[len("Bearer ") :].strip() or None
    return None


def require_admin(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    token = bearer_token(app.current_event.headers)
    if token is None or not admin_keys.is_valid(token):
        return error_response("unauthorized", "a valid admin key is required (Authorization: Bearer ...)")
    return next_middleware(app)
