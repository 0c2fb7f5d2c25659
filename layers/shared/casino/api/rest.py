"""The REST resolver every hub, client and admin function is built on.

``rest_app()`` gives a Powertools ``APIGatewayRestResolver`` with request validation, JSON
that keeps amounts as ``Decimal``, a 64 KiB body limit, and the one mapping from domain
errors (``casino.errors``) to ``{"error": {"code", "message"}}`` answers.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
from collections.abc import Callable, Mapping
from typing import Any

from casino import lean_imports

lean_imports.install()  # before Powertools' resolver is imported: only what a REST function uses

from aws_lambda_powertools import Logger  # noqa: E402
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver, Response  # noqa: E402
from aws_lambda_powertools.event_handler.exceptions import NotFoundError  # noqa: E402
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError  # noqa: E402

from casino import error_map, telemetry  # noqa: E402
from casino.api.jsonio import JsonRejected, dumps, loads  # noqa: E402
from casino.errors import DomainError, PayloadTooLarge, ValidationFailed  # noqa: E402

# A function's answer class comes from here (``from casino.api.rest import Response``), so that this
# module, and its lean imports, come first; its parameters from ``casino.api.params``.
__all__ = [
    "MAX_BODY_BYTES",
    "APIGatewayRestResolver",
    "JsonRestResolver",
    "Request",
    "Response",
    "error_response",
    "parse_body",
    "refusal",
    "rest_app",
]

MAX_BODY_BYTES = 64 * 1024

logger = Logger(service="casino")

# Given the request (lower-cased headers, the raw body, the source IP); raises Unauthorized,
# or returns what the route may read as ``app.context["caller"]`` (e.g. the operator).
Authorize = Callable[["Request"], Any]


class Request:
    """What an authoriser sees of a request, before anything else reads it."""

    def __init__(self, event: Mapping[str, Any]):
        self.headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        self.body = event.get("body") or ""
        # What the caller signed: the bytes of a body API Gateway handed base64-encoded (a binary
        # media type, or text that is not UTF-8, as the local gateway does), else the text as given.
        self.signed_body: str | bytes = self.body
        if event.get("isBase64Encoded") and isinstance(self.body, str):
            # not base64: no caller signed that text as bytes (and the body check refuses it)
            with contextlib.suppress(UnicodeError, binascii.Error):
                self.signed_body = base64.b64decode(self.body.encode("ascii"), validate=True)
        self.source_ip = ((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp", "")
        self.path_parameters = event.get("pathParameters") or {}


def refusal(error: DomainError, rename: Mapping[str, str] | None = None) -> Response[str]:
    """A domain error's answer: its status by class (``casino.error_map``, the one mapping)."""
    return error_response(
        error_map.http_status(error), error.code, error.message, error.field, rename, details=error.details
    )


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    rename: Mapping[str, str] | None = None,
    *,
    details: Mapping[str, Any] | None = None,
) -> Response[str]:
    """``{"error": {code, message, field, ...details}}``; ``rename`` gives a protocol's own code
    for one of ours (the operator-wallet protocol says ``invalid_request``); ``details`` are the
    error's own facts a caller acts on (a closed session's status and why it ended, whether a
    conflict is worth retrying)."""
    code = (rename or {}).get(code, code)
    error: dict[str, Any] = {**(details or {}), "code": code, "message": message}
    if field:
        error["field"] = field
    return Response(status_code=status, content_type="application/json", body=dumps({"error": error}))


def _field_of(error: Mapping[str, Any]) -> str:
    """A pydantic error's location as the field it names: ``limits.max_bet``, ``currencies[1]``,
    ``body`` for the body as a whole; never a bare index."""
    loc = list(error.get("loc", ()))
    if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
        loc = loc[1:]
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif part == "[key]":  # a dict's key is refused: the dict itself is the field
            parts = parts[:-1]
        elif not (isinstance(part, str) and _UNION_TAG.match(part)):  # not which member of a union it tried
            parts.append(("." if parts else "") + str(part))
    field = "".join(parts)
    return field if field and not field.startswith("[") else f"body{field}"


# pydantic's location tags for the members of a union (``function-before[...]``, ``int``...):
# not field names, which are the request's own keys.
_UNION_TAG = re.compile(r"^(?:[a-z]+(?:-[a-z]+)*\[.*\]|int|str|float|bool|decimal|none|list|dict)$")


def parse_body(event: Mapping[str, Any]) -> Any:
    """The request's body as JSON (``None`` if empty), read as Powertools will read it; bad text
    is refused naming ``body`` with the reason (too deep, a number too long, not JSON...)."""
    text = event.get("body") or ""
    if not text:
        return None
    try:
        if event.get("isBase64Encoded"):
            text = base64.b64decode(text.encode("ascii"), validate=True).decode("utf-8")
        return loads(text)
    except (UnicodeError, binascii.Error):
        raise ValidationFailed("body: not valid UTF-8 text", field="body") from None
    except JsonRejected as rejected:
        raise ValidationFailed(f"body: {rejected}", field="body") from None


