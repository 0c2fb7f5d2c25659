"""Our ids: opaque, prefixed by kind, sortable by time (a ULID after the prefix)."""

from __future__ import annotations

import os
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(now_ms: int | None = None) -> str:
    """A 26-character ULID: 48 bits of unix ms then 80 random bits, Crockford base32."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(kind: str, now_ms: int | None = None) -> str:
    """``new_id("trx")`` -> ``trx_01J...``."""
    return f"{kind}_{ulid(now_ms)}"
