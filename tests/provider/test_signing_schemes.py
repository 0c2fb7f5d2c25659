"""Signature schemes per provider, the order of checks, allowed IPs (provider-callbacks.md,
"Envelope and signing"), over HTTP as a provider calls us."""

from __future__ import annotations

import time
from decimal import Decimal as D
from typing import Any

import httpx
import pytest

from casino.api.jsonio import dumps_numbers
from casino.registry import store
from local.provider_client import ProviderClient, hmac_hex, now_ms, sha1_hex
from local.server import proxy_event
from tests.conftest import RunningStack
from tests.provider.conftest import Player, bet, make_player, next_id


def register(running: RunningStack, **changes: Any) -> tuple[dict[str, Any], ProviderClient]:
    """A new provider through the admin API, with tlt's games, and a client that signs as it."""
    body: dict[str, Any] = {
        "code": f"p{next_id()}",
        "name": "Acme",
        "operator_id": "acme-op",
        "secret": "acme-secret-1234",
        "platform_url": "http://127.0.0.1:9/acme",
        "currencies": ["EUR"],
        **changes,
    }
    status, created = running.call("POST", "/api/v1/admin/providers", body)
    assert status == 201, created
    game = store.get("GAME#tlt#1001", "GAME")
    assert game is not None
    store.apply_game_sync(body["code"], [{**game, "source": body["code"]}], set())
    client = ProviderClient(
        running.base_url,
        provider=body["code"],
        operator_id=body["operator_id"],
        secret=body["secret"],
        signature=created["signature"],
    )
    return body, client


def player_on(running: RunningStack, code: str, real: str = "10.00") -> Player:
    player = make_player(running, real=real)
    status, session = running.call(
        "POST", "/api/v1/admin/game-sessions", {"player_id": player.id, "provider": code, "game_id": 1001}
    )
    assert status == 201, session
    return Player(player.id, session["token"], running)


@pytest.fixture(scope="module")
def acme(running: RunningStack) -> tuple[dict[str, Any], ProviderClient]:
    return register(running)


# ------------------------------------------------------------------ seed-sha1: a hash is bound to its body
def _captured_and_forged(provider: ProviderClient, command: str, data: dict[str, Any], forged: dict[str, Any]) -> Any:
    captured = provider.envelope(command, data)
    first = provider.send(command, body=captured)
    again = provider.send(command, body=captured)  # an honest retry: the very same request
    forgery = provider.send(command, body={**captured, "data": forged})
    return first, again, forgery


@pytest.mark.parametrize("command", ["balance", "status", "authenticate", "finishround"])
def test_seed_sha1_a_captured_hash_with_forged_data_is_op_20(
    running: RunningStack, provider: ProviderClient, command: str
) -> None:
    player, victim = make_player(running, real="5.00"), make_player(running, real="7.00")
    rid, tid = next_id(), next_id()
    data, forged = {
        "balance": (
            {"token": player.token, "currency_code": "EUR", "user_id": player.id},
            {"token": victim.token, "currency_code": "EUR", "user_id": victim.id},
        ),
        "authenticate": ({"token": player.token}, {"token": victim.token}),
        "status": (
            {"user_id": player.id, "transaction_id": tid, "transaction_type": "BET", "transaction_date": "x",
             "transaction_ts": now_ms(), "round_id": rid},
            {"user_id": victim.id, "transaction_id": tid + 1, "transaction_type": "BET", "transaction_date": "x",
             "transaction_ts": now_ms(), "round_id": rid},
        ),
        "finishround": (
            {"round_id": rid, "user_id": player.id, "game_id": 1001, "round_date": "x", "round_ts": now_ms()},
            {"round_id": rid + 1, "user_id": victim.id, "game_id": 1001, "round_date": "x", "round_ts": now_ms()},
        ),
    }[command]  # fmt: skip
    first, again, forgery = _captured_and_forged(provider, command, data, forged)
    assert first.http_status == 200 and again.data == first.data
    assert (forgery.http_status, forgery.error_code) == (401, "OP_20"), forgery.body
    assert forgery.signed


@pytest.mark.parametrize("command", ["changebalance", "cancel"])
def test_seed_sha1_a_captured_money_hash_with_forged_data_is_op_20(
    running: RunningStack, provider: ProviderClient, command: str
) -> None:
    player = make_player(running, real="5.00")
    placed = bet(player, D("1.00"))
    if command == "cancel":
        assert provider.send("changebalance", placed).ok
        data = {k: placed[k] for k in ("user_id", "transaction_id", "round_id", "game_id")}
        forged = {**data, "transaction_id": next_id()}
    else:
        data, forged = placed, {**placed, "amount": D("4.00"), "transaction_id": next_id()}
    first, again, forgery = _captured_and_forged(provider, command, data, forged)
    assert first.ok and again.data == first.data
    assert (forgery.http_status, forgery.error_code) == (401, "OP_20"), forgery.body
    assert player.balances()["real"] == ("4.00" if command == "changebalance" else "5.00")


