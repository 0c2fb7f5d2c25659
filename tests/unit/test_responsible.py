"""Responsible gaming on the wallet (casino.wallet.responsible, through casino.wallet.domain):
limits at their boundaries, windows in the player's time zone, cooling-off, exclusions; and,
by hypothesis, no sequence of bets, wins, refunds, deposits, limit changes and time ever lets an
accepted bet or deposit take a window past a limit in force, against an independent model."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casino.errors import ValidationFailed
from casino.wallet import domain
from casino.wallet.domain import Wallet
from casino.wallet.responsible import (
    COOLING_OFF_MS,
    DAY_MS,
    HOUR_MS,
    ExclusionKept,
    LimitExceeded,
    Responsible,
    SelfExcluded,
    from_json,
    window_of,
)

T0 = int(datetime(2026, 11, 23, 10, 0, tzinfo=UTC).timestamp() * 1000)  # a Monday


def wallet(real: int = 100_000) -> Wallet:
    return Wallet(player_id="p1", currency="EUR", country="MT", user_name="p1", real=real)


def bet(w: Wallet, amount: int, now: int = T0) -> Wallet:
    return domain.bet(w, amount, now=now, reference={})[0].wallet


def with_limit(w: Wallet, key: str, value: int | None, now: int = T0) -> Wallet:
    w.responsible.set_limit(key, value, now, "player")
    return w


# ---------------------------------------------------------------- boundaries
@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_a_wager_limit_accepts_the_bet_that_reaches_it_and_refuses_one_minor_unit_more(period: str) -> None:
    w = with_limit(wallet(), f"wager:{period}", 1_000)
    w = bet(w, 600)
    w = bet(w, 400)  # exactly the limit
    with pytest.raises(LimitExceeded, match=f"{period}'s wager limit"):
        bet(w, 1)
    assert w.real == 100_000 - 1_000


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_a_loss_limit_counts_wins_and_the_bet_as_lost(period: str) -> None:
    w = with_limit(wallet(), f"loss:{period}", 1_000)
    w = bet(w, 1_000)
    with pytest.raises(LimitExceeded, match="loss limit"):
        bet(w, 1)
    w = domain.win(w, 300, now=T0, reference={})[0].wallet  # the loss is 700 now
    w = bet(w, 300)  # back to exactly 1,000 lost
    with pytest.raises(LimitExceeded) as refused:
        bet(w, 1)
    assert refused.value.details == {"limit_minor": 1_000, "left_minor": 0}


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_a_deposit_limit_refuses_the_deposit_over_it_but_never_a_withdrawal(period: str) -> None:
    w = with_limit(wallet(0), f"deposit:{period}", 5_000)
    w.deposit_wagering_multiplier = "0"  # withdrawable at once
    w = domain.deposit(w, 5_000, T0, {}).wallet
    with pytest.raises(LimitExceeded, match="deposit limit"):
        domain.deposit(w, 1, T0, {})
    assert domain.withdrawal(w, 5_000, T0, {}).wallet.real == 0


def test_the_lowest_applicable_limit_wins() -> None:
    w = with_limit(with_limit(wallet(), "wager:day", 5_000), "wager:week", 2_000)
    w = bet(w, 2_000)
    with pytest.raises(LimitExceeded, match="week's wager"):
        bet(w, 1)


def test_a_refunded_stake_no_longer_counts_and_wins_refunds_withdrawals_are_never_refused() -> None:
    w = with_limit(wallet(), "wager:day", 1_000)
    w = bet(w, 1_000)
    w = domain.reverse_bet(
        w,
        real=1_000,
        bonus=0,
        bonus_id=None,
        deposit_wagering=0,
        bonus_wagering=0,
        now=T0,
        reference={},
        entry_type="REFUND",
    )[0].wallet
    assert w.responsible.current("day", T0).wagered == 0
    w = bet(w, 1_000)
    w.responsible.exclude("24h", T0, "player")
    w = domain.win(w, 50_000, now=T0, reference={})[0].wallet  # a win still lands
    w = domain.reverse_bet(
        w,
        real=1_000,
        bonus=0,
        bonus_id=None,
        deposit_wagering=0,
        bonus_wagering=0,
        now=T0,
        reference={},
        entry_type="REFUND",
    )[0].wallet  # so does a refund
    assert domain.withdrawal(w, 1_000, T0, {}).wallet.real == w.real - 1_000


# ---------------------------------------------------------------- windows
def test_windows_are_the_players_calendar_day_iso_week_and_month() -> None:
    late = int(datetime(2026, 11, 29, 23, 30, tzinfo=UTC).timestamp() * 1000)  # Sunday 23:30 UTC
    assert window_of("day", late, "UTC") == "2026-11-29"
    assert window_of("day", late, "Europe/Malta") == "2026-11-30"  # already Monday there
    assert window_of("week", late, "UTC") == "2026-W48"
    assert window_of("week", late, "Europe/Malta") == "2026-W49"
    assert window_of("month", late + 2 * DAY_MS, "UTC") == "2026-12"
    assert window_of("day", late, "America/New_York") == "2026-11-29"


def test_a_time_zone_change_waits_for_the_cooling_off_once_anything_is_counted() -> None:
    w = with_limit(wallet(), "loss:day", 1_000)
    w = bet(w, 1_000)
    change = w.responsible.set_timezone("Pacific/Kiritimati", T0, "player")  # UTC+14: already tomorrow there
    assert change is not None and change.effective_at == T0 + COOLING_OFF_MS
    with pytest.raises(LimitExceeded):  # no fresh day on demand
        bet(w, 1, T0 + HOUR_MS)
    back = w.responsible.set_timezone("UTC", T0 + HOUR_MS, "player")
    assert back is not None and back.reason == "pending change cancelled" and w.responsible.next_timezone is None


def test_a_window_never_moves_back_for_a_clock_a_moment_behind() -> None:
    midnight = int(datetime(2026, 11, 24, tzinfo=UTC).timestamp() * 1000)
    w = with_limit(wallet(), "wager:day", 1_000)
    w = bet(w, 1_000, midnight + 500)
    with pytest.raises(LimitExceeded):
        bet(w, 1, midnight - 100)  # stamped a moment before midnight: counted in the newer day
    assert w.responsible.current("day", midnight - 100).window == "2026-11-24"


def test_bonus_money_won_does_not_lower_the_loss() -> None:
    w = with_limit(wallet(), "loss:day", 1_000)
    w.active_bonus = domain.Bonus(
        id="bon_1",
        player_id="p1",
        mode=domain.BONUS_ONLY,
        amount=10_000,
        wagering_multiplier="10",
        wagering_required=100_000,
        wagering_progress=0,
        contributions={},
        expires_at=T0 + DAY_MS,
        granted_at=T0,
    )
    w = bet(w, 1_000)
    won = domain.win(w, 5_000, now=T0, reference={}, round_real=500, round_bonus=500, round_bonus_id="bon_1")
    w = won[0].wallet
    assert won[1].bonus == 2_500  # half of the win is bonus money ...
    assert w.responsible.current("day", T0).won == 2_500  # ... and only the real half lowers the loss
    w = bet(w, 2_500)  # the loss is back at the limit exactly
    with pytest.raises(LimitExceeded):
        bet(w, 1)


def test_a_new_day_starts_at_zero_in_the_players_time_zone() -> None:
    w = wallet()
    w.responsible.set_timezone("Pacific/Auckland", T0, "player")  # UTC+13 in November: at once, nothing counted
    w = with_limit(w, "wager:day", 1_000)
    w = bet(w, 1_000)
    with pytest.raises(LimitExceeded):
        bet(w, 1, T0 + HOUR_MS // 2)  # 23:30 there
    midnight_there = int(datetime(2026, 11, 23, 11, 0, tzinfo=UTC).timestamp() * 1000)  # 00:00 on the 24th
    w = bet(w, 1_000, midnight_there)
    assert w.responsible.current("week", midnight_there).wagered == 2_000  # the week goes on
    with pytest.raises(ValidationFailed, match="timezone"):
        w.responsible.set_timezone("Mars/Olympus", T0, "player")


# ---------------------------------------------------------------- cooling-off
def test_a_decrease_applies_at_once_an_increase_or_removal_after_24_hours() -> None:
    rg = Responsible()
    assert rg.set_limit("loss:day", 5_000, T0, "player") != []  # a new limit: at once
    assert rg.limits["loss:day"] == 5_000
    [raised] = rg.set_limit("loss:day", 9_000, T0, "player")
    assert raised.effective_at == T0 + COOLING_OFF_MS
    assert rg.in_force(T0 + COOLING_OFF_MS - 1).limits["loss:day"] == 5_000  # shown as pending
    assert rg.in_force(T0 + COOLING_OFF_MS).limits["loss:day"] == 9_000
    dropped, lowered = rg.set_limit("loss:day", 4_000, T0 + HOUR_MS, "player")  # drops the pending increase
    assert rg.limits["loss:day"] == 4_000 and not rg.pending
    assert (dropped.old, dropped.new, dropped.reason) == (9_000, 5_000, "pending change cancelled")  # on the record
    assert (lowered.old, lowered.new) == (5_000, 4_000)
    rg.set_limit("loss:day", None, T0 + HOUR_MS, "player")
    assert rg.in_force(T0 + HOUR_MS + COOLING_OFF_MS - 1).limits["loss:day"] == 4_000
    assert "loss:day" not in rg.in_force(T0 + HOUR_MS + COOLING_OFF_MS).limits
    again = rg.set_limit("loss:day", None, T0 + 2 * HOUR_MS, "player")  # asked again: the clock runs on
    assert again == [] and rg.pending["loss:day"].effective_at == T0 + HOUR_MS + COOLING_OFF_MS


def test_a_pending_increase_is_not_in_force_for_a_bet_until_its_time() -> None:
    w = with_limit(wallet(), "wager:month", 1_000)
    w.responsible.set_limit("wager:month", 10_000, T0, "player")
    w = bet(w, 1_000)
    with pytest.raises(LimitExceeded):
        bet(w, 1, T0 + COOLING_OFF_MS - 1)
    assert bet(w, 9_000, T0 + COOLING_OFF_MS).responsible.limits["wager:month"] == 10_000


# ---------------------------------------------------------------- exclusion
def test_an_exclusion_refuses_bets_and_deposits_cannot_be_shortened_and_ends_after_its_cooling_off() -> None:
    w = wallet()
    w.responsible.exclude("7d", T0, "player")
    assert w.responsible.sessions_after == T0
    with pytest.raises(SelfExcluded):
        bet(w, 1)
    with pytest.raises(SelfExcluded):
        domain.deposit(w, 1, T0, {})
    with pytest.raises(ExclusionKept):
        w.responsible.exclude("24h", T0 + HOUR_MS, "player")
    end = T0 + 7 * DAY_MS + COOLING_OFF_MS
    with pytest.raises(SelfExcluded):
        bet(w, 1, end - 1)
    assert bet(w, 1, end).real == 100_000 - 1
    w.responsible.exclude("permanent", end, "ops", "asked by phone")
    with pytest.raises(SelfExcluded, match="for good"):
        bet(w, 1, end + 3650 * DAY_MS)
    with pytest.raises(ExclusionKept):
        w.responsible.exclude("1y", end + DAY_MS, "player")


def test_stored_and_read_back_the_same() -> None:
    rg = Responsible(timezone="Europe/Malta")
    rg.set_limit("wager:day", 1_000, T0, "player")
    rg.set_limit("wager:day", 2_000, T0, "player")
    rg.set_limit("session", 60, T0, "player")
    rg.bet(500, T0)
    rg.exclude("24h", T0, "ops", "why")
    assert from_json(asdict(rg)) == rg
    assert from_json(None) == Responsible()


# ---------------------------------------------------------------- no sequence overruns a limit
EVENTS = st.lists(
    st.one_of(
        st.tuples(st.just("bet"), st.integers(1, 3_000)),
        st.tuples(st.just("win"), st.integers(1, 3_000)),
        st.tuples(st.just("refund"), st.integers(1, 3_000)),
        st.tuples(st.just("deposit"), st.integers(1, 3_000)),
        st.tuples(
            st.just("limit"),
            st.tuples(
                st.sampled_from(["wager", "loss", "deposit"]),
                st.sampled_from(["day", "week", "month"]),
                st.one_of(st.none(), st.integers(1, 20_000)),
            ),
        ),
        st.tuples(st.just("wait"), st.integers(1, 40 * HOUR_MS)),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(EVENTS, st.sampled_from(["UTC", "Europe/Malta", "America/New_York", "Asia/Kathmandu"]))
def test_no_sequence_takes_a_window_past_a_limit_in_force(events: list[tuple[str, Any]], zone: str) -> None:
    w = wallet(10**9)
    w.responsible.set_timezone(zone, T0, "player")
    now = T0
    model: dict[str, dict[str, dict[str, int]]] = {p: {} for p in ("day", "week", "month")}
    limits: dict[str, int] = {}
    pending: dict[str, tuple[int | None, int]] = {}

    def in_force() -> dict[str, int]:
        for key, (value, at) in list(pending.items()):
            if at <= now:
                if value is None:
                    limits.pop(key, None)
                else:
                    limits[key] = value
                del pending[key]
        return limits

    def window(period: str) -> dict[str, int]:
        key = window_of(period, now, zone)
        return model[period].setdefault(key, {"wagered": 0, "won": 0, "deposited": 0})

    for kind, arg in events:
        if kind == "wait":
            now += arg
        elif kind == "limit":
            what, period, value = arg
            key = f"{what}:{period}"
            in_force()
            old = limits.get(key)
            w.responsible.set_limit(key, value, now, "player")
            if value is not None and (old is None or value <= old):
                limits[key] = value
                pending.pop(key, None)
            elif value != old and pending.get(key, (object(),))[0] != value:
                pending[key] = (value, now + COOLING_OFF_MS)
            elif value == old:
                pending.pop(key, None)
        elif kind in ("bet", "deposit"):
            in_force()
            over = False
            for period in ("day", "week", "month"):
                t = window(period)
                if kind == "bet":
                    over |= "wager:" + period in limits and t["wagered"] + arg > limits["wager:" + period]
                    over |= "loss:" + period in limits and t["wagered"] - t["won"] + arg > limits["loss:" + period]
                else:
                    over |= "deposit:" + period in limits and t["deposited"] + arg > limits["deposit:" + period]
            try:
                w = bet(w, arg, now) if kind == "bet" else domain.deposit(w, arg, now, {}).wallet
            except LimitExceeded:
                assert over, (kind, arg, limits)
                continue
            assert not over, (kind, arg, limits)
            for period in ("day", "week", "month"):
                window(period)["wagered" if kind == "bet" else "deposited"] += arg
                t = window(period)
                if kind == "bet":  # the invariant itself: never past a limit in force
                    assert t["wagered"] <= limits.get("wager:" + period, t["wagered"])
                    assert t["wagered"] - t["won"] <= limits.get("loss:" + period, t["wagered"] - t["won"])
        elif kind == "win":
            w = domain.win(w, arg, now=now, reference={})[0].wallet
            for period in ("day", "week", "month"):
                window(period)["won"] += arg
        else:
            w = domain.reverse_bet(
                w,
                real=arg,
                bonus=0,
                bonus_id=None,
                deposit_wagering=0,
                bonus_wagering=0,
                now=now,
                reference={},
                entry_type="REFUND",
            )[0].wallet
            for period in ("day", "week", "month"):
                window(period)["wagered"] = max(0, window(period)["wagered"] - arg)
        for period in ("day", "week", "month"):
            t = window(period)
            held = w.responsible.in_force(now).current(period, now)
            assert (held.wagered, held.won, held.deposited) == (t["wagered"], t["won"], t["deposited"])
    assert w.responsible.in_force(now).limits == in_force()
