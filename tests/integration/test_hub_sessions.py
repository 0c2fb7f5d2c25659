"""The hub's operator API: dynamic app auth, sessions created, retried, searched, fetched and
terminated; strict operator isolation."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casino import aws
from local.operator_client import SignedClient
from tests.conftest import RunningStack
from tests.integration.test_client_plays import demo as demo_hub
from tests.integration.test_client_plays import new_game, open_page, play_and_settle

HUB = "/api/v1/hub"


@pytest.fixture(scope="module")
def demo(running: RunningStack) -> SignedClient:
    return SignedClient(running.base_url, "demo-operator", "demo-operator-secret")


@pytest.fixture(scope="module")
def other(running: RunningStack) -> SignedClient:
    code = f"op{uuid.uuid4().hex[:8]}"
    status, created = running.call(
        "POST",
        "/api/v1/admin/operators",
        {"code": code, "name": "Other", "wallet_base_url": "http://127.0.0.1:9/w", "currencies": ["EUR"]},
    )
    assert status == 201
    return SignedClient(running.base_url, created["app_id"], created["app_secret"])


def create(client: SignedClient, **body: Any) -> dict[str, Any]:
    answer = client.post(f"{HUB}/create_session", body)
    assert answer.status_code == 200, answer.text
    created: dict[str, Any] = answer.json()
    return created


@pytest.mark.parametrize(
    "endpoint", ["create_session", "search_sessions", "get_session", "terminate_session", "get_transaction"]
)
@pytest.mark.parametrize(
    ("case", "kwargs"),
    [
        ("no signature", {"headers": {"X-Signature": None}}),
        ("wrong signature", {"headers": {"X-Signature": "f" * 64}}),
        ("unknown app", {"headers": {"X-App-Id": "nobody"}}),
        ("no timestamp", {"headers": {"X-Timestamp": None}}),
        ("stale", {"skew_ms": -301_000}),
        ("future", {"skew_ms": 301_000}),
    ],
)
def test_auth_matrix_for_operator_calls(demo: SignedClient, endpoint: str, case: str, kwargs: dict[str, Any]) -> None:
    if "skew_ms" in kwargs:
        kwargs = {"timestamp": int(time.time() * 1000) + kwargs["skew_ms"]}
    answer = demo.post(f"{HUB}/{endpoint}", {"session_id": "x", "transaction_id": "x", "from_date": 0}, **kwargs)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized", case


def test_the_wallet_secret_does_not_open_the_hub(running: RunningStack) -> None:
    wrong = SignedClient(running.base_url, "demo-operator", "demo-wallet-secret")
    assert wrong.post(f"{HUB}/create_session", {}).status_code == 401


def test_create_session_with_a_user_gives_a_one_time_client_url(running: RunningStack, demo: SignedClient) -> None:
    user = f"u-{uuid.uuid4().hex[:8]}"
    created = create(demo, user_id=user, session_token="their-token", game_id="lucky-7", currency="EUR")
    session = created["session"]
    assert session["id"].startswith("ses_") and session["status"] == "active"
    assert session["user"]["ref_id"] == user and session["user"]["id"].startswith("usr_")
    url = urlparse(created["client_url"])
    assert url.path.endswith("/play")
    token = parse_qs(url.query)["token"][0]
    assert len(token) >= 43  # 256 bits, url-safe base64
    again = create(demo, user_id=user)
    assert again["session"]["user"]["id"] == session["user"]["id"]  # the user is reused
    guest = create(demo)
    assert "ref_id" not in guest["session"]["user"]


def test_their_session_id_makes_a_retry_safe(running: RunningStack, demo: SignedClient) -> None:
    their = f"s-{uuid.uuid4().hex}"
    first = create(demo, session_id=their, user_id="alice")
    second = create(demo, session_id=their, user_id="alice")
    assert second["session"] == first["session"]
    assert second["client_url"] != first["client_url"]  # a fresh one-time link
    changed = demo.post(f"{HUB}/create_session", {"session_id": their, "user_id": "bob"})
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "conflict"


def test_bad_create_session_input_names_the_field(demo: SignedClient) -> None:
    for body, field, code in (
        ({"game_id": "no-such-game"}, "game_id", "game_unavailable"),
        ({"currency": "USD"}, "currency", "validation_error"),
        ({"user_id": ""}, "user_id", "validation_error"),
        ({"user_id": 42}, "user_id", "validation_error"),
    ):
        answer = demo.post(f"{HUB}/create_session", body)
        assert answer.status_code in (400, 409), body
        assert answer.json()["error"]["code"] == code and answer.json()["error"]["field"] == field


@pytest.mark.parametrize("raw", ["[]", "null", "42", '"user"', "true", "", "[{}]"])
def test_create_session_takes_a_json_object_only(demo: SignedClient, raw: str) -> None:
    answer = demo.post(f"{HUB}/create_session", raw)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "validation_error", raw
    assert "client_url" not in answer.json()


def test_get_and_terminate_by_our_id_or_theirs(running: RunningStack, demo: SignedClient) -> None:
    their = f"s-{uuid.uuid4().hex}"
    session = create(demo, session_id=their, user_id="carol")["session"]
    by_ours = demo.post(f"{HUB}/get_session", {"session_id": session["id"], "is_our_id": True}).json()
    by_theirs = demo.post(f"{HUB}/get_session", {"session_id": their}).json()
    assert by_ours == by_theirs == session
    ended = demo.post(f"{HUB}/terminate_session", {"session_id": their}).json()
    assert ended["status"] == "terminated" and ended["end_date"] >= session["start_date"]
    assert demo.post(f"{HUB}/terminate_session", {"session_id": their}).json() == ended  # idempotent
    item = aws.dynamodb().get_item(
        TableName=running.stack.physical["HubTable"],
        Key=aws.to_item({"pk": f"SESSION#{session['id']}", "sk": "SESSION"}),
    )["Item"]
    assert "gsi3pk" not in aws.from_item(item)  # out of the active sessions


def test_another_operators_ids_are_not_found(demo: SignedClient, other: SignedClient) -> None:
    their = f"s-{uuid.uuid4().hex}"
    session = create(demo, session_id=their)["session"]
    for body in ({"session_id": session["id"], "is_our_id": True}, {"session_id": their}):
        for endpoint in ("get_session", "terminate_session"):
            answer = other.post(f"{HUB}/{endpoint}", body)
            assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert demo.post(f"{HUB}/get_session", {"session_id": their}).json()["status"] == "active"
    found = other.post(f"{HUB}/search_sessions", {"from_date": 0}).json()["sessions"]
    assert session["id"] not in {s["id"] for s in found}
    missing = demo.post(f"{HUB}/get_transaction", {"transaction_id": "trx_nope", "is_our_id": True})
    assert missing.status_code == 404


def test_search_by_date_user_and_status_with_a_cursor(demo: SignedClient) -> None:
    started = int(time.time() * 1000) - 1
    user = f"u-{uuid.uuid4().hex[:8]}"
    made = [create(demo, user_id=user)["session"] for _ in range(5)]
    demo.post(f"{HUB}/terminate_session", {"session_id": made[0]["id"], "is_our_id": True})
    page1 = demo.post(f"{HUB}/search_sessions", {"from_date": started, "user_id": user, "limit": 3}).json()
    assert [s["id"] for s in page1["sessions"]] == [s["id"] for s in reversed(made)][:3]  # newest first
    page2 = demo.post(
        f"{HUB}/search_sessions", {"from_date": started, "user_id": user, "limit": 3, "cursor": page1["next_cursor"]}
    ).json()
    assert [s["id"] for s in page2["sessions"]] == [made[1]["id"], made[0]["id"]]
    terminated = demo.post(
        f"{HUB}/search_sessions", {"from_date": started, "user_id": user, "status": "terminated"}
    ).json()["sessions"]
    assert [s["id"] for s in terminated] == [made[0]["id"]]
    none = demo.post(f"{HUB}/search_sessions", {"from_date": started, "to_date": started - 1})
    assert none.status_code == 400 and none.json()["error"]["field"] == "to_date"
    bad = demo.post(f"{HUB}/search_sessions", {"from_date": started, "cursor": "garbage"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "cursor"
    assert demo.post(f"{HUB}/search_sessions", {"from_date": started, "limit": 101}).status_code == 400


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_key_like = st.fixed_dictionaries(
    {"gsi1pk": st.just("SESSIONS#demo"), "gsi1sk": st.text(max_size=30)},
    optional={"pk": _json, "sk": _json, "gsi2pk": st.text(max_size=30), "gsi2sk": _json},
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(forged=st.one_of(_json, _key_like), user=st.sampled_from([None, "alice"]))
def test_a_forged_cursor_is_a_400_never_a_500(demo: SignedClient, forged: Any, user: str | None) -> None:
    cursor = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode()
    body = {"from_date": 0, "cursor": cursor, **({"user_id": user} if user else {})}
    answer = demo.post(f"{HUB}/search_sessions", body)
    assert answer.status_code == 400, (forged, answer.text)
    assert answer.json()["error"]["field"] == "cursor"


def test_a_session_found_by_search_is_the_session_get_session_shows(running: RunningStack) -> None:
    """hub-operator-api.md: a Session serialises the same way in every endpoint, its events too."""
    game = new_game(running)
    pages = [open_page(running) for _ in range(2)]
    for page in pages:
        play_and_settle(page, game["game_id"])
    hub = demo_hub(running)
    for page in pages:
        found = hub.post(f"{HUB}/search_sessions", {"from_date": 0, "user_id": page.player_id}).json()["sessions"]
        shown = hub.post(f"{HUB}/get_session", {"session_id": page.session_id, "is_our_id": True}).json()
        assert [s["id"] for s in found] == [page.session_id]
        assert found[0] == shown and len(shown["events"]) == 1, (found, shown)


def test_a_page_past_its_byte_budget_ends_early_and_its_cursor_loses_nothing(
    running: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each session carries up to 100 events: a page that would pass the budget (Lambda answers at
    most 6 MB) is cut after a whole session, and its cursor continues there."""
    from casino.hub import sessions

    hub = demo_hub(running)
    user = f"u-{uuid.uuid4().hex[:10]}"
    made = [hub.post(f"{HUB}/create_session", {"user_id": user}).json()["session"]["id"] for _ in range(3)]
    monkeypatch.setattr(sessions, "PAGE_BYTES", 1)  # every page: one session
    seen, cursor, pages = [], None, 0
    while True:
        body = {"from_date": 0, "user_id": user, "limit": 10, **({"cursor": cursor} if cursor else {})}
        answer = hub.post(f"{HUB}/search_sessions", body).json()
        seen += [s["id"] for s in answer["sessions"]]
        pages += 1
        cursor = answer["next_cursor"]
        if cursor is None:
            break
        assert len(answer["sessions"]) == 1
    assert seen == made[::-1] and pages >= 3


