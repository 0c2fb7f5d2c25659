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


BOOTSTRAP_KEY_ID = "bootstrap"


def create(label: str) -> dict[str, object]:
    """A new admin key. The key itself is returned once and stored only as its hash."""
    import secrets  # noqa: PLC0415

    from casino import clock, ids  # noqa: PLC0415

    key = "cak_" + secrets.token_urlsafe(32)
    now = clock.now_ms()
    record = {"key_id": ids.new_id("key", now), "label": label, "status": "active", "created_at": now}
    store.put(
        {
            "pk": f"ADMIN_KEY#{key_hash(key)}",
            "sk": "ADMIN_KEY",
            "gsi1pk": "ADMIN_KEYS",
            "gsi1sk": record["key_id"],
            **record,
        }
    )
    return {**record, "key": key}


def revoke(key_id: str) -> dict[str, object] | None:
    """Revoke a key by id (``bootstrap`` names the deploy's first key). None if unknown."""
    from casino import clock  # noqa: PLC0415

    now = clock.now_ms()
    if key_id == BOOTSTRAP_KEY_ID:
        bootstrap = secret_store.secret(settings().admin_bootstrap_secret)
        if bootstrap is None:
            return None
        record = {
            "key_id": BOOTSTRAP_KEY_ID,
            "label": "deploy bootstrap key",
            "status": "revoked",
            "created_at": 0,
            "revoked_at": now,
        }
        store.put(
            {
                "pk": f"ADMIN_KEY#{key_hash(bootstrap)}",
                "sk": "ADMIN_KEY",
                "gsi1pk": "ADMIN_KEYS",
                "gsi1sk": BOOTSTRAP_KEY_ID,
                **record,
            }
        )
        return record
    found = [k for k in store.query_index("GSI1", "ADMIN_KEYS", limit=1000) if k.get("key_id") == key_id]
    if not found:
        return None
    item = {**found[0], "status": "revoked", "revoked_at": now}
    store.put(item)
    return {k: item[k] for k in ("key_id", "label", "status", "created_at", "revoked_at")}
