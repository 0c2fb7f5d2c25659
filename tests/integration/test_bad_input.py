"""Bad input never reaches a 5xx, and amounts are exact or refused (issue 9).

Each refusal is a 4xx ``validation_error`` naming the field, and changes nothing: the probed
player's balances and ledger stay as they were, and the books verify clean.
"""

from __future__ import annotations

import json
import string
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import RunningStack
from tests.integration.test_admin_players import verify_everyone

A = "/api/v1/admin"
CLIENT = "/api/v1/client"


def new_player(running: RunningStack) -> str:
    pid = f"bad-{uuid.uuid4().hex[:12]}"
    status, body = running.call(
        "POST", f"{A}/players", {"player_id": pid, "user_name": pid, "country": "MT", "currency": "EUR"}
    )
    assert status == 201, body
    status, body = running.call(
        "POST",
        f"{A}/players/{pid}/transactions",
        {"type": "adjustment", "amount": "10.00", "idempotency_key": f"fund-{uuid.uuid4().hex}"},
    )
    assert status == 200, body
    return pid


def books(running: RunningStack, pid: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    status, player = running.call("GET", f"{A}/players/{pid}")
    assert status == 200, player
    status, page = running.call("GET", f"{A}/players/{pid}/ledger", query="limit=100")
    assert status == 200, page
    return player["balances"], page["entries"]


def clean(running: RunningStack, pid: str) -> None:
    status, report = running.call("GET", f"{A}/ledger/verify", query=f"player_id={pid}")
    assert status == 200, report
    assert report["differences"] == []


@pytest.fixture(scope="module")
def probe(running: RunningStack) -> str:
    return new_player(running)


@pytest.fixture(scope="module")
def storm_probe(running: RunningStack) -> str:
    return new_player(running)


def refused(answer: tuple[int, Any], field: str) -> None:
    status, body = answer
    assert 400 <= status < 500, (status, body)
    assert body["error"]["code"] == "validation_error", body
    assert body["error"].get("field") == field, body


def deposit(running: RunningStack, pid: str, amount: Any) -> tuple[int, Any]:
    return running.call(
        "POST",
        f"{A}/players/{pid}/transactions",
        {"type": "deposit", "amount": amount, "idempotency_key": uuid.uuid4().hex},
    )


def raw_deposit(running: RunningStack, pid: str, amount_text: str) -> tuple[int, Any]:
    """The amount written into the JSON text as is (a JSON number of any spelling)."""
    body = f'{{"type":"deposit","idempotency_key":"{uuid.uuid4().hex}","amount":{amount_text}}}'
    return running.call("POST", f"{A}/players/{pid}/transactions", body.encode())


# ------------------------------------------------------------------ amounts: exact or refused
@pytest.mark.parametrize(
    ("amount", "why"),
    [
        ("12345678901234567890123456.785", "28-digit context rounded it to .78 and credited it"),
        ("12345678901234567890123456.78", "far above max_amount"),
        ("1" + "0" * 36, "DynamoDB's serializer overflowed (500)"),
        ("1000000000.01", "just above the default max_amount"),
        ("\u0661\u0662", "Arabic-Indic digits were read as 12"),
        ("\uff11\uff12", "full-width digits"),
        ("1" * 41, "more than 40 digits"),
        ("5.001", "finer than the currency"),
    ],
)
def test_amounts_are_exact_or_refused(running: RunningStack, probe: str, amount: str, why: str) -> None:
    before = books(running, probe)
    refused(deposit(running, probe, amount), "amount")
    assert books(running, probe) == before, why
    clean(running, probe)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("1e36", "amount"),
        ("12.345", "amount"),
        ("1" * 39 + ".5", "amount"),
        ("1.5e-3", "amount"),
        ("1E+300", "body"),  # more than 40 digits written out: refused as the body is read
        ("1e-300", "body"),
        ("1" * 40 + ".5", "body"),
    ],
)
def test_json_number_amounts_out_of_bounds_are_refused(
    running: RunningStack, probe: str, text: str, field: str
) -> None:
    before = books(running, probe)
    refused(raw_deposit(running, probe, text), field)
    assert books(running, probe) == before


