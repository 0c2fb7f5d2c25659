"""Adversarial review of the sports data part (sports.md): each test asserts the behaviour the
contract asks for; fourteen were defects the review found (each seen failing, then fixed), the
rest pin behaviour that was right and is worth keeping."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from casino import clock
from casino.sports import feeds, store
from local.operator_client import SignedClient
from tests.conftest import RunningStack
from tests.integration.test_sports_feeds import ADMIN, MINUTE, SPORTS, fixture, points, register


@pytest.fixture
def start() -> Iterator[int]:
    """A start time of its own for each test (far from every other test's fixtures)."""
    yield int(time.time() * 1000) + 60 * 86_400_000 + uuid.uuid4().int % (3 * 365 * 86_400) * 1000


@pytest.fixture(scope="module")
def demo(running: RunningStack) -> SignedClient:
    return SignedClient(running.base_url, "demo-operator", "demo-operator-secret")


def names(*base: str) -> tuple[str, ...]:
    """Competitor names of this test's own (competitors are shared by every fixture of a sport)."""
    tag = uuid.uuid4().hex[:8]
    return tuple(f"{b} {tag}" for b in base)


def listed(demo: SignedClient, at: int, *codes: str) -> list[dict[str, Any]]:
    """The canonical fixtures starting near ``at`` that hold a feed fixture of one of ``codes``."""
    answer = demo.get(f"{SPORTS}/fixtures", {"from": at - 30 * MINUTE, "to": at + 30 * MINUTE, "limit": 100})
    assert answer.status_code == 200, answer.text
    return [f for f in answer.json()["fixtures"] if {r["feed"] for r in f["refs"]} & set(codes)]


def history_kinds(running: RunningStack, fixture_id: str) -> list[str]:
    status, answer = running.call("GET", f"{ADMIN}/fixtures/{fixture_id}/history")
    assert status == 200, answer
    return [h["kind"] for h in answer["history"]]


# ---------------------------------------------------------------- linking and unlinking
def test_a_link_retried_after_an_unlink_does_not_undo_the_unlink(
    running: RunningStack, demo: SignedClient, start: int
) -> None:
    alpha, _ = register(running)
    beta, _ = register(running)
    home, away = names("Novak Djokovic", "Carlos Alcaraz")
    first = alpha.push([fixture("a", home, away, start, sport="tennis", status="not_started")]).json()
    second = beta.push(
        [fixture("b", home.replace("Djokovic", "Djokovich"), away.lower(), start + MINUTE, sport="tennis")]
    ).json()
    survivor, duplicate = first["fixture_ids"][0], second["fixture_ids"][0]
    assert survivor != duplicate
    assert running.call("POST", f"{ADMIN}/fixtures/{survivor}/link", {"duplicate_id": duplicate})[0] == 200
    status, own = running.call("POST", f"{ADMIN}/fixtures/{survivor}/unlink", {"feed": beta.code, "ref_id": "b"})
    assert status == 200
    # ops (or a client retrying a timed-out request) send the same link again: linking is idempotent
    assert running.call("POST", f"{ADMIN}/fixtures/{survivor}/link", {"duplicate_id": duplicate})[0] == 200
    shown = {f["id"]: sorted(r["ref_id"] for r in f["refs"]) for f in listed(demo, start, alpha.code, beta.code)}
    every_ref = [ref for refs in shown.values() for ref in refs]
    assert sorted(every_ref) == ["a", "b"], shown  # each feed fixture in exactly one canonical fixture
    assert store.ref(beta.code, "b")["fixture_id"] == own["id"]  # type: ignore[index]


def test_a_fixture_cannot_be_linked_to_itself(running: RunningStack, start: int) -> None:
    feed, _ = register(running)
    fixture_id = feed.push([fixture("r1", *names("Self", "Other"), start)]).json()["fixture_ids"][0]
    status, answer = running.call("POST", f"{ADMIN}/fixtures/{fixture_id}/link", {"duplicate_id": fixture_id})
    assert 400 <= status < 500 and answer["error"]["field"] == "duplicate_id", (status, answer)


def test_after_ops_link_the_same_spellings_link_by_themselves(
    running: RunningStack, demo: SignedClient, start: int
) -> None:
    alpha, _ = register(running)
    beta, _ = register(running)
    home, away = names("Novak Djokovic", "Carlos Alcaraz")
    other_home, other_away = home.replace("Djokovic", "Djokovich"), away.lower()
    one = alpha.push([fixture("a1", home, away, start, sport="tennis")]).json()["fixture_ids"][0]
    two = beta.push([fixture("b1", other_home, other_away, start + MINUTE, sport="tennis")]).json()["fixture_ids"][0]
    assert one != two
    assert running.call("POST", f"{ADMIN}/fixtures/{one}/link", {"duplicate_id": two})[0] == 200
    later = start + 86_400_000
    three = alpha.push([fixture("a2", home, away, later, sport="tennis")]).json()["fixture_ids"][0]
    four = beta.push([fixture("b2", other_home, other_away, later + MINUTE, sport="tennis")]).json()["fixture_ids"][0]
    assert three == four


def test_an_unlink_undoes_the_names_its_link_merged(running: RunningStack, demo: SignedClient, start: int) -> None:
    alpha, _ = register(running)
    beta, _ = register(running)
    djokovic, alcaraz, sinner = names("Novak Djokovic", "Carlos Alcaraz", "Jannik Sinner")
    one = alpha.push([fixture("a1", djokovic, alcaraz, start, sport="tennis")]).json()["fixture_ids"][0]
    two = beta.push([fixture("b1", djokovic, sinner, start + MINUTE, sport="tennis")]).json()["fixture_ids"][0]
    assert one != two  # one competitor matches: a candidate the hub offers ops
    assert running.call("POST", f"{ADMIN}/fixtures/{one}/link", {"duplicate_id": two})[0] == 200
    status, _ = running.call("POST", f"{ADMIN}/fixtures/{one}/unlink", {"feed": beta.code, "ref_id": "b1"})
    assert status == 200  # ops take the mistake back
    later = start + 86_400_000
    three = alpha.push([fixture("a2", djokovic, alcaraz, later, sport="tennis")]).json()["fixture_ids"][0]
    four = beta.push([fixture("b2", djokovic, sinner, later + MINUTE, sport="tennis")]).json()["fixture_ids"][0]
    assert three != four, "Djokovic-Sinner linked by itself into Djokovic-Alcaraz"
    shown = demo.get(f"{SPORTS}/fixtures/{four}").json()
    assert shown["away"]["id"] != demo.get(f"{SPORTS}/fixtures/{three}").json()["away"]["id"]


def test_a_chain_of_links_redirects_to_the_last_survivor_and_keeps_every_ref(
    running: RunningStack, demo: SignedClient, start: int
) -> None:
    feeds_ = [register(running)[0] for _ in range(3)]
    ids = []
    for i, feed in enumerate(feeds_):
        sent = feed.push([fixture(f"r{i}", *names(f"Home{i}", f"Away{i}"), start + i * MINUTE)])
        ids.append(sent.json()["fixture_ids"][0])
    assert running.call("POST", f"{ADMIN}/fixtures/{ids[1]}/link", {"duplicate_id": ids[0]})[0] == 200
    assert running.call("POST", f"{ADMIN}/fixtures/{ids[2]}/link", {"duplicate_id": ids[1]})[0] == 200
    shown = demo.get(f"{SPORTS}/fixtures/{ids[0]}").json()
    assert shown["id"] == ids[2] and shown["redirected_from"] == ids[0]
    assert sorted(r["ref_id"] for r in shown["refs"]) == ["r0", "r1", "r2"]
    assert [f["id"] for f in listed(demo, start, *(f.code for f in feeds_))] == [ids[2]]
    # linking back the other way round changes nothing (no cycle)
    assert running.call("POST", f"{ADMIN}/fixtures/{ids[0]}/link", {"duplicate_id": ids[2]})[0] == 200
    assert demo.get(f"{SPORTS}/fixtures/{ids[2]}").json()["id"] == ids[2]


# ---------------------------------------------------------------- feed messages
def test_a_fixture_changing_sport_is_refused_not_a_5xx(running: RunningStack, start: int) -> None:
    feed, _ = register(running)
    home, away = names("Sport", "Changer")
    assert feed.push([fixture("a", home, away, start, sport="tennis")]).status_code == 200
    assert feed.push(points("a", ["home"])).status_code == 200
    changed = feed.push([fixture("a", home, away, start, sport="volleyball")])
    assert changed.status_code < 500, changed.text
    later = feed.push(points("a", ["home"], first=2))
    assert later.status_code < 500, later.text


def test_a_pull_ingests_the_feeds_good_fixtures_when_one_is_of_another_sport(
    running: RunningStack, demo: SignedClient, start: int
) -> None:
    registered, _ = register(running, sports=["volleyball"])
    home, away = names("Pulled", "Match")

    def fetch(url: str, headers: dict[str, str], timeout: float) -> Any:
        if "/fixtures?" in url:
            return {
                "fixtures": [
                    fixture("v1", home, away, start),
                    fixture("f1", home, away, start, sport="football"),  # the feed covers more than we take
                ]
            }
        return {"points": []}

    feed = store.feed(registered.code)
    assert feed is not None
    feeds.pull(feed, clock.now_ms(), fetch=fetch)
    assert [f["refs"][0]["ref_id"] for f in listed(demo, start, registered.code)] == ["v1"]


def test_a_correction_before_its_point_still_wins_whatever_the_order(
    running: RunningStack, demo: SignedClient, start: int
) -> None:
    feed, _ = register(running)
    assert feed.push([fixture("r1", *names("Order", "Matters"), start)]).status_code == 200
    assert feed.push([{"fixture_ref": "r1", "seq": 2, "winner": "home", "correction": True}]).status_code == 200
    assert feed.push(points("r1", ["home", "away"])).status_code == 200  # the original of rally 2, late
    (shown,) = listed(demo, start, feed.code)
    # the same messages in the order point, point, correction give 2-0: so must any order
    assert shown["score"]["points"] == [2, 0], shown


def test_a_repeated_correction_is_recorded_once(running: RunningStack, demo: SignedClient, start: int) -> None:
    feed, _ = register(running)
    fixture_id = feed.push([fixture("r1", *names("Again", "Again2"), start)]).json()["fixture_ids"][0]
    feed.push(points("r1", ["home", "away", "home"]))
    for _ in range(3):
        assert feed.push([{"fixture_ref": "r1", "seq": 2, "winner": "home", "correction": True}]).status_code == 200
    assert demo.get(f"{SPORTS}/fixtures/{fixture_id}").json()["score"]["points"] == [3, 0]
    assert history_kinds(running, fixture_id).count("corrected") == 1


def test_a_point_without_ts_is_refused_naming_it(running: RunningStack, start: int) -> None:
    feed, _ = register(running)
    feed.push([fixture("r1", *names("No", "Stamp"), start)])
    answer = feed.push([{"fixture_ref": "r1", "seq": 1, "winner": "home"}])
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "[0].ts", answer.text


def test_a_fixture_against_itself_is_refused(running: RunningStack, start: int) -> None:
    feed, _ = register(running)
    (name,) = names("Lonely Club")
    answer = feed.push([fixture("r1", name, name.upper(), start)])
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "[0].away", answer.text


# ---------------------------------------------------------------- point by point
def test_tennis_a_server_never_named_before_is_not_refused(
    running: RunningStack, demo: SignedClient, start: int
) -> None:
    feed, _ = register(running)
    fixture_id = feed.push([fixture("r1", *names("Guess", "Server"), start, sport="tennis")]).json()["fixture_ids"][0]
    answer = feed.push(
        [
            {"fixture_ref": "r1", "seq": 1, "winner": "home", "ts": 0},  # the server is not named
            {"fixture_ref": "r1", "seq": 2, "winner": "home", "server": "away", "ts": 0},  # away serves the first game
        ]
    )
    assert answer.status_code == 200 and answer.json()["flagged"] == {}, answer.text
    assert demo.get(f"{SPORTS}/fixtures/{fixture_id}").json()["score"]["points"] == ["30", "0"]


def test_tennis_a_server_who_cannot_serve_is_refused_and_flagged(
    running: RunningStack, demo: SignedClient, start: int
) -> None:
    feed, _ = register(running)
    fixture_id = feed.push([fixture("r1", *names("Flag", "Me"), start, sport="tennis")]).json()["fixture_ids"][0]
    feed.push(
        [
            {"fixture_ref": "r1", "seq": 1, "winner": "home", "server": "home", "ts": 0},
            {"fixture_ref": "r1", "seq": 2, "winner": "home", "server": "away", "ts": 0},
            {"fixture_ref": "r1", "seq": 3, "winner": "home", "server": "home", "ts": 0},
        ]
    )
    shown = demo.get(f"{SPORTS}/fixtures/{fixture_id}").json()
    assert shown["score"]["points"] == ["30", "0"] and [f["seq"] for f in shown["flags"]] == [2]
    page = demo.get(f"{SPORTS}/fixtures/{fixture_id}/points").json()["points"]
    assert [p["outcome"] for p in page] == ["applied", "refused", "applied"]
    assert "flagged" in history_kinds(running, fixture_id)


def test_a_refused_point_corrected_is_no_longer_flagged(running: RunningStack, demo: SignedClient, start: int) -> None:
    feed, _ = register(running)
    fixture_id = feed.push([fixture("r1", *names("Stale", "Flag"), start, sport="tennis")]).json()["fixture_ids"][0]
    feed.push(
        [
            {"fixture_ref": "r1", "seq": 1, "winner": "home", "server": "home", "ts": 0},
            {"fixture_ref": "r1", "seq": 2, "winner": "home", "server": "away", "ts": 0},
        ]
    )
    feed.push([{"fixture_ref": "r1", "seq": 2, "winner": "home", "server": "home", "correction": True}])
    shown = demo.get(f"{SPORTS}/fixtures/{fixture_id}").json()
    assert shown["score"]["points"] == ["30", "0"]
    assert shown["flags"] == [], shown["flags"]


# ---------------------------------------------------------------- two feeds
def test_two_feeds_disagreeing_on_earlier_points_is_shown(
    running: RunningStack, demo: SignedClient, start: int
) -> None:
    alpha, _ = register(running)
    beta, _ = register(running)
    home, away = names("Disagree", "Quietly")
    alpha.push([fixture("a", home, away, start, sport="tennis")])
    beta.push([fixture("b", home, away, start, sport="tennis")])
    alpha.push(points("a", ["home", "away"]))
    beta.push(points("b", ["away", "home"]))  # the same 15-15, but each point the other way
    (shown,) = listed(demo, start, alpha.code, beta.code)
    assert len(shown["refs"]) == 2
    assert [d["feed"] for d in shown["disagreements"]] == [beta.code], shown["disagreements"]


# ---------------------------------------------------------------- service status, auth, bad input
def test_a_quiet_feed_suspends_its_live_fixture_and_a_push_brings_it_back(
    running: RunningStack, demo: SignedClient, start: int
) -> None:
    feed, _ = register(running, alive_seconds=5, poll_seconds=5)
    fixture_id = feed.push([fixture("a", *names("Quiet", "Feed"), start)]).json()["fixture_ids"][0]
    feed.push(points("a", ["home"]))
    feeds.assess_all(clock.now_ms() + 6_000)  # nothing received for alive_seconds
    assert store.feed(feed.code)["status"]["reason"] == "alive_interval_violation"  # type: ignore[index]
    assert demo.get(f"{SPORTS}/fixtures/{fixture_id}").json()["status"] == "suspended"
    feed.push(points("a", ["home", "away"]))
    feeds.assess_all(clock.now_ms())
    back = demo.get(f"{SPORTS}/fixtures/{fixture_id}").json()
    assert back["status"] == "live" and back["points"] == 2


def test_a_correction_of_an_old_point_is_not_a_processing_delay(
    running: RunningStack, demo: SignedClient, start: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed, _ = register(running)
    fixture_id = feed.push([fixture("r1", *names("Late", "Correction"), start)]).json()["fixture_ids"][0]
    played = clock.now_ms() - 1000
    assert feed.push(points("r1", ["home", "away"], ts=played)).status_code == 200  # on time
    monkeypatch.setattr(store, "feeds", lambda: [store.feed(feed.code)])  # assess this feed only
    feeds.assess_all(clock.now_ms())
    assert store.feed(feed.code)["status"]["state"] == "up"  # type: ignore[index]
    # five minutes on, the feed corrects its first point, stamped when that point was played
    later = clock.now_ms() + 5 * MINUTE
    correction = {"fixture_ref": "r1", "seq": 1, "winner": "away", "correction": True, "ts": played}
    feeds.push(store.feed(feed.code), [correction], later)  # type: ignore[arg-type]
    feeds.assess_all(later)
    after = store.feed(feed.code)
    assert after is not None and after["status"]["state"] == "up", after["status"]
    assert demo.get(f"{SPORTS}/fixtures/{fixture_id}").json()["status"] == "live"


def test_every_sports_endpoint_wants_its_own_credentials(running: RunningStack, start: int) -> None:
    for method, path in [
        ("GET", f"{ADMIN}/feeds"),
        ("POST", f"{ADMIN}/feeds"),
        ("GET", f"{ADMIN}/link-candidates"),
        ("POST", f"{ADMIN}/fixtures/fix_x/link"),
        ("POST", f"{ADMIN}/fixtures/fix_x/unlink"),
        ("GET", f"{ADMIN}/fixtures/fix_x/history"),
        ("POST", f"{ADMIN}/feeds/x/maintenance"),
    ]:
        assert running.call(method, path, {}, admin_key=None)[0] == 401, path
        assert running.call(method, path, {}, admin_key="not-a-key")[0] == 401, path
    feed, _ = register(running)
    as_feed = SignedClient(running.base_url, feed.code, feed.secret)  # a feed's secret is no operator's
    for path in [f"{SPORTS}/fixtures", f"{SPORTS}/fixtures/fix_x", f"{SPORTS}/fixtures/fix_x/points"]:
        assert httpx.get(running.base_url + path).status_code == 401, path
        assert as_feed.get(path, {}).status_code == 401, path


def test_forged_cursors_and_bad_queries_are_4xx_naming_the_field(running: RunningStack, demo: SignedClient) -> None:
    for query, field in [
        ({"cursor": "abc"}, "cursor"),
        ({"cursor": "1#fix_x"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"from": "x"}, "from"),
        ({"sport": "golf"}, "sport"),
        ({"status": "asleep"}, "status"),
        ({"from": "10", "to": "5"}, "to"),
    ]:
        answer = demo.get(f"{SPORTS}/fixtures", query)
        assert answer.status_code == 400 and answer.json()["error"]["field"] == field, (query, answer.text)
    forged = "0000000000000#fix_" + "0" * 26
    assert demo.get(f"{SPORTS}/fixtures", {"cursor": forged}).status_code < 500
    status, answer = running.call("GET", f"{ADMIN}/link-candidates", query="cursor=zz")
    assert status == 400 and answer["error"]["field"] == "cursor"
    status, _ = running.call("GET", f"{ADMIN}/link-candidates", query=f"cursor={forged}%23fix_{'1' * 26}")
    assert status == 200
