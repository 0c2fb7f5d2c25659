"""The transactions roll-up's rules, on their own (pure, no tables): merging and storing totals,
folding a day's entries in any split, the settled bound, and when a day is final."""

from __future__ import annotations

import itertools
import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casino.ops import reconciliation as rec
from casino.ops import rollup
from casino.ops.reconciliation import Line, Totals
from casino.ops.rollup import SETTLE_MS, Rollup
from casino.wallet.domain import LedgerEntry

DAY = date(2031, 5, 18)
T0 = 1_936_828_800_000  # 2031-05-18T00:00:00Z
TYPES = ["BET", "WIN", "REFUND", "ADJUSTMENT", "DEPOSIT", "WITHDRAWAL", "BONUS_GRANT"]


def entry(n: int, kind: str, amount: int, account: str, at: int, cancels: bool) -> LedgerEntry:
    return LedgerEntry(
        id=f"led_01RBSZTCZ9J2QCHS6GWB{n:06d}",
        player_id="p-1",
        account=account,
        type=kind,
        amount=amount,
        balance_before=0,
        balance_after=amount,
        created_at=at,
        reference={"cancels": "t-1"} if cancels else {},
    )


CASES = st.lists(
    st.tuples(
        st.sampled_from(["EUR", "USD", "JPY"]),
        st.sampled_from(TYPES),
        st.sampled_from(["real", "bonus"]),
        st.integers(-(10**12), 10**12),
        st.integers(0, rec.DAY_MS - 1),
        st.booleans(),
    ),
    max_size=60,
)


def day_entries(cases: list[tuple[str, str, str, int, int, bool]]) -> list[tuple[str, LedgerEntry]]:
    """``(currency, entry)`` in feed order (time, then id)."""
    made = [
        (cur, entry(n, kind, amount, account, T0 + at, cancels))
        for n, (cur, kind, account, amount, at, cancels) in enumerate(cases)
    ]
    return sorted(made, key=lambda pair: (pair[1].created_at, pair[1].id))


def position(e: LedgerEntry) -> str:
    return f"{e.created_at:015d}#{e.id}"


# ------------------------------------------------------------------ merge and storage
def test_merge_adds_the_same_keys_and_keeps_the_others() -> None:
    a = {("tlt", "EUR"): Totals({"BET": Line(2, -300, -100)}, Line())}
    b = {("tlt", "EUR"): Totals({"BET": Line(1, -50, 0), "WIN": Line(1, 80, 0)}, Line(1, 10, 0))}
    c = {("admin", "EUR"): Totals({"DEPOSIT": Line(1, 500, 0)}, Line())}
    merged = rec.merge(a, b, c)
    assert merged[("tlt", "EUR")] == Totals({"BET": Line(3, -350, -100), "WIN": Line(1, 80, 0)}, Line(1, 10, 0))
    assert merged[("admin", "EUR")] == c[("admin", "EUR")]
    assert merged[("admin", "EUR")] is not c[("admin", "EUR")]  # never the caller's object
    assert rec.merge() == {}


def test_totals_are_stored_as_plain_json_and_read_back() -> None:
    t = Totals({"BET": Line(3, -350, -100), "ADJUSTMENT": Line(1, 10, 0)}, Line(1, 10, 0))
    stored = json.loads(json.dumps(rec.totals_json(t)))
    assert stored == {
        "types": {"ADJUSTMENT": {"count": 1, "real": 10, "bonus": 0}, "BET": {"count": 3, "real": -350, "bonus": -100}},
        "cancels": {"count": 1, "real": 10, "bonus": 0},
    }
    assert rec.totals_from_json(stored) == t


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        {"types": []},
        {"types": {"BET": {"count": 1, "real": 1}}, "cancels": {"count": 0, "real": 0, "bonus": 0}},
        {"types": {"BET": {"count": "1", "real": 1, "bonus": 0}}, "cancels": {"count": 0, "real": 0, "bonus": 0}},
        {"types": {"BET": {"count": True, "real": 1, "bonus": 0}}, "cancels": {"count": 0, "real": 0, "bonus": 0}},
        {"types": {"BET": {"count": -1, "real": 1, "bonus": 0}}, "cancels": {"count": 0, "real": 0, "bonus": 0}},
        {"types": {}},
    ],
)
def test_stored_totals_that_are_not_totals_are_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        rec.totals_from_json(bad)


