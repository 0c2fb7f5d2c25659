"""The admin API's players and money, through API Gateway events, on the moto-backed stack."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from casino import aws, clock
from tests.conftest import RunningStack, dynamodb_requests, operations

A = "/api/v1/admin"


def new_player(running: RunningStack, **fields: Any) -> str:
    pid = fields.pop("player_id", f"p-{uuid.uuid4().hex[:12]}")
    status, body = running.call(
        "POST", f"{A}/players", {"player_id": pid, "user_name": pid, "country": "MT", "currency": "EUR", **fields}
    )
    assert status == 201, body
    return pid


def fund(running: RunningStack, pid: str, amount: str) -> None:
    """Withdrawable money (an adjustment carries no deposit wagering)."""
    status, body = running.call(
        "POST",
        f"{A}/players/{pid}/transactions",
        {"type": "adjustment", "amount": amount, "idempotency_key": f"fund-{uuid.uuid4().hex}"},
    )
    assert status == 200, body


def player(running: RunningStack, pid: str) -> dict[str, Any]:
    status, body = running.call("GET", f"{A}/players/{pid}")
    assert status == 200
    return body


def ledger(running: RunningStack, pid: str) -> list[dict[str, Any]]:
    status, body = running.call("GET", f"{A}/players/{pid}/ledger", query="limit=100")
    assert status == 200
    return body["entries"]


def tx(running: RunningStack, pid: str, **body: Any) -> tuple[int, Any]:
    return running.call("POST", f"{A}/players/{pid}/transactions", body)


def verify_everyone(running: RunningStack, limit: int = 50) -> dict[str, Any]:
    """``GET /ledger/verify`` over every player, page after page (``next_cursor``)."""
    checked, differences, cursor, pages = 0, [], None, 0
    while True:
        query = f"limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        status, page = running.call("GET", f"{A}/ledger/verify", query=query)
        assert status == 200, page
        checked, differences, pages = checked + page["checked"], differences + page["differences"], pages + 1
        cursor = page["next_cursor"]
        if cursor is None:
            return {"checked": checked, "differences": differences, "pages": pages}


def test_every_admin_endpoint_refuses_a_missing_or_wrong_key(running: RunningStack) -> None:
    pid = new_player(running)
    for method, path, body in [
        ("POST", f"{A}/players", {"user_name": "x", "country": "MT", "currency": "EUR"}),
        ("GET", f"{A}/players/{pid}", None),
        ("POST", f"{A}/players/{pid}/status", {"status": "blocked"}),
        ("POST", f"{A}/players/{pid}/transactions", {"type": "deposit", "amount": "1", "idempotency_key": "k"}),
        ("POST", f"{A}/players/{pid}/bonuses", {}),
        ("POST", f"{A}/bonuses/bon_x/forfeit", None),
        ("GET", f"{A}/players/{pid}/ledger", None),
        ("GET", f"{A}/ledger/verify", None),
        ("POST", f"{A}/admin-keys", {"label": "x"}),
        ("POST", f"{A}/admin-keys/bootstrap/revoke", None),
    ]:
        for key in (None, "wrong-key"):
            status, answer = running.call(method, path, body, admin_key=key)
            assert (status, answer["error"]["code"]) == (401, "unauthorized"), (method, path, key)
    assert player(running, pid)["status"] == "active"


def test_create_get_and_a_second_create_is_a_conflict(running: RunningStack) -> None:
    pid = new_player(
        running, limits={"min_bet": "0.10", "max_bet": "100.00", "session_minutes": 90}, deposit_wagering_multiplier="3"
    )
    view = player(running, pid)
    assert view["balances"] == {"real": "0.00", "bonus": "0.00", "playable_bonus": "0.00", "withdrawable": "0.00"}
    assert view["limits"] == {"min_bet": "0.10", "max_bet": "100.00", "session_minutes": 90}
    assert view["deposit_wagering"]["multiplier"] == "3"
    status, body = running.call(
        "POST", f"{A}/players", {"player_id": pid, "user_name": "other", "country": "GB", "currency": "GBP"}
    )
    assert (status, body["error"]["code"], body["error"]["field"]) == (409, "conflict", "player_id")
    assert player(running, pid)["currency"] == "EUR"


def test_a_player_without_an_id_gets_one_of_ours(running: RunningStack) -> None:
    status, body = running.call("POST", f"{A}/players", {"user_name": "anon", "country": "MT", "currency": "EUR"})
    assert status == 201 and body["player_id"].startswith("ply_")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user_name": "x", "country": "MT"}, "currency"),
        ({"user_name": "x", "country": "MT", "currency": "XXX"}, "currency"),
        ({"user_name": "x", "country": "Malta", "currency": "EUR"}, "country"),
        ({"user_name": "", "country": "MT", "currency": "EUR"}, "user_name"),
        ({"user_name": "x", "country": "MT", "currency": "EUR", "limits": {"min_bet": "0.001"}}, "limits.min_bet"),
        (
            {"user_name": "x", "country": "MT", "currency": "EUR", "limits": {"min_bet": "5", "max_bet": "1"}},
            "limits.max_bet",
        ),
        ({"user_name": "x", "country": "MT", "currency": "EUR", "player_id": "has space"}, "player_id"),
        (
            {"user_name": "x", "country": "MT", "currency": "EUR", "deposit_wagering_multiplier": "-1"},
            "deposit_wagering_multiplier",
        ),
    ],
)
def test_a_bad_player_is_refused_naming_the_field(running: RunningStack, body: dict[str, Any], field: str) -> None:
    status, answer = running.call("POST", f"{A}/players", body)
    assert status == 400
    assert answer["error"]["code"] == "validation_error"
    assert answer["error"]["field"] == field, answer


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"type": "deposit", "amount": "10.005"}, "amount", 400),
        ({"type": "deposit", "amount": 10.005}, "amount", 400),
        ({"type": "deposit", "amount": "-10.00"}, "amount", 400),
        ({"type": "withdrawal", "amount": "0"}, "amount", 400),
        ({"type": "deposit", "amount": "ten"}, "amount", 400),
        ({"type": "deposit", "amount": "1e3"}, "amount", 400),
        ({"type": "deposit", "amount": None}, "amount", 400),
        ({"type": "deposit"}, "amount", 400),
        ({"type": "adjustment", "amount": "0.00"}, "amount", 400),
        ({"type": "bonus", "amount": "1.00"}, "type", 400),
        ({"type": "deposit", "amount": "1.00", "currency": "USD"}, "currency", 400),
    ],
)
def test_bad_money_input_is_refused_naming_the_field_and_changes_nothing(
    running: RunningStack, body: dict[str, Any], field: str, status: int
) -> None:
    pid = new_player(running)
    fund(running, pid, "50.00")
    before, entries_before = player(running, pid), ledger(running, pid)
    key = f"k-{uuid.uuid4().hex}"
    got, answer = tx(running, pid, idempotency_key=key, **body)
    assert got == status and answer["error"]["code"] == "validation_error"
    assert answer["error"]["field"] == field, answer
    assert player(running, pid) == before and ledger(running, pid) == entries_before
    # the key was not burnt: the corrected request goes through under it
    got, answer = tx(running, pid, idempotency_key=key, type="deposit", amount="1.00")
    assert got == 200 and answer["balance_after"] == "51.00"


def test_an_unknown_player_is_not_found(running: RunningStack) -> None:
    status, answer = tx(running, "nobody-here", type="deposit", amount="1.00", idempotency_key="k")
    assert (status, answer["error"]["code"], answer["error"]["field"]) == (404, "not_found", "player_id")
    assert running.call("GET", f"{A}/players/nobody-here")[0] == 404


def test_a_retry_answers_as_the_first_time_and_a_changed_payload_is_a_conflict(running: RunningStack) -> None:
    pid = new_player(running)
    first = tx(running, pid, type="deposit", amount="25.00", idempotency_key="dep-1", note="first")
    again = tx(running, pid, type="deposit", amount="25.00", idempotency_key="dep-1", note="first")
    assert first == again and first[0] == 200
    assert first[1]["amount"] == "25.00" and first[1]["balance_after"] == "25.00"
    changed = tx(running, pid, type="deposit", amount="26.00", idempotency_key="dep-1")
    assert (changed[0], changed[1]["error"]["code"], changed[1]["error"]["field"]) == (
        409,
        "conflict",
        "idempotency_key",
    )
    assert player(running, pid)["balances"]["real"] == "25.00"
    assert len(ledger(running, pid)) == 1


def test_a_refusal_is_recorded_and_replayed_even_once_the_money_is_there(running: RunningStack) -> None:
    pid = new_player(running)
    fund(running, pid, "5.00")
    refused = tx(running, pid, type="withdrawal", amount="10.00", idempotency_key="wd-1")
    assert refused[0] == 409 and refused[1]["error"]["code"] == "insufficient_funds"
    fund(running, pid, "20.00")
    assert tx(running, pid, type="withdrawal", amount="10.00", idempotency_key="wd-1") == refused
    assert player(running, pid)["balances"]["real"] == "25.00"
    ok = tx(running, pid, type="withdrawal", amount="10.00", idempotency_key="wd-2")
    assert ok[0] == 200 and ok[1]["balance_after"] == "15.00"


def test_a_deposit_must_be_wagered_before_it_can_be_withdrawn(running: RunningStack) -> None:
    pid = new_player(running)
    assert tx(running, pid, type="deposit", amount="40.00", idempotency_key="d")[0] == 200
    view = player(running, pid)
    assert view["balances"]["withdrawable"] == "0.00"
    assert view["deposit_wagering"]["remaining"] == "40.00"
    status, body = tx(running, pid, type="withdrawal", amount="1.00", idempotency_key="w")
    assert (status, body["error"]["code"]) == (409, "insufficient_funds")


def test_adjustments_are_signed_and_never_take_real_below_zero(running: RunningStack) -> None:
    pid = new_player(running)
    fund(running, pid, "10.00")
    assert tx(running, pid, type="adjustment", amount="-4.00", idempotency_key="a1")[1]["balance_after"] == "6.00"
    status, body = tx(running, pid, type="adjustment", amount="-6.01", idempotency_key="a2")
    assert (status, body["error"]["code"]) == (409, "insufficient_funds")
    assert player(running, pid)["balances"]["real"] == "6.00"


def test_the_ledger_is_newest_first_and_pages_with_a_cursor(running: RunningStack) -> None:
    pid = new_player(running)
    for i in range(5):
        tx(running, pid, type="adjustment", amount=f"{i + 1}.00", idempotency_key=f"a{i}")
    status, page1 = running.call("GET", f"{A}/players/{pid}/ledger", query="limit=2")
    assert status == 200 and [e["amount"] for e in page1["entries"]] == ["5.00", "4.00"]
    status, page2 = running.call("GET", f"{A}/players/{pid}/ledger", query=f"limit=2&cursor={page1['next_cursor']}")
    assert [e["amount"] for e in page2["entries"]] == ["3.00", "2.00"]
    entries = ledger(running, pid)
    assert [(e["balance_before"], e["balance_after"]) for e in reversed(entries)] == [
        ("0.00", "1.00"),
        ("1.00", "3.00"),
        ("3.00", "6.00"),
        ("6.00", "10.00"),
        ("10.00", "15.00"),
    ]
    status, bad = running.call("GET", f"{A}/players/{pid}/ledger", query="cursor=garbage")
    assert (status, bad["error"]["field"]) == (400, "cursor")


def test_ledger_verify_is_clean_and_lists_a_tampered_balance(running: RunningStack) -> None:
    pid = new_player(running)
    fund(running, pid, "30.00")
    status, clean = running.call("GET", f"{A}/ledger/verify", query=f"player_id={pid}")
    assert status == 200 and clean == {"checked": 1, "differences": []}
    table = running.stack.physical["WalletTable"]
    aws.dynamodb().update_item(
        TableName=table,
        Key=aws.to_item({"pk": f"PLAYER#{pid}", "sk": "WALLET"}),
        UpdateExpression="SET #real = :r",
        ExpressionAttributeNames={"#real": "real"},
        ExpressionAttributeValues=aws.to_item({":r": 3001}),
    )
    status, found = running.call("GET", f"{A}/ledger/verify", query=f"player_id={pid}")
    assert found["differences"] == [
        {"player_id": pid, "account": "real", "problem": "balance", "stored": "30.01", "ledger_sum": "30.00"}
    ]
    everyone = verify_everyone(running)
    assert everyone["checked"] >= 4 and [d["player_id"] for d in everyone["differences"]] == [pid]
    aws.dynamodb().update_item(
        TableName=table,
        Key=aws.to_item({"pk": f"PLAYER#{pid}", "sk": "WALLET"}),
        UpdateExpression="SET #real = :r",
        ExpressionAttributeNames={"#real": "real"},
        ExpressionAttributeValues=aws.to_item({":r": 3000}),
    )


def test_ledger_verify_reads_a_bounded_page_of_players_per_request(running: RunningStack) -> None:
    """Every player's books in one 10 s Lambda grew with the players: a request checks at most
    ``limit`` of them, and the pages together check each player once."""
    for _ in range(4):
        fund(running, new_player(running), "1.00")
    players = len(aws.query_all(**_players_query(running)))
    with dynamodb_requests() as seen:
        status, page = running.call("GET", f"{A}/ledger/verify", query="limit=2")
    assert status == 200 and page["checked"] == 2 and page["next_cursor"] is not None, page
    per_player = {"GetItem", "Query", "BatchGetItem"}  # its wallet, ledger, rounds and bridge steps
    assert set(operations(seen)) <= per_player
    # the admin key, one page of the player list, and a few requests for each of the 2 players
    assert len(seen) <= 1 + 1 + 2 * 4, operations(seen)
    assert all(p.get("Limit", 0) <= 500 for name, p in seen if name == "Query")
    everyone = verify_everyone(running, limit=3)
    assert everyone["checked"] == players and everyone["pages"] >= players // 3
    status, answer = running.call("GET", f"{A}/ledger/verify", query="limit=0")
    assert (status, answer["error"]["field"]) == (400, "limit")


def _players_query(running: RunningStack) -> dict[str, Any]:
    return {
        "TableName": running.stack.physical["WalletTable"],
        "IndexName": "GSI1",
        "KeyConditionExpression": "gsi1pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": "PLAYERS"}},
    }


def test_a_bonus_is_granted_once_shown_with_its_wagering_and_forfeited(running: RunningStack) -> None:
    pid = new_player(running)
    grant = {
        "amount": "20.00",
        "mode": "BONUS_ONLY",
        "wagering_multiplier": "10",
        "expires_at": clock.now_ms() + 86_400_000,
        "contributions": {"table games": "0.1"},
        "idempotency_key": "bonus-1",
    }
    status, bonus = running.call("POST", f"{A}/players/{pid}/bonuses", grant)
    assert status == 200 and bonus["status"] == "active"
    assert bonus["wagering"] == {"required": "200.00", "progress": "0.00", "remaining": "200.00"}
    assert running.call("POST", f"{A}/players/{pid}/bonuses", grant) == (200, bonus)
    view = player(running, pid)
    assert view["balances"]["bonus"] == "20.00" and view["balances"]["playable_bonus"] == "20.00"
    assert view["bonus"]["id"] == bonus["id"]
    status, second = running.call("POST", f"{A}/players/{pid}/bonuses", {**grant, "idempotency_key": "bonus-2"})
    assert (status, second["error"]["code"]) == (409, "conflict")
    status, ended = running.call("POST", f"{A}/bonuses/{bonus['id']}/forfeit")
    assert status == 200 and ended["status"] == "forfeited" and ended["removed_amount"] == "20.00"
    assert running.call("POST", f"{A}/bonuses/{bonus['id']}/forfeit") == (200, ended)
    view = player(running, pid)
    assert view["balances"]["bonus"] == "0.00" and view["bonus"] is None
    assert [e["type"] for e in ledger(running, pid)] == ["BONUS_FORFEIT", "BONUS_GRANT"]
    assert running.call("POST", f"{A}/bonuses/bon_unknown/forfeit")[0] == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "5.001"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"mode": "SOMETHING"}, "mode"),
        ({"expires_at": 1000}, "expires_at"),
        ({"wagering_multiplier": "-1"}, "wagering_multiplier"),
        ({"currency": "GBP"}, "currency"),
    ],
)
def test_a_bad_bonus_is_refused_and_grants_nothing(running: RunningStack, change: dict[str, Any], field: str) -> None:
    pid = new_player(running)
    grant = {
        "amount": "5.00",
        "mode": "BONUS_ONLY",
        "wagering_multiplier": "1",
        "expires_at": clock.now_ms() + 86_400_000,
        "idempotency_key": "b",
        **change,
    }
    status, body = running.call("POST", f"{A}/players/{pid}/bonuses", grant)
    assert status == 400 and body["error"]["field"] == field, body
    assert player(running, pid)["bonus"] is None and ledger(running, pid) == []


def test_blocking_a_player(running: RunningStack) -> None:
    pid = new_player(running)
    status, body = running.call("POST", f"{A}/players/{pid}/status", {"status": "blocked"})
    assert status == 200 and body["status"] == "blocked"
    status, body = running.call("POST", f"{A}/players/{pid}/status", {"status": "asleep"})
    assert status == 400 and body["error"]["field"] == "status"
    assert player(running, pid)["status"] == "blocked"


def test_admin_keys_can_be_created_used_and_revoked(running: RunningStack) -> None:
    status, created = running.call("POST", f"{A}/admin-keys", {"label": "ops laptop"})
    assert status == 201 and created["key"].startswith("cak_")
    assert running.call("GET", f"{A}/status", admin_key=created["key"])[0] == 200
    status, revoked = running.call("POST", f"{A}/admin-keys/{created['key_id']}/revoke")
    assert status == 200 and revoked["status"] == "revoked"
    assert running.call("GET", f"{A}/status", admin_key=created["key"])[0] == 401
    assert running.call("POST", f"{A}/admin-keys/key_nope/revoke")[0] == 404