def test_json_number_amounts_with_an_exponent_keep_their_exact_value(running: RunningStack) -> None:
    pid = new_player(running)
    status, entry = raw_deposit(running, pid, "1.5e2")
    assert status == 200, entry
    assert entry["amount"] == "150.00"
    status, entry = raw_deposit(running, pid, "1000000000")
    assert status == 200, entry
    assert entry["amount"] == "1000000000.00"
    clean(running, pid)


# ------------------------------------------------------------------ bodies that used to answer 5xx
def test_a_deeply_nested_body_at_login_is_a_400_naming_the_body(running: RunningStack) -> None:
    refused(running.call("POST", f"{CLIENT}/login", b"[" * 20000, admin_key=None), "body")


def test_json_nested_deeper_than_32_levels_is_refused_everywhere(running: RunningStack, probe: str) -> None:
    deep: Any = "x"
    for _ in range(33):
        deep = {"k": deep}
    before = books(running, probe)
    refused(deposit(running, probe, deep), "body")
    body = {"type": "deposit", "amount": "1", "idempotency_key": uuid.uuid4().hex, "note": deep}
    refused(running.call("POST", f"{A}/players/{probe}/transactions", body), "body")
    refused(running.call("POST", f"{CLIENT}/login", {"client_token": deep}, admin_key=None), "body")
    assert books(running, probe) == before


def test_a_number_with_more_than_4300_digits_is_a_400(running: RunningStack, probe: str) -> None:
    before = books(running, probe)
    refused(raw_deposit(running, probe, "1" * 5000), "body")
    refused(raw_deposit(running, probe, "1" * 41), "body")
    assert books(running, probe) == before


def test_invalid_json_names_the_body_not_a_position(running: RunningStack, probe: str) -> None:
    for raw in (b"{x", b'{"type": "deposit",', b"\xff\xfe", b"[1, 2"):
        refused(running.call("POST", f"{A}/players/{probe}/transactions", raw), "body")
    refused(running.call("POST", f"{CLIENT}/login", b"{", admin_key=None), "body")


@pytest.mark.parametrize(
    "content_type", ["0", "text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"]
)
def test_a_stray_content_type_is_read_as_json_with_or_without_a_body(
    running: RunningStack, probe: str, content_type: str
) -> None:
    headers = {"Content-Type": content_type}
    refused(running.call("POST", f"{A}/players", None, headers=headers), "body")  # was a 500
    refused(running.call("POST", f"{CLIENT}/login", None, admin_key=None, headers=headers), "body")
    assert running.call("GET", f"{A}/players/{probe}", None, headers=headers)[0] == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"wagering_multiplier": "1e300"}, "wagering_multiplier"),
        ({"wagering_multiplier": json.loads("1e300", parse_float=str)}, "wagering_multiplier"),
        ({"wagering_multiplier": "1001"}, "wagering_multiplier"),
        ({"wagering_multiplier": "1.00001"}, "wagering_multiplier"),
        ({"wagering_multiplier": "-1"}, "wagering_multiplier"),
        ({"expires_at": 10**30}, "expires_at"),
        ({"contributions": {"slots": "1e300"}}, "contributions.slots"),
        ({"contributions": {f"c{i}": "1" for i in range(51)}}, "contributions"),
        ({"contributions": {"x" * 65: "1"}}, "contributions"),
    ],
)
def test_bonus_numbers_are_bounded(running: RunningStack, probe: str, changes: dict[str, Any], field: str) -> None:
    body = {
        "amount": "5.00",
        "mode": "BONUS_ONLY",
        "wagering_multiplier": "10",
        "expires_at": 4_000_000_000_000,
        "idempotency_key": uuid.uuid4().hex,
        **changes,
    }
    before = books(running, probe)
    refused(running.call("POST", f"{A}/players/{probe}/bonuses", body), field)
    assert books(running, probe) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"limits": {"session_minutes": 10**30}}, "limits.session_minutes"),
        ({"limits": {"session_minutes": 10081}}, "limits.session_minutes"),
        ({"limits": {"max_bet": "1" + "0" * 36}}, "limits.max_bet"),
        ({"deposit_wagering_multiplier": "1e300"}, "deposit_wagering_multiplier"),
        ({"deposit_wagering_multiplier": 10**39}, "deposit_wagering_multiplier"),
        ({"deposit_wagering_multiplier": 10**40}, "body"),  # 41 digits: refused as the body is read
    ],
)
def test_player_numbers_are_bounded(running: RunningStack, changes: dict[str, Any], field: str) -> None:
    pid = f"bad-{uuid.uuid4().hex[:12]}"
    body = {"player_id": pid, "user_name": pid, "country": "MT", "currency": "EUR", **changes}
    refused(running.call("POST", f"{A}/players", body), field)
    assert running.call("GET", f"{A}/players/{pid}")[0] == 404


