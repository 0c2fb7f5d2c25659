"""The local stub sports feeds (local.sports_feeds), on a fake clock: fixtures turn live and end as
the timer plays their matches; points appear only once played, after the seq asked for; the
tennis final and the volleyball match, replayed through the sport's rules, reach their published
scores; beta's swapped volleyball is alpha's match read the other way round; the spellings link
for certain across feeds but for the one near duplicate; an outage answers 503 until recovery."""

from __future__ import annotations

import json
from typing import Any

import pytest

from casino.sports.linking import Competitor, FixtureFacts, compare, normalised
from casino.sports.rules import Score, Side, Sport, sport
from local.sports_feeds import FEEDS, POINT_SECONDS, PREFIX, StubFeeds

T0 = 1_790_000_000_000
SCALE = 60.0
INTERVAL_MS = round(POINT_SECONDS * 1000 / SCALE)
TENNIS_SETS = [[6, 4], [6, 4], [6, 7], [6, 7], [9, 7]]
VOLLEYBALL_SETS = [[25, 23], [22, 25], [25, 20], [23, 25], [15, 13]]


class Clock:
    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def feeds(now: int = T0) -> tuple[StubFeeds, Clock]:
    clock = Clock(now)
    return StubFeeds(SCALE, started_at_ms=T0, clock=clock), clock


def get(stub: StubFeeds, path: str) -> tuple[int, Any]:
    status, headers, body = stub("GET", path, {}, b"")
    assert headers["Content-Type"] == "application/json"
    return status, json.loads(body)


def fixtures(stub: StubFeeds, code: str, changed_since: int | None = None) -> dict[str, dict[str, Any]]:
    query = "" if changed_since is None else f"?changed_since={changed_since}"
    status, body = get(stub, f"{code}/fixtures{query}")
    assert status == 200
    return {f["ref_id"]: f for f in body["fixtures"]}


def points(stub: StubFeeds, code: str, ref: str, after: int = 0) -> list[dict[str, Any]]:
    status, body = get(stub, f"{code}/points?fixture={ref.replace('/', '%2F')}&after={after}")
    assert status == 200, body
    result: list[dict[str, Any]] = body["points"]
    return result


def all_points(stub: StubFeeds, code: str, ref: str) -> list[dict[str, Any]]:
    """Every point out by now, page after page, as a puller reads them."""
    got: list[dict[str, Any]] = []
    while page := points(stub, code, ref, got[-1]["seq"] if got else 0):
        got += page
    return got


def replay(rules: Sport, plays: list[dict[str, Any]]) -> Score:
    score = rules.start
    for point in plays:
        score = rules.point(score, point["winner"], point["server"])  # a wrong server is refused
    return score


def facts(fixture: dict[str, Any]) -> FixtureFacts:
    return FixtureFacts(
        fixture["sport"], Competitor(fixture["home"]), Competitor(fixture["away"]), fixture["start_time"]
    )


def swap(side: Side) -> Side:
    return "away" if side == "home" else "home"


@pytest.fixture(scope="module")
def ended() -> StubFeeds:
    """Both feeds once every match is over."""
    stub, clock = feeds()
    clock.now = stub.finished_at_ms()
    return stub


def test_the_two_feeds_registration_data() -> None:
    assert [f["code"] for f in FEEDS] == ["alpha", "beta"]
    for feed in FEEDS:
        assert feed["secret"] == f"{feed['code']}-feed-secret"
        assert feed["sports"] == ["tennis", "volleyball"] and feed["poll_seconds"] == 5
        assert feed["alive_seconds"] == 60 and feed["name"]
    assert PREFIX == "/_local/sports-feeds/"