def test_a_cursor_outside_the_searched_dates_is_a_400(demo: SignedClient) -> None:
    user = f"u-{uuid.uuid4().hex[:8]}"
    before = int(time.time() * 1000) - 1
    for _ in range(3):
        create(demo, user_id=user)
    page = demo.post(f"{HUB}/search_sessions", {"from_date": 0, "user_id": user, "limit": 1}).json()
    assert page["next_cursor"]
    earlier = {"from_date": 0, "to_date": before, "user_id": user, "cursor": page["next_cursor"]}
    moved = demo.post(f"{HUB}/search_sessions", earlier)
    assert moved.status_code == 400 and moved.json()["error"]["field"] == "cursor"


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.text(max_size=40),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)
_fields = [
    "user_id",
    "session_id",
    "session_token",
    "game_id",
    "currency",
    "language",
    "return_url",
    "from_date",
    "to_date",
    "status",
    "limit",
    "cursor",
    "is_our_id",
    "transaction_id",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.dictionaries(st.sampled_from(_fields), _values, max_size=5),
    endpoint=st.sampled_from(
        ["create_session", "search_sessions", "get_session", "terminate_session", "get_transaction"]
    ),
)
def test_no_operator_request_body_makes_a_5xx(demo: SignedClient, body: dict[str, Any], endpoint: str) -> None:
    answer = demo.post(f"{HUB}/{endpoint}", body)
    assert answer.status_code < 500, (endpoint, body, answer.text)
    if answer.status_code >= 400:
        assert answer.json()["error"]["code"] in ("validation_error", "not_found", "conflict", "game_unavailable")
