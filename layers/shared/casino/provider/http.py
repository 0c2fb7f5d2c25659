"""One provider callback, from API Gateway event to signed envelope.

Order of checks: provider known (404 OP_12) -> headers (401 OP_20) -> body JSON and envelope
(400 OP_10) -> command (OP_11) -> request hash (401 OP_20) -> timestamp window (401 OP_21)
-> the command itself (200, OK or ERROR). An unexpected fault is 500 OP_90, safe to retry.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from casino.api.jsonio import dumps_numbers, loads
from casino.provider import signing
from casino.provider.errors import ProviderError, auth_failed, invalid, unknown_provider
from casino.registry import providers
from casino.registry.providers import Provider

TIMESTAMP_WINDOW_MS = 300_000
MAX_BODY_BYTES = 64 * 1024

logger = Logger(service="provider-callbacks")

Command = Callable[[Provider, dict[str, Any]], dict[str, Any]]


def _header(headers: dict[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None


PROVIDER_CACHE_S = 60.0
_providers: dict[str, tuple[float, Provider]] = {}


def _provider(code: str) -> Provider | None:
    """A provider's configuration, kept for a minute per execution environment (it changes
    rarely; its secret is cached the same way by the parameters utility). Unknown codes are
    not cached, so a new provider works at once."""
    cached = _providers.get(code)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    provider = providers.get(code)
    if provider is not None:
        _providers[code] = (time.monotonic() + PROVIDER_CACHE_S, provider)
    return provider


def parse_timestamp_ms(value: object) -> int | None:
    """A 13-digit epoch-ms string, or ISO-8601 with an offset."""
    if not isinstance(value, str):
        return None
    if len(value) == 13 and value.isdigit():
        return int(value)
    from datetime import datetime  # noqa: PLC0415

    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return int(parsed.timestamp() * 1000)


def envelope(status: str, data: dict[str, Any], secret: str | None, http_status: int = 200) -> dict[str, Any]:
    timestamp = str(int(time.time() * 1000))
    body = {
        "status": status,
        "response_timestamp": timestamp,
        "hash": signing.response_hash(status, timestamp, secret) if secret else "",
        "data": data,
    }
    return {
        "statusCode": http_status,
        "headers": {"Content-Type": "application/json"},
        "body": dumps_numbers(body),
    }


def _error(err: ProviderError, secret: str | None) -> dict[str, Any]:
    return envelope("ERROR", {"error_code": err.code, "error_message": err.message}, secret, err.http_status)


def handle(event: dict[str, Any], command: str, run: Command, *, has_body: bool = True) -> dict[str, Any]:
    started = time.perf_counter()
    code = (event.get("pathParameters") or {}).get("provider", "")
    secret: str | None = None
    outcome = "OK"
    data: dict[str, Any] = {}
    try:
        provider = _provider(code)
        if provider is None or provider.status != "active":
            raise unknown_provider(code)
        secret = providers.secret_of(provider)
        if secret is None:
            raise ProviderError("OP_90", "provider secret unavailable", 500)
        headers = event.get("headers")
        if not signing.same(_header(headers, "X-Operator-Id"), provider.operator_id.lower()):
            raise auth_failed("X-Operator-Id")
        if not signing.same(_header(headers, "X-Authorization"), signing.authorization(command, secret)):
            raise auth_failed("X-Authorization")
        if has_body:
            data = _verified_data(event, command, secret)
        answer = envelope("OK", run(provider, data), secret)
    except ProviderError as err:
        outcome = err.code
        answer = _error(err, secret)
    except Exception:
        outcome = "OP_90"
        logger.exception("provider callback failed", extra={"provider": code, "command": command})
        answer = _error(ProviderError("OP_90", "internal error, safe to retry", 500), secret)
    latency_ms = (time.perf_counter() - started) * 1000
    _count(code, command, outcome, latency_ms)
    logger.info(
        "provider callback",
        extra={
            "provider": code,
            "command": command,
            "transaction_id": data.get("transaction_id"),
            "round_id": data.get("round_id"),
            "outcome": outcome,
            "latency_ms": round(latency_ms, 1),
        },
    )
    return answer


def _count(provider: str, command: str, outcome: str, latency_ms: float) -> None:
    """One callback in CloudWatch metrics (EMF): count and latency, by provider, command and outcome.
    Ephemeral metrics: nothing shared between concurrent requests."""
    from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit  # noqa: PLC0415

    metrics = EphemeralMetrics(service="provider-callbacks")
    metrics.add_dimension(name="provider", value=provider or "unknown")
    metrics.add_dimension(name="command", value=command)
    metrics.add_dimension(name="outcome", value=outcome)
    metrics.add_metric(name="Callbacks", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="CallbackLatency", unit=MetricUnit.Milliseconds, value=latency_ms)
    metrics.flush_metrics()


def _verified_data(event: dict[str, Any], command: str, secret: str) -> dict[str, Any]:
    raw = event.get("body") or ""
    if len(raw.encode("utf-8")) > MAX_BODY_BYTES:
        raise invalid("body is larger than 64 KiB", 400)
    try:
        body = loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise invalid("body: not valid JSON", 400) from None
    if not isinstance(body, dict):
        raise invalid("body: must be a JSON object", 400)
    for name, kind in (("command", str), ("request_timestamp", str), ("hash", str), ("data", dict)):
        if not isinstance(body.get(name), kind):
            raise invalid(f"{name}: missing or not a {kind.__name__}", 400)
    if body["command"] != command:
        raise ProviderError("OP_11", f"command {body['command']!r} does not match the endpoint {command!r}")
    if not signing.same(body["hash"], signing.request_hash(command, body["request_timestamp"], secret)):
        raise auth_failed("hash")
    sent_ms = parse_timestamp_ms(body["request_timestamp"])
    if sent_ms is None:
        raise invalid("request_timestamp: must be 13-digit epoch ms or ISO-8601 with offset", 400)
    if abs(int(time.time() * 1000) - sent_ms) > TIMESTAMP_WINDOW_MS:
        raise ProviderError("OP_21", "request_timestamp is more than 300 s from server time", 401)
    data: dict[str, Any] = body["data"]
    return data
