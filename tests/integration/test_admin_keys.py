"""Admin keys (admin-api.md): never the last active one revoked, the deploy's bootstrap key
included; a key found by its id however many there are. Each test runs against a registry of
its own (a fresh RegistryTable), so the bootstrap key can be revoked without locking the other
tests out."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from casino import aws
from casino.registry import admin_keys
from casino.settings import settings
from tests.conftest import ADMIN_KEY, RunningStack

KEYS = "/api/v1/admin/admin-keys"


@pytest.fixture()
def own_registry(running: RunningStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh RegistryTable, as the template declares it, for the duration of one test."""
    props = running.stack.doc["Resources"]["RegistryTable"]["Properties"]
    name = f"casino-local-registry-{uuid.uuid4().hex[:8]}"
    aws.dynamodb().create_table(
        TableName=name,
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"],
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv("REGISTRY_TABLE", name)
    settings.cache_clear()
    yield name
    monkeypatch.undo()
    settings.cache_clear()
    aws.dynamodb().delete_table(TableName=name)


def revoke(running: RunningStack, key_id: str, *, using: str) -> tuple[int, dict[str, Any]]:
    status, answer = running.call("POST", f"{KEYS}/{key_id}/revoke", admin_key=using)
    return status, answer


def works(running: RunningStack, key: str) -> bool:
    return running.call("GET", "/api/v1/admin/status", admin_key=key)[0] == 200


def test_the_last_active_key_is_never_revoked(running: RunningStack, own_registry: str) -> None:
    status, refused = revoke(running, "bootstrap", using=ADMIN_KEY)
    assert (status, refused["error"]["code"]) == (409, "conflict")
    assert works(running, ADMIN_KEY)
    status, created = running.call("POST", KEYS, {"label": "ops"})
    assert status == 201
    key = str(created["key"])
    status, revoked = revoke(running, "bootstrap", using=key)
    assert status == 200 and revoked["status"] == "revoked" and not works(running, ADMIN_KEY)
    assert revoke(running, "bootstrap", using=key) == (200, revoked)  # again: the same revocation
    status, refused = revoke(running, str(created["key_id"]), using=key)
    assert (status, refused["error"]["code"]) == (409, "conflict")
    assert works(running, key)


def test_two_revocations_at_once_leave_one_key(running: RunningStack, own_registry: str) -> None:
    created = running.call("POST", KEYS, {"label": "ops"})[1]
    key = str(created["key"])
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda k: revoke(running, k, using=key)[0], ["bootstrap", str(created["key_id"])]))
    assert sorted(answers) == [200, 409]
    assert works(running, ADMIN_KEY) != works(running, key)  # exactly one still works


def test_a_key_is_found_by_its_id_however_many_keys_there_are(running: RunningStack, own_registry: str) -> None:
    for n in range(1000):
        admin_keys.create(f"key {n}")
    status, created = running.call("POST", KEYS, {"label": "the 1001st"})
    assert status == 201
    status, revoked = revoke(running, str(created["key_id"]), using=ADMIN_KEY)
    assert status == 200 and revoked["status"] == "revoked"
    assert not works(running, str(created["key"]))
    assert revoke(running, "key_nope", using=ADMIN_KEY)[0] == 404
