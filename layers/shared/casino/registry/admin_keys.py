"""Admin keys: stored only as SHA-256 hashes; several may be active; each can be revoked, never
the last active one (admin-api.md).

The first key is created by the deploy in a Secrets Manager secret (``ADMIN_BOOTSTRAP_SECRET``);
it is accepted unless a revocation for its hash is stored, and it counts as an active key
until then. A key is found by its id in one read (its id item names its hash), and the
number of active keys is kept beside them, updated in the same transaction as each key:
two revocations at once can never leave no key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from casino import clock, ids, secret_store
from casino.errors import Conflict
from casino.registry import credential_store as store
from casino.settings import settings

BOOTSTRAP_KEY_ID = "bootstrap"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _view(record: dict[str, Any]) -> dict[str, object]:
    return {k: record[k] for k in store.ADMIN_KEY_FIELDS if k in record}


def is_valid(key: str) -> bool:
    return key_id_of(key) is not None


def key_id_of(key: str) -> str | None:
    """The id of an active admin key (``bootstrap`` for the deploy's first one), else None."""
    digest = key_hash(key)
    record = store.admin_key(digest)
    if record is not None:
        return str(record.get("key_id") or digest[:12]) if record.get("status") == "active" else None
    bootstrap = secret_store.secret(settings().admin_bootstrap_secret)
    if bootstrap is not None and hmac.compare_digest(digest, key_hash(bootstrap)):
        return BOOTSTRAP_KEY_ID
    return None


def create(label: str) -> dict[str, object]:
    """A new admin key. The key itself is returned once and stored only as its hash."""
    key = "cak_" + secrets.token_urlsafe(32)
    now = clock.now_ms()
    record: dict[str, object] = {
        "key_id": ids.new_id("key", now),
        "label": label,
        "status": "active",
        "created_at": now,
    }
    store.add_admin_key(key_hash(key), record)
    return {**record, "key": key}


def revoke(key_id: str) -> dict[str, object] | None:
    """Revoke a key by id (``bootstrap`` names the deploy's first key): it stops working at once.
    None if unknown; ``Conflict`` if it is the last active key. Revoking twice answers the
    first revocation."""
    now = clock.now_ms()
    if key_id == BOOTSTRAP_KEY_ID:
        bootstrap = secret_store.secret(settings().admin_bootstrap_secret)
        if bootstrap is None:
            return None
        digest = key_hash(bootstrap)
        existing = store.admin_key(digest)
        first_record = existing is None
        record: dict[str, Any] = existing or {
            "key_id": BOOTSTRAP_KEY_ID,
            "label": "deploy bootstrap key",
            "status": "active",
            "created_at": 0,
        }
    else:
        found_hash = store.admin_key_hash(key_id)
        found = store.admin_key(found_hash) if found_hash else None
        if found_hash is None or found is None:
            return None
        digest, record, first_record = found_hash, found, False
    if record.get("status") != "active":
        return _view(record)
    revoked = {**record, "status": "revoked", "revoked_at": now}
    outcome = store.revoke_admin_key(digest, revoked, first_record=first_record)
    if outcome == "last_active":
        raise Conflict("the last active admin key cannot be revoked: create another one first", field="key_id")
    if outcome == "already_revoked":
        return _view(store.admin_key(digest) or revoked)
    return _view(revoked)
