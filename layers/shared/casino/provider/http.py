"""One provider callback, from API Gateway event to signed envelope.

Order of checks (provider-callbacks.md, "Envelope and signing"):

1. provider known and active (404 ``OP_12``);
2. the caller's address in the provider's ``allowed_ips``, when it has a list (401 ``OP_20``);
3. body: at most 64 KiB of UTF-8 JSON, an envelope with ``command``, ``request_timestamp``,
   ``hash`` and ``data`` (400 ``OP_10``);
4. authentication (401 ``OP_20``): ``X-Operator-Id``, ``X-Authorization`` and the envelope
   ``hash``, per the provider's scheme, each accepted over the path's or the envelope's
   command (the hash is computed over the envelope's);
5. ``request_timestamp`` readable (400 ``OP_10``) and within 300 s of server time (401 ``OP_21``);
6. the envelope's command is the path's (``OP_11``): only now, so that an unauthenticated
   caller learns nothing;
7. ``seed-sha1`` only: the request hash is sealed to this body (``casino.provider.seals``), in
   the money's own transaction for changebalance and cancel, alone before the others;
8. the command itself (200, OK or ERROR).

``GET /ping`` has no body: steps 1, 2, 4 and (``hmac-sha256``) 5 over the ``X-Timestamp``
header. An unexpected fault is 500 ``OP_90``, safe to retry.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from casino import cache, error_map, telemetry
from casino.api.jsonio import JsonRejected, dumps_numbers, loads
from casino.errors import DomainError
from casino.provider import seals, signing
from casino.provider.errors import ProviderError, auth_failed, invalid, unknown_provider
from casino.provider.seals import Seal
from casino.registry import providers
from casino.registry.providers import Provider

TIMESTAMP_WINDOW_MS = 300_000
MAX_BODY_BYTES = 64 * 1024
MAX_TIMESTAMP_CHARS = 40
# Commands whose seal is written in the money's own transaction (by the command).
SEALED_WITH_THE_MONEY = frozenset({"changebalance", "cancel"})

logger = Logger(service="provider-callbacks")

Command = Callable[[Provider, dict[str, Any], Seal | None], dict[str, Any]]


def _header(headers: dict[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None


PROVIDER_CACHE_S = 60.0
_providers: cache.Ttl[str, Provider] = cache.Ttl(PROVIDER_CACHE_S)


def _provider(code: str) -> Provider | None:
    """A provider's configuration, kept for a minute per execution environment (it changes
    rarely; its secret is cached the same way by ``casino.secret_store``). Unknown codes are
    not cached, so a new provider works at once."""
    cached = _providers.get(code)
    if cached is not None:
        return cached
    provider = providers.get(code)
    if provider is not None:
        _providers.put(code, provider)
    return provider


def parse_timestamp_ms(value: object) -> int | None:
    """A 13-digit epoch-ms string, or ISO-8601 with an offset; None for anything else (never
    raises: non-ASCII digits, thousands of digits, dates out of range are all None)."""
    if not isinstance(value, str) or not value.isascii() or len(value) > MAX_TIMESTAMP_CHARS:
        return None
    if len(value) == 13 and value.isdigit():
        return int(value)
    from datetime import datetime  # noqa: PLC0415

    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            return None
        return int(parsed.timestamp() * 1000)
    except (ValueError, OverflowError):
        return None


def envelope(
    status: str,
    data: dict[str, Any],
    secret: str | None,
    http_status: int = 200,
    scheme: str | None = None,
) -> dict[str, Any]:
    timestamp = str(int(time.time() * 1000))
    body = {
        "status": status,
        "response_timestamp": timestamp,
        "hash": signing.response_hash(status, timestamp, secret) if secret else "",
        "data": data,
    }
    text = dumps_numbers(body)
    headers = {"Content-Type": "application/json"}
    if secret and scheme == signing.HMAC_SHA256:
        headers["X-Signature"] = signing.response_signature(timestamp, text.encode("utf-8", "surrogatepass"), secret)
    return {"statusCode": http_status, "headers": headers, "body": text}


def _error(err: ProviderError, secret: str | None, scheme: str | None) -> dict[str, Any]:
    return envelope("ERROR", {"error_code": err.code, "error_message": err.message}, secret, err.http_status, scheme)


def _source_ip(event: dict[str, Any]) -> str:
    """The caller's address as API Gateway saw it (never a forwarded-for header)."""
    ip = ((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp")
    return ip if isinstance(ip, str) else ""


def handle(event: dict[str, Any], command: str, run: Command, *, has_body: bool = True) -> dict[str, Any]:
    """One callback under its correlation id (API Gateway's request id, answered in
    ``X-Correlation-Id``), with its one line and metrics (``casino.telemetry``)."""
    correlation, theirs = telemetry.request_ids(event)
    with telemetry.correlated(correlation):
        answer, data, outcome, latency_ms = _handle(event, command, run, has_body)
        _count(event, command, data, outcome, int(answer["statusCode"]), latency_ms)
        fields = {"caller_correlation_id": theirs} if theirs else {}
        telemetry.info(
            logger,
            "provider callback",
            {
                "correlation_id": correlation,
                **fields,
                "provider": (event.get("pathParameters") or {}).get("provider", ""),
                "command": command,
                "transaction_id": _loggable(data.get("transaction_id")),
                "round_id": _loggable(data.get("round_id")),
                "outcome": outcome,
                "status": answer["statusCode"],
                "latency_ms": round(latency_ms, 1),
            },
        )
    return telemetry.with_header(answer, correlation)


def _handle(
    event: dict[str, Any], command: str, run: Command, has_body: bool
) -> tuple[dict[str, Any], dict[str, Any], str, float]:
    """The answer, the request's data, the outcome (``OK`` or the error code) and the latency."""
    started = time.perf_counter()
    code = (event.get("pathParameters") or {}).get("provider", "")
    secret: str | None = None
    scheme: str | None = None
    outcome = "OK"
    data: dict[str, Any] = {}
    try:
        provider = _provider(code)
        if provider is None or provider.status != "active":
            raise unknown_provider(code)
        secret = providers.secret_of(provider)
        if secret is None:  # the cached record may name a secret since replaced (a repaired registration)
            _providers.pop(code)
            provider = _provider(code) or provider
            secret = providers.secret_of(provider)
        if secret is None:
            raise ProviderError("OP_90", "provider secret unavailable", 500)
        scheme = provider.signature
        if not providers.ip_allowed(provider, _source_ip(event)):
            raise auth_failed("source address not allowed")
        headers = event.get("headers")
        if has_body:
            data, seal = _verified(event, headers, provider, command, secret)
            if seal is not None and command not in SEALED_WITH_THE_MONEY:
                seals.bind(seal)
                seal = None
            result = run(provider, data, seal)
        else:
            _verified_ping(headers, provider, command, secret)
            result = run(provider, {}, None)
        answer = envelope("OK", result, secret, scheme=scheme)
    except ProviderError as err:
        outcome = err.code
        answer = _error(err, secret, scheme)
    except DomainError as refusal:  # a refusal of the shared domain: its code, by class
        outcome = error_map.provider_code(refusal)
        status = 500 if outcome == "OP_90" else 200
        answer = _error(ProviderError(outcome, refusal.message, status), secret, scheme)
    except Exception:
        outcome = "OP_90"
        logger.exception("provider callback failed", extra={"provider": code, "command": command})
        answer = _error(ProviderError("OP_90", "internal error, safe to retry", 500), secret, scheme)
    return answer, data, outcome, (time.perf_counter() - started) * 1000


def _loggable(value: object) -> object:
    """An id as the log line shows it: ids are short; anything else is cut, never dumped whole."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if value.bit_length() <= 128 else "(too long)"
    if isinstance(value, str):
        return value[:70]
    return type(value).__name__


# changebalance's transaction types as the business metrics count them
MONEY_METRICS = {"BET": "Bets", "WIN": "Wins", "REFUND": "Refunds"}


def _count(
    event: dict[str, Any], command: str, data: dict[str, Any], outcome: str, status: int, latency_ms: float
) -> None:
    """One callback in CloudWatch metrics (EMF; ``telemetry.emit`` never raises): count and latency
    by provider, command and outcome; ``Bets``/``Wins``/``Refunds`` for a changebalance answered OK;
    ``CallbackFailures`` and ``RequestErrors`` for our own fault (``OP_90``, a 5xx). Ephemeral
    metrics: nothing shared between concurrent requests."""
    provider = (event.get("pathParameters") or {}).get("provider") or "unknown"
    if outcome == "OP_12":  # a code nobody registered: never a dimension of its own
        provider = "unknown"
    service = telemetry.PROVIDER_CALLBACKS
    telemetry.emit(
        service,
        {"Callbacks": 1},
        dimensions={"provider": str(provider)[:40], "command": command, "outcome": outcome},
        milliseconds={"CallbackLatency": latency_ms},
    )
    kind = data.get("transaction_type") if command == "changebalance" and outcome == "OK" else None
    if isinstance(kind, str) and kind in MONEY_METRICS:
        telemetry.emit(service, {MONEY_METRICS[kind]: 1})
    if outcome == "OP_90" or status >= 500:
        telemetry.emit(service, {"CallbackFailures": 1, **({"RequestErrors": 1} if status >= 500 else {})})


# ------------------------------------------------------------------ the steps
def _raw_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if not isinstance(body, str):
        raise invalid("body: not text", 400)
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise invalid("body: not valid base64", 400) from None
    return body.encode("utf-8", "surrogatepass")


def _envelope(raw: bytes) -> dict[str, Any]:
    """The envelope, well-formed (400 ``OP_10`` otherwise), from at most 64 KiB of UTF-8 JSON."""
    if len(raw) > MAX_BODY_BYTES:
        raise invalid("body is larger than 64 KiB", 400)
    try:
        body = loads(raw.decode("utf-8"))
    except JsonRejected as rejected:  # not JSON, too deep, a number of more than 40 digits...: says which
        raise invalid(f"body: {rejected.msg}", 400) from None
    except (ValueError, RecursionError):  # not UTF-8
        raise invalid("body: not valid JSON (not UTF-8)", 400) from None
    if not isinstance(body, dict):
        raise invalid("body: must be a JSON object", 400)
    for name, kind in (("command", str), ("request_timestamp", str), ("hash", str), ("data", dict)):
        if not isinstance(body.get(name), kind):
            raise invalid(f"{name}: missing or not a {kind.__name__}", 400)
    return body


def _verified(
    event: dict[str, Any], headers: dict[str, str] | None, provider: Provider, command: str, secret: str
) -> tuple[dict[str, Any], Seal | None]:
    """Steps 3 to 6; the request's data and, for ``seed-sha1``, its seal (not yet written)."""
    raw = _raw_body(event)
    body = _envelope(raw)
    sent_command: str = body["command"]
    timestamp: str = body["request_timestamp"]
    commands = [command] if sent_command == command else [command, sent_command]
    if not signing.same(_header(headers, "X-Operator-Id"), provider.operator_id.lower()):
        raise auth_failed("X-Operator-Id")
    if provider.signature == signing.SEED_SHA1:
        expected = [signing.authorization(c, secret) for c in commands]
    else:
        expected = [signing.request_authorization(c, timestamp, raw, secret) for c in commands]
    if not signing.any_same(_header(headers, "X-Authorization"), expected):
        raise auth_failed("X-Authorization")
    if not signing.any_same(body["hash"], [signing.request_hash(c, timestamp, secret) for c in commands]):
        raise auth_failed("hash")
    now_ms = _within_window(timestamp, "request_timestamp")
    if sent_command != command:
        raise ProviderError("OP_11", f"command {sent_command[:40]!r} does not match the endpoint {command!r}")
    data: dict[str, Any] = body["data"]
    seal = None
    if provider.signature == signing.SEED_SHA1:
        seal = seals.seal_of(provider.code, body["hash"], data, now_ms)
    return data, seal


def _verified_ping(headers: dict[str, str] | None, provider: Provider, command: str, secret: str) -> None:
    """``seed-sha1``: the seed's headers. ``hmac-sha256``: ``X-Timestamp`` within the window and
    ``X-Authorization`` = HMAC-SHA256(secret, "ping\\n" + X-Timestamp + "\\n")."""
    if not signing.same(_header(headers, "X-Operator-Id"), provider.operator_id.lower()):
        raise auth_failed("X-Operator-Id")
    authorization = _header(headers, "X-Authorization")
    if provider.signature == signing.SEED_SHA1:
        if not signing.same(authorization, signing.authorization(command, secret)):
            raise auth_failed("X-Authorization")
        return
    timestamp = _header(headers, "X-Timestamp") or ""
    if not signing.same(authorization, signing.request_authorization(command, timestamp, b"", secret)):
        raise auth_failed("X-Authorization")
    _within_window(timestamp, "X-Timestamp")


def _within_window(timestamp: str, field: str) -> int:
    """Server time in ms, once ``timestamp`` is readable (400 ``OP_10``) and within 300 s (401 ``OP_21``)."""
    sent_ms = parse_timestamp_ms(timestamp)
    if sent_ms is None:
        raise invalid(f"{field}: must be 13-digit epoch ms or ISO-8601 with offset", 400)
    now_ms = int(time.time() * 1000)
    if abs(now_ms - sent_ms) > TIMESTAMP_WINDOW_MS:
        raise ProviderError("OP_21", f"{field} is more than 300 s from server time", 401)
    return now_ms
