"""The transactions roll-up (casino.ops.rollup*, the TransactionsRollupFunction schedule) and the
daily summary it bounds, on the local stack: the summary is a full recount of the day whatever
ran when (roll-up runs before and after entries, entries stamped inside the settle margin that
commit after a run, two advancers at once), and a request reads a bounded number of pages
whatever the day's size, answering ``complete: false`` (200) when its budget runs out.

Each test writes admin movements on a day of its own, with the clock moved there."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.exceptions import ClientError

from casino import clock
from casino.ops import reconciliation as rec
from casino.ops import rollup, rollup_run, rollup_store, transactions
from casino.wallet import store as wallet_store
from local import template as tpl
from local.server import Schedules
from tests.conftest import RunningStack, dynamodb_requests, event, operations

A = "/api/v1/admin"
SUMMARY = f"{A}/transactions/summary"
HOUR = 3_600_000
_DAYS = itertools.count()


@pytest.fixture
def day() -> date:
    """A day only this test writes on."""
    return date(2036, 1, 1) + timedelta(days=3 * next(_DAYS))


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The platform's clock, set by the test (``now[0] = ms``)."""
    at = [clock.now_ms()]
    monkeypatch.setattr(clock, "now_ms", lambda: at[0])
    return at


def start(d: date) -> int:
    return rollup.day_start(d)


class Money:
    """Admin movements on one player, at whatever time the clock says."""

    def __init__(self, running: RunningStack):
        self.running = running
        self.pid = f"ru-{uuid.uuid4().hex[:10]}"
        new = {"player_id": self.pid, "user_name": self.pid, "country": "MT", "currency": "EUR"}
        assert running.call("POST", f"{A}/players", new)[0] == 201

    def move(self, count: int = 1, kind: str = "deposit", amount: str = "1.25") -> None:
        for _ in range(count):
            sent = {"type": kind, "amount": amount, "idempotency_key": uuid.uuid4().hex}
            status, answer = self.running.call("POST", f"{A}/players/{self.pid}/transactions", sent)
            assert status == 200, answer


@pytest.fixture
def money(running: RunningStack, now: list[int]) -> Money:
    return Money(running)


def feed(source: str, d: date) -> list[tuple[str, str, Any]]:
    """Every entry of the day's feed of ``source``, read whole (the recount)."""
    found: list[tuple[str, str, Any]] = []
    after = None
    while True:
        page, after = wallet_store.feed_page(
            source, d, from_ms=start(d), to_ms=rollup.day_end(d), after=after, limit=1000
        )
        found += [(source, currency, entry) for entry, currency in page]
        if after is None:
            return found


def recount(source: str, d: date) -> dict[rec.Key, rec.Totals]:
    return rec.summarise(feed(source, d))


def views(totals: dict[rec.Key, rec.Totals]) -> list[dict[str, Any]]:
    return [rec.source_view(s, c, t) for (s, c), t in sorted(totals.items())]


def summary(running: RunningStack, d: date, **params: str) -> dict[str, Any]:
    status, answer = running.call("GET", SUMMARY, query=urlencode({"date": d.isoformat(), **params}))
    assert status == 200, answer
    return dict(answer)


def assert_exact(running: RunningStack, d: date, answer: dict[str, Any] | None = None) -> dict[str, Any]:
    """The admin summary of ``d`` (``answer``, or asked now) is complete and the full recount of
    its feed."""
    answer = summary(running, d, source="admin") if answer is None else answer
    assert answer["complete"] is True and answer["incomplete_sources"] == []
    expected = recount("admin", d)
    assert answer["sources"] == views(expected)
    assert answer["totals"] == [rec.totals_view(t, c) for c, t in rec.by_currency(expected).items()]
    return answer


def run_schedule(running: RunningStack) -> dict[str, Any]:
    result = running.invoke("TransactionsRollupFunction", event("schedules/transactions-rollup.json"))
    assert result["failed"] == 0, result
    return dict(result)


