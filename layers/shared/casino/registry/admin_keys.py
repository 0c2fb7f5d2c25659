"""Admin keys: stored only as SHA-256 hashes; several may be active; each can be revoked.

The first key is created by the deploy in a Secrets Manager secret (``ADMIN_BOOTSTRAP_SECRET``);
it is accepted unless a revocation for its hash is stored.
"""

from __future__ import annotations

import hashlib
import hmac

from casino import secret_store
from casino.registry import store
from casino.settings import settings


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def is_valid(key: str) -> bool:
    digest = key_hash(key)
    record = store.get(f"ADMIN_KEY#{digest}", "ADMIN_KEY")
    if record is not None:
        return bool(record.get("status") == "active")
    bootstrap = secret_store.secret(settings().admin_bootstrap_secret)
    return bootstrap is not None and hmac.compare_digest(digest, key_hash(bootstrap))
