"""The provider round, on its own: what it owes and to whom, through every sequence of BET,
WIN, REFUND and cancel the adversarial run named, and random ones (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casino.provider.rounds import Parts, Round, RoundClosed, RoundNotOwned
from casino.wallet.domain import BetSplit, RefundTooLarge

NOW = 1_700_000_000_000


def bet(real: int, bonus: int = 0) -> BetSplit:
    return BetSplit(real, bonus, real, 0, None)


def new(user: str = "a") -> Round:
    return Round.new("tlt", 1, user, 1001, NOW)


def test_a_bet_opens_the_round_for_its_player_only() -> None:
    rnd = new().with_bet("a", bet(1000), NOW)
    assert rnd.staked == Parts(1000, 0) and rnd.version == 1
    with pytest.raises(RoundNotOwned):
        rnd.with_bet("b", bet(100), NOW)
    with pytest.raises(RoundNotOwned):
        rnd.with_win("b", 500, 0, NOW, finished=False)
    with pytest.raises(RoundNotOwned):
        rnd.refund_share("b", 1000)


def test_refund_then_cancel_of_the_bet_gives_nothing_more() -> None:
    """Finding 2: BET 10, REFUND 10, cancel the BET: the stake came back once."""
    placed = bet(1000)
    rnd = new().with_bet("a", placed, NOW)
    share = rnd.refund_share("a", 1000)
    assert (share.real, share.bonus) == (1000, 0)
    rnd = rnd.with_refund(share, 0, NOW)
    standing = rnd.standing(placed)
    assert (standing.real, standing.bonus) == (0, 0)
    rnd = rnd.without_bet(placed, standing, NOW)
    assert rnd.staked == Parts(0, 0) and rnd.returned == Parts(0, 0)
    # ...and cancelling the refund now takes back nothing (it was absorbed by the bet cancel)
    assert rnd.refund_standing(1000, 0) == Parts(0, 0)


def test_cancel_then_refund_is_refused() -> None:
    placed = bet(1000)
    rnd = new().with_bet("a", placed, NOW)
    rnd = rnd.without_bet(placed, rnd.standing(placed), NOW)
    with pytest.raises(RefundTooLarge):
        rnd.refund_share("a", 1000)


def test_a_partial_refund_leaves_the_rest_of_the_bet_standing() -> None:
    first, second = bet(1000), bet(500)
    rnd = new().with_bet("a", first, NOW).with_bet("a", second, NOW)
    rnd = rnd.with_refund(rnd.refund_share("a", 1200), 0, NOW)
    standing = rnd.standing(first)  # 1500 staked, 1200 returned: cancelling 1000 leaves 500 for 1200
    assert standing.real == 300
    rnd = rnd.without_bet(first, standing, NOW)
    assert rnd.staked.real == 500 and rnd.returned.real == 500


def test_a_refunded_round_takes_no_win_and_no_second_refund() -> None:
    rnd = new().with_bet("a", bet(1000), NOW)
    rnd = rnd.with_refund(rnd.refund_share("a", 1000), 0, NOW)
    with pytest.raises(RoundClosed):
        rnd.with_win("a", 5000, 0, NOW, finished=True)
    with pytest.raises(RoundClosed):
        rnd.refund_share("a", 1)


def test_a_round_whose_every_bet_was_cancelled_pays_no_win_until_a_new_bet() -> None:
    """BET, cancel, WIN: the win would be paid on a stake that was given back (as a refunded
    round, OP_43); a round never bet on still takes a win (no round: all to real)."""
    first, second = bet(400), bet(100)
    rnd = new().with_bet("a", first, NOW).with_bet("a", second, NOW)
    rnd = rnd.without_bet(first, rnd.standing(first), NOW)
    assert rnd.with_win("a", 4000, 0, NOW, finished=False).won == Parts(4000, 0)  # one bet still stands
    rnd = rnd.without_bet(second, rnd.standing(second), NOW)
    assert (rnd.bets, rnd.cancelled, rnd.closed) == (0, 2, False)
    with pytest.raises(RoundClosed):
        rnd.with_win("a", 4000, 0, NOW, finished=False)
    assert rnd.with_win("a", 0, 0, NOW, finished=True).closed  # a WIN of 0 still closes it
    again = rnd.with_bet("a", bet(100), NOW)  # a new bet on the round: it may win again
    assert again.with_win("a", 300, 0, NOW, finished=True).won == Parts(300, 0)
    assert new().with_win("a", 300, 0, NOW, finished=False).won == Parts(300, 0)  # never bet on


def test_cancelling_the_refund_reopens_the_round() -> None:
    rnd = new().with_bet("a", bet(1000), NOW)
    rnd = rnd.with_refund(rnd.refund_share("a", 1000), 0, NOW)
    back = rnd.refund_standing(1000, 0)
    rnd = rnd.without_refund(back, NOW)
    assert back == Parts(1000, 0) and not rnd.closed and rnd.open_bets == Parts(1000, 0)


def test_refund_split_follows_the_open_bets_and_rounds_the_bonus_down() -> None:
    rnd = new().with_bet("a", BetSplit(700, 300, 700, 300, "bon_1"), NOW)
    share = rnd.refund_share("a", 333)
    assert (share.real, share.bonus) == (234, 99)


# ------------------------------------------------------------------ random sequences
op = st.one_of(
    st.tuples(st.just("bet"), st.integers(1, 1000), st.integers(0, 1000)),
    st.tuples(st.just("refund"), st.integers(1, 2000), st.just(0)),
    st.tuples(st.just("cancel_bet"), st.integers(0, 9), st.just(0)),
    st.tuples(st.just("cancel_refund"), st.integers(0, 9), st.just(0)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(op, max_size=25))
def test_the_stake_side_never_pays_back_more_than_was_staked(ops: list[tuple[str, int, int]]) -> None:
    """Whatever the order of bets, refunds and cancels (each cancelled at most once), the money
    the stake side moved for the player is never positive, and matches the round's state."""
    rnd = new()
    bets: list[tuple[BetSplit, bool]] = []
    refunds: list[tuple[Parts, bool]] = []
    paid = 0  # what the stake side moved for the player (bets negative)
    for kind, x, y in ops:
        if kind == "bet":
            if rnd.closed:
                continue
            split = BetSplit(x, y, x, 0, None)
            rnd = rnd.with_bet("a", split, NOW)
            bets.append((split, False))
            paid -= x + y
        elif kind == "refund":
            try:
                share = rnd.refund_share("a", x)
            except (RefundTooLarge, RoundClosed):
                continue
            rnd = rnd.with_refund(share, 0, NOW)
            refunds.append((Parts(share.real, share.bonus), False))
            paid += share.real + share.bonus
        elif kind == "cancel_bet" and x < len(bets) and not bets[x][1]:
            split = bets[x][0]
            standing = rnd.standing(split)
            rnd = rnd.without_bet(split, standing, NOW)
            bets[x] = (split, True)
            paid += standing.real + standing.bonus
        elif kind == "cancel_refund" and x < len(refunds) and not refunds[x][1]:
            parts = refunds[x][0]
            back = rnd.refund_standing(parts.real, parts.bonus)
            rnd = rnd.without_refund(back, NOW)
            refunds[x] = (parts, True)
            paid -= back.real + back.bonus
        assert paid <= 0
        assert 0 <= rnd.returned.real <= rnd.staked.real
        assert 0 <= rnd.returned.bonus <= rnd.staked.bonus
        assert paid == rnd.returned.total - rnd.staked.total