def test_fixtures_are_not_started_then_live_then_ended() -> None:
    stub, clock = feeds()
    listed = fixtures(stub, "alpha")
    assert set(listed) == {"a-ten-1001", "a-vb-2001", "a-ten-1002", "a-vb-2002"}
    assert {f["status"] for f in listed.values()} == {"not_started"}
    final = listed["a-ten-1001"]
    assert final["home"] == "Rafael Nadal" and final["away"] == "Roger Federer" and final["start_time"] > T0
    assert set(final) >= {"ref_id", "sport", "competition", "home", "away", "start_time", "status", "changed_at"}

    clock.now = final["start_time"]  # alpha's first point is out
    assert fixtures(stub, "alpha")["a-ten-1001"]["status"] == "live"
    assert fixtures(stub, "beta")["B/TEN/77"]["status"] == "not_started"  # beta is an interval behind
    clock.now += INTERVAL_MS
    assert fixtures(stub, "beta")["B/TEN/77"]["status"] == "live"

    clock.now = stub.finished_at_ms()
    for code in ("alpha", "beta"):
        statuses = {
            f["sport"] + (" ahead" if f["start_time"] > T0 + 86_400_000 else ""): f["status"]
            for f in fixtures(stub, code).values()
        }
        assert statuses == {
            "tennis": "ended",
            "volleyball": "ended",
            "tennis ahead": "not_started",
            "volleyball ahead": "not_started",
        }


def test_changed_since_lists_only_the_fixtures_changed_after_it() -> None:
    stub, clock = feeds()
    first = fixtures(stub, "alpha", 0)
    assert len(first) == 4 and fixtures(stub, "alpha") == first  # absent is 0: all of them
    assert fixtures(stub, "alpha", T0) == {}  # nothing changed since the first pull
    clock.now = first["a-ten-1001"]["start_time"] + 1
    changed = fixtures(stub, "alpha", T0)
    assert list(changed) == ["a-ten-1001"] and changed["a-ten-1001"]["changed_at"] == first["a-ten-1001"]["start_time"]
    assert fixtures(stub, "alpha", clock.now) == {}
    clock.now = stub.finished_at_ms()
    assert set(fixtures(stub, "alpha", T0 + 1)) == {"a-ten-1001", "a-vb-2001"}  # both ended since


def test_points_appear_as_they_are_played_and_after_the_seq_asked_for() -> None:
    stub, clock = feeds()
    assert points(stub, "alpha", "a-ten-1001") == []
    start = fixtures(stub, "alpha")["a-ten-1001"]["start_time"]
    clock.now = start + 4 * INTERVAL_MS  # points 1..5 played
    played = points(stub, "alpha", "a-ten-1001")
    assert [p["seq"] for p in played] == [1, 2, 3, 4, 5]
    assert [p["ts"] for p in played] == [start + n * INTERVAL_MS for n in range(5)]
    assert all(p["fixture_ref"] == "a-ten-1001" and p["kind"] for p in played)
    assert [p["seq"] for p in points(stub, "alpha", "a-ten-1001", after=3)] == [4, 5]
    assert points(stub, "alpha", "a-ten-1001", after=5) == []
    assert [p["seq"] for p in points(stub, "beta", "B/TEN/77")] == [1, 2, 3, 4]  # one interval late
    clock.now += INTERVAL_MS - 1
    assert len(points(stub, "alpha", "a-ten-1001")) == 5
    clock.now += 1
    assert len(points(stub, "alpha", "a-ten-1001")) == 6
    assert points(stub, "alpha", "a-ten-1002") == []  # a fixture ahead: known, no points


def test_an_answer_holds_a_page_of_points_at_most(ended: StubFeeds) -> None:
    stub, _ = feeds(ended.finished_at_ms())
    assert len(points(stub, "alpha", "a-ten-1001")) == len(all_points(stub, "alpha", "a-ten-1001")) < 500
    stub.page = 50
    first = points(stub, "alpha", "a-ten-1001")
    assert [p["seq"] for p in first] == list(range(1, 51))
    assert len(all_points(stub, "alpha", "a-ten-1001")) == len(all_points(ended, "alpha", "a-ten-1001"))


