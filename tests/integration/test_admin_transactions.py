"""The reconciliation feed and the daily summary (GET /admin/transactions, /transactions/summary)
over HTTP on the local stack: money moved by the admin API, provider callbacks and the account
bridge across two days (the clock moved to days of this test's own), summed from the feed as
JSON and as CSV, page by page, against each player's balances and the books audit."""

from __future__ import annotations

import base64
import csv
import io
import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casino import clock
from casino.registry import game_sync
from local.operator_client import SignedClient
from local.provider_client import ProviderClient
from tests.conftest import ADMIN_KEY, RunningStack, body, event, with_headers

A = "/api/v1/admin"
FEED = f"{A}/transactions"
SUMMARY = f"{A}/transactions/summary"
BRIDGE = "/api/v1/bridge/demo"
DAY_1 = datetime(2031, 5, 17, tzinfo=UTC)  # days nothing else writes on: the test moves the clock there
DAY_2 = DAY_1 + timedelta(days=1)
CENT = Decimal("0.01")


def ms(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def get(running: RunningStack, path: str, params: dict[str, Any], *, accept: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}", **({"Accept": accept} if accept else {})}
    return httpx.get(f"{running.base_url}{path}", params=params, headers=headers, timeout=30)


def refused(running: RunningStack, path: str, params: dict[str, Any]) -> tuple[int, str, str | None]:
    answer = get(running, path, params)
    error = answer.json()["error"]
    return answer.status_code, error["code"], error.get("field")


def all_json(running: RunningStack, params: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """Every row of a query, following ``next_cursor``; and how many pages it took."""
    rows: list[dict[str, Any]] = []
    cursor, pages = None, 0
    while True:
        answer = get(running, FEED, {**params, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/json")
        page = answer.json()
        assert len(page["items"]) <= int(params.get("limit", 100))
        rows += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return rows, pages


def all_csv(running: RunningStack, params: dict[str, Any]) -> tuple[list[dict[str, str]], list[str]]:
    """Every row of a query as CSV, following ``X-Next-Cursor``; and the raw bodies."""
    rows: list[dict[str, str]] = []
    bodies: list[str] = []
    cursor = None
    while True:
        answer = get(running, FEED, {**params, **({"cursor": cursor} if cursor else {})}, accept="text/csv")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        bodies.append(answer.text)
        rows += list(csv.DictReader(io.StringIO(answer.text, newline="")))
        cursor = answer.headers.get("x-next-cursor")
        if cursor is None:
            return rows, bodies


class World:
    """Players and the money moved on them, and what the feed must show."""

    def __init__(self, running: RunningStack):
        self.running = running
        self.provider = ProviderClient(running.base_url)
        self.hub = SignedClient(running.base_url, "demo-operator", "demo-wallet-secret")
        self.players: list[str] = []
        self.base = 1_000_000_000 + uuid.uuid4().int % 1_000_000 * 100  # provider ids of this world

    def tid(self, n: int) -> int:
        return self.base + n

    def player(self) -> str:
        pid = f"rc-{uuid.uuid4().hex[:10]}"
        new = {"player_id": pid, "user_name": pid, "country": "MT", "currency": "EUR"}
        assert self.running.call("POST", f"{A}/players", new)[0] == 201
        self.players.append(pid)
        return pid

    def admin(self, pid: str, kind: str, amount: str, note: str | None = None) -> None:
        sent = {"type": kind, "amount": amount, "idempotency_key": uuid.uuid4().hex, "note": note}
        status, answer = self.running.call("POST", f"{A}/players/{pid}/transactions", sent)
        assert status == 200, answer

    def session(self, pid: str) -> str:
        status, answer = self.running.call(
            "POST", f"{A}/game-sessions", {"player_id": pid, "provider": "tlt", "game_id": 1001}
        )
        assert status == 201, answer
        return str(answer["token"])

    def callback(self, pid: str, token: str, kind: str, amount: str, tid: int, rid: int) -> None:
        data = {
            "token": token,
            "user_id": pid,
            "transaction_type": kind,
            "transaction_id": tid,
            "round_id": rid,
            "game_id": 1001,
            "currency_code": "EUR",
            "amount": Decimal(amount),
            "transaction_timestamp": "2031-05-17T23:59:00Z",
        }
        answer = self.provider.send("changebalance", data)
        assert answer.ok, answer.body

    def cancel(self, pid: str, tid: int, rid: int) -> None:
        answer = self.provider.send("cancel", {"user_id": pid, "transaction_id": tid, "round_id": rid, "game_id": 1001})
        assert answer.ok, answer.body

    def bridge(self, pid: str, action: str, amount: str, prev: list[str]) -> str:
        tid = f"stp_{uuid.uuid4().hex}"
        step = {
            "transaction_id": tid,
            "user_id": pid,
            "type": f"instant_win.{action}",
            "data": {"contract_id": "con_rc", "session_id": "ses_rc"},
            "prev_transactions": prev,
            "transactions": [{"id": f"t-{tid}", "account_id": "real", "amount": amount, "data": {}}],
        }
        answer = self.hub.post(f"{BRIDGE}/create_transaction", step)
        assert answer.status_code == 200, answer.text
        return tid


@pytest.fixture(scope="module")
def world(running: RunningStack) -> Iterator[World]:
    """Two days of money on three players, from every kind of source (built once, on days no
    other test writes on)."""
    assert game_sync.run("tlt")["outcome"] == "ok"
    patch = pytest.MonkeyPatch()
    real = clock.now_ms
    offset = [0]
    patch.setattr(clock, "now_ms", lambda: real() + offset[0])
    try:
        w = World(running)
        offset[0] = ms(DAY_1 + timedelta(hours=23, minutes=59)) - real()
        ana, bea, cid = w.player(), w.player(), w.player()
        w.admin(ana, "deposit", "50.00")
        w.admin(bea, "adjustment", "20.00", note='=HYPERLINK("http://evil","x")')
        w.admin(cid, "deposit", "30.00", note='café, "quoted"\nand a new line')
        token_a, token_b = w.session(ana), w.session(bea)
        w.callback(ana, token_a, "BET", "5.00", w.tid(1), w.tid(51))
        w.callback(ana, token_a, "WIN", "7.50", w.tid(2), w.tid(51))
        w.callback(bea, token_b, "BET", "2.00", w.tid(3), w.tid(52))
        w.cancel(bea, w.tid(3), w.tid(52))
        played = w.bridge(cid, "play", "-4.00", [])
        w.bridge(cid, "win", "1.00", [played])

        offset[0] = ms(DAY_2 + timedelta(seconds=30)) - real()
        w.admin(ana, "adjustment", "-3.00", note="-3 by hand")
        grant = {
            "amount": "5.00",
            "mode": "BONUS_ONLY",
            "wagering_multiplier": "10",
            "expires_at": ms(DAY_2 + timedelta(days=3)),
            "idempotency_key": uuid.uuid4().hex,
        }
        assert running.call("POST", f"{A}/players/{ana}/bonuses", grant)[0] == 200
        w.callback(ana, token_a, "BET", "6.00", w.tid(4), w.tid(53))  # real 52.50 - 3.00 covers it
        w.callback(ana, token_a, "REFUND", "1.00", w.tid(5), w.tid(53))
        w.callback(bea, token_b, "BET", "1.00", w.tid(6), w.tid(54))
        again = w.bridge(cid, "play", "-1.00", [])
        w.bridge(cid, "refund", "1.00", [again])
        yield w
    finally:
        patch.undo()


def ours(rows: list[dict[str, Any]], world: World) -> list[dict[str, Any]]:
    return [r for r in rows if r["player_id"] in world.players]


def two_days() -> dict[str, str]:
    return {"from": DAY_1.date().isoformat(), "to": (DAY_2 + timedelta(days=1)).date().isoformat()}


def balances(running: RunningStack, pid: str) -> dict[str, Decimal]:
    status, view = running.call("GET", f"{A}/players/{pid}")
    assert status == 200
    return {k: Decimal(view["balances"][k]) for k in ("real", "bonus")}


def sums(rows: list[dict[str, Any]]) -> dict[str, dict[str, Decimal]]:
    found: dict[str, dict[str, Decimal]] = defaultdict(lambda: {"real": Decimal(0), "bonus": Decimal(0)})
    for r in rows:
        found[r["player_id"]][r["account"]] += Decimal(r["amount"])
    return found


# ------------------------------------------------------------------ totals reconcile
def test_the_feed_summed_per_player_is_each_balance_json_and_csv(running: RunningStack, world: World) -> None:
    rows, pages = all_json(running, {**two_days(), "limit": 3})
    mine = ours(rows, world)
    assert pages > 3 and len(rows) == len(mine)  # those days are this test's own
    assert {r["source"] for r in mine} == {"admin", "tlt", "bridge:demo"}
    assert {r["created_at"][:10] for r in mine} == {"2031-05-17", "2031-05-18"}
    assert len({r["id"] for r in mine}) == len(mine)  # each entry once, whatever the page size
    ordered = [(r["created_at"][:10], r["source"], r["created_at_ms"], r["id"]) for r in mine]
    assert ordered == sorted(ordered)  # day, then source, then time
    csv_rows, _ = all_csv(running, {**two_days(), "limit": 4})
    assert [r["id"] for r in csv_rows] == [r["id"] for r in mine]
    for pid in world.players:
        expected = balances(running, pid)
        assert sums(mine)[pid] == expected, pid
        assert sums(csv_rows)[pid] == expected, pid  # type: ignore[arg-type]
        status, verify = running.call("GET", f"{A}/ledger/verify", query=f"player_id={pid}")
        assert status == 200 and verify["differences"] == [], verify
    for r in mine:  # each entry's own chain
        assert Decimal(r["balance_before"]) + Decimal(r["amount"]) == Decimal(r["balance_after"])
        assert Decimal(r["amount"]).as_tuple().exponent == -2  # EUR's precision, exactly


def test_each_day_and_each_source_is_its_own_part_of_the_whole(running: RunningStack, world: World) -> None:
    whole = ours(all_json(running, {**two_days(), "limit": 1000})[0], world)
    first = all_json(running, {"from": "2031-05-17", "to": "2031-05-18"})[0]
    second = all_json(running, {"from": "2031-05-18T00:00:00Z", "to": "2031-05-19T02:00:00+02:00"})[0]
    assert [r["id"] for r in first + second] == [r["id"] for r in whole]
    assert {r["created_at"][:10] for r in first} == {"2031-05-17"}
    by_source = []
    for params in ({"source": "admin"}, {"provider": "tlt"}, {"operator": "demo"}):
        part = all_json(running, {**two_days(), **params, "limit": 2})[0]
        assert len({r["source"] for r in part}) == 1
        by_source += part
    assert sorted(r["id"] for r in by_source) == sorted(r["id"] for r in whole)


def test_the_range_is_half_open(running: RunningStack, world: World) -> None:
    rows = all_json(running, two_days())[0]
    at = rows[len(rows) // 2]
    instant = clock.iso(at["created_at_ms"])
    before = all_json(running, {"from": two_days()["from"], "to": instant})[0]
    after = all_json(running, {"from": instant, "to": two_days()["to"]})[0]
    assert at["id"] not in {r["id"] for r in before} and at["id"] in {r["id"] for r in after}
    assert sorted(r["id"] for r in before + after) == sorted(r["id"] for r in rows)


def test_rows_carry_references_and_never_anything_else(running: RunningStack, world: World) -> None:
    rows = ours(all_json(running, two_days())[0], world)
    keys = {
        "id",
        "created_at",
        "created_at_ms",
        "source",
        "player_id",
        "account",
        "type",
        "amount",
        "currency",
        "balance_before",
        "balance_after",
        "reference",
    }
    assert all(set(r) == keys for r in rows)
    bet = next(r for r in rows if r["source"] == "tlt" and r["type"] == "BET")
    assert bet["reference"] == {"transaction_id": world.tid(1), "round_id": world.tid(51), "type": "BET"}
    cancel = next(r for r in rows if r["reference"].get("cancels") is not None)
    assert cancel["type"] == "ADJUSTMENT" and cancel["reference"]["cancels_type"] == "BET"
    step = next(r for r in rows if r["source"] == "bridge:demo" and r["type"] == "WIN")
    assert step["reference"]["type"] == "instant_win.win" and step["reference"]["play"].startswith("stp_")
    assert step["reference"]["contract_id"] == "con_rc"
    admin = next(r for r in rows if r["source"] == "admin" and r["type"] == "DEPOSIT")
    assert set(admin["reference"]) <= {"idempotency_key", "note"}
    assert datetime.fromisoformat(bet["created_at"]) == datetime.fromtimestamp(bet["created_at_ms"] / 1000, UTC)


def test_csv_is_rfc_4180_and_defuses_formulas_but_not_amounts(running: RunningStack, world: World) -> None:
    rows, bodies = all_csv(running, {**two_days(), "source": "admin", "limit": 1000})
    assert len(bodies) == 1 and bodies[0].startswith("id,created_at,created_at_ms,source,player_id,")
    assert "\r\n" in bodies[0]
    notes = {r["note"] for r in rows}
    assert '\'=HYPERLINK("http://evil","x")' in notes  # a formula: made text
    assert "'-3 by hand" in notes
    assert 'café, "quoted"\nand a new line' in notes  # quoted, kept whole
    negative = next(r for r in rows if r["type"] == "ADJUSTMENT" and r["amount"].startswith("-"))
    assert negative["amount"] == "-3.00"  # ours, a number: left exact
    assert all(not r["amount"].startswith("'") for r in rows)
    json_notes = {r["reference"].get("note") for r in all_json(running, {**two_days(), "source": "admin"})[0]}
    assert '=HYPERLINK("http://evil","x")' in json_notes  # JSON keeps the text as it was


def test_accept_chooses_the_format(running: RunningStack, world: World) -> None:
    for accept, kind in [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("text/html", "application/json"),
        ("text/csv", "text/csv"),
        ("application/json;q=0.5, text/csv", "text/csv"),
        ("text/csv;q=0.2, application/json", "application/json"),
        ("text/csv;q=0", "application/json"),
    ]:
        answer = get(running, FEED, {**two_days(), "limit": 1}, accept=accept)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(kind), accept


# ------------------------------------------------------------------ the summary
def test_the_summary_adds_up_the_feed_per_source_and_currency(running: RunningStack, world: World) -> None:
    for day in ("2031-05-17", "2031-05-18"):
        status, answer = running.call("GET", SUMMARY, query=f"date={day}")
        assert status == 200, answer
        following = (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat()
        rows = all_json(running, {"from": day, "to": following})[0]
        expected: dict[tuple[str, str], dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
        for r in rows:
            expected[(r["source"], r["currency"])][r["type"]].append(Decimal(r["amount"]))
        got = {(s["source"], s["currency"]): s for s in answer["sources"]}
        assert set(got) == set(expected)
        for key, types in expected.items():
            line = got[key]
            assert {t: (v["count"], Decimal(v["amount"])) for t, v in line["types"].items()} == {
                t: (len(a), sum(a, Decimal(0))) for t, a in types.items()
            }
            bets, wins, refunds = (Decimal(line[k]) for k in ("bets", "wins", "refunds"))
            assert Decimal(line["net"]) == bets - wins - refunds - Decimal(line["cancels"])
        assert [t["currency"] for t in answer["totals"]] == ["EUR"]
    status, day1 = running.call("GET", SUMMARY, query="date=2031-05-17&provider=tlt")
    assert status == 200 and [s["source"] for s in day1["sources"]] == ["tlt"]
    tlt = day1["sources"][0]
    # ana: bet 5.00, won 7.50; bea: bet 2.00, cancelled
    assert (tlt["bets"], tlt["wins"], tlt["refunds"], tlt["cancels"]) == ("7.00", "7.50", "0.00", "2.00")
    assert tlt["net"] == "-2.50" and tlt["kind"] == "provider" and tlt["code"] == "tlt"
    status, day2 = running.call("GET", SUMMARY, query="date=2031-05-18&operator=demo")
    bridge = day2["sources"][0]
    assert (bridge["source"], bridge["bets"], bridge["refunds"], bridge["net"]) == (
        "bridge:demo",
        "1.00",
        "1.00",
        "0.00",
    )


# ------------------------------------------------------------------ cursors and bad input
def test_a_quiet_quarter_of_every_source_is_read_in_bounded_pages(running: RunningStack) -> None:
    rows, pages = all_json(running, {"from": "2040-01-01", "to": "2040-04-02"})
    assert rows == [] and pages >= 2  # 92 days x every source: more queries than one page spends


def cursor_of(running: RunningStack, params: dict[str, Any]) -> str:
    answer = get(running, FEED, {**params, "limit": 1}).json()
    assert answer["next_cursor"], answer
    return str(answer["next_cursor"])


def forged(cursor: str, **changes: Any) -> str:
    payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    payload.update(changes)
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def test_a_cursor_of_another_query_or_a_forged_one_is_a_400(running: RunningStack, world: World) -> None:
    tlt = cursor_of(running, {**two_days(), "provider": "tlt"})
    every = cursor_of(running, two_days())
    assert get(running, FEED, {**two_days(), "provider": "tlt", "cursor": tlt}).status_code == 200
    for params, cursor in [
        ({**two_days(), "operator": "demo"}, tlt),  # another filter
        ({"from": "2031-05-16", "to": two_days()["to"], "provider": "tlt"}, tlt),  # other dates
        (two_days(), tlt),
        ({**two_days(), "provider": "tlt"}, "not a cursor"),
        ({**two_days(), "provider": "tlt"}, "x" * 40),
        ({**two_days(), "provider": "tlt"}, base64.urlsafe_b64encode(b"[1,2]").decode()),
        (two_days(), forged(every, s="bridge:nobody")),
        (two_days(), forged(every, d="2031-06-01")),
        (two_days(), forged(every, d="2031-02-31")),
        (two_days(), forged(every, a="000000000000001#led_01HZZZZZZZZZZZZZZZZZZZZZZZ")),
        (two_days(), forged(every, a="PLAYER#x")),
        (two_days(), forged(every, a=7)),
        (two_days(), forged(every, v=2)),
    ]:
        assert refused(running, FEED, {**params, "cursor": cursor}) == (400, "validation_error", "cursor"), cursor


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2031-13-01", "to": "2031-05-18"}, "from"),
        ({"from": "yesterday", "to": "2031-05-18"}, "from"),
        ({"from": "2031-05-17T10:00:00", "to": "2031-05-18"}, "from"),  # no offset
        ({"from": "2031-05-17T10:00:00.1234Z", "to": "2031-05-18"}, "from"),
        ({"from": "1969-12-31", "to": "2031-05-18"}, "from"),
        ({"from": "2031-05-17", "to": "2031-02-30"}, "to"),
        ({"from": "2031-05-18", "to": "2031-05-17"}, "to"),
        ({"from": "2031-05-17", "to": "2031-05-17"}, "to"),
        ({"from": "2031-01-01", "to": "2031-04-04"}, "to"),  # 93 days
        ({"from": None}, "from"),
        ({"to": None}, "to"),
        ({"provider": "tlt", "operator": "demo"}, "operator"),
        ({"provider": "tlt", "source": "admin"}, "source"),
        ({"source": "tlt"}, "source"),
        ({"provider": ""}, "provider"),
        ({"provider": "x" * 33}, "provider"),
        ({"limit": 0}, "limit"),
        ({"limit": 5000}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "c" * 1025}, "cursor"),
    ],
)
def test_bad_feed_input_is_a_400_naming_the_field(running: RunningStack, params: dict[str, Any], field: str) -> None:
    query = {k: v for k, v in {"from": "2031-05-17", "to": "2031-05-18", **params}.items() if v is not None}
    assert refused(running, FEED, query) == (400, "validation_error", field)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "date"),
        ({"date": "2031-05-17T00:00:00Z"}, "date"),
        ({"date": "17/05/2031"}, "date"),
        ({"date": "2031-02-29"}, "date"),
        ({"date": "2031-05-17", "provider": "tlt", "operator": "demo"}, "operator"),
        ({"date": "2031-05-17", "source": "bridge:demo"}, "source"),
    ],
)
def test_bad_summary_input_is_a_400_naming_the_field(running: RunningStack, params: dict[str, Any], field: str) -> None:
    assert refused(running, SUMMARY, params) == (400, "validation_error", field)


def test_unknown_providers_and_operators_are_404_and_a_wallet_of_their_own_is_400(running: RunningStack) -> None:
    for path, extra in ((FEED, {"from": "2031-05-17", "to": "2031-05-18"}), (SUMMARY, {"date": "2031-05-17"})):
        assert refused(running, path, {**extra, "provider": "nobody"}) == (404, "not_found", "provider")
        assert refused(running, path, {**extra, "operator": "nobody"}) == (404, "not_found", "operator")
    code = f"ext{uuid.uuid4().hex[:8]}"
    external = {"code": code, "name": "Ext", "wallet_base_url": "http://127.0.0.1:9/wallet", "currencies": ["EUR"]}
    assert running.call("POST", f"{A}/operators", external)[0] == 201
    answer = refused(running, FEED, {"from": "2031-05-17", "to": "2031-05-18", "operator": code})
    assert answer == (400, "validation_error", "operator")


def test_both_endpoints_refuse_a_missing_or_wrong_key(running: RunningStack) -> None:
    for path, params in ((FEED, {"from": "2031-05-17", "to": "2031-05-18"}), (SUMMARY, {"date": "2031-05-17"})):
        for key in (None, "wrong-key"):
            headers = {} if key is None else {"Authorization": f"Bearer {key}"}
            answer = httpx.get(f"{running.base_url}{path}", params=params, headers=headers, timeout=30)
            assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"


TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "from": TEXT,
            "to": TEXT,
            "provider": TEXT,
            "operator": TEXT,
            "source": TEXT,
            "limit": st.one_of(TEXT, st.integers()).map(str),
            "cursor": TEXT,
            "date": TEXT,
        },
    ),
    st.sampled_from([FEED, SUMMARY]),
)
def test_no_input_answers_a_5xx(running: RunningStack, params: dict[str, str], path: str) -> None:
    answer = get(running, path, params, accept="text/csv")
    assert answer.status_code < 500, (params, answer.text)


def test_the_sample_events_are_answered(running: RunningStack) -> None:
    feed = running.invoke("AdminTransactionsFunction", event("admin/transactions.json"))
    assert feed["statusCode"] == 200 and set(body(feed)) == {"items", "next_cursor", "from", "to", "sources"}
    csv_event = with_headers(event("admin/transactions.json"), Accept="text/csv")
    answer = running.invoke("AdminTransactionsFunction", csv_event)
    assert answer["statusCode"] == 200 and answer["body"].startswith("id,created_at,")
    summary = running.invoke("AdminTransactionsSummaryFunction", event("admin/transactions-summary.json"))
    assert summary["statusCode"] == 200 and body(summary)["date"] == "2031-05-17"
