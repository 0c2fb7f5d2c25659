"""What the fuzz found, as plain regression tests (each the smallest request that showed it), and
a check that the fuzz's own "a refused request changes nothing" check can see a change.

- Ill-typed values were accepted where the document says boolean or integer: the hub's request
  models (and a few admin ones) let pydantic coerce ``0``, ``1`` or ``"yes"`` into a boolean and
  ``"0"`` or ``false`` into an integer, against the contract ("ill-typed fields are a validation
  error naming the field"). Those fields are now strict (``Field(strict=True)``), as the admin
  services' ``maintenance`` already was.
- A correctly signed body that is not UTF-8 is refused as unsigned (401) by the hub, bridge and
  feed authorisers, instead of reaching the body check (400 naming ``body``): the local gateway
  hands such a body base64-encoded (``isBase64Encoded``, as API Gateway does for binary media
  types), and ``casino.api.rest.Request.body`` is that base64 text, not the bytes the caller
  signed (the provider protocol decodes it first). The authorisers now verify the decoded bytes
  (``Request.signed_body``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from casino.hub import app_auth
from local import seed as local_seed
from tests.conftest import ADMIN_KEY, RunningStack
from tests.fuzz.harness import World

DEMO = local_seed.load()["operators"][0]
HUB = "/api/v1/hub"
ADMIN = "/api/v1/admin"

ILL_TYPED: list[tuple[str, str, dict[str, Any], str]] = [
    ("hub", f"{HUB}/get_session", {"session_id": "fz-none", "is_our_id": 0}, "is_our_id"),
    ("hub", f"{HUB}/terminate_session", {"session_id": "fz-none", "is_our_id": "yes"}, "is_our_id"),
    ("hub", f"{HUB}/get_transaction", {"transaction_id": "fz-none", "is_our_id": 1}, "is_our_id"),
    ("hub", f"{HUB}/search_sessions", {"from_date": "0"}, "from_date"),
    ("hub", f"{HUB}/search_sessions", {"from_date": True}, "from_date"),
    ("hub", f"{HUB}/search_sessions", {"from_date": 0, "to_date": False}, "to_date"),
    ("hub", f"{HUB}/search_sessions", {"from_date": 0, "limit": "5"}, "limit"),
    ("admin", f"{ADMIN}/sports/feeds/alpha/maintenance", {"maintenance": 0}, "maintenance"),
    ("admin", f"{ADMIN}/game-sessions", {"player_id": "player-1", "provider": "tlt", "game_id": "1001"}, "game_id"),
    (
        "admin",
        f"{ADMIN}/game-sessions",
        {"player_id": "player-1", "provider": "tlt", "game_id": 1001, "ttl_minutes": True},
        "ttl_minutes",
    ),
    (
        "admin",
        f"{ADMIN}/players/player-1/bonuses",
        {
            "amount": "1.00",
            "mode": "BONUS_ONLY",
            "wagering_multiplier": "5",
            "expires_at": "4102444800000",
            "idempotency_key": "fz-strict-bonus",
        },
        "expires_at",
    ),
    (
        "admin",
        f"{ADMIN}/players",
        {
            "player_id": "fz-strict-player",
            "user_name": "fz-strict-player",
            "country": "MT",
            "currency": "EUR",
            "limits": {"session_minutes": True},
        },
        "limits.session_minutes",
    ),
]


@pytest.mark.parametrize(("audience", "path", "body", "field"), ILL_TYPED, ids=lambda v: str(v)[:40])
def test_an_ill_typed_field_is_a_validation_error_naming_it(
    running: RunningStack, audience: str, path: str, body: dict[str, Any], field: str
) -> None:
    raw = json.dumps(body)
    headers: dict[str, str] = {"Content-Type": "application/json"}
    admin_key: str | None = None
    if audience == "hub":
        headers.update(app_auth.headers(DEMO["app_id"], DEMO["app_secret"], "POST", app_auth.endpoint_of(path), raw))
    else:
        admin_key = ADMIN_KEY
    status, answer = running.call("POST", path, raw.encode(), admin_key=admin_key, headers=headers)
    assert status == 400, answer
    assert answer["error"]["code"] == "validation_error" and answer["error"]["field"] == field, answer
    if path == f"{ADMIN}/players":
        assert running.call("GET", f"{ADMIN}/players/fz-strict-player")[0] == 404  # nothing was made


def test_the_refusal_check_sees_a_wallet_change(world: World) -> None:
    """The before/after comparison the fuzz makes on every refusal notices a movement."""
    world.ensure("bridge")
    pid = world.players["bridge"][0]
    before = world.snapshot([pid])
    world.admin(
        "POST", f"/players/{pid}/transactions", {"type": "adjustment", "amount": "0.01", "idempotency_key": "fz-self"}
    )
    after = world.snapshot([pid])
    assert before[pid] != after[pid] and before[pid] is not None
    world.admin(
        "POST", f"/players/{pid}/transactions", {"type": "adjustment", "amount": "-0.01", "idempotency_key": "fz-back"}
    )


def test_a_signed_body_that_is_not_utf8_is_refused_naming_the_body_not_as_unsigned(running: RunningStack) -> None:
    raw = b'\xff{"user_id": "player-1"}'
    path = f"/api/v1/bridge/{DEMO['code']}/get_user_data"
    headers = {
        "Content-Type": "application/json",
        **app_auth.headers(DEMO["app_id"], DEMO["wallet_secret"], "POST", "get_user_data", raw),
    }
    status, answer = running.call("POST", path, raw, admin_key=None, headers=headers)
    assert (status, answer["error"]["code"], answer["error"].get("field")) == (400, "invalid_request", "body"), answer