def test_the_tennis_final_replayed_reaches_its_published_score(ended: StubFeeds) -> None:
    rules = sport("tennis", best_of=5, final_set="advantage")
    alpha, beta = all_points(ended, "alpha", "a-ten-1001"), all_points(ended, "beta", "B/TEN/77")
    assert [p["seq"] for p in alpha] == list(range(1, len(alpha) + 1))
    score = replay(rules, alpha)
    assert score.to_json()["sets"] == TENNIS_SETS and score.winner == "home"  # home: Rafael Nadal
    assert [(p["winner"], p["server"]) for p in beta] == [(p["winner"], p["server"]) for p in alpha]
    assert replay(rules, beta) == score
    # not every game to love: deuces, and both tiebreaks to their published points
    deuce, last_tiebreaks = 0, []
    running = rules.start
    for p in alpha:
        after = rules.point(running, p["winner"], p["server"])
        if getattr(after, "points", None) == (3, 3) and not getattr(after, "tiebreak", 0):
            deuce += 1
        if getattr(running, "tiebreak", 0) and not getattr(after, "tiebreak", 0):
            last_tiebreaks.append(tuple(running.points))
        running = after
    assert deuce >= 5
    assert [tuple(sorted(t)) for t in last_tiebreaks] == [(5, 6), (8, 9)]  # 7-5 and 10-8 after the last
    for p in alpha:  # a kind that agrees with who served and who won
        if p["kind"] == "ace":
            assert p["winner"] == p["server"]
        if p["kind"] == "double_fault":
            assert p["winner"] != p["server"]


def test_the_volleyball_match_replayed_and_beta_is_it_swapped(ended: StubFeeds) -> None:
    rules = sport("volleyball")
    alpha, beta = all_points(ended, "alpha", "a-vb-2001"), all_points(ended, "beta", "B/VB/31")
    score = replay(rules, alpha)
    assert score.to_json()["sets"] == VOLLEYBALL_SETS and score.winner == "home"
    swapped_back = [
        {**p, "fixture_ref": "a-vb-2001", "winner": swap(p["winner"]), "server": swap(p["server"])} for p in beta
    ]
    assert swapped_back == alpha
    assert replay(rules, beta).to_json()["sets"] == [[a, h] for h, a in VOLLEYBALL_SETS]
    alpha_listed, beta_listed = fixtures(ended, "alpha")["a-vb-2001"], fixtures(ended, "beta")["B/VB/31"]
    assert normalised(beta_listed["home"]) == normalised(alpha_listed["away"])
    assert normalised(beta_listed["away"]) == normalised(alpha_listed["home"])


def test_the_points_are_the_same_every_run() -> None:
    one, _ = feeds(T0 + 10**9)
    two, _ = feeds(T0 + 10**9)
    for code, ref in (("alpha", "a-ten-1001"), ("beta", "B/VB/31")):
        assert all_points(one, code, ref) == all_points(two, code, ref)


@pytest.mark.parametrize(
    ("alpha_ref", "beta_ref", "decision", "swapped"),
    [
        ("a-ten-1001", "B/TEN/77", "link", False),
        ("a-vb-2001", "B/VB/31", "link", True),
        ("a-vb-2002", "B/VB/32", "link", False),
        ("a-ten-1002", "B/TEN/78", "candidate", False),  # "Novak Djokovich": the near duplicate
    ],
)
def test_the_feeds_name_the_same_events(alpha_ref: str, beta_ref: str, decision: str, swapped: bool) -> None:
    stub, _ = feeds()
    alpha, beta = fixtures(stub, "alpha")[alpha_ref], fixtures(stub, "beta")[beta_ref]
    assert alpha["start_time"] != beta["start_time"] and abs(alpha["start_time"] - beta["start_time"]) < 30 * 60_000
    assert alpha["ref_id"] != beta["ref_id"] and alpha["competition"] != beta["competition"]
    match = compare(facts(beta), facts(alpha))
    assert (match.decision, match.swapped) == (decision, swapped), match.reasons
    assert compare(facts(alpha), facts(beta)).decision == decision
    if decision == "link":
        assert (alpha["home"], alpha["away"]) != (beta["home"], beta["away"])  # spelled otherwise