def test_seed_sha1_two_commands_in_one_millisecond_do_not_share_a_seal(
    running: RunningStack, provider: ProviderClient
) -> None:
    player = make_player(running, real="5.00")
    ts = now_ms()
    assert provider.send("authenticate", {"token": player.token}, timestamp=ts).ok
    balance = {"token": player.token, "currency_code": "EUR", "user_id": player.id}
    assert provider.send("balance", balance, timestamp=ts).ok  # another command: another hash


# ------------------------------------------------------------------ hmac-sha256
def test_a_new_provider_signs_with_hmac_sha256_and_answers_carry_x_signature(
    running: RunningStack, acme: tuple[dict[str, Any], ProviderClient]
) -> None:
    body, client = acme
    player = player_on(running, body["code"])
    auth = client.send("authenticate", {"token": player.token})
    assert auth.ok and auth.signed and auth.x_signature
    assert auth.x_signature == hmac_hex(
        body["secret"], f"{auth.body['response_timestamp']}\n".encode() + auth.raw.encode()
    )
    placed = client.send("changebalance", bet(player, D("1.50")))
    assert placed.ok and placed.signed and placed.data["balance"] == D("8.50")
    refused = client.send("authenticate", {"token": "A" * 40})
    assert refused.error_code == "OP_30" and refused.signed  # an ERROR answer is signed the same way
    seed_signed = ProviderClient(
        running.base_url, provider=body["code"], operator_id="acme-op", secret=body["secret"], signature="seed-sha1"
    )
    answer = seed_signed.send("authenticate", {"token": player.token})
    assert (answer.http_status, answer.error_code) == (401, "OP_20")  # the seed's header is not enough


def test_hmac_sha256_a_body_changed_under_a_valid_authorization_is_op_20(
    running: RunningStack, acme: tuple[dict[str, Any], ProviderClient]
) -> None:
    body, client = acme
    player = player_on(running, body["code"])
    envelope = client.envelope("changebalance", bet(player, D("1.00")))
    raw = dumps_numbers(envelope).encode()
    headers: dict[str, str | None] = dict(client.headers("changebalance", envelope["request_timestamp"], raw))
    forged = {**envelope, "data": {**envelope["data"], "amount": D("9.00")}}  # same hash, same timestamp
    answer = client.send("changebalance", body=forged, headers=headers)
    assert (answer.http_status, answer.error_code) == (401, "OP_20"), answer.body
    assert "X-Authorization" in answer.data["error_message"]
    assert player.balances()["real"] == "10.00"
    answer = client.send("changebalance", body=envelope, headers=headers)
    assert answer.ok and player.balances()["real"] == "9.00"
    wrong_hash = client.envelope("changebalance", bet(player, D("1.00")))
    wrong_hash["hash"] = "0" * 40  # the envelope's hash is still checked as the seed says
    assert client.send("changebalance", body=wrong_hash).error_code == "OP_20"


def test_hmac_sha256_ping_signs_its_x_timestamp(
    running: RunningStack, acme: tuple[dict[str, Any], ProviderClient]
) -> None:
    body, client = acme
    answer = client.send("ping")
    assert answer.ok and answer.signed and answer.data == {}
    stale = client.send("ping", timestamp=str(int(time.time() * 1000) - 301_000))
    assert (stale.http_status, stale.error_code) == (401, "OP_21") and stale.signed
    ts = now_ms()
    for headers in (
        {"X-Timestamp": None},
        {"X-Timestamp": str(int(ts) + 1)},  # signed over another timestamp
        {"X-Authorization": sha1_hex("ping" + body["secret"])},  # the seed's ping header
        {"X-Authorization": hmac_hex(body["secret"], f"balance\n{ts}\n".encode())},
    ):
        answer = client.send("ping", timestamp=ts, headers=headers)
        assert (answer.http_status, answer.error_code) == (401, "OP_20"), headers
    bad = client.send("ping", timestamp="17953173741830000")
    assert (bad.http_status, bad.error_code) == (400, "OP_10")


# ------------------------------------------------------------------ the order of checks
@pytest.mark.parametrize("scheme", ["seed-sha1", "hmac-sha256"])
def test_op_11_only_after_authentication(
    running: RunningStack, provider: ProviderClient, request: pytest.FixtureRequest, scheme: str
) -> None:
    client = provider if scheme == "seed-sha1" else request.getfixturevalue("acme")[1]
    body = client.envelope("balance", {"token": "A" * 40, "currency_code": "EUR", "user_id": "nobody"})
    unsigned = {**body, "hash": "0" * 40}
    answer = client.send("authenticate", body=unsigned)
    assert (answer.http_status, answer.error_code) == (401, "OP_20"), answer.body
    answer = client.send("authenticate", body=body, headers={"X-Authorization": "0" * 40})
    assert (answer.http_status, answer.error_code) == (401, "OP_20"), answer.body
    answer = client.send("authenticate", body=body)  # signed over the envelope's command
    assert (answer.http_status, answer.error_code) == (200, "OP_11"), answer.body
    assert answer.signed


