"""The client API over HTTP: ``Authorization: Bearer <auth_token>`` (login excepted)."""

from __future__ import annotations

from typing import Any

from casino.api.admin_auth import bearer_token
from casino.api.rest import APIGatewayRestResolver, Request, rest_app
from casino.errors import Unauthorized
from casino.hub import client_sessions


def authorize(request: Request) -> dict[str, Any]:
    token = bearer_token(request.headers)
    if token is None:
        raise Unauthorized("Authorization: Bearer <auth_token> is required")
    return client_sessions.session_of(token)


def client_app(*, authenticated: bool = True) -> APIGatewayRestResolver:
    return rest_app(authorize if authenticated else None)