def test_only_the_near_duplicate_is_a_candidate_across_all_pairs() -> None:
    stub, _ = feeds()
    decisions = {
        (a["ref_id"], b["ref_id"]): compare(facts(b), facts(a)).decision
        for a in fixtures(stub, "alpha").values()
        for b in fixtures(stub, "beta").values()
    }
    assert sorted(pair for pair, d in decisions.items() if d == "candidate") == [("a-ten-1002", "B/TEN/78")]
    assert sorted(pair for pair, d in decisions.items() if d == "link") == [
        ("a-ten-1001", "B/TEN/77"),
        ("a-vb-2001", "B/VB/31"),
        ("a-vb-2002", "B/VB/32"),
    ]


def test_the_competitions_give_the_rules_of_the_matches(ended: StubFeeds) -> None:
    """The final's competition (year included) reads as best of five, no fifth-set tiebreak."""
    competitions = pytest.importorskip("casino.sports.competitions")
    for code, ref in (("alpha", "a-ten-1001"), ("beta", "B/TEN/77")):
        listed = fixtures(ended, code)[ref]
        given = {k: listed[k] for k in ("best_of", "final_set") if k in listed}
        rules = competitions.rules_for(listed["sport"], listed["competition"], listed["start_time"], given)
        assert replay(rules, all_points(ended, code, ref)).to_json()["sets"] == TENNIS_SETS


def test_an_outage_answers_503_until_the_feed_is_back() -> None:
    stub, _ = feeds()
    status, _, body = stub("POST", "beta/outage", {"Content-Type": "application/json"}, b'{"down": true}')
    assert status == 200 and json.loads(body) == {"code": "beta", "down": True}
    assert get(stub, "beta/fixtures")[0] == 503
    assert get(stub, "beta/points?fixture=B%2FTEN%2F77")[0] == 503
    assert get(stub, "alpha/fixtures")[0] == 200  # the other feed is up
    status, _, body = stub("POST", "beta/outage", {}, b'{"down": false}')
    assert status == 200 and json.loads(body) == {"code": "beta", "down": False}
    assert get(stub, "beta/fixtures")[0] == 200
    for bad in (b"", b"nope", b'{"down": "yes"}', b"[]"):
        assert stub("POST", "beta/outage", {}, bad)[0] == 400


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("alpha/fixtures?changed_since=abc", 400),
        ("alpha/fixtures?changed_since=-1", 400),
        ("alpha/points?fixture=a-ten-1001&after=x", 400),
        ("alpha/points?fixture=a-ten-1001&after=1.5", 400),
        ("alpha/points?after=1", 400),
        ("alpha/points?fixture=nope", 404),
        ("alpha/points?fixture=B%2FTEN%2F77", 404),  # beta's ref, asked of alpha
        ("gamma/fixtures", 404),
        ("alpha/games", 404),
        ("alpha", 404),
        ("", 404),
        (f"{PREFIX}alpha/fixtures", 200),  # the whole path works too
        ("alpha/points?fixture=a-vb-2001", 200),
    ],
)
def test_bad_parameters_and_unknown_paths(path: str, status: int) -> None:
    stub, _ = feeds()
    answer, body = get(stub, path)
    assert answer == status
    if status != 200:
        assert "error" in body


def test_only_get_reads_and_only_post_sets_an_outage() -> None:
    stub, _ = feeds()
    assert stub("POST", "alpha/fixtures", {}, b"")[0] == 404
    assert stub("GET", "alpha/outage", {}, b"")[0] == 404


def test_the_default_clock_starts_now() -> None:
    stub = StubFeeds()
    listed = fixtures(stub, "alpha")
    assert {f["status"] for f in listed.values()} == {"not_started"}
    assert listed["a-ten-1001"]["start_time"] - stub.started_at_ms == 15_000  # its first point, at rate 1
