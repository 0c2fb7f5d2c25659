"""Pulled feeds on the local stack (sports.md, "Feeds" and "Service status"): the stub feeds alpha
and beta (local/sports_feeds.py) served over HTTP on a clock of the test's own, pulled by the
schedule's code with httpx; their matches followed to the real final scores; outages, silence,
late events and maintenance taking a feed down, its live fixtures suspended while no linked feed
is up, and recovered from the last point held."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from casino import clock
from casino.sports import feeds, store
from local import sports_feeds
from local.operator_client import SignedClient
from tests.conftest import RunningStack

ADMIN = "/api/v1/admin/sports"
DAY = 86_400_000


@dataclass
class Stubs:
    """Both stub feeds under a prefix of this test, on a clock the test moves, registered as feeds
    of their own (``codes['alpha']``, ``codes['beta']``)."""

    running: RunningStack
    feeds: sports_feeds.StubFeeds
    now: list[int]
    codes: dict[str, str]

    def at(self, ms: int) -> None:
        self.now[0] = ms

    def pull(self, name: str) -> dict[str, Any]:
        feed = store.feed(self.codes[name])
        assert feed is not None
        return feeds.pull(feed, clock.now_ms(), budget_s=20)

    def fixtures(self, demo: SignedClient) -> list[dict[str, Any]]:
        start = self.feeds.started_at_ms
        answer = demo.get("/api/v1/sports/fixtures", {"from": start - DAY, "to": start + 6 * DAY, "limit": 100})
        assert answer.status_code == 200, answer.text
        mine = set(self.codes.values())
        return [f for f in answer.json()["fixtures"] if {r["feed"] for r in f["refs"]} & mine]


@pytest.fixture
def stubs(running: RunningStack) -> Iterator[Stubs]:
    started = clock.now_ms() + (40 + uuid.uuid4().int % 300) * DAY  # far from every other test's fixtures
    now = [started]
    served = sports_feeds.StubFeeds(rate_scale=1, started_at_ms=started, clock=lambda: now[0])
    prefix = f"/_test/sports-{uuid.uuid4().hex[:8]}/"
    running.gateway.local_routes[prefix] = served
    codes = {}
    for feed in sports_feeds.FEEDS:
        code = f"{feed['code']}-{uuid.uuid4().hex[:6]}"
        body = {**feed, "code": code, "base_url": f"{running.base_url}{prefix}{feed['code']}", "poll_seconds": 1}
        status, answer = running.call("POST", f"{ADMIN}/feeds", body)
        assert status == 201, answer
        codes[feed["code"]] = code
    yield Stubs(running, served, now, codes)
    running.gateway.local_routes.pop(prefix, None)
    for code in codes.values():  # gone with the test: in maintenance, so no later schedule pulls it
        store.update_feed(code, {"maintenance": {"reason": "test over", "by": "tests", "at": clock.now_ms()}})


@pytest.fixture(scope="module")
def demo(running: RunningStack) -> SignedClient:
    return SignedClient(running.base_url, "demo-operator", "demo-operator-secret")


def by_sport(fixtures: list[dict[str, Any]], sport: str, played: bool = True) -> dict[str, Any]:
    return next(f for f in fixtures if f["sport"] == sport and (f["points"] > 0) == played)


def test_both_feeds_pulled_to_the_end_give_one_fixture_per_match_and_the_real_scores(
    stubs: Stubs, demo: SignedClient, running: RunningStack
) -> None:
    stubs.at(stubs.feeds.finished_at_ms() + 1000)
    for name in ("alpha", "beta", "alpha", "beta"):  # twice: nothing changes the second time
        assert stubs.pull(name)["outcome"] == "ok"
    fixtures = stubs.fixtures(demo)
    assert len(fixtures) == 5, [(f["home"]["name"], f["away"]["name"]) for f in fixtures]  # 3 linked, 1 candidate pair
    final = by_sport(fixtures, "tennis")
    assert (final["home"]["name"], final["away"]["name"]) == ("Rafael Nadal", "Roger Federer")
    assert final["score"]["sets"] == [[6, 4], [6, 4], [6, 7], [6, 7], [9, 7]] and final["score"]["winner"] == "home"
    assert final["status"] == "ended" and final["points"] == 397 and len(final["refs"]) == 2
    volley = by_sport(fixtures, "volleyball")
    assert volley["score"]["sets"] == [[25, 23], [22, 25], [25, 20], [23, 25], [15, 13]]
    assert sorted(r["swapped"] for r in volley["refs"]) == [False, True] and volley["disagreements"] == []
    points = demo.get(f"/api/v1/sports/fixtures/{volley['id']}/points", {"after_seq": 210}).json()["points"]
    assert [p["seq"] for p in points] == [211, 212, 213, 214, 215, 216]
    assert points[-1]["score"]["winner"] == "home"
    candidates = running.call("GET", f"{ADMIN}/link-candidates", query="limit=100")[1]["candidates"]
    ids = {f["id"] for f in fixtures}
    mine = [c for c in candidates if c["fixture"]["id"] in ids]
    assert len(mine) == 1 and "Djokovic" in mine[0]["fixture"]["home"]["name"] + mine[0]["candidate"]["home"]["name"]


def test_points_follow_the_clock_and_a_second_pull_applies_nothing_twice(stubs: Stubs, demo: SignedClient) -> None:
    first = stubs.feeds.point_ts(sports_feeds.FINAL, 1)
    stubs.at(first + 30 * 3000)  # about 30 points played
    stubs.pull("alpha")
    early = by_sport(stubs.fixtures(demo), "tennis")
    assert early["status"] == "live" and 25 <= early["points"] <= 35
    stubs.pull("alpha")
    assert by_sport(stubs.fixtures(demo), "tennis")["points"] == early["points"]
    stubs.at(first + 100 * 3000)
    stubs.pull("alpha")
    later = by_sport(stubs.fixtures(demo), "tennis")
    assert later["points"] > early["points"]
    seqs = [
        p["seq"] for p in demo.get(f"/api/v1/sports/fixtures/{later['id']}/points", {"limit": 500}).json()["points"]
    ]
    assert seqs == list(range(1, later["points"] + 1))


def test_an_outage_takes_feeds_down_suspends_live_fixtures_and_recovery_resumes_from_the_last_point(
    stubs: Stubs, demo: SignedClient, running: RunningStack
) -> None:
    first = stubs.feeds.point_ts(sports_feeds.VOLLEYBALL, 1)
    stubs.at(first + 40 * 3000)
    stubs.pull("alpha"), stubs.pull("beta")
    live = by_sport(stubs.fixtures(demo), "volleyball")
    assert live["status"] == "live" and len(live["refs"]) == 2
    held = live["points"]
    # alpha goes quiet: one failed pull is a blip, two are an outage; beta still serves the match
    stubs.feeds.set_down("alpha", True)
    assert stubs.pull("alpha")["outcome"] == "failed"
    feeds.assess_all(clock.now_ms())
    assert store.feed(stubs.codes["alpha"])["status"]["state"] == "up"  # type: ignore[index]
    stubs.pull("alpha")
    feeds.assess_all(clock.now_ms())
    alpha = store.feed(stubs.codes["alpha"])
    assert alpha is not None and alpha["status"]["state"] == "down" and alpha["status"]["reason"] == "connection_down"
    assert demo.get(f"/api/v1/sports/fixtures/{live['id']}").json()["status"] == "live"  # beta is up
    stubs.feeds.set_down("beta", True)
    stubs.pull("beta"), stubs.pull("beta")
    feeds.assess_all(clock.now_ms())
    suspended = demo.get(f"/api/v1/sports/fixtures/{live['id']}").json()
    assert suspended["status"] == "suspended" and suspended["points"] == held
    listed = running.call("GET", f"{ADMIN}/feeds")[1]["feeds"]
    mine = {f["code"]: f for f in listed}[stubs.codes["alpha"]]
    assert [t["after"]["reason"] for t in mine["transitions"]] == ["connection_down"]
    # alpha is back, the match went on meanwhile: the hub asks from the last point it holds
    stubs.feeds.set_down("alpha", False)
    stubs.at(first + 80 * 3000)
    assert stubs.pull("alpha")["outcome"] == "ok"
    feeds.assess_all(clock.now_ms())
    back = demo.get(f"/api/v1/sports/fixtures/{live['id']}").json()
    assert back["status"] == "live" and back["points"] > held
    points = demo.get(f"/api/v1/sports/fixtures/{live['id']}/points", {"limit": 500}).json()["points"]
    assert [p["seq"] for p in points] == list(range(1, back["points"] + 1))
    history = running.call("GET", f"{ADMIN}/fixtures/{live['id']}/history")[1]["history"]
    assert [h["after"] for h in history if h["kind"] == "status"][-2:] == ["suspended", "live"]


def test_silence_late_events_and_maintenance_are_each_a_reason_to_be_down(stubs: Stubs, running: RunningStack) -> None:
    code = stubs.codes["beta"]
    now = clock.now_ms()
    feeds.assess_all(now)
    assert store.feed(code)["status"]["state"] == "up"  # type: ignore[index]
    store.update_feed(code, {"last_received_at": now - 61_000})  # nothing received for alive_seconds (60)
    feeds.assess_all(now)
    assert store.feed(code)["status"]["reason"] == "alive_interval_violation"  # type: ignore[index]
    stubs.at(stubs.feeds.point_ts(sports_feeds.FINAL, 1) + 20 * 3000)
    stubs.pull("beta")
    feeds.assess_all(clock.now_ms())
    assert store.feed(code)["status"]["state"] == "up"  # type: ignore[index]
    store.update_feed(code, {"newest_event_lag_ms": 10 * 60_000})  # its events arrived ten minutes old
    feeds.assess_all(clock.now_ms())
    assert store.feed(code)["status"]["reason"] == "processing_delay"  # type: ignore[index]
    store.update_feed(code, {"newest_event_lag_ms": 0})
    status, answer = running.call(
        "POST", f"{ADMIN}/feeds/{code}/maintenance", {"maintenance": True, "reason": "vendor"}
    )
    assert status == 200 and answer["status"]["reason"] == "maintenance"
    assert all(o["feed"] != code for o in feeds.pull_due(clock.now_ms() + 10_000))  # not pulled meanwhile
    status, answer = running.call("POST", f"{ADMIN}/feeds/{code}/maintenance", {"maintenance": False})
    assert status == 200 and answer["status"]["state"] == "up"
    reasons = [t["after"]["reason"] for t in feeds.history(code)]
    assert reasons == [None, "maintenance", "processing_delay", None, "alive_interval_violation"]  # newest first


def test_the_schedule_pulls_what_is_due_and_says_so(
    stubs: Stubs, running: RunningStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPORTS_PULL_WINDOW_S", "0")  # one round, as the first of a minute's
    stubs.at(stubs.feeds.point_ts(sports_feeds.FINAL, 1) + 10 * 3000)
    answer = running.invoke("SportsFeedPullFunction", {"source": "aws.events", "detail-type": "Scheduled Event"})
    assert answer["pulled"] >= 2
    for code in stubs.codes.values():
        feed = store.feed(code)
        assert feed is not None and feed["last_pull_outcome"] == "ok" and "pulling_until" not in feed
    pulled_at = {code: store.feed(code)["last_pull_at"] for code in stubs.codes.values()}  # type: ignore[index]
    monkeypatch.setattr(feeds, "due", lambda feed, now: feed["code"] in pulled_at)  # only this test's feeds
    store.take_pull_lease(stubs.codes["beta"], clock.now_ms(), clock.now_ms() + 60_000)  # another pull holds beta
    again = running.invoke("SportsFeedPullFunction", {"source": "aws.events", "detail-type": "Scheduled Event"})
    assert again["pulled"] == 2  # two feeds due; beta's was "busy"
    assert store.feed(stubs.codes["alpha"])["last_pull_at"] > pulled_at[stubs.codes["alpha"]]  # type: ignore[index]
    assert store.feed(stubs.codes["beta"])["last_pull_at"] == pulled_at[stubs.codes["beta"]]  # type: ignore[index]


def test_one_pull_of_a_feed_at_a_time(stubs: Stubs) -> None:
    code = stubs.codes["alpha"]
    now = clock.now_ms()
    assert store.take_pull_lease(code, now, now + 60_000) is not None  # another pull holds it
    feed = store.feed(code)
    assert feed is not None and feeds.pull(feed, now + 1000)["outcome"] == "busy"
    assert feeds.pull(feed, now + 61_000)["outcome"] == "ok"  # a lease left by a crash runs out
