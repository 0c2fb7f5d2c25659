"""One test per rule of provider-callbacks.md, over HTTP, signed as a provider signs."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from local.provider_client import ProviderClient, now_ms, sha1_hex
from tests.conftest import RunningStack
from tests.provider.conftest import bet, make_player, next_id


def win(player: Any, amount: Any, round_id: int, **extra: Any) -> dict[str, Any]:
    return {**bet(player, amount, round_id=round_id, **extra), "transaction_type": "WIN"}


def refund(player: Any, amount: Any, round_id: int, **extra: Any) -> dict[str, Any]:
    return {**bet(player, amount, round_id=round_id, **extra), "transaction_type": "REFUND"}


# ------------------------------------------------------------------ envelope and signing
def test_every_answer_is_signed_and_timestamped(running: RunningStack, provider: ProviderClient) -> None:
    answer = provider.send("ping")
    assert answer.http_status == 200 and answer.ok and answer.signed
    assert len(answer.body["response_timestamp"]) == 13


def test_command_must_match_the_endpoint_op_11(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running)
    body = provider.envelope("balance", {"token": player.token, "currency_code": "EUR", "user_id": player.id})
    answer = provider.send("authenticate", body=body, headers=provider.headers("authenticate"))
    assert answer.error_code in ("OP_11", "OP_20")
    ok_auth = {**provider.headers("authenticate")}
    body["hash"] = sha1_hex("balance" + body["request_timestamp"] + provider.secret)
    answer = provider.send("authenticate", body=body, headers=ok_auth)
    assert answer.http_status == 200 and answer.error_code == "OP_11"


def test_a_request_timestamp_more_than_300_s_away_is_refused_op_21(
    running: RunningStack, provider: ProviderClient
) -> None:
    player = make_player(running)
    data = {"token": player.token}
    for skew_ms in (-301_000, 301_000):
        stale = str(int(now_ms()) + skew_ms)
        answer = provider.send("authenticate", data, timestamp=stale)
        assert (answer.http_status, answer.error_code) == (401, "OP_21")
    iso = "2026-11-22T03:00:00+00:00"
    assert provider.send("authenticate", data, timestamp=iso).error_code == "OP_21"


def test_a_wrong_request_hash_is_refused_op_20(running: RunningStack, provider: ProviderClient) -> None:
    body = provider.envelope("authenticate", {"token": "x" * 30})
    body["hash"] = "0" * 40
    answer = provider.send("authenticate", body=body)
    assert (answer.http_status, answer.error_code) == (401, "OP_20")


def test_malformed_json_or_envelope_is_400_op_10(running: RunningStack, provider: ProviderClient) -> None:
    assert provider.send("authenticate", body="{not json").http_status == 400
    answer = provider.send("authenticate", body={"command": "authenticate", "data": {}})
    assert (answer.http_status, answer.error_code) == (400, "OP_10")
    assert "request_timestamp" in answer.data["error_message"]


def test_unknown_provider_is_404_op_12(running: RunningStack, provider: ProviderClient) -> None:
    other = ProviderClient(running.base_url, provider="nope")
    answer = other.send("authenticate", {"token": "x" * 30})
    assert (answer.http_status, answer.error_code) == (404, "OP_12")


# ------------------------------------------------------------------ authenticate and balance
def test_authenticate_returns_the_player_and_real_plus_playable_bonus(
    running: RunningStack, provider: ProviderClient
) -> None:
    player = make_player(running, real="100.00", bonus="20.00")
    answer = provider.send("authenticate", {"token": player.token})
    assert answer.ok and answer.signed
    assert answer.data["user_id"] == player.id and answer.data["user_country"] == "MT"
    assert answer.data["currency_code"] == "EUR" and answer.data["balance"] == D("120.00")


def test_authenticate_token_must_be_20_to_50_alphanumerics_op_10(
    running: RunningStack, provider: ProviderClient
) -> None:
    for token in ("short", "x" * 51, "bad-token-with-dashes-1234"):
        answer = provider.send("authenticate", {"token": token})
        assert (answer.http_status, answer.error_code) == (200, "OP_10")
        assert "token" in answer.data["error_message"]


def test_unknown_token_op_30_and_blocked_player_op_31(running: RunningStack, provider: ProviderClient) -> None:
    assert provider.send("authenticate", {"token": "A" * 40}).error_code == "OP_30"
    player = make_player(running)
    running.call("POST", f"/api/v1/admin/players/{player.id}/status", {"status": "blocked"})
    assert provider.send("authenticate", {"token": player.token}).error_code == "OP_31"


def test_balance_needs_the_users_own_token_and_currency(running: RunningStack, provider: ProviderClient) -> None:
    player, other = make_player(running, real="7.50"), make_player(running)
    ok = provider.send("balance", {"token": player.token, "currency_code": "EUR", "user_id": player.id})
    assert ok.ok and ok.data == {"balance": D("7.50"), "currency_code": "EUR"}
    assert (
        provider.send("balance", {"token": other.token, "currency_code": "EUR", "user_id": player.id}).error_code
        == "OP_30"
    )
    assert (
        provider.send("balance", {"token": player.token, "currency_code": "USD", "user_id": player.id}).error_code
        == "OP_32"
    )


# ------------------------------------------------------------------ BET
def test_bet_splits_real_first_then_bonus(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="3.00", bonus="5.00")
    answer = provider.send("changebalance", bet(player, D("7.00")))
    assert answer.ok and answer.data == {"balance": D("1.00"), "currency_code": "EUR"}
    assert player.balances()["real"] == "0.00" and player.balances()["bonus"] == "1.00"
    bets = [(e["account"], e["amount"]) for e in player.ledger() if e["type"] == "BET"]
    assert sorted(bets) == [("bonus", "-4.00"), ("real", "-3.00")]


def test_bet_checks_in_the_spec_order(running: RunningStack, provider: ProviderClient) -> None:
    blocked = make_player(running)
    running.call("POST", f"/api/v1/admin/players/{blocked.id}/status", {"status": "blocked"})
    assert provider.send("changebalance", bet(blocked, D("1"), token="Z" * 40)).error_code == "OP_31"
    player, other = make_player(running, real="200.00"), make_player(running)
    assert provider.send("changebalance", bet(player, D("1"), token=other.token)).error_code == "OP_30"
    assert provider.send("changebalance", bet(player, D("1"), currency_code="USD")).error_code == "OP_32"
    assert provider.send("changebalance", bet(player, D("1"), game_id=1003)).error_code == "OP_33"
    assert provider.send("changebalance", bet(player, D("1"), game_id=999_999)).error_code == "OP_33"
    assert provider.send("changebalance", bet(player, D("0.09"))).error_code == "OP_34"
    assert provider.send("changebalance", bet(player, D("100.01"))).error_code == "OP_34"
    poor = make_player(running, real="1.00", bonus="1.00")
    assert provider.send("changebalance", bet(poor, D("2.01"))).error_code == "OP_50"
    assert provider.send("changebalance", bet(poor, D("1.50"), context={"buy_feature": True})).error_code == "OP_35"
    assert poor.balances()["real"] == "1.00" and poor.balances()["bonus"] == "1.00"


def test_bet_limits_of_the_player_and_session_time_limit_op_34(running: RunningStack, provider: ProviderClient) -> None:
    capped = make_player(running, limits={"max_bet": "5.00"})
    assert provider.send("changebalance", bet(capped, D("5.01"))).error_code == "OP_34"
    assert provider.send("changebalance", bet(capped, D("5.00"))).ok
    from casino import aws

    timed = make_player(running, limits={"session_minutes": 1})
    table = running.stack.physical["WalletTable"]
    import hashlib

    key = {"pk": f"GAME_SESSION#{hashlib.sha256(timed.token.encode()).hexdigest()}", "sk": "GAME_SESSION"}
    aws.dynamodb().update_item(
        TableName=table,
        Key=aws.to_item(key),
        UpdateExpression="SET started_at = started_at - :m",
        ExpressionAttributeValues=aws.to_item({":m": 61_000}),
    )
    assert provider.send("changebalance", bet(timed, D("1.00"))).error_code == "OP_34"


def test_a_restricted_country_cannot_play_the_game_op_33(running: RunningStack, provider: ProviderClient) -> None:
    from casino.registry import store

    game = store.get("GAME#tlt#1002", "GAME")
    assert game is not None
    store.put({**game, "restricted_countries": ["GB"]})
    try:
        brit = make_player(running, country="GB", game_id=1001)
        assert provider.send("changebalance", bet(brit, D("1.00"), game_id=1002)).error_code == "OP_33"
    finally:
        store.put(game)


def test_bad_amounts_are_op_10_and_move_nothing(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="10.00")
    for amount in (D("1.001"), D("-1"), "1.00", None, True):
        answer = provider.send("changebalance", bet(player, amount))
        assert answer.error_code == "OP_10" and "amount" in answer.data["error_message"], amount
    for field, value in (("transaction_id", -5), ("round_id", "12"), ("game_id", 1_000_000), ("user_id", "")):
        answer = provider.send("changebalance", bet(player, D("1"), **{field: value}))
        assert answer.error_code == "OP_10" and field in answer.data["error_message"], field
    assert player.balances()["real"] == "10.00" and len(player.ledger()) == 1


def test_a_free_spin_bet_debits_nothing_and_needs_no_token(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="10.00")
    spin = bet(player, D("2.00"), context={"type": "PROMO-FREESPIN", "campaign": "x"})
    del spin["token"]
    answer = provider.send("changebalance", spin)
    assert answer.ok and answer.data["balance"] == D("10.00")
    won = provider.send("changebalance", win(player, D("3.00"), spin["round_id"]))
    assert won.ok and won.data["balance"] == D("13.00")


# ------------------------------------------------------------------ idempotency
def test_a_retry_with_a_new_timestamp_returns_the_first_outcome(
    running: RunningStack, provider: ProviderClient
) -> None:
    player = make_player(running, real="10.00")
    data = bet(player, D("4.00"))
    first = provider.send("changebalance", data)
    again = provider.send("changebalance", data, timestamp=str(int(now_ms()) + 1000))
    assert first.ok and again.data == first.data
    assert player.balances()["real"] == "6.00"


def test_same_id_different_payload_is_op_40(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="10.00")
    data = bet(player, D("4.00"))
    assert provider.send("changebalance", data).ok
    assert provider.send("changebalance", {**data, "amount": D("5.00")}).error_code == "OP_40"
    assert provider.send("changebalance", {**data, "round_id": next_id()}).error_code == "OP_40"
    assert player.balances()["real"] == "6.00"


def test_a_failed_bet_is_recorded_and_replays_as_failed(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="1.00")
    data = bet(player, D("4.00"))
    assert provider.send("changebalance", data).error_code == "OP_50"
    player.fund("10.00")
    assert provider.send("changebalance", data).error_code == "OP_50"
    status = provider.send(
        "status",
        {
            "user_id": player.id,
            "transaction_id": data["transaction_id"],
            "transaction_type": "BET",
            "transaction_date": "2026-11-22",
            "transaction_ts": now_ms(),
            "round_id": data["round_id"],
        },
    )
    assert status.data["transaction_status"] == "ERROR"
    assert player.balances()["real"] == "11.00"


# ------------------------------------------------------------------ WIN and REFUND
def test_a_win_is_split_in_the_rounds_proportion_bonus_rounded_down(
    running: RunningStack, provider: ProviderClient
) -> None:
    player = make_player(running, real="1.00", bonus="2.00")
    placed = bet(player, D("3.00"))
    assert provider.send("changebalance", placed).ok
    assert provider.send("changebalance", win(player, D("1.00"), placed["round_id"])).ok
    wins = {e["account"]: e["amount"] for e in player.ledger() if e["type"] == "WIN"}
    assert wins == {"real": "0.34", "bonus": "0.66"}


def test_a_win_without_a_round_or_bonus_goes_to_real(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="0.00", bonus="5.00")
    assert provider.send("changebalance", win(player, D("2.50"), next_id())).ok
    assert player.balances()["real"] == "2.50" and player.balances()["bonus"] == "5.00"


def test_round_finished_closes_the_round(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="5.00")
    placed = bet(player, D("1.00"))
    provider.send("changebalance", placed)
    assert provider.send("changebalance", win(player, D("2.00"), placed["round_id"], round_finished=True)).ok
    assert provider.send("changebalance", win(player, D("2.00"), placed["round_id"])).error_code == "OP_43"
    assert provider.send("changebalance", bet(player, D("1.00"), round_id=placed["round_id"])).error_code == "OP_43"


def test_a_refund_goes_back_where_it_came_from_and_voids_the_round(
    running: RunningStack, provider: ProviderClient
) -> None:
    player = make_player(running, real="1.00", bonus="3.00")
    placed = bet(player, D("4.00"))
    provider.send("changebalance", placed)
    assert player.view()["bonus"]["wagering"]["progress"] == "3.00"
    answer = provider.send("changebalance", refund(player, D("4.00"), placed["round_id"]))
    assert answer.ok and answer.data["balance"] == D("4.00")
    assert player.balances()["real"] == "1.00" and player.balances()["bonus"] == "3.00"
    assert player.view()["bonus"]["wagering"]["progress"] == "0.00"
    again = provider.send("changebalance", refund(player, D("1.00"), placed["round_id"]))
    assert again.error_code == "OP_43"


def test_a_refund_larger_than_the_open_bets_or_of_no_round_is_op_43(
    running: RunningStack, provider: ProviderClient
) -> None:
    player = make_player(running, real="5.00")
    placed = bet(player, D("2.00"))
    provider.send("changebalance", placed)
    assert provider.send("changebalance", refund(player, D("2.01"), placed["round_id"])).error_code == "OP_43"
    assert provider.send("changebalance", refund(player, D("1.00"), next_id())).error_code == "OP_43"
    assert player.balances()["real"] == "3.00"


# ------------------------------------------------------------------ cancel, status, finish round
def cancel_of(player: Any, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "user_id": player.id,
        "transaction_id": data["transaction_id"],
        "round_id": data["round_id"],
        "game_id": data["game_id"],
    }


def test_cancel_of_an_unknown_id_keeps_a_tombstone_op_42(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="5.00")
    late = bet(player, D("1.00"))
    answer = provider.send("cancel", cancel_of(player, late))
    assert answer.ok and answer.data["transaction_status"] == "CANCELED"
    assert provider.send("changebalance", late).error_code == "OP_42"
    assert player.balances()["real"] == "5.00"


def test_cancel_of_a_bet_gives_its_parts_back_once(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="1.00", bonus="3.00")
    placed = bet(player, D("2.50"))
    provider.send("changebalance", placed)
    for _ in range(2):
        answer = provider.send("cancel", cancel_of(player, placed))
        assert answer.ok and answer.data["transaction_status"] == "CANCELED"
    assert player.balances()["real"] == "1.00" and player.balances()["bonus"] == "3.00"
    adjustments = [e for e in player.ledger() if e["type"] == "ADJUSTMENT" and e["reference"].get("cancels")]
    assert len(adjustments) == 2  # one per balance, once
    status = provider.send(
        "status",
        {
            "user_id": player.id,
            "transaction_id": placed["transaction_id"],
            "transaction_type": "BET",
            "transaction_date": "x",
            "transaction_ts": now_ms(),
            "round_id": placed["round_id"],
        },
    )
    assert status.data["transaction_status"] == "CANCELED"


def test_a_number_of_more_than_40_digits_is_op_10_saying_so(running: RunningStack, provider: ProviderClient) -> None:
    """Valid JSON that the platform refuses: the answer says why, not "not valid JSON"."""
    player = make_player(running, real="5.00")
    answer = provider.send("changebalance", {**bet(player, D("1.00")), "amount": 10**41})
    assert (answer.http_status, answer.error_code) == (400, "OP_10"), answer
    assert answer.data["error_message"] == "body: a number with more than 40 digits"
    assert player.balances()["real"] == "5.00"


def test_a_win_on_a_round_whose_bet_was_cancelled_is_op_43(running: RunningStack, provider: ProviderClient) -> None:
    """BET 4.00, cancel it (the stake comes back), then WIN 40.00 on the round: refused as on a
    refunded round; nothing moves."""
    player = make_player(running, real="10.00")
    placed = bet(player, D("4.00"))
    assert provider.send("changebalance", placed).ok
    assert provider.send("cancel", cancel_of(player, placed)).data["transaction_status"] == "CANCELED"
    answer = provider.send("changebalance", win(player, D("40.00"), placed["round_id"]))
    assert answer.error_code == "OP_43", answer
    assert player.balances()["real"] == "10.00"
    closing = provider.send("changebalance", win(player, D("0"), placed["round_id"], round_finished=True))
    assert closing.ok, closing  # a WIN of 0 still closes the round
    assert player.balances()["real"] == "10.00"


def test_cancel_of_a_win_the_balance_no_longer_covers_is_op_50(running: RunningStack, provider: ProviderClient) -> None:
    player = make_player(running, real="1.00")
    placed = bet(player, D("1.00"))
    provider.send("changebalance", placed)
    won = win(player, D("5.00"), placed["round_id"])
    provider.send("changebalance", won)
    provider.send("changebalance", bet(player, D("4.00")))
    assert provider.send("cancel", cancel_of(player, won)).error_code == "OP_50"
    status = provider.send(
        "status",
        {
            "user_id": player.id,
            "transaction_id": won["transaction_id"],
            "transaction_type": "WIN",
            "transaction_date": "x",
            "transaction_ts": now_ms(),
            "round_id": won["round_id"],
        },
    )
    assert status.data["transaction_status"] == "OK"


def test_status_of_an_id_never_seen_is_op_41(running: RunningStack, provider: ProviderClient) -> None:
    answer = provider.send(
        "status",
        {
            "user_id": "someone",
            "transaction_id": next_id(),
            "transaction_type": "BET",
            "transaction_date": "x",
            "transaction_ts": now_ms(),
            "round_id": 1,
        },
    )
    assert answer.error_code == "OP_41"


def test_finishround_is_idempotent_and_accepts_an_unknown_round(
    running: RunningStack, provider: ProviderClient
) -> None:
    player = make_player(running)
    data = {"round_id": next_id(), "user_id": player.id, "game_id": 1001, "round_date": "x", "round_ts": now_ms()}
    for _ in range(2):
        answer = provider.send("finishround", data)
        assert answer.ok and answer.data == {"round_id": data["round_id"], "user_id": player.id, "game_id": 1001}