# ------------------------------------------------------------------ exact, whatever ran when
def test_the_summary_is_a_full_recount_with_entries_before_and_after_a_rollup_run(
    running: RunningStack, day: date, now: list[int], money: Money
) -> None:
    now[0] = start(day) + 10 * HOUR
    money.move(4)
    money.move(1, "adjustment", "-2.00")
    money.move(1, "adjustment", "-0.75")
    now[0] = start(day) + 11 * HOUR
    result = run_schedule(running)
    assert result["entries"] >= 6 and result["advanced"] >= 1
    stored = rollup_store.get("admin", day)
    assert stored.entries == 6 and stored.version >= 1 and not stored.final
    assert stored.by_source() == recount("admin", day)
    money.move(3, amount="0.10")  # after the run: read live
    answer = assert_exact(running, day)
    assert answer["as_of"] == clock.iso(now[0])
    assert {t["currency"]: t["entries"] for t in answer["totals"]} == {"EUR": 9}


def test_entries_stamped_inside_the_settle_margin_that_commit_after_a_run_are_counted_once(
    running: RunningStack, day: date, now: list[int], money: Money
) -> None:
    t = start(day) + 12 * HOUR
    now[0] = t - 300_000
    money.move(3)  # settled when the run comes
    now[0] = t
    run_schedule(running)
    assert rollup_store.get("admin", day).entries == 3  # every entry created before t - SETTLE_MS
    # Movements stamped before the run, whose transactions commit only after it: inside the
    # margin (at its very bound too), so the run did not fold their part of the feed.
    for stamp in (t - rollup.SETTLE_MS, t - rollup.SETTLE_MS + 1, t - 60_000, t - 1):
        now[0] = stamp
        money.move(1, amount="0.50")
    now[0] = t + 1_000
    assert_exact(running, day)
    now[0] = t + 300_000
    run_schedule(running)
    stored = rollup_store.get("admin", day)
    assert stored.entries == 7 and stored.by_source() == recount("admin", day)
    assert_exact(running, day)
    now[0] = rollup.day_end(day) + rollup.SETTLE_MS + 1  # the next day, the margin past
    run_schedule(running)
    stored = rollup_store.get("admin", day)
    assert stored.final and stored.entries == 7
    with dynamodb_requests() as seen:
        answer = summary(running, day, source="admin")
    assert "Query" not in operations(seen)  # a final day is its roll-up: nothing read live
    assert "PutItem" not in operations(seen)
    assert_exact(running, day, answer)
    assert answer["as_of"] == clock.iso(rollup.day_end(day))