def test_a_rollup_round_trips_through_its_stored_form() -> None:
    r = Rollup(
        "bridge:demo",
        DAY,
        {"EUR": Totals({"WIN": Line(2, 700, 50)}, Line())},
        upto=f"{T0 + 5:015d}#led_01RBSZTCZ9J2QCHS6GWB000001",
        settled_to=T0 + 10,
        final=False,
        version=7,
    )
    assert rollup.from_json(json.loads(json.dumps(rollup.to_json(r)))) == r
    assert rollup.from_json(rollup.to_json(rollup.empty("admin", DAY))) == rollup.empty("admin", DAY)


# ------------------------------------------------------------------ folding
@settings(max_examples=300)
@given(CASES, st.lists(st.integers(0, 60), max_size=6))
def test_folding_any_split_of_a_day_is_summarising_it_whole(
    cases: list[tuple[str, str, str, int, int, bool]], cuts: list[int]
) -> None:
    entries = day_entries(cases)
    bounds = sorted({min(c, len(entries)) for c in cuts} | {0, len(entries)})
    r = rollup.empty("tlt", DAY)
    for low, high in itertools.pairwise(bounds):
        part = entries[low:high]
        r = rollup.fold(r, part, upto=position(part[-1][1]) if part else None)
        r = rollup.from_json(json.loads(json.dumps(rollup.to_json(r))))  # stored between folds
    whole = rec.summarise(("tlt", c, e) for c, e in entries)
    assert r.by_source() == whole
    assert r.entries == len(entries)
    assert r.upto == (position(entries[-1][1]) if entries else None)
    assert r.final is False  # nothing said the day was read to its end


def test_a_fold_that_reads_to_the_end_of_the_day_makes_it_final_and_never_moves_back() -> None:
    r = rollup.fold(rollup.empty("admin", DAY), [], upto=None, settled_to=T0 + 1000)
    assert (r.settled_to, r.final, r.counted_to()) == (T0 + 1000, False, T0 + 1000)
    assert rollup.fold(r, [], upto=None, settled_to=T0 + 10).settled_to == T0 + 1000  # never back
    done = rollup.fold(r, [], upto=None, settled_to=rollup.day_end(DAY))
    assert done.final and done.counted_to() == rollup.day_end(DAY)
    assert rollup.fold(done, [], upto=None).final


def test_counted_to_is_the_last_entry_folded_or_the_settled_bound() -> None:
    e = entry(1, "BET", -100, "real", T0 + 5000, False)
    r = rollup.fold(rollup.empty("tlt", DAY), [("EUR", e)], upto=position(e))
    assert r.counted_to() == T0 + 5000  # entries at that very ms may come after it in the feed
    assert rollup.empty("tlt", DAY).counted_to() == T0


# ------------------------------------------------------------------ the settled bound
def test_the_settled_bound_is_the_margin_before_now_inside_the_day() -> None:
    assert SETTLE_MS == 120_000
    noon = T0 + rec.DAY_MS // 2
    assert rollup.settled_before(noon, DAY) == noon - SETTLE_MS
    assert rollup.settled_before(T0 + 1000, DAY) == T0  # just after midnight: nothing settled yet
    assert rollup.settled_before(T0 - rec.DAY_MS, DAY) == T0  # a day to come
    assert rollup.settled_before(rollup.day_end(DAY) + SETTLE_MS - 1, DAY) == rollup.day_end(DAY) - 1
    assert rollup.settled_before(rollup.day_end(DAY) + SETTLE_MS, DAY) == rollup.day_end(DAY)  # final from now
    assert rollup.day_of(T0) == DAY and rollup.day_of(T0 - 1) == date(2031, 5, 17)
    assert rollup.position_ms(f"{T0:015d}#led_x") == T0
