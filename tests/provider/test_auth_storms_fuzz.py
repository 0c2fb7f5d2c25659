"""The auth matrix, the concurrency storms, and hypothesis over envelopes and data."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casino.api.jsonio import dumps_numbers
from local.provider_client import Answer, ProviderClient, now_ms, sha1_hex
from tests.conftest import RunningStack
from tests.provider.conftest import Player, bet, make_player, next_id

COMMANDS = ["authenticate", "balance", "changebalance", "status", "cancel", "finishround", "ping"]


def sample(command: str, player: Player) -> dict[str, Any]:
    rid, tid = next_id(), next_id()
    return {
        "authenticate": {"token": player.token},
        "balance": {"token": player.token, "currency_code": "EUR", "user_id": player.id},
        "changebalance": bet(player, D("1.00"), transaction_id=tid, round_id=rid),
        "status": {
            "user_id": player.id,
            "transaction_id": tid,
            "transaction_type": "BET",
            "transaction_date": "x",
            "transaction_ts": now_ms(),
            "round_id": rid,
        },
        "cancel": {"user_id": player.id, "transaction_id": tid, "round_id": rid, "game_id": 1001},
        "finishround": {
            "round_id": rid,
            "user_id": player.id,
            "game_id": 1001,
            "round_date": "x",
            "round_ts": now_ms(),
        },
        "ping": {},
    }[command]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("case", "headers", "expected"),
    [
        ("missing authorization", {"X-Authorization": None}, "OP_20"),
        ("wrong authorization", {"X-Authorization": sha1_hex("anything")}, "OP_20"),
        ("authorization of another command", "other-command", "OP_20"),
        ("missing operator id", {"X-Operator-Id": None}, "OP_20"),
        ("wrong operator id", {"X-Operator-Id": "someone-else"}, "OP_20"),
    ],
)
def test_auth_matrix_headers(
    running: RunningStack, provider: ProviderClient, command: str, case: str, headers: Any, expected: str
) -> None:
    player = make_player(running, real="5.00")
    if headers == "other-command":
        other = "ping" if command != "ping" else "balance"
        headers = {"X-Authorization": sha1_hex(other + provider.secret)}
    answer = provider.send(command, sample(command, player), headers=headers)
    assert (answer.http_status, answer.error_code) == (401, expected), case
    assert answer.signed
    assert player.balances()["real"] == "5.00"


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "ping"])
def test_auth_matrix_stale_and_replayed(running: RunningStack, provider: ProviderClient, command: str) -> None:
    player = make_player(running, real="5.00")
    data = sample(command, player)
    stale = provider.send(command, data, timestamp=str(int(now_ms()) - 301_000))
    assert (stale.http_status, stale.error_code) == (401, "OP_21")
    captured = provider.envelope(command, data)
    first = provider.send(command, body=captured)
    replayed = provider.send(command, body=captured)  # the very same signed request again
    assert replayed.http_status == first.http_status
    assert replayed.data == first.data
    expected_real = "4.00" if command == "changebalance" else "5.00"
    assert player.balances()["real"] == expected_real


def _storm(provider: ProviderClient, bodies: list[dict[str, Any]], workers: int = 25) -> list[Answer]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda data: provider.send("changebalance", data), bodies))


def test_100_identical_bets_debit_once(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="50.00")
    data = bet(player, D("1.00"))
    answers = _storm(provider, [data] * 100)
    assert all(a.ok for a in answers)
    assert all(a.data == answers[0].data for a in answers)
    assert player.balances()["real"] == "49.00"
    assert len([e for e in player.ledger() if e["type"] == "BET"]) == 1


def test_100_distinct_bets_with_funds_for_10(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="10.00")
    answers = _storm(provider, [bet(player, D("1.00")) for _ in range(100)])
    assert sum(a.ok for a in answers) == 10
    assert sorted(a.error_code or "" for a in answers if not a.ok) == ["OP_50"] * 90
    assert player.balances()["real"] == "0.00"
    _, verify = running.call("GET", "/api/v1/admin/ledger/verify", query=f"player_id={player.id}")
    assert verify["differences"] == []


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.text(max_size=60),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-1000, max_value=1000),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
_fields = [
    "token",
    "user_id",
    "transaction_type",
    "transaction_id",
    "round_id",
    "round_finished",
    "game_id",
    "currency_code",
    "amount",
    "transaction_timestamp",
    "context",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    changes=st.dictionaries(st.sampled_from(_fields), _values, min_size=1, max_size=4),
    command=st.sampled_from(["changebalance", "cancel", "status", "balance", "finishround", "authenticate"]),
)
def test_no_input_makes_a_5xx_or_moves_money_when_refused(
    running: RunningStack, provider: ProviderClient, fuzz_player: Player, changes: dict[str, Any], command: str
) -> None:
    before = fuzz_player.balances()
    data = {**bet(fuzz_player, D("0.10")), **changes}
    answer = provider.send(command, data)
    assert answer.http_status < 500, answer.body
    assert answer.signed
    if not answer.ok or command != "changebalance":
        assert fuzz_player.balances() == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
        st.dictionaries(
            st.sampled_from(["command", "request_timestamp", "hash", "data", "x"]), _values, max_size=5
        ).map(dumps_numbers),
    )
)
def test_no_envelope_makes_a_5xx(running: RunningStack, provider: ProviderClient, body: str) -> None:
    answer = provider.send("changebalance", body=body)
    assert answer.http_status in (400, 401, 200), answer.body
    assert answer.body["status"] == "ERROR"


@pytest.fixture(scope="module")
def fuzz_player(running: RunningStack) -> Player:
    return make_player(running, real="1000.00", bonus="50.00")
