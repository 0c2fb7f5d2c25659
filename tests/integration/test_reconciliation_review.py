"""Adversarial review of GET /admin/transactions and /transactions/summary: boundaries,
cursors, offsets, CSV, Accept, auth and bad input. Its four defects (year 9999 overflows, a provider
coded `admin`, a leading NUL in CSV) are fixed and kept here as tests."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from casino import clock
from local.operator_client import SignedClient
from tests.conftest import ADMIN_KEY, RunningStack

A = "/api/v1/admin"
FEED = f"{A}/transactions"
SUMMARY = f"{A}/transactions/summary"
DAY = datetime(2033, 3, 10, tzinfo=UTC)  # a day only this file writes on
NEXT = DAY + timedelta(days=1)


def ms(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def get(
    running: RunningStack, path: str, params: Any, *, headers: Any = None, key: str | None = ADMIN_KEY
) -> httpx.Response:
    sent: list[tuple[str, str]] = [("Authorization", f"Bearer {key}")] if key else []
    sent += list(headers or [])
    return httpx.get(f"{running.base_url}{path}", params=params, headers=sent, timeout=30)


def read_all(running: RunningStack, params: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    for _ in range(2000):
        answer = get(running, FEED, {**params, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        rows += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return rows
    raise AssertionError("the feed never ended")


class World:
    def __init__(self, running: RunningStack) -> None:
        self.running = running
        self.players: list[str] = []
        self.hub = SignedClient(running.base_url, "demo-operator", "demo-wallet-secret")

    def player(self, prefix: str = "rv", currency: str = "EUR") -> str:
        pid = f"{prefix}{uuid.uuid4().hex[:10]}"
        new = {"player_id": pid, "user_name": f"u{uuid.uuid4().hex[:10]}", "country": "MT", "currency": currency}
        status, answer = self.running.call("POST", f"{A}/players", new)
        assert status == 201, answer
        self.players.append(pid)
        return pid

    def admin(self, pid: str, kind: str, amount: str, note: str | None = None, key: str | None = None) -> None:
        sent = {"type": kind, "amount": amount, "idempotency_key": key or uuid.uuid4().hex, "note": note}
        status, answer = self.running.call("POST", f"{A}/players/{pid}/transactions", sent)
        assert status == 200, answer

    def bridge(self, pid: str, tid: str, contract: str, kind: str = "play", amount: str = "-1.00") -> None:
        step = {
            "transaction_id": tid,
            "user_id": pid,
            "type": f"instant_win.{kind}",
            "data": {"contract_id": contract, "session_id": "ses_rv"},
            "prev_transactions": [],
            "transactions": [{"id": f"t-{uuid.uuid4().hex}", "account_id": "real", "amount": amount, "data": {}}],
        }
        answer = self.hub.post("/api/v1/bridge/demo/create_transaction", step)
        assert answer.status_code == 200, answer.text


BURST = 7  # deposits in the very same millisecond, at midnight


@pytest.fixture(scope="module")
def world(running: RunningStack) -> Iterator[World]:
    patch = pytest.MonkeyPatch()
    now = [0]
    patch.setattr(clock, "now_ms", lambda: now[0])
    try:
        w = World(running)
        now[0] = ms(DAY) - 60_000
        eur, usd, evil = w.player(), w.player(currency="USD"), w.player(prefix="x@rv")
        w.admin(eur, "deposit", "100.00")
        w.admin(usd, "deposit", "100.00")
        w.admin(evil, "deposit", "100.00")
        now[0] = ms(DAY) - 1  # the last ms of the day before
        w.admin(eur, "deposit", "0.01")
        now[0] = ms(DAY)  # exactly midnight: many in one ms
        for _ in range(BURST):
            w.admin(eur, "deposit", "0.10")
        now[0] = ms(DAY) + 1
        w.admin(eur, "adjustment", "-0.50", note='-1+1, "q"\r\n=2')
        now[0] = ms(DAY) + 3_600_000
        w.admin(usd, "adjustment", "-0.05", key="=1+1", note="@SUM(A1)")
        w.admin(usd, "deposit", "1.00", key="+cmd", note="\tTAB")
        w.admin(evil, "deposit", "2.00", note="\x00=HYPERLINK(1)")
        w.admin(evil, "deposit", "3.00", note="\uff1dHYPERLINK(1)")
        w.bridge(evil, '=HYPERLINK("http://x")', "@contract")
        now[0] = ms(NEXT)  # exactly the next midnight: the next day's
        w.admin(eur, "deposit", "0.20")
        yield w
    finally:
        patch.undo()


def day_params() -> dict[str, str]:
    return {"from": DAY.date().isoformat(), "to": NEXT.date().isoformat()}


def mine(rows: list[dict[str, Any]], world: World) -> list[dict[str, Any]]:
    return [r for r in rows if r["player_id"] in world.players]


# ------------------------------------------------------------------ totals reconcile (pass)
def test_limit_1_pages_every_entry_exactly_once_across_midnight_and_same_ms(
    running: RunningStack, world: World
) -> None:
    wide = {"from": (DAY - timedelta(days=1)).date().isoformat(), "to": (NEXT + timedelta(days=1)).date().isoformat()}
    one = mine(read_all(running, {**wide, "limit": 1}), world)
    big = mine(read_all(running, {**wide, "limit": 1000}), world)
    assert [r["id"] for r in one] == [r["id"] for r in big]
    assert len({r["id"] for r in one}) == len(one)
    at_midnight = [r for r in one if r["created_at_ms"] == ms(DAY)]
    assert len(at_midnight) == BURST
    assert any(r["created_at_ms"] == ms(NEXT) for r in one)
    assert any(r["created_at_ms"] == ms(DAY) - 1 for r in one)


def test_midnight_belongs_to_its_day_and_to_is_excluded(running: RunningStack, world: World) -> None:
    day = mine(read_all(running, {**day_params(), "limit": 2}), world)
    stamps = {r["created_at_ms"] for r in day}
    assert ms(DAY) in stamps and ms(DAY) - 1 not in stamps and ms(NEXT) not in stamps
    # the same instants written with other offsets and fractions
    same = mine(read_all(running, {"from": "2033-03-10T14:00:00.000+14:00", "to": "2033-03-10T12:00:00-12:00"}), world)
    assert [r["id"] for r in same] == [r["id"] for r in day]
    first_ms = mine(read_all(running, {"from": "2033-03-09T23:59:59.999Z", "to": "2033-03-10T00:00:00.001Z"}), world)
    assert len(first_ms) == BURST + 1


def test_summary_matches_feed_per_currency_and_never_mixes(running: RunningStack, world: World) -> None:
    status, answer = running.call("GET", SUMMARY, query=f"date={DAY.date().isoformat()}&source=admin")
    assert status == 200, answer
    rows = read_all(running, {**day_params(), "source": "admin"})
    for line in answer["totals"]:
        expected = sum((Decimal(r["amount"]) for r in rows if r["currency"] == line["currency"]), Decimal(0))
        assert Decimal(line["balance_change"]) == expected
        assert line["balance_change"] == f"{expected:.2f}"
    assert {t["currency"] for t in answer["totals"]} == {"EUR", "USD"}


def test_leap_day_summary_is_answered(running: RunningStack) -> None:
    status, answer = running.call("GET", SUMMARY, query="date=2032-02-29")
    assert status == 200 and answer["to"] == "2032-03-01T00:00:00.000Z"


def test_csv_quotes_and_defuses_and_negative_amounts_stay_numbers(running: RunningStack, world: World) -> None:
    answer = get(running, FEED, {**day_params(), "limit": 1000}, headers=[("Accept", "text/csv")])
    assert answer.status_code == 200
    rows = [
        r for r in csv.DictReader(io.StringIO(answer.text, newline="")) if r["player_id"].lstrip("'") in world.players
    ]
    notes = {r["note"] for r in rows}
    assert '\'-1+1, "q"\r\n=2' in notes and "'@SUM(A1)" in notes and "'\tTAB" in notes
    assert {"'=1+1", "'+cmd"} <= {r["idempotency_key"] for r in rows}
    assert any(r["transaction_id"] == '\'=HYPERLINK("http://x")' for r in rows)
    assert any(r["contract_id"] == "'@contract" for r in rows)
    negatives = [r["amount"] for r in rows if r["amount"].startswith("-")]
    assert negatives and all(Decimal(a) < 0 for a in negatives) and "-0.50" in negatives and "-0.05" in negatives


def test_accept_variants(running: RunningStack, world: World) -> None:
    for accept, kind in [
        ("TEXT/CSV", "text/csv"),
        ("text/csv;q=0", "application/json"),
        ("text/csv; q=0.000", "application/json"),
        ("*/*", "application/json"),
        ("text/csv; charset=utf-8", "text/csv"),
        ("application/json;q=0.1, text/csv;q=0.9", "text/csv"),
    ]:
        answer = get(running, FEED, {**day_params(), "limit": 1}, headers=[("Accept", accept)])
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(kind), accept


def test_cursor_replayed_after_new_entries_still_reads_each_entry_once(running: RunningStack, world: World) -> None:
    first = get(running, FEED, {**day_params(), "source": "admin", "limit": 3}).json()
    again = get(running, FEED, {**day_params(), "source": "admin", "limit": 3, "cursor": first["next_cursor"]})
    replay = get(running, FEED, {**day_params(), "source": "admin", "limit": 3, "cursor": first["next_cursor"]})
    assert again.status_code == replay.status_code == 200 and again.json() == replay.json()


def test_cursor_with_other_limit_is_accepted_and_other_range_refused(running: RunningStack, world: World) -> None:
    first = get(running, FEED, {**day_params(), "limit": 1}).json()["next_cursor"]
    assert get(running, FEED, {**day_params(), "limit": 5, "cursor": first}).status_code == 200
    shifted = {"from": "2033-03-10T00:00:00.001Z", "to": day_params()["to"], "cursor": first}
    answer = get(running, FEED, shifted)
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "cursor"


def test_a_revoked_key_and_no_key_with_bad_input_are_401(running: RunningStack) -> None:
    status, made = running.call("POST", f"{A}/admin-keys", {"label": "review"})
    assert status == 201, made
    assert get(running, FEED, day_params(), key=made["key"]).status_code == 200
    status, _ = running.call("POST", f"{A}/admin-keys/{made['key_id']}/revoke", {})
    assert status == 200
    for path, params in ((FEED, day_params()), (SUMMARY, {"date": "2033-03-10"})):
        assert get(running, path, params, key=made["key"]).status_code == 401
        assert get(running, path, {"from": "nope", "limit": "x"}, key=None).status_code == 401
        assert get(running, path, {"from": "nope", "limit": "x"}, key="bad").status_code == 401


def test_an_operator_that_keeps_its_own_wallet_is_400_on_summary_too(running: RunningStack) -> None:
    code = f"ext{uuid.uuid4().hex[:8]}"
    external = {"code": code, "name": "Ext", "wallet_base_url": "http://127.0.0.1:9/wallet", "currencies": ["EUR"]}
    assert running.call("POST", f"{A}/operators", external)[0] == 201
    answer = get(running, SUMMARY, {"date": "2033-03-10", "operator": code})
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "operator"


@pytest.mark.parametrize(
    "params",
    [
        [("from", "2033-03-10"), ("from", "2033-03-09"), ("to", "2033-03-11")],
        [("from", "2033-03-10"), ("to", "2033-03-11"), ("limit", "1"), ("limit", "2")],
        [("from", "2033-03-10"), ("to", "2033-03-11"), ("provider", "tlt"), ("provider", "x")],
        [("from", "2033-03-10"), ("to", "2033-03-11"), ("limit", "9" * 400)],
        [("from", "\uff12\uff10\uff13\uff13-03-10"), ("to", "2033-03-11")],
        [("from", "2033-03-10T00:00:00+99:00"), ("to", "2033-03-11")],
        [("from", "2033-03-10T24:00:00Z"), ("to", "2033-03-11")],
        [("from", "0000-01-01"), ("to", "2033-03-11")],
        [("from", "1970-01-01T00:00:59.999+01:00"), ("to", "1970-01-02")],
        [("from", "2033-03-10"), ("to", "2033-03-11"), ("provider", "é" * 32)],
        [("from", "2033-03-10"), ("to", "2033-03-11"), ("cursor", "e30")],
        [("from", "2033-03-10"), ("to", "2033-03-11"), ("limit", "1.5")],
    ],
)
def test_bad_query_strings_are_4xx(running: RunningStack, params: list[tuple[str, str]]) -> None:
    answer = get(running, FEED, params)
    assert 400 <= answer.status_code < 500, answer.text


# ------------------------------------------------------------------ defects
def test_summary_of_the_last_representable_day_is_not_a_5xx(running: RunningStack) -> None:
    answer = get(running, SUMMARY, {"date": "9999-12-31"})
    assert answer.status_code < 500, answer.text


def test_feed_to_beyond_year_9999_by_offset_is_not_a_5xx(running: RunningStack) -> None:
    answer = get(running, FEED, {"from": "9999-12-31", "to": "9999-12-31T23:59:59-12:00"})
    assert answer.status_code < 500, answer.text


def test_two_accept_headers_are_read_as_one_list(running: RunningStack, world: World) -> None:
    answer = get(running, FEED, {**day_params(), "limit": 1}, headers=[("Accept", "text/csv"), ("Accept", "*/*")])
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv"), answer.text


@pytest.mark.parametrize("code", ["admin", "hub", "bridge"])
def test_a_provider_filter_never_shows_admin_movements(running: RunningStack, world: World, code: str) -> None:
    provider = {
        "code": code,
        "name": "Collides",
        "operator_id": "demo",
        "secret": "s3cret-s3cret",
        "platform_url": "http://127.0.0.1:9/platform",
        "currencies": ["EUR"],
    }
    status, answer = running.call("POST", f"{A}/providers", provider)
    assert (status, answer["error"]["field"]) == (400, "code"), answer  # our own sources' names are reserved
    assert get(running, FEED, {**day_params(), "provider": code}).status_code == 404


def test_csv_defuses_a_leading_nul(running: RunningStack, world: World) -> None:
    answer = get(running, FEED, {**day_params(), "source": "admin", "limit": 1000}, headers=[("Accept", "text/csv")])
    notes = [r["note"] for r in csv.DictReader(io.StringIO(answer.text, newline=""))]
    assert "'\x00=HYPERLINK(1)" in notes
