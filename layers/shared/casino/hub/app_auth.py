"""Dynamic app auth (hub-operator-api.md, "Auth").

Every signed request carries ``X-App-Id``, ``X-Timestamp`` (unix ms, ASCII digits),
``X-Nonce`` (16 to 64 of ``[A-Za-z0-9_-]``, fresh per request) and ``X-Signature``: lowercase
hex ``HMAC-SHA256(secret, timestamp \\n nonce \\n METHOD \\n endpoint \\n raw body)``, where the
endpoint is the last segment of the path. A signature therefore binds the body to one
endpoint, and a nonce seen before within the window is refused, so a captured request
cannot be replayed, to the same endpoint or another.

The same scheme signs every call an operator makes to the hub (with one of its app secrets)
and every call the hub makes to an operator's wallet (with its wallet secret). This module
is pure: it signs, parses and verifies; ``casino.hub.http`` and ``casino.bridge.http`` look
the caller up and record its nonce.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from casino import clock

WINDOW_MS = 300_000
APP_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
TIMESTAMP = re.compile(r"[0-9]{1,15}")  # ASCII digits only; unix ms has 13
NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
SIGNATURE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class SignedHeaders:
    """The four auth headers of a request, each well-formed (not yet verified)."""

    app_id: str
    timestamp: str
    nonce: str
    signature: str

    @property
    def timestamp_ms(self) -> int:
        return int(self.timestamp)


def endpoint_of(path: str) -> str:
    """The last segment of a path (``/api/v1/hub/create_session`` -> ``create_session``)."""
    return path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _raw(body: str | bytes) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def signature(secret: str, timestamp: str, nonce: str, method: str, endpoint: str, body: str | bytes) -> str:
    message = b"\n".join(
        (timestamp.encode("ascii"), nonce.encode("ascii"), method.upper().encode("ascii"), endpoint.encode("utf-8"))
    )
    return hmac.new(secret.encode("utf-8"), message + b"\n" + _raw(body), hashlib.sha256).hexdigest()


def new_nonce() -> str:
    return secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-], 192 bits


def headers(
    app_id: str,
    secret: str,
    method: str,
    endpoint: str,
    body: str | bytes,
    *,
    now_ms: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The auth headers of one request, signed afresh (a new nonce unless one is given)."""
    timestamp = str(clock.now_ms() if now_ms is None else now_ms)  # the clock the other side checks against
    nonce = nonce or new_nonce()
    return {
        "X-App-Id": app_id,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": signature(secret, timestamp, nonce, method, endpoint, body),
    }


def parse(given: Mapping[str, str]) -> SignedHeaders | None:
    """The auth headers (lower-cased names) if all four are present and well-formed, else None.
    Never raises: a huge, non-ASCII or Unicode-digit value is simply malformed."""
    values = [given.get(name) for name in ("x-app-id", "x-timestamp", "x-nonce", "x-signature")]
    patterns = (APP_ID, TIMESTAMP, NONCE, SIGNATURE)
    if not all(isinstance(v, str) and p.fullmatch(v) for v, p in zip(values, patterns, strict=True)):
        return None
    app_id, timestamp, nonce, signed = (str(v) for v in values)
    return SignedHeaders(app_id, timestamp, nonce, signed)


def fresh(signed: SignedHeaders, now_ms: int) -> bool:
    """The timestamp is within 300 s of now, either way."""
    return abs(now_ms - signed.timestamp_ms) <= WINDOW_MS


def valid(secrets_: Iterable[str], signed: SignedHeaders, method: str, endpoint: str, body: str | bytes) -> bool:
    """True if the signature is the one of any of the secrets (each compared in constant time,
    all of them compared whatever the outcome)."""
    given = signed.signature.encode("ascii")
    matched = False
    for secret in secrets_:
        expected = signature(secret, signed.timestamp, signed.nonce, method, endpoint, body).encode("ascii")
        matched |= hmac.compare_digest(expected, given)
    return matched


def nonce_expiry_ms(signed: SignedHeaders, now_ms: int) -> int:
    """Until when a nonce must be remembered: past it, its timestamp is out of the window anyway."""
    return max(now_ms, signed.timestamp_ms) + WINDOW_MS
