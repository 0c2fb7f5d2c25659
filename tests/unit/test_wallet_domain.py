"""The wallet's money rules, in the pure domain (provider-callbacks.md, admin-api.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from casino.errors import Conflict, InsufficientFunds
from casino.wallet import domain
from casino.wallet.domain import BONUS_ONLY, DEPOSIT_PLUS_BONUS, Wallet

NOW = 1_800_000_000_000
DAY = 86_400_000
REF = {"source": "test"}


def wallet(real: int = 0, **changes: object) -> Wallet:
    w = Wallet(player_id="p1", currency="EUR", country="MT", user_name="p1", real=real, created_at=NOW)
    for key, value in changes.items():
        setattr(w, key, value)
    return w


def with_bonus(real: int, bonus: int, mode: str = BONUS_ONLY, multiplier: str = "10", **kw: object) -> Wallet:
    m = domain.grant_bonus(
        wallet(real),
        bonus_id="bon_1",
        amount=bonus,
        mode=mode,
        wagering_multiplier=Decimal(multiplier),
        expires_at=NOW + DAY,
        contributions={k: Decimal(str(v)) for k, v in kw.items()},
        now=NOW,
        reference=REF,
    )
    m.wallet.version = 1
    return m.wallet


def test_every_entry_chains_balance_before_to_balance_after() -> None:
    m = domain.deposit(wallet(500), 250, NOW, REF)
    [entry] = m.entries
    assert (entry.account, entry.type, entry.amount, entry.balance_before, entry.balance_after) == (
        "real",
        "DEPOSIT",
        250,
        500,
        750,
    )


def test_deposit_adds_deposit_wagering_times_the_players_multiplier() -> None:
    m = domain.deposit(wallet(deposit_wagering_multiplier="2.5"), 1001, NOW, REF)
    assert m.wallet.deposit_wagering_required == 2503  # 2502.5 rounded up, never down
    assert m.wallet.withdrawable(NOW) == 0


def test_withdrawal_only_of_withdrawable_real_money() -> None:
    w = wallet(1000, deposit_wagering_required=1000, deposit_wagering_progress=400)
    with pytest.raises(InsufficientFunds):
        domain.withdrawal(w, 1, NOW, REF)
    w.deposit_wagering_progress = 1000
    assert domain.withdrawal(w, 1000, NOW, REF).wallet.real == 0
    with pytest.raises(InsufficientFunds, match="withdrawable"):
        domain.withdrawal(w, 1001, NOW, REF)


def test_a_deposit_plus_bonus_bonus_holds_the_deposit_until_wagered() -> None:
    w = with_bonus(1000, 500, mode=DEPOSIT_PLUS_BONUS)
    assert w.withdrawable(NOW) == 0
    w2 = with_bonus(1000, 500, mode=BONUS_ONLY)
    assert w2.withdrawable(NOW) == 1000


def test_an_adjustment_never_takes_real_below_zero() -> None:
    with pytest.raises(InsufficientFunds):
        domain.adjustment(wallet(100), -101, NOW, REF)
    assert domain.adjustment(wallet(100), -100, NOW, REF).wallet.real == 0


def test_one_active_bonus_at_a_time() -> None:
    with pytest.raises(Conflict):
        domain.grant_bonus(
            with_bonus(0, 100),
            bonus_id="bon_2",
            amount=100,
            mode=BONUS_ONLY,
            wagering_multiplier=Decimal(1),
            expires_at=NOW + DAY,
            contributions={},
            now=NOW,
            reference=REF,
        )


def test_bet_split_real_first_then_bonus() -> None:
    m, split = domain.bet(with_bonus(300, 500), 700, now=NOW, reference=REF)
    assert (split.real, split.bonus) == (300, 400)
    assert (m.wallet.real, m.wallet.bonus) == (0, 100)
    assert [(e.account, e.amount) for e in m.entries] == [("real", -300), ("bonus", -400)]


def test_bet_beyond_real_plus_playable_bonus_is_refused_and_nothing_moves() -> None:
    w = with_bonus(300, 500)
    with pytest.raises(InsufficientFunds):
        domain.bet(w, 801, now=NOW, reference=REF)
    assert (w.real, w.bonus) == (300, 500)


def test_expired_bonus_is_not_playable_and_is_removed_by_the_next_movement() -> None:
    w = with_bonus(300, 500)
    later = NOW + DAY
    assert w.playable_bonus(later) == 0
    with pytest.raises(InsufficientFunds):
        domain.bet(w, 301, now=later, reference=REF)
    m = domain.deposit(w, 100, later, REF)
    assert m.wallet.bonus == 0 and m.wallet.active_bonus is None
    assert [e.type for e in m.entries] == ["BONUS_EXPIRY", "DEPOSIT"]
    assert m.bonus_records[0].status == "expired" and m.bonus_records[0].removed_amount == 500


def test_buy_feature_may_not_use_bonus_funds() -> None:
    with pytest.raises(domain.BuyFeatureWithBonus):
        domain.bet(with_bonus(100, 500), 200, now=NOW, reference=REF, buy_feature=True)
    _, split = domain.bet(with_bonus(300, 500), 200, now=NOW, reference=REF, buy_feature=True)
    assert split.bonus == 0


def test_deposit_wagering_advances_by_the_real_part_without_bonus_or_with_bonus_only() -> None:
    m, _ = domain.bet(wallet(1000, deposit_wagering_required=1000), 300, now=NOW, reference=REF)
    assert m.wallet.deposit_wagering_progress == 300
    m, _ = domain.bet(with_bonus(200, 500, mode=BONUS_ONLY), 300, now=NOW, reference=REF)
    assert m.wallet.deposit_wagering_progress == 200
    m, _ = domain.bet(with_bonus(200, 500, mode=DEPOSIT_PLUS_BONUS), 300, now=NOW, reference=REF)
    assert m.wallet.deposit_wagering_progress == 0


def test_bonus_wagering_base_and_contribution_factor_by_mode() -> None:
    _, split = domain.bet(with_bonus(200, 500, mode=BONUS_ONLY), 300, now=NOW, reference=REF)
    assert split.bonus_wagering == 100  # bonus part only
    _, split = domain.bet(with_bonus(200, 500, mode=DEPOSIT_PLUS_BONUS), 300, now=NOW, reference=REF)
    assert split.bonus_wagering == 300  # the whole bet
    _, split = domain.bet(
        with_bonus(0, 500, mode=BONUS_ONLY, **{"table games": "0.1"}),
        305,
        now=NOW,
        reference=REF,
        category="table games",
    )
    assert split.bonus_wagering == 30  # 30.5 rounded down
    _, split = domain.bet(
        with_bonus(0, 500, mode=BONUS_ONLY),
        200,
        now=NOW,
        reference=REF,
        category="table games",
        game_contribution=Decimal("0.5"),
    )
    assert split.bonus_wagering == 100  # the game's own factor when the bonus names none


def test_the_bonus_converts_to_real_once_when_wagering_is_met() -> None:
    w = with_bonus(0, 1000, mode=BONUS_ONLY, multiplier="1")
    m, _ = domain.bet(w, 400, now=NOW, reference=REF)
    assert m.wallet.active_bonus is not None and m.wallet.bonus == 600
    w2 = m.wallet
    w2.version = 2
    m2, _ = domain.bet(w2, 600, now=NOW, reference=REF)
    # progress 1000 >= required 1000: what is left (0) converts; the bonus ends
    assert m2.wallet.active_bonus is None
    assert m2.bonus_records[-1].status == "converted"
    # DEPOSIT_PLUS_BONUS: requirement (deposit 1000 + bonus 1000) x 0.5 = 1000, on whole bets
    w3 = with_bonus(1000, 1000, mode=DEPOSIT_PLUS_BONUS, multiplier="0.5")
    m3, _ = domain.bet(w3, 600, now=NOW, reference=REF)  # all real; progress 600
    assert m3.wallet.active_bonus is not None
    m4, split = domain.bet(m3.wallet, 600, now=NOW, reference=REF)  # 400 real + 200 bonus; progress 1200
    assert (split.real, split.bonus) == (400, 200)
    assert m4.wallet.active_bonus is None and m4.wallet.real == 800 and m4.wallet.bonus == 0
    conversion = [e for e in m4.entries if e.type == "BONUS_CONVERSION"]
    assert [(e.account, e.amount) for e in conversion] == [("bonus", -800), ("real", 800)]
    assert m4.bonus_records[-1].converted_amount == 800


@pytest.mark.parametrize(
    ("amount", "real_bet", "bonus_bet", "expected"),
    [(100, 100, 200, (34, 66)), (1, 1, 1, (1, 0)), (999, 0, 500, (0, 999)), (500, 500, 0, (500, 0))],
)
def test_win_split_in_the_rounds_proportion_bonus_rounded_down(
    amount: int, real_bet: int, bonus_bet: int, expected: tuple[int, int]
) -> None:
    split = domain.win_split(amount, real_bet, bonus_bet, bonus_can_take_credit=True)
    assert (split.real, split.bonus) == expected


def test_a_win_goes_all_to_real_when_the_bonus_cannot_take_credit() -> None:
    w = with_bonus(0, 500)
    _, split = domain.win(w, 300, now=NOW, reference=REF, round_real=100, round_bonus=100, round_bonus_id="bon_old")
    assert (split.real, split.bonus) == (300, 0)
    _, split = domain.win(wallet(0), 300, now=NOW, reference=REF, round_real=100, round_bonus=100, round_bonus_id="x")
    assert (split.real, split.bonus) == (300, 0)


def test_a_refund_returns_each_part_where_it_came_from_and_takes_back_wagering() -> None:
    w = with_bonus(300, 500, mode=BONUS_ONLY)
    m, split = domain.bet(w, 700, now=NOW, reference=REF)
    after_bet = m.wallet
    after_bet.version = 2
    r, _ = domain.refund(
        after_bet,
        700,
        open_real=split.real,
        open_bonus=split.bonus,
        bonus_id=split.bonus_id,
        earned_deposit_wagering=split.deposit_wagering,
        earned_bonus_wagering=split.bonus_wagering,
        now=NOW,
        reference=REF,
    )
    assert (r.wallet.real, r.wallet.bonus) == (300, 500)
    assert r.wallet.deposit_wagering_progress == 0
    assert r.wallet.active_bonus is not None and r.wallet.active_bonus.wagering_progress == 0
    assert {e.type for e in r.entries} == {"REFUND"}


def test_a_refunds_bonus_part_is_not_credited_once_its_bonus_has_ended() -> None:
    r, refund = domain.refund(
        wallet(0),
        300,
        open_real=100,
        open_bonus=200,
        bonus_id="bon_gone",
        earned_deposit_wagering=0,
        earned_bonus_wagering=0,
        now=NOW,
        reference=REF,
    )
    assert (refund.real, refund.bonus, refund.bonus_not_credited) == (100, 0, 200)
    assert r.wallet.real == 100 and r.wallet.bonus == 0


def test_a_refund_larger_than_the_open_bets_is_refused() -> None:
    with pytest.raises(domain.RefundTooLarge):
        domain.refund(
            wallet(0),
            301,
            open_real=100,
            open_bonus=200,
            bonus_id=None,
            earned_deposit_wagering=0,
            earned_bonus_wagering=0,
            now=NOW,
            reference=REF,
        )


def test_a_win_is_taken_back_only_if_the_balance_allows() -> None:
    with pytest.raises(InsufficientFunds):
        domain.reverse_win(wallet(50), real=100, bonus=0, bonus_id=None, now=NOW, reference=REF)
    m = domain.reverse_win(wallet(150), real=100, bonus=0, bonus_id=None, now=NOW, reference=REF)
    assert m.wallet.real == 50 and m.entries[0].type == "ADJUSTMENT"


def test_a_blocked_player_cannot_bet() -> None:
    with pytest.raises(domain.PlayerBlocked):
        domain.bet(wallet(1000, status="blocked"), 100, now=NOW, reference=REF)


def test_forfeit_removes_what_is_left_of_the_bonus() -> None:
    m = domain.forfeit_bonus(with_bonus(100, 500), "bon_1", NOW, REF)
    assert m.wallet.bonus == 0 and m.wallet.real == 100
    assert m.bonus_records[-1].status == "forfeited" and m.bonus_records[-1].removed_amount == 500
    with pytest.raises(Conflict):
        domain.forfeit_bonus(m.wallet, "bon_1", NOW, REF)