def test_a_run_in_the_middle_of_traffic_never_double_counts_or_loses_an_entry(
    running: RunningStack, day: date, now: list[int], money: Money, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Movements and roll-up runs at once, the clock running: every run folds exactly what
    settled, and the roll-up ends as the recount."""
    monkeypatch.setattr(rollup, "SETTLE_MS", 1_500)  # the clock runs in real time here
    monkeypatch.setattr(rollup_run, "PAGE", 3)
    base = start(day) + 6 * HOUR
    began = time.monotonic()
    now[0] = base
    monkeypatch.setattr(clock, "now_ms", lambda: base + int((time.monotonic() - began) * 1000))
    stop = threading.Event()
    runs: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def roll() -> None:
        try:
            while not stop.is_set():
                runs.append(rollup_run.run())
                time.sleep(0.05)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    rollers = [threading.Thread(target=roll) for _ in range(2)]
    for thread in rollers:
        thread.start()
    try:
        for n in range(24):
            money.move(1, amount=f"0.{n + 1:02d}")
            time.sleep(0.1)  # the traffic outlasts the margin: runs fold while it goes on
    finally:
        stop.set()
        for thread in rollers:
            thread.join(30)
    assert errors == [] and len(runs) >= 2
    assert sum(r["failed"] for r in runs) == 0
    time.sleep(rollup.SETTLE_MS / 1000 + 0.1)
    rollup_run.run()  # everything settled now
    stored = rollup_store.get("admin", day)
    assert stored.entries == 24 and stored.by_source() == recount("admin", day)
    during = sum(r["entries"] for r in runs)
    assert 0 < during <= 24  # runs folded during the traffic; each entry once, whoever folded it
    assert_exact(running, day)


def test_two_advancers_at_once_never_fold_the_same_entries_twice(
    running: RunningStack, day: date, now: list[int], money: Money, monkeypatch: pytest.MonkeyPatch
) -> None:
    now[0] = start(day) + HOUR
    money.move(10)
    now[0] = start(day) + 2 * HOUR
    monkeypatch.setattr(rollup_run, "PAGE", 4)
    read = wallet_store.feed_page
    both_read = threading.Barrier(2, timeout=10)
    first = threading.local()

    def in_step(*args: Any, **kwargs: Any) -> Any:
        answer = read(*args, **kwargs)
        advancer = threading.current_thread().name.startswith("advancer")
        if advancer and not getattr(first, "done", False):  # each advancer's first page: both read before either writes
            first.done = True
            both_read.wait()
        return answer

    monkeypatch.setattr(wallet_store, "feed_page", in_step)
    snapshot = rollup_store.get("admin", day)
    outcomes: list[tuple[int, str]] = []

    def advance() -> None:
        _, folded, outcome = rollup_run.advance(snapshot, now[0], lambda: True)
        outcomes.append((folded, outcome))

    advancers = [threading.Thread(target=advance, name=f"advancer-{n}") for n in range(2)]
    for thread in advancers:
        thread.start()
    for thread in advancers:
        thread.join(30)
    assert sorted(outcomes) == [(0, "conflict"), (10, "done")]
    stored = rollup_store.get("admin", day)
    assert stored.entries == 10 and stored.by_source() == recount("admin", day)
    monkeypatch.setattr(wallet_store, "feed_page", read)
    # two whole runs at once, more money meanwhile settled
    now[0] = start(day) + 3 * HOUR
    money.move(5, amount="3.00")
    now[0] = start(day) + 4 * HOUR
    results: list[dict[str, Any]] = []
    runners = [threading.Thread(target=lambda: results.append(rollup_run.run())) for _ in range(2)]
    for thread in runners:
        thread.start()
    for thread in runners:
        thread.join(30)
    stored = rollup_store.get("admin", day)
    assert stored.entries == 15 and stored.by_source() == recount("admin", day)
    assert_exact(running, day)


# ------------------------------------------------------------------ bounded requests
def test_a_request_reads_a_bounded_number_of_pages_whatever_the_days_size(
    running: RunningStack, day: date, now: list[int], money: Money, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = 4
    monkeypatch.setattr(transactions, "SUMMARY_PAGE", page)  # pages of 1000 in production
    budget = transactions.TAIL_QUERIES * page
    now[0] = start(day) + HOUR
    money.move(9)
    now[0] = start(day) + 2 * HOUR
    with dynamodb_requests() as seen:
        small = summary(running, day, source="admin")
    assert small["complete"] is True and operations(seen)["Query"] == 3  # 9 entries: 3 pages of 4
    assert operations(seen)["BatchGetItem"] == 1
    now[0] = start(day) + 3 * HOUR
    money.move(3 * budget + 2, amount="0.01")  # the roll-up has the first 9 (the request folded them)
    now[0] = start(day) + 4 * HOUR
    counted: list[int] = []
    for _ in range(10):
        with dynamodb_requests() as seen:
            answer = summary(running, day, source="admin")
        asked = operations(seen)
        assert asked.get("Query", 0) <= transactions.TAIL_QUERIES, asked
        assert asked.get("BatchGetItem", 0) == 1  # the roll-up (the admin key is a GetItem)
        assert asked.get("PutItem", 0) <= 1  # what it read and is settled, folded in
        counted.append(sum(t["entries"] for t in answer["totals"]))
        if answer["complete"]:
            break
        assert answer["incomplete_sources"] == ["admin"]
        entries = [e for _, _, e in feed("admin", day)]
        assert answer["as_of"] == clock.iso(entries[counted[-1] - 1].created_at)
    assert counted == [9 + budget, 9 + 2 * budget, 9 + 3 * budget, 9 + 3 * budget + 2]
    assert answer["as_of"] == clock.iso(now[0])
    assert_exact(running, day)


def test_a_day_bigger_than_the_budget_answers_200_incomplete_never_a_5xx(
    running: RunningStack, day: date, now: list[int], money: Money, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transactions, "SUMMARY_PAGE", 2)
    now[0] = start(day) + 23 * HOUR
    money.move(15)  # inside the settle margin: read live, nothing folded, however often asked
    now[0] += 60_000
    for _ in range(2):
        with dynamodb_requests() as seen:
            answer = summary(running, day, source="admin")
        assert operations(seen).get("Query") == transactions.TAIL_QUERIES and "PutItem" not in operations(seen)
        assert answer["complete"] is False and answer["incomplete_sources"] == ["admin"]
        assert sum(t["entries"] for t in answer["totals"]) == 2 * transactions.TAIL_QUERIES
        assert set(answer) == {
            "date",
            "from",
            "to",
            "complete",
            "as_of",
            "incomplete_sources",
            "sources",
            "totals",
        }
    every = summary(running, day)  # every source: one first page each, then the shared extra pages
    assert every["complete"] is False and "admin" in every["incomplete_sources"]


# ------------------------------------------------------------------ the schedule
def test_the_schedule_runs_on_the_local_stack_from_the_template(running: RunningStack) -> None:
    jobs = dict(Schedules(running.stack).jobs())
    assert jobs["TransactionsRollupFunction"] == 300.0
    doc = tpl.load()
    assert doc["Parameters"]["TransactionsRollupRate"]["Default"] == "rate(5 minutes)"
    result = running.invoke("TransactionsRollupFunction", event("schedules/transactions-rollup.json"))
    assert set(result) == {"rollups", "advanced", "entries", "final", "conflicts", "behind", "failed"}
    sources = transactions.sources(transactions.Filter("all"))
    assert result["rollups"] == 2 * len(sources) and result["failed"] == 0
    # the local stack's timer fires it as make run does (the other schedules left out)
    lines: list[str] = []
    fired = threading.Event()

    def log(line: str) -> None:
        lines.append(line)
        fired.set()

    class OnlyRollup(Schedules):
        def jobs(self) -> list[tuple[str, float]]:
            return [(logical, period) for logical, period in super().jobs() if logical == "TransactionsRollupFunction"]

    timers = OnlyRollup(running.stack, rate_scale=3000.0, log=log)  # every 0.1 s
    timers.start(fire_at_start=True)
    try:
        assert fired.wait(30)
    finally:
        timers.stop()
    assert lines[0].startswith("[schedule] TransactionsRollupFunction: {"), lines[0]


def test_a_run_stops_inside_its_time_and_counts_what_it_could_not_do(
    running: RunningStack, day: date, now: list[int], money: Money, monkeypatch: pytest.MonkeyPatch
) -> None:
    now[0] = start(day) + HOUR
    money.move(2)
    now[0] = start(day) + 2 * HOUR
    short = rollup_run.run(lambda: rollup_run.MARGIN_MS - 1)
    assert short["advanced"] == 0 and short["behind"] == short["rollups"] - short["final"]
    assert rollup_store.get("admin", day).version == 0

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}}, "Query")

    monkeypatch.setattr(wallet_store, "feed_page", refused)
    failing = rollup_run.run()
    assert failing["failed"] >= 1 and failing["advanced"] == 0  # counted (ScheduleFailures), not raised


def test_the_feed_position_is_the_wallet_stores_sort_key(
    running: RunningStack, day: date, now: list[int], money: Money
) -> None:
    now[0] = start(day) + HOUR
    money.move(2)
    _, after = wallet_store.feed_page("admin", day, from_ms=start(day), to_ms=rollup.day_end(day), limit=1)
    (first,) = [e for _, _, e in feed("admin", day)][:1]
    assert after == wallet_store.feed_position(first)
    assert wallet_store.feed_position_ok(wallet_store.feed_position(first), day, start(day), rollup.day_end(day))
