"""The provider protocol's hashes (SHA-1 hex, as the seed defines them), compared in constant time."""

from __future__ import annotations

import hashlib
import hmac


def sha1_hex(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def authorization(command: str, secret: str) -> str:
    """``X-Authorization`` = sha1(command + secret)."""
    return sha1_hex(command + secret)


def request_hash(command: str, request_timestamp: str, secret: str) -> str:
    return sha1_hex(command + request_timestamp + secret)


def response_hash(status: str, response_timestamp: str, secret: str) -> str:
    return sha1_hex(status + response_timestamp + secret)


def same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.strip().lower().encode(), expected.encode())
