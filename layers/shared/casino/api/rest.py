"""The REST resolver every hub, client and admin function is built on.

``rest_app()`` gives a Powertools ``APIGatewayRestResolver`` with request validation, JSON
that keeps amounts as ``Decimal``, a 64 KiB body limit, and the one mapping from domain
errors (``casino.errors``) to ``{"error": {"code", "message"}}`` answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from casino.api.jsonio import dumps, loads
from casino.errors import DomainError

MAX_BODY_BYTES = 64 * 1024

HTTP_STATUS = {
    "validation_error": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "insufficient_funds": 409,
    "user_blocked": 403,
    "duplicate_mismatch": 409,
    "session_closed": 409,
    "game_unavailable": 409,
    "payload_too_large": 413,
    "rate_limited": 429,
    "internal": 500,
    "upstream_unavailable": 503,
    "maintenance": 503,
}

logger = Logger(service="casino")

# Given the request (lower-cased headers, the raw body, the source IP); raises Unauthorized,
# or returns what the route may read as ``app.context["caller"]`` (e.g. the operator).
Authorize = Callable[["Request"], Any]


class Request:
    """What an authoriser sees of a request, before anything else reads it."""

    def __init__(self, event: Mapping[str, Any]):
        self.headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        self.body = event.get("body") or ""
        self.source_ip = ((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp", "")
        self.path_parameters = event.get("pathParameters") or {}


def error_response(
    code: str, message: str, field: str | None = None, rename: Mapping[str, str] | None = None
) -> Response[str]:
    """The one mapping from a domain error to an HTTP answer; ``rename`` gives a protocol's own
    code for one of ours (the operator-wallet protocol says ``invalid_request``)."""
    status = HTTP_STATUS.get(code, 500)
    code = (rename or {}).get(code, code)
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    return Response(status_code=status, content_type="application/json", body=dumps({"error": error}))


def _field_of(error: dict[str, Any]) -> str:
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "header")]
    return ".".join(loc) or "body"


class JsonRestResolver(APIGatewayRestResolver):
    """The resolver of every hub, client and admin function.

    Before Powertools sees the request: the caller is authorised (Powertools validates the
    body before its middlewares run, and an unauthenticated caller must learn nothing), the
    body is at most 64 KiB, and every body is read as JSON whatever Content-Type it came with
    (the contract's convention; a form content type would otherwise fail validation).
    """

    def __init__(self, authorize: Authorize | None = None, rename: Mapping[str, str] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._authorize = authorize
        self.rename = dict(rename or {})

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        body = event.get("body") or ""
        try:
            caller = self._authorize(Request(event)) if self._authorize is not None else None
            if len(body.encode("utf-8")) > MAX_BODY_BYTES:
                raise PayloadTooLarge(f"body: larger than {MAX_BODY_BYTES} bytes", field="body")
        except DomainError as refused:
            answer = error_response(refused.code, refused.message, refused.field, self.rename)
            return {
                "statusCode": answer.status_code,
                "headers": {"Content-Type": "application/json"},
                "body": answer.body,
                "isBase64Encoded": False,
            }
        self.append_context(caller=caller)  # type: ignore[no-untyped-call]
        if body:
            fixed = dict(event)
            for name, value in (("headers", "application/json"), ("multiValueHeaders", ["application/json"])):
                headers = {k: v for k, v in (event.get(name) or {}).items() if k.lower() != "content-type"}
                fixed[name] = {**headers, "Content-Type": value}
            event = fixed
        return super().resolve(event, context)


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


def rest_app(authorize: Authorize | None = None, rename: Mapping[str, str] | None = None) -> APIGatewayRestResolver:
    """A resolver with validation, Decimal JSON, and the one mapping from domain errors to answers."""
    app = JsonRestResolver(
        authorize=authorize, rename=rename, enable_validation=True, serializer=dumps, json_body_deserializer=loads
    )

    @app.exception_handler(DomainError)
    def _domain_error(exc: DomainError) -> Response[str]:
        return error_response(exc.code, exc.message, exc.field, app.rename)

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response[str]:
        errors = list(exc.errors())
        first = errors[0] if errors else {}
        field = _field_of(first)
        message = f"{field}: {first.get('msg', 'invalid')}" if first else "invalid request"
        return error_response("validation_error", message, field, app.rename)

    @app.exception_handler(ValueError)
    def _bad_json(exc: ValueError) -> Response[str]:
        # Powertools raises ValueError-derived errors for a body that is not JSON.
        return error_response("validation_error", "body: not valid JSON", "body", app.rename)

    @app.not_found
    def _not_found(exc: NotFoundError) -> Response[str]:
        return error_response("not_found", "no such route")

    @app.exception_handler(Exception)
    def _internal(exc: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return error_response("internal", "internal error, safe to retry")

    return app
