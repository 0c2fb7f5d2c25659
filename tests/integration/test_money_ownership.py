"""Money is owned (issue 9, findings 2, 3 and 8): a cancel reverses only what still stands, and
no WIN, REFUND, cancel or bridge step touches a round or play of another player.

Each test drives the callbacks' and the bridge's logic directly on the local stack (the HTTP
and signing layers are tested elsewhere) and ends with the books audit clean.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from casino import clock
from casino.bridge import transactions
from casino.errors import DomainError
from casino.provider import callbacks
from casino.provider.errors import ProviderError
from casino.registry import game_sync, providers
from casino.registry.providers import Provider
from tests.conftest import RunningStack
from tests.provider.conftest import Player, bet, make_player, next_id


@pytest.fixture(scope="module", autouse=True)
def tlt(running: RunningStack) -> Provider:
    """The seeded provider, its games synced (every player here gets a game session)."""
    assert game_sync.run("tlt")["outcome"] == "ok"
    found = providers.get("tlt")
    assert found is not None
    return found


def change(
    player: Player, kind: str, amount: Any, *, round_id: int, tid: int | None = None, **extra: Any
) -> dict[str, Any]:
    data = bet(player, amount, round_id=round_id, transaction_id=tid or next_id(), **extra)
    data["transaction_type"] = kind
    if kind != "BET":
        data.pop("token")
    return data


def cancel_of(player: Player, tid: int, round_id: int, game_id: int = 1001) -> dict[str, Any]:
    return {"user_id": player.id, "transaction_id": tid, "round_id": round_id, "game_id": game_id}


def code_of(call: Any, *args: Any) -> str:
    with pytest.raises(ProviderError) as refused:
        call(*args)
    return refused.value.code


def real(player: Player) -> str:
    return player.balances()["real"]


def books_clean(running: RunningStack, *players: Player) -> None:
    for p in players:
        status, report = running.call("GET", "/api/v1/admin/ledger/verify", query=f"player_id={p.id}")
        assert status == 200 and report["differences"] == [], report


# ------------------------------------------------------------------ finding 2
def test_refund_then_cancel_of_the_bet_pays_the_stake_back_once(running: RunningStack, tlt: Provider) -> None:
    a = make_player(running, real="100.00")
    rid, bet_id = next_id(), next_id()
    callbacks.changebalance(tlt, change(a, "BET", 10, round_id=rid, tid=bet_id))
    callbacks.changebalance(tlt, change(a, "REFUND", 10, round_id=rid))
    assert real(a) == "100.00"
    assert callbacks.cancel(tlt, cancel_of(a, bet_id, rid))["transaction_status"] == "CANCELED"
    assert real(a) == "100.00"  # not 110.00
    books_clean(running, a)


def test_cancel_of_the_refund_then_of_the_bet_nets_to_zero(running: RunningStack, tlt: Provider) -> None:
    a = make_player(running, real="100.00")
    rid, bet_id, refund_id = next_id(), next_id(), next_id()
    callbacks.changebalance(tlt, change(a, "BET", 10, round_id=rid, tid=bet_id))
    callbacks.changebalance(tlt, change(a, "REFUND", 10, round_id=rid, tid=refund_id))
    callbacks.cancel(tlt, cancel_of(a, refund_id, rid))
    assert real(a) == "90.00"
    callbacks.cancel(tlt, cancel_of(a, bet_id, rid))
    assert real(a) == "100.00"
    assert code_of(callbacks.changebalance, tlt, change(a, "REFUND", 10, round_id=rid)) == "OP_43"
    books_clean(running, a)


# ------------------------------------------------------------------ finding 3 (provider)
def test_another_players_refund_win_and_cancel_on_a_round_are_refused(running: RunningStack, tlt: Provider) -> None:
    a = make_player(running, real="100.00")
    b = make_player(running, real="0.00")
    rid, bet_id = next_id(), next_id()
    callbacks.changebalance(tlt, change(a, "BET", 10, round_id=rid, tid=bet_id))
    assert code_of(callbacks.changebalance, tlt, change(b, "REFUND", 10, round_id=rid)) == "OP_43"
    assert code_of(callbacks.changebalance, tlt, change(b, "WIN", 50, round_id=rid, round_finished=True)) == "OP_43"
    assert code_of(callbacks.changebalance, tlt, change(b, "BET", 1, round_id=rid)) == "OP_43"
    assert code_of(callbacks.cancel, tlt, cancel_of(b, bet_id, rid)) == "OP_40"
    assert real(b) == "0.00"
    # A's round is untouched: A's own refund still lands
    callbacks.changebalance(tlt, change(a, "REFUND", 10, round_id=rid))
    assert real(a) == "100.00"
    books_clean(running, a, b)


def test_cancel_must_name_the_transactions_round_and_game(running: RunningStack, tlt: Provider) -> None:
    a = make_player(running, real="100.00")
    rid, bet_id = next_id(), next_id()
    callbacks.changebalance(tlt, change(a, "BET", 10, round_id=rid, tid=bet_id))
    assert code_of(callbacks.cancel, tlt, cancel_of(a, bet_id, next_id())) == "OP_40"
    assert code_of(callbacks.cancel, tlt, cancel_of(a, bet_id, rid, game_id=1002)) == "OP_40"
    assert real(a) == "90.00"


def test_a_token_for_one_game_does_not_bet_on_another(running: RunningStack, tlt: Provider) -> None:
    a = make_player(running, real="100.00", game_id=1001)
    assert code_of(callbacks.changebalance, tlt, change(a, "BET", 5, round_id=next_id(), game_id=1002)) == "OP_30"
    assert real(a) == "100.00"


# ------------------------------------------------------------------ the bridge
def step(
    user: str, action: str, amount: str, *, prev: list[str] | None = None, contract: str = "con_1"
) -> dict[str, Any]:
    tid = f"stp_{uuid.uuid4().hex}"
    return {
        "transaction_id": tid,
        "user_id": user,
        "type": f"instant_win.{action}",
        "data": {"contract_id": contract, "session_id": "ses_1"},
        "prev_transactions": prev or [],
        "transactions": [{"id": f"t-{tid}", "account_id": "real", "amount": amount, "data": {}}] if amount else [],
    }


def bridge_code(body: dict[str, Any]) -> str:
    with pytest.raises(DomainError) as refused:
        transactions.create_transaction("demo", body)
    return refused.value.code


def test_a_win_must_name_an_applied_unsettled_unrefunded_play_of_its_user(running: RunningStack) -> None:
    a = make_player(running, real="100.00")
    b = make_player(running, real="0.00")
    assert bridge_code(step(a.id, "win", "1000000.00", prev=["stp_never_seen"])) == "validation_error"
    assert bridge_code(step(a.id, "win", "1000000.00")) == "validation_error"  # names nothing
    play = step(a.id, "play", "-10.00")
    transactions.create_transaction("demo", play)
    # B names A's play: refused (another user's step)
    assert bridge_code(step(b.id, "win", "50.00", prev=[play["transaction_id"]])) == "validation_error"
    assert bridge_code(step(b.id, "refund", "10.00", prev=[play["transaction_id"]])) == "validation_error"
    # A names it under another contract: refused
    assert (
        bridge_code(step(a.id, "win", "50.00", prev=[play["transaction_id"]], contract="con_2")) == "validation_error"
    )
    assert real(b) == "0.00" and real(a) == "90.00"
    win = step(a.id, "win", "25.00", prev=[play["transaction_id"]])
    transactions.create_transaction("demo", win)
    assert real(a) == "115.00"
    # settled once: a second win, or a refund, of the same play is refused
    assert bridge_code(step(a.id, "win", "25.00", prev=[play["transaction_id"]])) == "validation_error"
    assert bridge_code(step(a.id, "refund", "10.00", prev=[play["transaction_id"]])) == "validation_error"
    assert real(a) == "115.00"
    books_clean(running, a, b)


def test_a_refunded_play_takes_no_win_and_is_refunded_once(running: RunningStack) -> None:
    a = make_player(running, real="100.00")
    play = step(a.id, "play", "-10.00")
    transactions.create_transaction("demo", play)
    transactions.create_transaction("demo", step(a.id, "refund", "10.00", prev=[play["transaction_id"]]))
    assert real(a) == "100.00"
    second = transactions.create_transaction("demo", step(a.id, "refund", "10.00", prev=[play["transaction_id"]]))
    assert second["accounts"][0]["amount"] == "100.00"
    assert bridge_code(step(a.id, "win", "30.00", prev=[play["transaction_id"]])) == "validation_error"
    assert real(a) == "100.00"
    books_clean(running, a)


def test_a_play_refunded_before_it_arrived_is_refused(running: RunningStack) -> None:
    a = make_player(running, real="100.00")
    play = step(a.id, "play", "-10.00")
    transactions.create_transaction("demo", step(a.id, "refund", "10.00", prev=[play["transaction_id"]]))
    assert bridge_code(play) == "validation_error"
    assert real(a) == "100.00"


def test_cancel_win_reverses_its_win_once(running: RunningStack) -> None:
    a = make_player(running, real="100.00")
    play = step(a.id, "play", "-10.00")
    transactions.create_transaction("demo", play)
    win = step(a.id, "win", "30.00", prev=[play["transaction_id"]])
    transactions.create_transaction("demo", win)
    assert real(a) == "120.00"
    for _ in range(2):
        transactions.create_transaction(
            "demo", step(a.id, "cancel_win", "", prev=[play["transaction_id"], win["transaction_id"]])
        )
    assert real(a) == "90.00"
    books_clean(running, a)


def test_amounts_that_differ_only_in_spelling_are_one_request(running: RunningStack) -> None:
    a = make_player(running, real="100.00")
    play = step(a.id, "play", "-5.0")
    first = transactions.create_transaction("demo", play)
    play["transactions"][0]["amount"] = "-5.00"
    assert transactions.create_transaction("demo", play) == first
    assert real(a) == "95.00"


def test_the_lines_of_a_step_add_up_to_at_most_max_amount(running: RunningStack) -> None:
    a = make_player(running, real="100.00")
    play = step(a.id, "play", "-10.00")
    transactions.create_transaction("demo", play)
    win = step(a.id, "win", "999999999.00", prev=[play["transaction_id"]])
    win["transactions"] *= 2  # each line within max_amount, their total not
    assert bridge_code(win) == "validation_error"
    assert real(a) == "90.00"


# ------------------------------------------------------------------ the adversarial review's findings
def test_a_finished_round_takes_no_refund(running: RunningStack, tlt: Provider) -> None:
    """BET 10, WIN 20 finishing the round, REFUND 10: the win stands, the stake does not come back."""
    a = make_player(running, real="100.00")
    rid = next_id()
    callbacks.changebalance(tlt, change(a, "BET", 10, round_id=rid))
    callbacks.changebalance(tlt, change(a, "WIN", 20, round_id=rid, round_finished=True))
    assert code_of(callbacks.changebalance, tlt, change(a, "REFUND", 10, round_id=rid)) == "OP_43"
    assert real(a) == "110.00"
    books_clean(running, a)


def test_finishround_must_name_the_rounds_game(running: RunningStack, tlt: Provider) -> None:
    a = make_player(running, real="100.00")
    rid = next_id()
    callbacks.changebalance(tlt, change(a, "BET", 10, round_id=rid))
    finish = {"round_id": rid, "user_id": a.id, "game_id": 1002, "round_date": "x", "round_ts": "1"}
    assert code_of(callbacks.finishround, tlt, finish) == "OP_43"
    callbacks.changebalance(tlt, change(a, "REFUND", 10, round_id=rid))  # still open: refundable
    assert real(a) == "100.00"


def test_a_win_naming_a_step_never_seen_is_refused(running: RunningStack, tlt: Provider) -> None:
    a = make_player(running, real="100.00")
    play = step(a.id, "play", "-10.00")
    transactions.create_transaction("demo", play)
    assert (
        bridge_code(step(a.id, "win", "20.00", prev=["stp_never_seen", play["transaction_id"]])) == "validation_error"
    )
    assert real(a) == "90.00"


def test_ids_with_a_trailing_newline_are_refused(running: RunningStack, tlt: Provider) -> None:
    a = make_player(running, real="100.00")
    assert bridge_code({**step(a.id, "play", "-1.00"), "transaction_id": "stp_x\n"}) == "validation_error"
    assert bridge_code({**step(a.id, "play", "-1.00"), "type": "instant_win.play\n"}) == "validation_error"
    status, _ = running.call(
        "POST",
        "/api/v1/admin/players",
        {"player_id": f"{a.id}\n", "user_name": "x", "country": "MT", "currency": "EUR"},
    )
    assert status == 400
    deposit = {"type": "deposit", "amount": "1.00", "idempotency_key": "k\n"}
    assert running.call("POST", f"/api/v1/admin/players/{a.id}/transactions", deposit)[0] == 400
    cursor = "LEDGER#" + "\u0661" * 12 + "#" + "\u0660" * 2  # Arabic-Indic digits
    assert running.call("GET", f"/api/v1/admin/players/{a.id}/ledger", query=f"cursor={cursor}")[0] == 400
    assert real(a) == "100.00"


def bonus_player(running: RunningStack) -> Player:
    """10.00 real and a BONUS_ONLY bonus of 30.00 whose requirement (20.01) a bet of 31.00 meets."""
    a = make_player(running, real="10.00")
    grant = {
        "amount": "30.00",
        "mode": "BONUS_ONLY",
        "wagering_multiplier": "0.6667",
        "expires_at": clock.now_ms() + 86_400_000,
        "idempotency_key": f"b-{a.id}",
    }
    assert running.call("POST", f"/api/v1/admin/players/{a.id}/bonuses", grant)[0] == 200
    return a


@pytest.mark.parametrize("how", ["cancel", "refund"])
def test_a_reversed_bet_undoes_the_conversion_it_paid_for(running: RunningStack, tlt: Provider, how: str) -> None:
    a = bonus_player(running)
    rid, bet_id = next_id(), next_id()
    callbacks.changebalance(tlt, change(a, "BET", 31, round_id=rid, tid=bet_id))
    assert a.balances()["real"] == "9.00" and a.view()["bonus"] is None  # 9.00 of bonus converted
    if how == "cancel":
        callbacks.cancel(tlt, cancel_of(a, bet_id, rid))
    else:
        callbacks.changebalance(tlt, change(a, "REFUND", 31, round_id=rid))
    view = a.view()
    assert view["balances"]["real"] == "10.00" and view["balances"]["bonus"] == "30.00"
    assert view["bonus"]["status"] == "active" and view["bonus"]["wagering"]["progress"] == "0.00"
    books_clean(running, a)


def test_a_refunded_bridge_play_undoes_the_conversion_it_paid_for(running: RunningStack) -> None:
    a = bonus_player(running)
    play = step(a.id, "play", "-31.00")
    transactions.create_transaction("demo", play)
    assert a.balances()["real"] == "9.00"
    transactions.create_transaction("demo", step(a.id, "refund", "31.00", prev=[play["transaction_id"]]))
    assert a.balances()["real"] == "10.00" and a.balances()["bonus"] == "30.00"
    books_clean(running, a)