def test_lists_past_their_limits_are_refused(running: RunningStack) -> None:
    body = {
        "code": f"p{uuid.uuid4().hex[:8]}",
        "name": "P",
        "operator_id": "op",
        "secret": "s" * 16,
        "platform_url": "https://example.test",
        "currencies": ["EUR"] * 21,
    }
    refused(running.call("POST", f"{A}/providers", body), "currencies")
    refused(
        running.call("POST", f"{A}/providers", {**body, "currencies": ["EUR"], "allowed_ips": ["1"] * 51}),
        "allowed_ips",
    )


def test_a_list_item_error_names_its_index_not_a_bare_number(running: RunningStack) -> None:
    body = {
        "code": f"p{uuid.uuid4().hex[:8]}",
        "name": "P",
        "operator_id": "op",
        "secret": "s" * 16,
        "platform_url": "https://example.test",
        "currencies": ["EUR", 5],
    }
    refused(running.call("POST", f"{A}/providers", body), "currencies[1]")


def test_query_parameters_are_bounded(running: RunningStack, probe: str) -> None:
    for query in ("limit=" + "9" * 50, "limit=0", "limit=101", "limit=\u0661"):
        refused(running.call("GET", f"{A}/players/{probe}/ledger", query=query), "limit")
    refused(running.call("GET", f"{A}/players/{probe}/ledger", query="cursor=" + "x" * 65), "cursor")


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", f"{A}/players/{'x' * 3000}", "player_id"),  # PLAYER#... past DynamoDB's 2048-byte key
        ("GET", f"{A}/players/{'x' * 71}/ledger", "player_id"),
        ("POST", f"{A}/players/{'x' * 71}/status", "player_id"),
        ("POST", f"{A}/players/{'x' * 71}/transactions", "player_id"),
        ("POST", f"{A}/players/{'x' * 71}/bonuses", "player_id"),
        ("POST", f"{A}/bonuses/{'b' * 65}/forfeit", "bonus_id"),
        ("POST", f"{A}/providers/{'p' * 33}/sync", "code"),
        ("GET", f"{A}/providers/{'p' * 33}/sync-history", "code"),
    ],
)
def test_ids_in_the_path_past_their_limits_are_refused(
    running: RunningStack, method: str, path: str, field: str
) -> None:
    body = {"status": "blocked"} if path.endswith("/status") else None
    refused(running.call(method, path, body), field)


# ------------------------------------------------------------------ anything at all: never a 5xx
ROUTES = [
    ("POST", f"{A}/players"),
    ("POST", f"{A}/players/{{pid}}/transactions"),
    ("POST", f"{A}/players/{{pid}}/bonuses"),
    ("POST", f"{A}/players/{{pid}}/status"),
    ("POST", f"{A}/bonuses/{{pid}}/forfeit"),
    ("GET", f"{A}/players/{{pid}}"),
    ("POST", f"{A}/game-sessions"),
    ("POST", f"{A}/providers"),
    ("GET", f"{A}/players/{{pid}}/ledger"),
    ("POST", f"{CLIENT}/login"),
    ("POST", f"{CLIENT}/heartbeat"),
    ("POST", f"{CLIENT}/exit"),
    ("POST", f"{CLIENT}/register"),
    ("POST", f"{CLIENT}/password_login"),
    ("POST", f"{CLIENT}/password"),
    ("POST", f"{A}/players/{{pid}}/credentials"),
]

