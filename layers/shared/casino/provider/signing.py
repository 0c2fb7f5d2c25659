"""The provider protocol's signatures, per scheme, compared in constant time.

- ``seed-sha1`` (the seed's formulas): ``X-Authorization`` = sha1(command + secret), envelope
  ``hash`` = sha1(command + request_timestamp + secret), response ``hash`` =
  sha1(status + response_timestamp + secret). Nothing covers ``data``: the seal does
  (``casino.provider.seals``).
- ``hmac-sha256``: the envelope and response hashes as above, and ``X-Authorization`` =
  HMAC-SHA256(secret, command + "\\n" + request_timestamp + "\\n" + raw_body); responses
  carry ``X-Signature`` = HMAC-SHA256(secret, response_timestamp + "\\n" + raw_response_body).
  ``GET /ping`` has no body and no envelope: its timestamp travels in ``X-Timestamp`` and
  ``X-Authorization`` = HMAC-SHA256(secret, "ping\\n" + X-Timestamp + "\\n").
"""

from __future__ import annotations

import hashlib
import hmac

SEED_SHA1 = "seed-sha1"
HMAC_SHA256 = "hmac-sha256"
SCHEMES = (HMAC_SHA256, SEED_SHA1)


def _utf8(text: str) -> bytes:
    """UTF-8 that never raises: a lone surrogate (possible in JSON text) is kept as its bytes."""
    return text.encode("utf-8", "surrogatepass")


def sha1_hex(text: str) -> str:
    return hashlib.sha1(_utf8(text), usedforsecurity=False).hexdigest()


def hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(_utf8(secret), message, hashlib.sha256).hexdigest()


def authorization(command: str, secret: str) -> str:
    """``seed-sha1``: ``X-Authorization`` = sha1(command + secret)."""
    return sha1_hex(command + secret)


def request_authorization(command: str, request_timestamp: str, raw_body: bytes, secret: str) -> str:
    """``hmac-sha256``: ``X-Authorization`` over the command, the timestamp and the raw body."""
    return hmac_hex(secret, _utf8(f"{command}\n{request_timestamp}\n") + raw_body)


def request_hash(command: str, request_timestamp: str, secret: str) -> str:
    return sha1_hex(command + request_timestamp + secret)


def response_hash(status: str, response_timestamp: str, secret: str) -> str:
    return sha1_hex(status + response_timestamp + secret)


def response_signature(response_timestamp: str, raw_body: bytes, secret: str) -> str:
    """``hmac-sha256``: the ``X-Signature`` header of every answer."""
    return hmac_hex(secret, _utf8(f"{response_timestamp}\n") + raw_body)


def same(given: str | None, expected: str) -> bool:
    """Constant-time; hex is compared case-insensitively. Any text is safe to pass (non-ASCII,
    huge): it is compared as UTF-8 bytes, never parsed."""
    return given is not None and hmac.compare_digest(_utf8(given.strip().lower()), _utf8(expected))


def any_same(given: str | None, expected: list[str]) -> bool:
    """``same`` against each candidate, every comparison made (no early exit)."""
    results = [same(given, candidate) for candidate in expected]
    return any(results)
