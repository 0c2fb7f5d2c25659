"""Sports feeds end to end on the local stack: registration, the signed push, linking across feeds,
points out of order and corrected, the operator API and the admin decisions (sports.md)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from casino.hub import app_auth
from local.operator_client import SignedClient
from tests.conftest import RunningStack

SPORTS = "/api/v1/sports"
ADMIN = "/api/v1/admin/sports"
MINUTE = 60_000


@pytest.fixture(scope="module")
def demo(running: RunningStack) -> SignedClient:
    return SignedClient(running.base_url, "demo-operator", "demo-operator-secret")


class Feed:
    """A feed registered by the test, pushing signed messages."""

    def __init__(self, running: RunningStack, code: str, secret: str) -> None:
        self.running, self.code, self.secret = running, code, secret
        self.client = httpx.Client(timeout=30)

    def push(self, body: Any, *, secret: str | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
        raw = json.dumps(body)
        path = f"{SPORTS}/feeds/{self.code}/events"
        signed = app_auth.headers(self.code, secret or self.secret, "POST", "events", raw)
        return self.client.post(
            f"{self.running.base_url}{path}",
            content=raw,
            headers={"Content-Type": "application/json", **signed, **(headers or {})},
        )


def register(running: RunningStack, **changes: Any) -> tuple[Feed, dict[str, Any]]:
    code = changes.pop("code", f"f{uuid.uuid4().hex[:10]}")
    body = {
        "code": code,
        "name": f"Feed {code}",
        "base_url": "http://127.0.0.1:9/feed",
        "secret": f"{code}-secret-0123456789",
        "sports": ["tennis", "volleyball"],
        **changes,
    }
    status, answer = running.call("POST", f"{ADMIN}/feeds", body)
    assert status == 201, answer
    return Feed(running, code, body["secret"]), answer


@pytest.fixture
def start() -> Iterator[int]:
    """A start time of its own for each test (other tests' fixtures never near it)."""
    yield int(time.time() * 1000) + 30 * 86_400_000 + uuid.uuid4().int % 10**7 * 1000


def fixture(
    ref: str, home: str, away: str, start: int, *, sport: str = "volleyball", status: str = "live", **more: Any
) -> dict[str, Any]:
    return {
        "ref_id": ref,
        "sport": sport,
        "competition": "Test League",
        "home": home,
        "away": away,
        "start_time": start,
        "status": status,
        **more,
    }


def points(ref: str, winners: list[str], first: int = 1, ts: int = 0) -> list[dict[str, Any]]:
    return [{"fixture_ref": ref, "seq": first + i, "winner": w, "ts": ts} for i, w in enumerate(winners)]


def test_registration_is_admin_only_checked_and_idempotent(running: RunningStack) -> None:
    body = {
        "code": f"f{uuid.uuid4().hex[:8]}",
        "name": "X",
        "base_url": "https://feed.example/v1",
        "secret": "s" * 20,
        "sports": ["tennis"],
    }
    assert running.call("POST", f"{ADMIN}/feeds", body, admin_key="wrong")[0] == 401
    status, created = running.call("POST", f"{ADMIN}/feeds", body)
    assert status == 201 and "secret" not in created and created["poll_seconds"] == 30
    assert running.call("POST", f"{ADMIN}/feeds", body) == (200, created)
    status, answer = running.call("POST", f"{ADMIN}/feeds", {**body, "secret": "t" * 20})
    assert status == 409
    for field, value in [
        ("code", "Bad Code"),
        ("base_url", "ftp://x"),
        ("secret", "short"),
        ("sports", ["golf"]),
        ("poll_seconds", 0),
        ("alive_seconds", "60"),
    ]:
        status, answer = running.call("POST", f"{ADMIN}/feeds", {**body, "code": "zz-new", field: value})
        assert status == 400 and answer["error"]["field"] == field, (field, answer)


def test_a_push_must_be_signed_with_the_feeds_secret(running: RunningStack, start: int) -> None:
    feed, _ = register(running)
    message = [fixture("r1", "Alpha", "Beta", start)]
    assert feed.push(message, secret="not-the-secret-at-all").status_code == 401
    other, _ = register(running)
    signed_by_other = app_auth.headers(other.code, other.secret, "POST", "events", json.dumps(message))
    answer = feed.client.post(
        f"{running.base_url}{SPORTS}/feeds/{feed.code}/events", content=json.dumps(message), headers=signed_by_other
    )
    assert answer.status_code == 401
    sent = feed.push(message)
    assert sent.status_code == 200, sent.text
    replayed = feed.client.post(
        f"{running.base_url}{SPORTS}/feeds/{feed.code}/events",
        content=sent.request.content,
        headers=sent.request.headers,
    )
    assert replayed.status_code == 401


def test_a_bad_message_names_the_field_and_applies_nothing(
    running: RunningStack, demo: SignedClient, start: int
) -> None:
    feed, _ = register(running)
    message = [
        fixture("r1", "Alpha", "Beta", start),
        *points("r1", ["home"] * 3),
        {"fixture_ref": "r1", "seq": 0, "winner": "home"},
    ]
    answer = feed.push(message)
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "[4].seq"
    listed = demo.get(f"{SPORTS}/fixtures", {"from": start - MINUTE, "to": start + MINUTE}).json()
    assert listed["fixtures"] == []


def test_two_feeds_of_one_match_make_one_fixture_swapped_and_scored_from_points(
    running: RunningStack, demo: SignedClient, start: int
) -> None:
    alpha, _ = register(running)
    beta, _ = register(running)
    tag = uuid.uuid4().hex[:6]
    home, away = f"Zenit Kazan {tag}", f"Itas Trentino {tag}"
    assert alpha.push([fixture("a1", home, away, start)]).status_code == 200
    assert (
        beta.push([fixture("B/1", away.upper(), f"VC {home.replace(' ', '-')}", start + 4 * MINUTE)]).status_code == 200
    )
    listed = demo.get(f"{SPORTS}/fixtures", {"from": start - MINUTE, "to": start + 10 * MINUTE}).json()
    assert len(listed["fixtures"]) == 1, listed
    one = listed["fixtures"][0]
    assert {(r["feed"], r["ref_id"], r["swapped"]) for r in one["refs"]} == {
        (alpha.code, "a1", False),
        (beta.code, "B/1", True),
    }
    # alpha's rallies out of order and twice; beta's the other way round
    rallies = ["home", "away", "home", "home"]
    sent = points("a1", rallies)
    assert alpha.push([sent[2], sent[0], sent[3]]).status_code == 200
    gap = demo.get(f"{SPORTS}/fixtures/{one['id']}").json()
    assert gap["points"] == 1 and gap["score"]["points"] == [1, 0]
    assert alpha.push([sent[1], sent[1], sent[0]]).status_code == 200
    turned = [{"home": "away", "away": "home"}[w] for w in rallies]
    assert beta.push(points("B/1", turned)).status_code == 200
    shown = demo.get(f"{SPORTS}/fixtures/{one['id']}").json()
    assert shown["score"]["points"] == [3, 1] and shown["points"] == 4 and shown["status"] == "live"
    assert shown["disagreements"] == []
    page = demo.get(f"{SPORTS}/fixtures/{one['id']}/points", {"after_seq": 1}).json()
    assert [(p["seq"], p["winner"], p["score"]["points"]) for p in page["points"]] == [
        (2, "away", [1, 1]),
        (3, "home", [2, 1]),
        (4, "home", [3, 1]),
    ]
    # beta says otherwise about rally 4: shown, the fixture follows its primary (alpha)
    assert beta.push([{"fixture_ref": "B/1", "seq": 4, "winner": "home", "correction": True}]).status_code == 200
    shown = demo.get(f"{SPORTS}/fixtures/{one['id']}").json()
    assert shown["score"]["points"] == [3, 1]
    assert [(d["feed"], d["seq"]) for d in shown["disagreements"]] == [(beta.code, 4)]
    # alpha corrects rally 2: the rest is derived again
    assert alpha.push([{"fixture_ref": "a1", "seq": 2, "winner": "home", "correction": True}]).status_code == 200
    shown = demo.get(f"{SPORTS}/fixtures/{one['id']}").json()
    assert shown["score"]["points"] == [4, 0]
    history = running.call("GET", f"{ADMIN}/fixtures/{one['id']}/history")[1]["history"]
    assert {h["kind"] for h in history} >= {"created", "linked", "corrected"}


def test_a_near_match_is_a_candidate_ops_link_and_the_duplicate_redirects(
    running: RunningStack, demo: SignedClient, start: int
) -> None:
    alpha, _ = register(running)
    beta, _ = register(running)
    tag = uuid.uuid4().hex[:6]  # names of this test's own: ops' link below teaches the linker an alias
    home, typo, away = f"Novak Djokovic {tag}", f"Novak Djokovich {tag}", f"carlos alcaraz {tag}"
    alpha.push([fixture("t1", home, away.title(), start, sport="tennis", status="not_started")])
    beta.push([fixture("t9", typo, away, start + MINUTE, sport="tennis", status="not_started")])
    listed = demo.get(f"{SPORTS}/fixtures", {"from": start - MINUTE, "to": start + 10 * MINUTE}).json()["fixtures"]
    assert len(listed) == 2
    first, second = sorted(listed, key=lambda f: f["refs"][0]["feed"] != alpha.code)
    candidates = running.call("GET", f"{ADMIN}/link-candidates", query="limit=100")[1]["candidates"]
    mine = [c for c in candidates if {c["fixture"]["id"], c["candidate"]["id"]} == {first["id"], second["id"]}]
    assert len(mine) == 1 and mine[0]["reasons"] and 0 < float(mine[0]["score"]) < 1
    status, linked = running.call("POST", f"{ADMIN}/fixtures/{first['id']}/link", {"duplicate_id": second["id"]})
    assert status == 200 and len(linked["refs"]) == 2
    assert running.call("POST", f"{ADMIN}/fixtures/{first['id']}/link", {"duplicate_id": second["id"]}) == (200, linked)
    redirected = demo.get(f"{SPORTS}/fixtures/{second['id']}").json()
    assert redirected["id"] == first["id"] and redirected["redirected_from"] == second["id"]
    listed = demo.get(f"{SPORTS}/fixtures", {"from": start - MINUTE, "to": start + 10 * MINUTE}).json()["fixtures"]
    assert [f["id"] for f in listed] == [first["id"]]
    # the same feed fixture again changes nothing; unlink gives it back its own fixture, once
    beta.push([fixture("t9", typo, away, start + MINUTE, sport="tennis", status="not_started")])
    assert len(demo.get(f"{SPORTS}/fixtures/{first['id']}").json()["refs"]) == 2
    status, own = running.call("POST", f"{ADMIN}/fixtures/{first['id']}/unlink", {"feed": beta.code, "ref_id": "t9"})
    assert status == 200 and own["id"] != first["id"] and [r["ref_id"] for r in own["refs"]] == ["t9"]
    again = running.call("POST", f"{ADMIN}/fixtures/{first['id']}/unlink", {"feed": beta.code, "ref_id": "t9"})
    assert again[0] == 200 and again[1]["id"] == own["id"]
    assert [r["ref_id"] for r in demo.get(f"{SPORTS}/fixtures/{first['id']}").json()["refs"]] == ["t1"]


def test_a_pulled_answer_may_list_its_events_under_data_and_a_push_is_proved_by_the_secret(
    running: RunningStack, demo: SignedClient, start: int
) -> None:
    from casino import clock
    from casino.sports import feeds, store

    feed, _ = register(running)
    tag = uuid.uuid4().hex[:6]

    def fetch(url: str, headers: dict[str, str], timeout: float) -> Any:
        if "/fixtures?" in url:
            return {"data": [fixture("d1", f"Data Home {tag}", f"Data Away {tag}", start)]}
        return {"data": points("d1", ["home", "home"]) if "after=0" in url else []}

    record = store.feed(feed.code)
    assert record is not None and feeds.pull(record, clock.now_ms(), fetch=fetch)["outcome"] == "ok"
    (shown,) = demo.get(f"{SPORTS}/fixtures", {"from": start - MINUTE, "to": start + MINUTE}).json()["fixtures"]
    assert shown["points"] == 2
    raw = json.dumps(points("d1", ["away"], first=3))
    signed = app_auth.headers("any-app-id", feed.secret, "POST", "events", raw)  # the secret proves the feed
    answer = feed.client.post(f"{running.base_url}{SPORTS}/feeds/{feed.code}/events", content=raw, headers=signed)
    assert answer.status_code == 200, answer.text
    assert demo.get(f"{SPORTS}/fixtures/{shown['id']}").json()["points"] == 3
