"""The bridge's HTTP side: signed with the path operator's wallet secret; the protocol's error codes."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from casino.api.rest import Request, rest_app
from casino.errors import Unauthorized, ValidationFailed
from casino.hub import operators
from casino.hub.operators import Operator

# Our codes, as the operator-wallet protocol names them.
RENAME = {
    "validation_error": "invalid_request",
    "not_found": "invalid_request",
    "conflict": "duplicate_mismatch",
    "payload_too_large": "invalid_request",
}


def authorize(request: Request) -> Operator:
    operator = operators.get(request.path_parameters.get("operator", ""))
    if operator is None:
        raise Unauthorized("unknown operator or bad signature")
    return operators.authenticate(
        request.headers, request.body, request.source_ip, which="wallet_secret", operator=operator
    )


def bridge_app() -> APIGatewayRestResolver:
    return rest_app(authorize, rename=RENAME)


def acknowledge_session(body: object) -> dict[str, bool]:
    """initialize_session and finalize_session: the bridge keeps no session of its own, so it
    checks that the body is a Session and acknowledges it."""
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        raise ValidationFailed("body: a Session with its id", field="id")
    return {"success": True}
