"""The bridge's HTTP side: dynamic app auth with the path operator's wallet secret, answered
only for bridge operators (operator-wallet.md); the protocol's error codes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casino import telemetry
from casino.api.rest import APIGatewayRestResolver, Request, parse_body
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
    """The bridge's resolver: its request line is ``rest.py``'s (audience ``bridge``); its
    money answered here counts ``Bets``/``Wins``/``Refunds`` (service ``bridge``)."""
    app = signed_app(authorize, rename=RENAME)
    resolve = app.resolve

    def resolve_counted(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        answer = resolve(event, context)
        _count(event, answer)
        return answer

    app.resolve = resolve_counted  # type: ignore[method-assign]
    return app


# A create_transaction's action (the type's last part) as the business metrics count it.
MONEY_METRICS = {"play": "Bets", "win": "Wins", "refund": "Refunds"}


def _count(event: Mapping[str, Any], answer: Mapping[str, Any]) -> None:
    """A create_transaction answered 200 (applied, or the same answer again for a repeat) in the
    business metrics. Never raises."""
    try:
        if answer.get("statusCode") != 200 or not str(event.get("resource") or "").endswith("/create_transaction"):
            return
        body = parse_body(event)
        kind = body.get("type") if isinstance(body, dict) else None
        name = MONEY_METRICS.get(kind.rsplit(".", 1)[-1]) if isinstance(kind, str) else None
    except Exception:  # counting never fails an answer
        return
    if name is not None:
        telemetry.emit(telemetry.BRIDGE, {name: 1})


def acknowledge_session(body: object) -> dict[str, bool]:
    """initialize_session and finalize_session: the bridge keeps no session of its own, so it
    checks that the body is a Session and acknowledges it."""
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        raise ValidationFailed("body: a Session with its id", field="id")
    return {"success": True}
