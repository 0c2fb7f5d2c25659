"""GET /api/v1/provider/{provider}/ping through the API Gateway event, as deployed."""

from __future__ import annotations

import hashlib
import time

import httpx

from tests.conftest import RunningStack, body, event, with_headers

PING = "ProviderPingFunction"


def _expected_hash(status: str, timestamp: str, secret: str = "tlt-demo-secret") -> str:
    return hashlib.sha1(f"{status}{timestamp}{secret}".encode()).hexdigest()


def test_ping_answers_a_signed_empty_ok_envelope(running: RunningStack) -> None:
    response = running.invoke(PING, event("provider/ping.json"))
    assert response["statusCode"] == 200
    answer = body(response)
    assert answer["status"] == "OK" and answer["data"] == {}
    assert len(answer["response_timestamp"]) == 13
    assert abs(int(answer["response_timestamp"]) - time.time() * 1000) < 5000
    assert answer["hash"] == _expected_hash("OK", answer["response_timestamp"])


def test_an_unknown_provider_is_404_op_12(running: RunningStack) -> None:
    evt = event("provider/ping.json", path="/api/v1/provider/nope/ping", pathParameters={"provider": "nope"})
    response = running.invoke(PING, evt)
    assert response["statusCode"] == 404
    assert body(response)["status"] == "ERROR"
    assert body(response)["data"]["error_code"] == "OP_12"


def test_ping_without_or_with_wrong_credentials_is_401_op_20(running: RunningStack) -> None:
    for headers in (
        {"X-Authorization": None},
        {"X-Operator-Id": None},
        {"X-Authorization": hashlib.sha1(b"pingwrong-secret").hexdigest()},
        {"X-Authorization": hashlib.sha1(b"balancetlt-demo-secret").hexdigest()},
        {"X-Operator-Id": "someone-else"},
    ):
        response = running.invoke(PING, with_headers(event("provider/ping.json"), **headers))
        assert response["statusCode"] == 401, headers
        answer = body(response)
        assert answer["data"]["error_code"] == "OP_20", headers
        assert answer["hash"] == _expected_hash("ERROR", answer["response_timestamp"])


def test_ping_over_http_on_the_local_gateway(running: RunningStack) -> None:
    headers = {
        "X-Operator-Id": "demo-casino",
        "X-Authorization": hashlib.sha1(b"pingtlt-demo-secret").hexdigest(),
    }
    answer = httpx.get(f"{running.base_url}/api/v1/provider/tlt/ping", headers=headers)
    assert answer.status_code == 200 and answer.json()["status"] == "OK"
    assert httpx.get(f"{running.base_url}/api/v1/provider/tlt/ping").status_code == 401
