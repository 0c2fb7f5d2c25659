"""The bridge's HTTP side: dynamic app auth with the path operator's wallet secret, answered
only for bridge operators (operator-wallet.md); the protocol's error codes."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from casino.api.rest import Request
from casino.errors import Unauthorized, ValidationFailed
from casino.hub.http import BRIDGE, authenticate, signed_app
from casino.registry import operators
from casino.registry.operators import Operator

# Our codes, as the operator-wallet protocol names them.
RENAME = {
    "validation_error": "invalid_request",
    "not_found": "invalid_request",
    "conflict": "duplicate_mismatch",
    "payload_too_large": "invalid_request",
    "self_excluded": "limit_exceeded",  # the protocol's one responsible-gaming code
}


def authorize(request: Request, method: str, path: str) -> Operator:
    """The hub calling the wallet of a bridge operator (one of our own casino brands), signed
    with that operator's wallet secret. Any other operator, however validly signed with its
    own wallet secret, is refused: a third party's secret never opens our players' money."""
    operator = operators.get(str(request.path_parameters.get("operator", "")))
    if operator is None or not operator.is_bridge:
        raise Unauthorized("unknown operator or bad signature")
    return authenticate(request, method, path, audience=BRIDGE, operator=operator)


def bridge_app() -> APIGatewayRestResolver:
    return signed_app(authorize, rename=RENAME)


def acknowledge_session(body: object) -> dict[str, bool]:
    """initialize_session and finalize_session: the bridge keeps no session of its own, so it
    checks that the body is a Session and acknowledges it."""
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        raise ValidationFailed("body: a Session with its id", field="id")
    return {"success": True}
