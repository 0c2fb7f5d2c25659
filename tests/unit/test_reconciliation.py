"""The reconciliation feed's and the daily summary's rules, on their own (pure, no tables)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casino.errors import ValidationFailed
from casino.money import currency, to_decimal_string
from casino.ops import reconciliation as rec
from casino.ops.reconciliation import Position, Window
from casino.wallet.domain import LedgerEntry

DAY = rec.DAY_MS
T0 = 1_936_828_800_000  # 2031-05-18T00:00:00Z


def entry(kind: str = "BET", amount: int = -100, account: str = "real", at: int = T0, **reference: Any) -> LedgerEntry:
    return LedgerEntry(
        id="led_01RBSZTCZ9J2QCHS6GWB226R8R",
        player_id="p-1",
        account=account,
        type=kind,
        amount=amount,
        balance_before=1000,
        balance_after=1000 + amount,
        created_at=at,
        reference=reference,
    )


# ------------------------------------------------------------------ ranges
@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("2031-05-18", T0),
        ("2031-05-18T00:00Z", T0),
        ("2031-05-18T00:00:00.001Z", T0 + 1),
        ("2031-05-18T02:00:00+02:00", T0),
        ("2031-05-17T19:00:00.5-05:00", T0 + 500),
        ("1970-01-01", 0),
    ],
)
def test_instants_are_dates_or_datetimes_with_an_offset(text: str, ms: int) -> None:
    assert rec.parse_instant(text, "from") == ms


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2031-5-18",
        "2031-05-18T00:00:00",  # no offset: whose midnight?
        "2031-05-18 00:00:00Z",
        "2031-05-18T00:00:00.0001Z",  # finer than our milliseconds
        "2031-02-29",
        "2031-05-18T24:00Z",
        "2031-W20-1",
        "1969-12-31T23:59:59Z",
        "1970-01-01T00:30:00+01:00",
        "\uff12\uff10\uff13\uff11-05-18",  # full-width digits
        "1936828800000",
    ],
)
def test_anything_else_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rec.parse_instant(text, "to")
    assert refused.value.field == "to"


def test_a_window_is_half_open_and_touches_its_days() -> None:
    win = rec.window("2031-05-17T23:00:00Z", "2031-05-19")
    assert (win.from_ms, win.to_ms) == (T0 - 3_600_000, T0 + DAY)
    assert win.days() == [date(2031, 5, 17), date(2031, 5, 18)]  # not the 19th: [from, to)
    assert Window(T0, T0 + 1).days() == [date(2031, 5, 18)]
    assert len(rec.window("2031-01-01T12:00Z", "2031-04-03T12:00Z").days()) == 93  # 92 days, 93 partitions


@pytest.mark.parametrize(
    ("start", "end"),
    [("2031-05-18", "2031-05-18"), ("2031-05-19", "2031-05-18"), ("2031-01-01", "2031-04-03T00:00:00.001Z")],
)
def test_a_window_runs_forward_at_most_92_days(start: str, end: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rec.window(start, end)
    assert refused.value.field == "to"
    assert rec.window("2031-01-01", "2031-04-03").to_ms - rec.window("2031-01-01", "2031-04-03").from_ms == 92 * DAY


def test_a_day_is_a_date_only() -> None:
    day, win = rec.day_window("2031-05-18")
    assert day == date(2031, 5, 18) and (win.from_ms, win.to_ms) == (T0, T0 + DAY)
    for bad in ("2031-05-18T00:00Z", "18/05/2031", "2031-02-30"):
        with pytest.raises(ValidationFailed) as refused:
            rec.day_window(bad)
        assert refused.value.field == "date"


# ------------------------------------------------------------------ cursors
def test_a_cursor_goes_back_to_its_position_for_its_own_query_only() -> None:
    win = Window(T0, T0 + DAY)
    digest = rec.query_digest("provider", "tlt", win)
    position = Position(date(2031, 5, 18), "tlt", "001936828800000#led_01RBSZTCZ9J2QCHS6GWB226R8R")
    assert rec.decode_cursor(rec.encode_cursor(digest, position), digest) == position
    for other in (
        rec.query_digest("provider", "xyz", win),
        rec.query_digest("operator", "tlt", win),
        rec.query_digest("provider", "tlt", Window(T0, T0 + 2 * DAY)),
    ):
        assert other != digest
        with pytest.raises(ValidationFailed) as refused:
            rec.decode_cursor(rec.encode_cursor(other, position), digest)
        assert refused.value.field == "cursor"


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_no_text_makes_a_cursor_fail_other_than_as_a_400(text: str) -> None:
    try:
        rec.decode_cursor(text, "0" * 24)
    except ValidationFailed as refused:
        assert refused.field == "cursor"


# ------------------------------------------------------------------ rows and CSV
def test_a_row_shows_exact_amounts_and_allow_listed_references_only() -> None:
    row = rec.row(
        entry(amount=-1234, transaction_id=7, round_id=8, type="BET", source="tlt", token="secret", hash="h"),
        "EUR",
        "tlt",
    )
    assert (row["amount"], row["balance_before"], row["balance_after"]) == ("-12.34", "10.00", "-2.34")
    assert row["reference"] == {"transaction_id": 7, "round_id": 8, "type": "BET"}
    assert row["created_at"] == "2031-05-18T00:00:00.000Z" and row["created_at_ms"] == T0


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (None, ""),
        (42, "42"),
    ],
)
def test_a_text_cell_that_looks_like_a_formula_is_made_text(value: object, cell: str) -> None:
    assert rec.safe_cell(value) == cell


NOTES = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(-(10**12), 10**12), NOTES, NOTES), min_size=1, max_size=5))
def test_csv_reads_back_to_the_rows_with_formulas_defused(cases: list[tuple[int, str, str]]) -> None:
    rows = [
        rec.row(entry("ADJUSTMENT", amount, source="admin", idempotency_key=key, note=note), "EUR", "admin")
        for amount, key, note in cases
    ]
    text = rec.csv_text(rows)
    read = list(csv.reader(io.StringIO(text, newline="")))
    assert read[0] == list(rec.CSV_COLUMNS) and len(read) == len(rows) + 1
    for line, r in zip(read[1:], rows, strict=True):
        cells = dict(zip(rec.CSV_COLUMNS, line, strict=True))
        assert cells["amount"] == r["amount"]  # exact, a minus sign kept
        for name in ("note", "idempotency_key"):
            original = r["reference"].get(name) or ""
            assert cells[name] == rec.safe_cell(original)
            assert cells[name].removeprefix("'") == original or cells[name] == original
        texts = [v for k, v in cells.items() if k not in {"amount", "balance_before", "balance_after"}]
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in texts)


@pytest.mark.parametrize(
    ("accept", "csv_wanted"),
    [
        (None, False),
        ("", False),
        ("*/*", False),
        ("application/json", False),
        ("text/csv", True),
        ("TEXT/CSV; charset=utf-8", True),
        ("text/csv;q=0", False),
        ("text/csv;q=0.4, application/json;q=0.5", False),
        ("application/json;q=0.5, text/csv", True),
        ("application/json, text/csv", True),
        ("text/csv;q=nonsense", False),
    ],
)
def test_accept_chooses_csv_only_when_asked(accept: str | None, csv_wanted: bool) -> None:
    assert rec.wants_csv(accept) is csv_wanted


# ------------------------------------------------------------------ the summary
TYPES = ["BET", "WIN", "REFUND", "ADJUSTMENT", "DEPOSIT", "WITHDRAWAL", "BONUS_GRANT", "BONUS_CONVERSION"]
ENTRIES = st.lists(
    st.tuples(
        st.sampled_from(["admin", "tlt", "bridge:demo"]),
        st.sampled_from(["EUR", "USD"]),
        st.sampled_from(TYPES),
        st.sampled_from(["real", "bonus"]),
        st.integers(-(10**9), 10**9),
        st.booleans(),  # an ADJUSTMENT cancelling a game transaction
    ),
    max_size=40,
)


def build(cases: list[tuple[str, str, str, str, int, bool]]) -> list[tuple[str, str, LedgerEntry]]:
    return [
        (source, cur, entry(kind, amount, account, **({"cancels": "t-1"} if cancels else {})))
        for source, cur, kind, account, amount, cancels in cases
    ]


@settings(max_examples=300)
@given(ENTRIES)
def test_the_summary_is_the_sums_per_type_and_net_is_what_play_left(
    cases: list[tuple[str, str, str, str, int, bool]],
) -> None:
    entries = build(cases)
    totals = rec.summarise(entries)
    expected: dict[tuple[str, str], dict[str, list[LedgerEntry]]] = defaultdict(lambda: defaultdict(list))
    for source, cur, e in entries:
        expected[(source, cur)][e.type].append(e)
    assert set(totals) == set(expected)
    for key, types in expected.items():
        t = totals[key]
        assert {k: (v.count, v.amount) for k, v in t.types.items()} == {
            k: (len(es), sum(e.amount for e in es)) for k, es in types.items()
        }
        for k, es in types.items():
            assert t.types[k].real == sum(e.amount for e in es if e.account == "real")
        mine = [e for es in types.values() for e in es]
        game = [e for e in mine if e.type in ("BET", "WIN", "REFUND") or rec.is_cancel(e)]
        assert t.net == t.bets - t.wins - t.refunds - t.cancels.amount == -sum(e.amount for e in game)
        assert t.net_real == -sum(e.amount for e in game if e.account == "real")
        assert t.balance_change == sum(e.amount for e in mine)
        assert t.entries == len(mine)
        view = rec.source_view(key[0], key[1], t)
        assert view["currency"] == key[1] and view["net"] == to_decimal_string(t.net, currency(key[1]))


@settings(max_examples=200)
@given(ENTRIES, ENTRIES)
def test_summaries_add_up_page_by_page_and_never_across_currencies(
    first: list[tuple[str, str, str, str, int, bool]], second: list[tuple[str, str, str, str, int, bool]]
) -> None:
    a, b = build(first), build(second)
    whole, left, right = rec.summarise(a + b), rec.summarise(a), rec.summarise(b)
    for key, t in whole.items():
        assert t == left.get(key, rec.Totals()).plus(right.get(key, rec.Totals()))
    per_currency = rec.by_currency(whole)
    for cur, t in per_currency.items():
        assert t.balance_change == sum(e.amount for _, c, e in a + b if c == cur)
        assert t.entries == sum(1 for _, c, _ in a + b if c == cur)


def test_a_day_of_play_in_numbers() -> None:
    entries = [
        ("tlt", "EUR", entry("BET", -500)),
        ("tlt", "EUR", entry("BET", -100, "bonus")),
        ("tlt", "EUR", entry("WIN", 750)),
        ("tlt", "EUR", entry("BET", -200)),
        ("tlt", "EUR", entry("ADJUSTMENT", 200, cancels="t-3", cancels_type="BET")),
        ("tlt", "EUR", entry("REFUND", 50)),
        ("tlt", "EUR", entry("BONUS_CONVERSION", 30)),
    ]
    view = rec.source_view("tlt", "EUR", rec.summarise(entries)[("tlt", "EUR")])
    assert (view["bets"], view["wins"], view["refunds"], view["cancels"]) == ("8.00", "7.50", "0.50", "2.00")
    assert (view["net"], view["net_real"]) == ("-2.00", "-3.00")  # 8 - 7.5 - 0.5 - 2; the bonus stake left out
    assert view["types"]["BET"] == {"count": 3, "amount": "-8.00", "real": "-7.00", "bonus": "-1.00"}
    assert view["balance_change"] == "2.30" and view["entries"] == 7 and view["kind"] == "provider"
    assert rec.source_kind("bridge:demo") == ("operator", "demo") and rec.source_kind("admin") == ("admin", None)
