"""The hub's operator API over HTTP: dynamic app auth with the operator's app secret."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from casino.api.rest import Request, rest_app
from casino.hub import operators
from casino.hub.operators import Operator
from casino.settings import settings


def authorize(request: Request) -> Operator:
    return operators.authenticate(request.headers, request.body, request.source_ip, which="app_secret")


def hub_app() -> APIGatewayRestResolver:
    return rest_app(authorize)


def caller(app: APIGatewayRestResolver) -> Operator:
    operator: Operator = app.context["caller"]
    return operator


def public_base_url(app: APIGatewayRestResolver) -> str:
    """Where players reach the platform: configured, or the API's own address as called."""
    if settings().public_base_url:
        return settings().public_base_url
    context: dict[str, Any] = app.current_event.raw_event.get("requestContext") or {}
    return f"https://{context.get('domainName', 'localhost')}/{context.get('stage', '')}".rstrip("/")
