"""POST /api/v1/admin/providers is atomic or repaired by a retry (admin-api.md, "Integrations")."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from casino import secret_store
from casino.registry import providers, store
from local.provider_client import ProviderClient
from tests.conftest import RunningStack
from tests.provider.conftest import next_id

SECRET = "acme-secret-1234"


def provider_body(**changes: Any) -> dict[str, Any]:
    return {
        "code": f"p{next_id()}",
        "name": "Acme",
        "operator_id": "acme-op",
        "secret": SECRET,
        "platform_url": "http://127.0.0.1:9/acme",
        "currencies": ["EUR"],
        **changes,
    }


def client_of(running: RunningStack, body: dict[str, Any], signature: str = "hmac-sha256") -> ProviderClient:
    return ProviderClient(running.base_url, body["code"], body["operator_id"], body["secret"], signature)


def _ssm_down(name: str, value: str) -> None:
    raise ClientError({"Error": {"Code": "InternalServerError", "Message": "SSM is down"}}, "PutParameter")


def test_a_registration_whose_secret_write_fails_is_repaired_by_the_same_body(
    running: RunningStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body = provider_body()
    with monkeypatch.context() as patched:
        patched.setattr(secret_store, "put_parameter", _ssm_down)
        status, failed = running.call("POST", "/api/v1/admin/providers", body)
    assert status == 503 and failed["error"]["code"] == "upstream_unavailable", failed
    assert SECRET not in str(failed)
    assert providers.get(body["code"]) is None  # nothing half-made
    assert not client_of(running, body).send("ping").ok
    status, created = running.call("POST", "/api/v1/admin/providers", body)
    assert status == 201, created
    answer = client_of(running, body).send("ping")
    assert answer.ok and answer.signed
    assert SECRET not in capsys.readouterr().out


def test_the_same_body_again_is_the_same_provider_another_is_409(running: RunningStack) -> None:
    body = provider_body(signature="seed-sha1", allowed_ips=["127.0.0.1"])
    status, created = running.call("POST", "/api/v1/admin/providers", body)
    assert status == 201 and "secret" not in created
    assert (created["signature"], created["allowed_ips"]) == ("seed-sha1", ["127.0.0.1"])
    assert running.call("POST", "/api/v1/admin/providers", body) == (200, created)
    for change in ({"secret": "another-secret-1"}, {"signature": "hmac-sha256"}, {"allowed_ips": None}):
        status, refused = running.call("POST", "/api/v1/admin/providers", {**body, **change})
        assert status == 409 and refused["error"]["field"] == "code", change
        assert SECRET not in str(refused)
    assert client_of(running, body, "seed-sha1").send("ping").ok  # the first secret still stands


def test_a_provider_left_without_its_secret_by_the_old_order_is_repaired(running: RunningStack) -> None:
    """A record written before its secret (the order before this fix), whose secret never came."""
    body = provider_body()
    store.put_new(
        {
            "pk": f"PROVIDER#{body['code']}",
            "sk": "PROVIDER",
            "gsi1pk": "PROVIDERS",
            "gsi1sk": body["code"],
            **{k: body[k] for k in ("code", "name", "operator_id", "platform_url", "currencies")},
            "status": "active",
        }
    )
    broken = client_of(running, body, "seed-sha1").send("ping")
    assert (broken.http_status, broken.error_code) == (500, "OP_90")
    assert running.call("POST", "/api/v1/admin/providers", {**body, "secret": ""})[0] == 400
    status, repaired = running.call("POST", "/api/v1/admin/providers", body)
    assert status == 200 and repaired["signature"] == "hmac-sha256", repaired
    assert client_of(running, body).send("ping").ok
    assert running.call("POST", "/api/v1/admin/providers", body) == (200, repaired)


def test_concurrent_registrations_of_one_body_make_one_provider(running: RunningStack) -> None:
    body = provider_body()
    url, headers = f"{running.base_url}/api/v1/admin/providers", {"Authorization": "Bearer local-admin-key"}
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: httpx.post(url, json=body, headers=headers, timeout=30), range(4)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert all(a.json() == answers[0].json() for a in answers)
    assert client_of(running, body).send("ping").ok
