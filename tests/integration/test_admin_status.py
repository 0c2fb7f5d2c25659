"""GET /api/v1/admin/status: admin key auth, services, maintenance, provider syncs."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from casino.hub import status_store
from casino.registry import store
from tests.conftest import RunningStack, body, event, with_headers

STATUS = "AdminStatusFunction"


def test_status_needs_an_admin_key(running: RunningStack) -> None:
    for auth in (None, "Bearer wrong-key", "local-admin-key", "Bearer ", "Basic bG9jYWw="):
        response = running.invoke(STATUS, with_headers(event("admin/status.json"), Authorization=auth))
        assert response["statusCode"] == 401, auth
        assert body(response)["error"]["code"] == "unauthorized"


def test_status_lists_every_service(running: RunningStack) -> None:
    response = running.invoke(STATUS, event("admin/status.json"))
    assert response["statusCode"] == 200
    answer = body(response)
    assert set(answer["services"]) == {
        "wallet",
        "provider_callbacks",
        "hub",
        "contract_flow",
        "schedules",
        "sports",
        "bridge",
    }
    assert {s["status"] for s in answer["services"].values()} <= {"up", "degraded", "maintenance"}
    tlt = next(s for s in answer["provider_syncs"] if s["provider"] == "tlt")  # other tests register more
    assert (tlt["signature"], tlt["signing"]) == ("seed-sha1", "weak")  # the seed's hashes leave data unsigned


def test_a_service_in_maintenance_shows_as_such(running: RunningStack) -> None:
    assert running.call("POST", "/api/v1/admin/status/hub", {"maintenance": True, "reason": "upgrade"})[0] == 200
    try:
        answer = body(running.invoke(STATUS, event("admin/status.json")))
        hub = answer["services"]["hub"]
        assert (hub["status"], hub["maintenance_reason"], hub["maintenance"]["set_by"]) == (
            "maintenance",
            "upgrade",
            "bootstrap",
        )
        assert answer["status"] == "degraded"
    finally:
        assert running.call("POST", "/api/v1/admin/status/hub", {"maintenance": False})[0] == 200


def test_errored_contracts_degrade_the_contract_flow(running: RunningStack, monkeypatch: pytest.MonkeyPatch) -> None:
    stuck = [{"contract_id": "con_x", "status": "errored"}]
    monkeypatch.setattr(status_store, "contracts_needing_attention", lambda limit=50: stuck)
    answer = body(running.invoke(STATUS, event("admin/status.json")))
    flow = answer["services"]["contract_flow"]
    assert flow["status"] == "degraded" and "1 contract(s)" in flow["problems"][0]
    assert answer["contracts_needing_attention"] == stuck and answer["status"] == "degraded"


def test_a_stored_key_works_and_a_revoked_one_does_not(running: RunningStack) -> None:
    key = "ops-key-" + "7" * 24
    digest = hashlib.sha256(key.encode()).hexdigest()
    store.put({"pk": f"ADMIN_KEY#{digest}", "sk": "ADMIN_KEY", "status": "active"})
    ok = running.invoke(STATUS, with_headers(event("admin/status.json"), Authorization=f"Bearer {key}"))
    assert ok["statusCode"] == 200
    store.put({"pk": f"ADMIN_KEY#{digest}", "sk": "ADMIN_KEY", "status": "revoked"})
    refused = running.invoke(STATUS, with_headers(event("admin/status.json"), Authorization=f"Bearer {key}"))
    assert refused["statusCode"] == 401


@pytest.mark.parametrize("key", ["", "Bearer local-admin-key"])
def test_status_over_http(running: RunningStack, key: str) -> None:
    answer = httpx.get(f"{running.base_url}/api/v1/admin/status", headers={"Authorization": key} if key else {})
    assert answer.status_code == (200 if key else 401)
    assert answer.headers["content-type"].startswith("application/json")
