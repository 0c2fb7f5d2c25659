"""Dynamic app auth (hub-operator-api.md): HMAC-SHA256 over ``X-Timestamp + "." + raw body``.

The same scheme signs every call an operator makes to the hub (with one of its app secrets)
and every call the hub makes to an operator's wallet (with its wallet secret).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

WINDOW_MS = 300_000


def signature(secret: str, timestamp: str, body: str | bytes) -> str:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    message = timestamp.encode("ascii") + b"." + raw
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def headers(app_id: str, secret: str, body: str | bytes, now_ms: int | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() * 1000) if now_ms is None else now_ms)
    return {"X-App-Id": app_id, "X-Timestamp": timestamp, "X-Signature": signature(secret, timestamp, body)}


def fresh(timestamp: str | None, now_ms: int | None = None) -> bool:
    """A unix-ms timestamp within 300 s of now, either way."""
    if not timestamp or not timestamp.isdigit():
        return False
    now = int(time.time() * 1000) if now_ms is None else now_ms
    return abs(now - int(timestamp)) <= WINDOW_MS


def valid(secrets: Iterable[str], timestamp: str, body: str | bytes, given: str | None) -> bool:
    """True if ``given`` is the signature under any of ``secrets`` (each compared in constant time)."""
    if not given:
        return False
    expected = given.strip().lower().encode()
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(signature(secret, timestamp, body).encode(), expected)
    return matched