_numbers = st.one_of(
    st.integers(min_value=-(10**45), max_value=10**45).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: format(d, "f")),
    st.sampled_from(["1e300", "1E-300", "-0", "0.000", "1e2", "9" * 60, "1" + "0" * 36, "12.345", "5.0"]),
)
_amount_texts = st.one_of(
    _numbers,
    st.sampled_from(
        ["\u0661\u0662", "\uff11\uff12", " 1", "1 ", "+1", "1e3", "NaN", "Infinity", "-", ".5", "5.", "0x10"]
    ),
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**45), max_value=10**45),
    st.text(max_size=20),
    _amount_texts,
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
_fields = st.sampled_from(
    [
        "type",
        "amount",
        "idempotency_key",
        "mode",
        "wagering_multiplier",
        "expires_at",
        "contributions",
        "limits",
        "status",
        "player_id",
        "user_name",
        "country",
        "currency",
        "deposit_wagering_multiplier",
        "client_token",
        "provider",
        "game_id",
        "ttl_minutes",
        "currencies",
        "allowed_ips",
        "note",
    ]
)
_objects = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["deposit", "withdrawal", "adjustment"]),
        "idempotency_key": st.text(min_size=1, max_size=8),
    },
    optional={
        "amount": st.one_of(_amount_texts, _values),
        "mode": st.sampled_from(["BONUS_ONLY", "DEPOSIT_PLUS_BONUS"]),
        "wagering_multiplier": st.one_of(_amount_texts, _values),
        "expires_at": st.one_of(st.integers(), _values),
        "contributions": _values,
        "limits": st.dictionaries(st.sampled_from(["min_bet", "max_bet", "session_minutes"]), _values),
    },
).flatmap(lambda fixed: st.dictionaries(_fields, _values, max_size=4).map(lambda extra: {**extra, **fixed}))


def _raw_text(obj: Any) -> bytes:
    return json.dumps(obj).encode()


_bodies = st.one_of(
    st.none(),
    _objects,
    _values.map(_raw_text),
    st.binary(max_size=40),
    st.integers(min_value=1, max_value=200).map(lambda n: b"[" * n + b"]" * n),
    st.integers(min_value=1, max_value=60).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    _numbers.map(lambda n: b'{"type":"deposit","idempotency_key":"k","amount":' + n.encode() + b"}"),
)
_header_values = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=30),
    st.sampled_from(["Bearer ", "Bearer local-admin-key", "bearer " + "x" * 300, "Basic abc", "\u0661"]),
)
_path_ids = st.one_of(
    st.none(), st.text(alphabet=string.ascii_letters + string.digits + "-_.:@%~", min_size=1, max_size=120)
)
_headers = st.dictionaries(
    st.sampled_from(["Authorization", "Content-Type", "X-Timestamp", "X-Forwarded-For", "Content-Length"]),
    _header_values,
    max_size=3,
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), pid=_path_ids, body=_bodies, headers=_headers, admin=st.booleans())
def test_no_body_or_header_ever_answers_a_5xx(
    running: RunningStack,
    storm_probe: str,
    route: tuple[str, str],
    pid: str | None,
    body: Any,
    headers: dict[str, str],
    admin: bool,
) -> None:
    method, path = route
    before = books(running, storm_probe)
    status, answer = running.call(
        method,
        path.format(pid=pid or storm_probe),
        body,
        admin_key="local-admin-key" if admin else None,
        headers=headers,
    )
    assert status < 500, (status, answer)
    if status >= 400:
        assert set(answer) == {"error"} and answer["error"]["code"], answer
        assert books(running, storm_probe) == before
    clean(running, storm_probe)


def test_the_books_stay_clean_after_the_storm(running: RunningStack) -> None:
    report = verify_everyone(running)
    # Every player these tests made (other modules may tamper with their own on purpose).
    assert [d for d in report["differences"] if str(d.get("player_id", "")).startswith("bad-")] == []