class JsonRestResolver(APIGatewayRestResolver):
    """The resolver of every hub, client and admin function.

    Before Powertools sees the request: the caller is authorised (Powertools validates the
    body before its middlewares run, and an unauthenticated caller must learn nothing), the
    body is at most 64 KiB and is JSON that ``loads`` accepts (at most 32 levels deep, numbers of
    at most 40 digits: else a 400 naming ``body``, so no bad text reaches a 5xx), and every
    request is read as JSON whatever Content-Type it came with (the contract's convention; a
    form content type would otherwise fail validation).
    """

    def __init__(self, authorize: Authorize | None = None, rename: Mapping[str, str] | None = None, **kwargs: Any):
        validate = bool(kwargs.pop("enable_validation", False))
        super().__init__(**kwargs)  # without validation: its middleware is not imported here ...
        # ... but the resolver validates (and its OpenAPI says so): each route that takes input
        # builds the middleware when it is first called (Powertools does that for a route whose
        # own setting asks for it), and a route that takes none is never validated (_decide_validation).
        self._enable_validation = validate
        self._validation_decided = not validate
        self._authorize = authorize
        self.rename = dict(rename or {})

    def _decide_validation(self) -> None:
        """Request validation only where a route reads something of the request: a route
        function without parameters (no body model, query or path parameter) has nothing to
        validate, and building Powertools' validation for it (pydantic's schema of an empty
        request, the middleware and its imports) was most of such a function's first request."""
        import inspect  # noqa: PLC0415

        for route in (*self._static_routes, *self._dynamic_routes):
            if route.enable_validation is None and not inspect.signature(route.func).parameters:
                route.enable_validation = False
        self._validation_decided = True

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        """The request, with its one structured line (``casino.telemetry``: correlation id,
        audience, route, outcome, latency, caller) and ``X-Correlation-Id`` on the answer."""
        if not self._validation_decided:
            self._decide_validation()
        with telemetry.http_request(event) as served:
            return served.answer(self._resolve_json(event, context, served))

    def _resolve_json(self, event: Mapping[str, Any], context: Any, served: telemetry.Served) -> dict[str, Any]:
        body = event.get("body") or ""
        try:
            caller = self._authorize(Request(event)) if self._authorize is not None else None
            served.caller = telemetry.describe_caller(caller)
            if len(body.encode("utf-8")) > MAX_BODY_BYTES:
                raise PayloadTooLarge(f"body: larger than {MAX_BODY_BYTES} bytes", field="body")
            parse_body(event)  # bad JSON is a 400 naming the body, before Powertools reads it
        except DomainError as refused:
            answer = refusal(refused, self.rename)
            return {
                "statusCode": answer.status_code,
                "headers": {"Content-Type": "application/json"},
                "body": answer.body,
                "isBase64Encoded": False,
            }
        self.append_context(caller=caller)  # type: ignore[no-untyped-call]
        # Every request is read as JSON, an empty one too (a stray Content-Type on a request
        # without a body would otherwise reach Powertools' "unsupported content type" as a 500).
        fixed = dict(event)
        for name, value in (("headers", "application/json"), ("multiValueHeaders", ["application/json"])):
            headers = {k: v for k, v in (event.get(name) or {}).items() if k.lower() != "content-type"}
            fixed[name] = {**headers, "Content-Type": value}
        return super().resolve(fixed, context)


def rest_app(authorize: Authorize | None = None, rename: Mapping[str, str] | None = None) -> APIGatewayRestResolver:
    """A resolver with validation, Decimal JSON, and the one mapping from domain errors to answers."""
    app = JsonRestResolver(
        authorize=authorize, rename=rename, enable_validation=True, serializer=dumps, json_body_deserializer=loads
    )

    @app.exception_handler(DomainError)
    def _domain_error(exc: DomainError) -> Response[str]:
        return refusal(exc, app.rename)

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response[str]:
        errors = list(exc.errors())
        first = errors[0] if errors else {}
        if first.get("type") == "json_invalid":  # Powertools' own JSON refusal names a position
            field, message = "body", f"body: not valid JSON ({(first.get('ctx') or {}).get('error', 'invalid')})"
        else:
            field = _field_of(first)
            message = f"{field}: {first.get('msg', 'invalid')}" if first else "invalid request"
        return error_response(400, "validation_error", message, field, app.rename)

    @app.exception_handler(JsonRejected)
    def _bad_json(exc: JsonRejected) -> Response[str]:
        # A seatbelt: resolve() has read the body with the same ``loads`` before Powertools does.
        # Deliberately not every ValueError: one from our own code is a bug, answered as a 500.
        return error_response(400, "validation_error", f"body: {exc}", "body", app.rename)

    @app.not_found
    def _not_found(exc: NotFoundError) -> Response[str]:
        return error_response(404, "not_found", "no such route")

    @app.exception_handler(Exception)
    def _internal(exc: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return error_response(500, "internal", "internal error, safe to retry")

    return app