def test_the_order_of_checks(running: RunningStack, provider: ProviderClient) -> None:
    unknown = ProviderClient(running.base_url, provider="nope")
    assert unknown.send("balance", body="{not json").error_code == "OP_12"
    no_credentials = {"X-Authorization": None, "X-Operator-Id": None}
    answer = provider.send("balance", body="{not json", headers=no_credentials)
    assert (answer.http_status, answer.error_code) == (400, "OP_10")
    stale = provider.envelope("balance", {}, timestamp=str(int(time.time() * 1000) - 400_000))
    answer = provider.send("balance", body={**stale, "hash": "0" * 40})
    assert (answer.http_status, answer.error_code) == (401, "OP_20")  # not OP_21: unauthenticated
    answer = provider.send("authenticate", body=stale)
    assert (answer.http_status, answer.error_code) == (401, "OP_21")  # not OP_11: stale first
    answer = provider.send("balance", {"token": 5})  # authenticated: the command refuses its data
    assert (answer.http_status, answer.error_code) == (200, "OP_10")


@pytest.mark.parametrize(
    "timestamp",
    [
        "1" * 5000,
        "\u0661\u0667\u0669\u0665\u0663\u0661\u0667\u0663\u0667\u0664\u0661\u0668\u0663",  # 13 Arabic-Indic digits
        "NOW",
        "2026-13-45T99:99:99+00:00",
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-23:59",
        "1795317374183\u0000",
    ],
)
def test_a_malformed_timestamp_is_refused_never_a_5xx(
    running: RunningStack, provider: ProviderClient, timestamp: str
) -> None:
    player = make_player(running, real="5.00")
    answer = provider.send("authenticate", {"token": player.token}, timestamp=timestamp)
    assert (answer.http_status, answer.error_code) in ((400, "OP_10"), (401, "OP_21")), answer.body
    assert answer.signed


def test_a_timestamp_in_non_ascii_digits_for_now_is_refused(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="5.00")
    arabic = now_ms().translate(
        str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")
    )
    answer = provider.send("authenticate", {"token": player.token}, timestamp=arabic)
    assert (answer.http_status, answer.error_code) == (400, "OP_10"), answer.body


# ------------------------------------------------------------------ allowed IPs
def test_a_call_from_an_address_not_allowed_is_op_20(running: RunningStack) -> None:
    body, client = register(running, allowed_ips=["203.0.113.0/24", "2001:db8::/32"])
    answer = client.send("ping")  # over HTTP from 127.0.0.1
    assert (answer.http_status, answer.error_code) == (401, "OP_20") and answer.signed
    path = f"/api/v1/provider/{body['code']}/ping"
    found = running.gateway.find("GET", path)
    assert found is not None
    logical, route, params = found
    for ip, expected in (("203.0.113.7", 200), ("2001:db8::1", 200), ("198.51.100.1", 401), ("", 401)):
        event = proxy_event(route, "GET", path, params, list(client.headers("ping", now_ms()).items()), "", b"", ip)
        assert running.invoke(logical, event)["statusCode"] == expected, ip
    status, refused = running.call(
        "POST", "/api/v1/admin/providers", {**body, "code": f"p{next_id()}", "allowed_ips": ["x"]}
    )
    assert status == 400 and refused["error"]["field"] == "allowed_ips"


def test_admin_status_marks_seed_sha1_signing_as_weak(
    running: RunningStack, acme: tuple[dict[str, Any], ProviderClient]
) -> None:
    answer = httpx.get(f"{running.base_url}/api/v1/admin/status", headers={"Authorization": "Bearer local-admin-key"})
    by_code = {p["provider"]: p for p in answer.json()["provider_syncs"]}
    assert (by_code["tlt"]["signature"], by_code["tlt"]["signing"]) == ("seed-sha1", "weak")
    assert (by_code[acme[0]["code"]]["signature"], by_code[acme[0]["code"]]["signing"]) == ("hmac-sha256", "strong")


def test_seed_sha1_a_retry_signed_afresh_binds_its_hash_too(running: RunningStack, provider: ProviderClient) -> None:
    """A replayed BET answers from the stored outcome, but its new hash must be bound before
    answering: else that captured retry could carry another BET under the same hash."""
    player = make_player(running, real="5.00")
    placed = bet(player, D("1.00"))
    assert provider.send("changebalance", placed).ok
    retry = provider.envelope("changebalance", placed)  # signed afresh: a new timestamp, a new hash
    assert provider.send("changebalance", body=retry).ok
    forged = {**placed, "amount": D("4.00"), "transaction_id": next_id()}
    forgery = provider.send("changebalance", body={**retry, "data": forged})
    assert (forgery.http_status, forgery.error_code) == (401, "OP_20"), forgery.body
    assert player.balances()["real"] == "4.00"
