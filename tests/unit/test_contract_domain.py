"""The contract's rules on their own: the stake's split, the operator bodies, the transitions."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino.contract import domain
from casino.contract.domain import Contract, Line, WrongPhase


def _contract(**changes: object) -> Contract:
    base = Contract(
        id="con_01ABCDEFGHJKMNPQRSTVWXYZ00",
        session_id="ses_1",
        operator="demo",
        user_id="usr_1",
        wallet_user="player-1",
        session_token="tok",
        game_id="lucky-7",
        currency_code="EUR",
        stake=100,
        prize=500,
        series_id="ser_1",
        tickets=16,
        position=3,
        salt="00" * 32,
        path="ab" * 32 * 4,
        sides="lrlr",
        root="cd" * 32,
        play_id="play-0001",
        view_timeout_s=60,
        bet_lines=(Line("real", -60), Line("bonus", -40)),
        steps=domain.new_steps({"place_bet": "stp_bet", "pay_winnings": "stp_win", "refund_bet": "stp_refund"}, 1),
        start_date=1,
        line_data=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


balances = st.lists(
    st.tuples(st.sampled_from(["real", "bonus", "cashback"]), st.integers(min_value=-500, max_value=10_000)),
    max_size=3,
    unique_by=lambda b: b[0],
)


@given(st.integers(min_value=1, max_value=100_000), balances)
def test_a_split_takes_the_whole_stake_real_first_then_bonus(stake: int, held: list[tuple[str, int]]) -> None:
    lines = domain.split_stake(stake, held)
    assert sum(line.amount for line in lines) == -stake
    assert all(line.amount < 0 for line in lines)
    assert len({line.account_id for line in lines}) == len(lines)
    available = dict(held)
    covered = sum(max(0, b) for b in available.values()) >= stake
    if covered:  # never more from an account than it holds
        assert all(-line.amount <= available[line.account_id] for line in lines)
    if available.get("real", 0) >= stake:
        assert lines == (Line("real", -stake),)


def test_what_no_balance_covers_stays_on_the_first_account_for_the_operator_to_refuse() -> None:
    assert domain.split_stake(100, [("real", 30), ("bonus", 20)]) == (Line("real", -80), Line("bonus", -20))
    assert domain.split_stake(100, []) == (Line("real", -100),)


def test_the_bodies_keep_one_transaction_id_per_step_and_name_the_bet() -> None:
    contract = _contract()
    bet = contract.bet_request()
    assert bet["transaction_id"] == "stp_bet" and bet["type"] == "instant_win.play" and bet["prev_transactions"] == []
    assert [t["amount"] for t in bet["transactions"]] == ["-0.60", "-0.40"]
    assert bet["data"]["contract_id"] == contract.id and bet["session_token"] == "tok"
    win = contract.settle_request()
    assert win["type"] == "instant_win.win" and win["prev_transactions"] == ["stp_bet"]
    assert win["transactions"] == [{"id": "stp_win.0", "account_id": "real", "amount": "5.00", "data": {}}]
    lose = replace(contract, prize=0).settle_request()
    assert lose["type"] == "instant_win.lose" and lose["transactions"][0]["amount"] == "0.00"
    refund = contract.refund_request()
    assert refund["type"] == "instant_win.refund" and refund["prev_transactions"] == ["stp_bet"]
    assert [t["amount"] for t in refund["transactions"]] == ["0.60", "0.40"]
    assert contract.bet_request() == bet  # a retry sends the same body
    for body in (bet, win, lose, refund):  # operator-wallet.md: each line is {id, account_id, amount, data}
        assert all(set(line) == {"id", "account_id", "amount", "data"} for line in body["transactions"]), body


def test_a_contract_stored_before_lines_carried_data_retries_with_the_body_it_first_sent() -> None:
    before = _contract(line_data=False)  # as the store reads a contract written without the flag
    for body in (before.bet_request(), before.settle_request(), before.refund_request()):
        assert all(set(line) == {"id", "account_id", "amount"} for line in body["transactions"]), body


def test_the_happy_path_of_phases_and_statuses() -> None:
    placed = _contract().placed_by("op-1", 10)
    assert (placed.status, placed.phase, placed.placed) == ("in_progress", "viewing", True)
    settling = placed.settling("viewed", 11)
    assert (settling.status, settling.phase) == ("return_pending", "settling")
    settled = settling.settled_by("op-2", 12)
    assert settled.phase == "settled" and settled.steps["pay_winnings"].status == "finalized"
    assert settled.event_status == "pending"  # finalized by the state machine's Finalize


def test_a_refused_bet_cancels_and_an_unknown_one_refunds() -> None:
    refused = _contract().refused("insufficient_funds", "no", 5)
    assert (refused.status, refused.phase, refused.placed) == ("cancelled", "done", False)
    assert refused.steps["place_bet"].error == {"code": "insufficient_funds", "message": "no"}
    assert refused.event_status == "cancelled"
    refunded = _contract().refunding(5).refunded_by(None, 6)
    assert (refunded.status, refunded.phase) == ("refunded", "done")
    assert refunded.steps["place_bet"].status == "failed" and refunded.steps["refund_bet"].status == "finalized"


@pytest.mark.parametrize(
    ("phase", "step"),
    [
        ("viewing", "placed_by"),
        ("placing", "settling"),
        ("settling", "refunding"),
        ("done", "settled_by"),
        ("viewing", "refunded_by"),
    ],
)
def test_a_step_from_the_wrong_phase_is_refused(phase: str, step: str) -> None:
    contract = _contract(phase=phase)
    with pytest.raises(WrongPhase):
        if step == "settling":
            contract.settling("viewed", 1)
        elif step == "refunding":
            contract.refunding(1)
        else:
            getattr(contract, step)(None, 1)


def test_the_reveal_is_rebuilt_from_the_contract() -> None:
    reveal = _contract().reveal()
    assert reveal.amount_minor == 500 and reveal.position == 3 and len(reveal.path) == 4
    assert [s.side for s in reveal.path] == ["left", "right", "left", "right"]


def test_the_bet_step_starts_with_the_contract_and_keeps_its_start_through_a_refund() -> None:
    from casino.hub import views

    contract = _contract()
    assert contract.steps["place_bet"].start_date == contract.start_date == 1
    assert all(contract.steps[k].start_date is None for k in ("pay_winnings", "refund_bet"))
    (bet,) = views.contract(contract)["steps"]  # placing: the bet shown, with its start
    assert bet["type"] == "place_bet" and bet["status"] == "pending" and bet["start_date"] == 1
    refunded = contract.refunding(5).refunded_by("op-9", 7)
    shown = {s["type"]: s for s in views.contract(refunded)["steps"]}
    assert set(shown) == {"place_bet", "refund_bet"}
    assert (shown["place_bet"]["status"], shown["place_bet"]["start_date"], shown["place_bet"]["end_date"]) == (
        "failed",
        1,
        7,
    )
    assert (shown["refund_bet"]["start_date"], shown["refund_bet"]["end_date"]) == (5, 7)
