"""Sports feeds (sports.md, "Feeds" and "Service status"): registration, the pull, the signed push,
and each feed's status.

- **Registration** keeps the feed's secret in SSM (never in the table, never shown again); the
  same registration again answers the feed, another under the same code is a ``conflict``.
- **Pull** (the EventBridge schedule): a feed is pulled when its ``poll_seconds`` have passed,
  under a lease so that one pull of a feed never overlaps another (whichever schedule runs it):
  ``GET {base_url}/fixtures?changed_since=<ms>``, then ``GET {base_url}/points?fixture=<ref>&after=<seq>``
  for each of its fixtures still open, ``after`` being the last point applied, so a gap is asked
  for again on every pull until it fills. Each request is signed as the hub signs its calls
  (``X-App-Id`` the feed's code, with the feed's secret) and bounded in time. An answer is a
  list, or an object listing its events under ``fixtures``/``points``, ``events``, ``items`` or
  ``data``.
- **Push** (``POST /api/v1/sports/feeds/{code}/events``): verified with the feed's secret before
  the body is read; the whole message is checked before anything of it is applied.
- **Status**: after each round of pulls every feed is assessed (``casino.sports.status``); a
  transition is recorded with its time, and the fixtures of a feed that went down or came back
  are refreshed (suspended while no linked feed is up, live again from the last point held).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from casino import clock, ids, secret_store
from casino.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from casino.hub import app_auth
from casino.settings import settings
from casino.sports import fixtures, store
from casino.sports.competitions import SPORTS
from casino.sports.domain import FeedFixture, FeedPoint
from casino.sports.status import FeedStatus, Signals, assess

CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
REQUEST_TIMEOUT_S = 5.0
PULL_LEASE_MS = 60_000
POINT_PAGES = 20  # requests for one fixture's points in one pull, at most
MAX_EVENTS = 2000
OVERLAP_MS = 60_000  # fixtures asked for again (their changes are applied once: harmless)
ENVELOPE_FIXTURES = ("fixtures", "events", "items", "data")  # a pulled answer: a list, or one of these keys
ENVELOPE_POINTS = (
    "points",
    "events",
    "items",
    "data",
)  # fixtures asked for again (their changes are applied once: harmless)


# ---------------------------------------------------------------- registration
def _parameter(code: str) -> str:
    return f"{settings().parameter_prefix}/sports/feeds/{code}/secret"


def _whole(value: Any, name: str, low: int, high: int, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationFailed(f"{name}: a whole number of seconds from {low} to {high}", field=name)
    return value


def register(body: Any, now: int) -> tuple[dict[str, Any], bool]:
    """A feed registered (``True``) or the same registration again (``False``)."""
    if not isinstance(body, dict):
        raise ValidationFailed("body: an object", field="body")
    code, name, base_url, secret = (body.get(k) for k in ("code", "name", "base_url", "secret"))
    if not isinstance(code, str) or not CODE.fullmatch(code):
        raise ValidationFailed("code: 1 to 32 of a-z, 0-9, '_' and '-', starting with a letter or digit", field="code")
    if not isinstance(name, str) or not name.strip() or len(name) > 120 or not name.isprintable():
        raise ValidationFailed("name: 1 to 120 printable characters", field="name")
    if not isinstance(base_url, str) or len(base_url) > 500:
        raise ValidationFailed("base_url: an absolute http(s) address, no query", field="base_url")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValidationFailed("base_url: an absolute http(s) address, no query", field="base_url")
    if not isinstance(secret, str) or not 16 <= len(secret) <= 256 or not secret.isprintable():
        raise ValidationFailed("secret: 16 to 256 printable characters", field="secret")
    sports = body.get("sports")
    if (
        not isinstance(sports, list)
        or not sports
        or any(s not in SPORTS for s in sports)
        or len(set(sports)) != len(sports)
    ):
        raise ValidationFailed(f"sports: a list of {', '.join(SPORTS)}, each once", field="sports")
    unknown = sorted(set(body) - {"code", "name", "base_url", "secret", "sports", "poll_seconds", "alive_seconds"})
    if unknown:
        raise ValidationFailed(f"{unknown[0]}: not a field of a feed", field=unknown[0])
    poll_seconds = _whole(body.get("poll_seconds"), "poll_seconds", 1, 3600, 30)
    alive_seconds = _whole(body.get("alive_seconds"), "alive_seconds", 5, 86_400, 60)
    if alive_seconds < poll_seconds:
        raise ValidationFailed(
            "alive_seconds: at least poll_seconds (a feed polled is heard from once a poll)", field="alive_seconds"
        )
    record = {
        "code": code,
        "name": name.strip(),
        "base_url": base_url.rstrip("/"),
        "sports": sorted(sports),
        "poll_seconds": poll_seconds,
        "alive_seconds": alive_seconds,
    }
    known = store.feed(code)
    if known is not None:
        same = {k: known.get(k) for k in record} == record
        if same and _same_secret(secret_store.parameter(_parameter(code)) or "", secret):
            return view(known), False
        raise Conflict(f"feed {code!r} is registered with other settings", field="code")
    secret_store.put_parameter(_parameter(code), secret)  # first the secret, under the feed's own name
    full = {
        **record,
        "registered_at": now,
        "status": {"state": "up", "reason": None, "since": now},
        "changed_since": 0,
        "failed_pulls": 0,
    }
    if not store.add_feed(full):
        raise Conflict(f"feed {code!r} was registered meanwhile", field="code")
    return view(full), True


def _same_secret(stored: str, given: str) -> bool:
    import hmac  # noqa: PLC0415

    return hmac.compare_digest(stored.encode("utf-8"), given.encode("utf-8"))


def view(feed: dict[str, Any]) -> dict[str, Any]:
    """A feed as ops see it (never its secret)."""
    keys = (
        "code",
        "name",
        "base_url",
        "sports",
        "poll_seconds",
        "alive_seconds",
        "registered_at",
        "status",
        "last_pull_at",
        "last_pull_outcome",
        "last_pull_error",
        "last_received_at",
        "failed_pulls",
        "newest_event_lag_ms",
        "maintenance",
    )
    return {k: feed.get(k) for k in keys if feed.get(k) is not None}


def listed() -> list[dict[str, Any]]:
    return [view(f) for f in sorted(store.feeds(), key=lambda f: f["code"])]


def secret_of(code: str) -> str | None:
    return secret_store.parameter(_parameter(code))


# ---------------------------------------------------------------- messages, however they come
@dataclass
class Message:
    fixtures: list[FeedFixture] = field(default_factory=list)
    points: list[FeedPoint] = field(default_factory=list)


def _items(body: Any, *keys: str) -> list[tuple[str, Any]]:
    """The events of a message: a list, one event, or an object listing them under its keys."""
    if isinstance(body, list):
        return [(f"[{i}]", item) for i, item in enumerate(body)]
    if isinstance(body, dict) and any(k in body for k in keys):
        found: list[tuple[str, Any]] = []
        for key in keys:
            value = body.get(key, [])
            if not isinstance(value, list):
                raise ValidationFailed(f"{key}: a list", field=key)
            found.extend((f"{key}[{i}]", item) for i, item in enumerate(value))
        return found
    if isinstance(body, dict):
        return [("", body)]
    raise ValidationFailed("body: an event, a list of events or {fixtures, points}", field="body")


def read_message(
    body: Any,
    sports: Sequence[str],
    now: int,
    *,
    keys: Sequence[str] = ("fixtures", "points", "events"),
) -> Message:
    """Every event of a message checked (``ValidationFailed`` naming the first bad field: then
    nothing of it is applied)."""
    message, refused = read_each(body, sports, now, keys=keys)
    if refused:
        raise refused[0]
    return message


def read_each(
    body: Any, sports: Sequence[str], now: int, *, keys: Sequence[str] = ("fixtures", "points", "events")
) -> tuple[Message, list[ValidationFailed]]:
    """The good events of a message, and why each other one was refused (a pull takes what it
    can: one fixture of a sport we do not take must not stop the feed's others)."""
    items = _items(body, *keys)
    if len(items) > MAX_EVENTS:
        raise ValidationFailed(f"body: at most {MAX_EVENTS} events in one message", field="body")
    message, refused = Message(), []
    for where, item in items:
        try:
            if isinstance(item, dict) and "fixture_ref" in item:
                message.points.append(FeedPoint.from_feed(item))
            elif isinstance(item, dict) and "ref_id" in item:
                message.fixtures.append(FeedFixture.from_feed(item, sports=tuple(sports), now_ms=now))
            else:
                raise ValueError("event: a fixture (ref_id, ...) or a point (fixture_ref, seq, ...)")
        except ValueError as bad:
            text = str(bad)
            name, _, _ = text.partition(":")
            path = f"{where}.{name}" if where and " " not in name else (where or name)
            refused.append(ValidationFailed(f"{path}: {text.partition(':')[2].strip() or text}", field=path))
    return message, refused


def apply(
    feed: dict[str, Any], message: Message, now: int, *, refs: Mapping[str, dict[str, Any] | None] | None = None
) -> dict[str, Any]:
    """A checked message applied: its fixtures first, then its points. A fixture sent before as
    another sport is refused (``conflict`` naming ``sport``) before anything is applied. ``refs``:
    the fixtures' refs as the caller has just read them (a pull, which read each to drop another
    sport's), so that each is read once, not twice, before anything of the message is written."""
    for facts in message.fixtures:
        known = (
            refs[facts.ref_id] if refs is not None and facts.ref_id in refs else store.ref(feed["code"], facts.ref_id)
        )
        if known and known.get("facts") and known["facts"]["sport"] != facts.sport:
            raise Conflict(
                f"sport: feed fixture {facts.ref_id!r} was first sent as {known['facts']['sport']}", field="sport"
            )
    placed = [fixtures.receive_fixture(feed, f, now).get("id") for f in message.fixtures]
    applied = fixtures.receive_points(feed, message.points, now)
    return {
        "fixtures": len(message.fixtures),
        "points": len(message.points),
        "fixture_ids": placed,
        "missing": {a.ref_id: a.missing for a in applied if a.missing},
        "flagged": {a.ref_id: [{"seq": s, "reason": r} for s, r in a.flags] for a in applied if a.flags},
    }


def _lag(message: Message, now: int) -> int | None:
    stamps = [p.point.ts for p in message.points if p.point.ts > 0 and not p.correction]  # a correction is of the past
    return max(0, now - max(stamps)) if stamps else None


# ---------------------------------------------------------------- push
def authenticate_push(code: str, headers: dict[str, str], body: str | bytes, method: str, path: str) -> dict[str, Any]:
    """The feed a pushed request comes from: the path names it, a signature with its secret proves
    it (``X-App-Id`` is its code by convention, not checked: the secret is what counts);
    ``Unauthorized`` otherwise, before the body is read."""
    refused = Unauthorized(
        "X-App-Id, X-Timestamp (within 300 s), X-Nonce and X-Signature (with the feed's secret) must be valid"
    )
    signed = app_auth.parse(headers)
    now = clock.now_ms()
    if signed is None or not app_auth.fresh(signed, now):
        raise refused
    feed = store.feed(code) if CODE.fullmatch(code) else None
    secret = secret_of(code) if feed else None
    if feed is None or not secret or not app_auth.valid([secret], signed, method, app_auth.endpoint_of(path), body):
        raise refused
    if not store.record_nonce(code, signed.nonce, app_auth.nonce_expiry_ms(signed, now)):
        raise refused
    return feed


def push(feed: dict[str, Any], body: Any, now: int) -> dict[str, Any]:
    message = read_message(body, feed["sports"], now)
    answer = apply(feed, message, now)
    lag = _lag(message, now)
    store.update_feed(
        feed["code"],
        {"last_received_at": now, "last_push_at": now, **({"newest_event_lag_ms": lag} if lag is not None else {})},
    )
    return answer


# ---------------------------------------------------------------- pull
Fetch = Callable[[str, dict[str, str], float], Any]  # (url, headers, timeout) -> the answer's JSON


class FeedUnreachable(Exception):
    """A pull's request failed (no answer, an error status, or not JSON)."""


def http_fetch(url: str, headers: dict[str, str], timeout: float) -> Any:
    """The feed's answer, whole within ``timeout`` (``casino.outbound``: a deadline for the
    exchange, not for each read)."""
    import httpx  # noqa: PLC0415

    from casino import outbound  # noqa: PLC0415

    try:
        answer = outbound.fetch("GET", url, headers=headers, timeout_s=timeout)
        if not 200 <= answer.status_code < 300:
            raise FeedUnreachable(f"HTTP {answer.status_code}")
        return json.loads(answer.content)
    except (httpx.HTTPError, ValueError) as failed:
        raise FeedUnreachable(f"{type(failed).__name__}: {failed}"[:300]) from None


def _get(feed: dict[str, Any], secret: str, endpoint: str, query: str, fetch: Fetch, deadline: float) -> Any:
    left = deadline - time.monotonic()
    if left <= 0.2:
        raise FeedUnreachable("no time left in this pull")
    headers = app_auth.headers(feed["code"], secret, "GET", endpoint, "")
    return fetch(f"{feed['base_url']}/{endpoint}?{query}", headers, min(REQUEST_TIMEOUT_S, left))


def due(feed: dict[str, Any], now: int) -> bool:
    last = feed.get("last_pull_at")
    return last is None or now - int(last) >= int(feed.get("poll_seconds", 30)) * 1000


def pull(feed: dict[str, Any], now: int, *, fetch: Fetch = http_fetch, budget_s: float = 20.0) -> dict[str, Any]:
    """One pull of a feed, if no other pull of it is under way: its outcome (recorded on the feed)."""
    code = feed["code"]
    lease = now + max(PULL_LEASE_MS, int(budget_s * 1000) + 5000)
    leased = store.take_pull_lease(code, now, lease)
    if leased is None:
        return {"feed": code, "outcome": "busy"}
    deadline = time.monotonic() + budget_s
    outcome: dict[str, Any] = {"feed": code, "outcome": "ok", "fixtures": 0, "points": 0}
    fields: dict[str, Any] = {"last_pull_at": now}
    try:
        secret = secret_of(code)
        if not secret:
            raise FeedUnreachable("the feed's secret is not readable")
        since = int(leased.get("changed_since", 0))
        body = _get(leased, secret, "fixtures", f"changed_since={since}", fetch, deadline)
        message, refused = read_each(body, leased["sports"], now, keys=ENVELOPE_FIXTURES)
        refs = {f.ref_id: store.ref(code, f.ref_id) for f in message.fixtures}
        message.fixtures = [f for f in message.fixtures if _same_sport(refs[f.ref_id], f)]
        changed = [
            int(item["changed_at"])
            for item in (body.get("fixtures", []) if isinstance(body, dict) else body)
            if isinstance(item, dict) and isinstance(item.get("changed_at"), int)
        ]
        apply(leased, message, now, refs=refs)
        outcome["fixtures"] = len(message.fixtures)
        if refused:
            outcome["refused"] = [r.message for r in refused[:10]]
        lag = None
        for ref in store.open_refs(code):
            got = _pull_points(leased, secret, ref, fetch, deadline, now)
            outcome["points"] += got[0]
            if got[1] is not None:
                lag = got[1] if lag is None else min(lag, got[1])
        fields.update(
            last_pull_outcome="ok",
            last_pull_error=None,
            failed_pulls=0,
            last_received_at=clock.now_ms(),
            changed_since=max(since, max(changed) if changed else now - OVERLAP_MS),
            **({"newest_event_lag_ms": lag} if lag is not None else {}),
        )
    except (FeedUnreachable, ValidationFailed) as failed:  # the feed's fault: it counts towards connection_down
        reason = failed.message if isinstance(failed, ValidationFailed) else str(failed)
        outcome.update(outcome="failed", error=reason)
        fields.update(
            last_pull_outcome="failed",
            last_pull_error=reason[:300],
            failed_pulls=int(leased.get("failed_pulls", 0)) + 1,
        )
    except Exception as ours:  # ours (or the table's): recorded, the lease given back, the feed not blamed
        outcome.update(outcome="error", error=f"{type(ours).__name__}: {ours}"[:300])
        fields.update(last_pull_outcome="error", last_pull_error=outcome["error"])
    store.end_pull(code, lease, fields)
    return outcome


def _same_sport(known: dict[str, Any] | None, facts: FeedFixture) -> bool:
    return not (known and known.get("facts") and known["facts"]["sport"] != facts.sport)


def _pull_points(
    feed: dict[str, Any], secret: str, ref: dict[str, Any], fetch: Fetch, deadline: float, now: int
) -> tuple[int, int | None]:
    """The points of one of the feed's fixtures after the last one applied; how many came, and
    how old the newest was when it arrived."""
    total, lag = 0, None
    after = int(ref.get("applied_upto", 0))
    for _ in range(POINT_PAGES):
        body = _get(feed, secret, "points", f"fixture={_quoted(ref['ref_id'])}&after={after}", fetch, deadline)
        message, _ = read_each(body, feed["sports"], now, keys=ENVELOPE_POINTS)
        mine = [p for p in message.points if p.fixture_ref == ref["ref_id"]]
        if not mine:
            break
        applied = fixtures.receive_points(feed, mine, now)
        total += len(mine)
        page_lag = _lag(Message(points=mine), now)
        lag = page_lag if page_lag is not None else lag
        newest = max(p.point.seq for p in mine)
        if newest <= after or not applied:
            break
        after = newest  # on past what came: a gap is asked for again by the next pull, from the last applied
    return total, lag


def _quoted(text: str) -> str:
    from urllib.parse import quote  # noqa: PLC0415

    return quote(text, safe="")


def pull_due(now: int, *, fetch: Fetch = http_fetch, budget_s: float = 20.0) -> list[dict[str, Any]]:
    """Every feed whose time has come pulled once (the feeds that are in maintenance are not)."""
    outcomes = []
    for feed in store.feeds():
        if feed.get("maintenance") or not due(feed, now):
            continue
        outcomes.append(pull(feed, now, fetch=fetch, budget_s=budget_s))
    return outcomes


# ---------------------------------------------------------------- status
def _status(raw: dict[str, Any] | None) -> FeedStatus | None:
    if not raw:
        return None
    return FeedStatus(raw["state"], raw.get("reason"), int(raw["since"]))


def _status_json(status: FeedStatus) -> dict[str, Any]:
    return {"state": status.state, "reason": status.reason, "since": status.since}


def assess_all(now: int) -> list[dict[str, Any]]:
    """Every feed's status now; the transitions recorded, the fixtures of a feed that changed
    refreshed (suspended while no linked feed is up, live again when one is)."""
    transitions: list[dict[str, Any]] = []
    for feed in store.feeds():
        signals = Signals(
            now=now,
            registered_at=int(feed["registered_at"]),
            last_received_at=feed.get("last_received_at"),
            failed_pulls=int(feed.get("failed_pulls", 0)),
            newest_event_lag_ms=int(feed.get("newest_event_lag_ms", 0)),
            maintenance=bool(feed.get("maintenance")),
        )
        current = _status(feed.get("status"))
        after, transition = assess(current, signals, int(feed.get("alive_seconds", 60)))
        if transition is None:
            continue
        record = {
            "at": now,
            "feed": feed["code"],
            "before": _status_json(transition.before),
            "after": _status_json(after),
        }
        if store.set_feed_status(feed["code"], _status_json(after), feed.get("status"), record, ids.ulid(now)):
            transitions.append(record)
            if transition.before.state != after.state:
                _refresh_fixtures_of(feed["code"], now)
    return transitions


def _refresh_fixtures_of(code: str, now: int) -> None:
    for fixture in store.live_fixtures():
        if any(r["feed"] == code for r in fixture["refs"]):
            fixtures.refresh(fixture["id"], now)


def set_maintenance(code: str, on: bool, reason: str, by: str, now: int) -> dict[str, Any]:
    if store.feed(code) is None:
        raise NotFound(f"feed {code!r} not found", field="code")
    store.update_feed(code, {"maintenance": {"reason": reason, "by": by, "at": now} if on else None})
    assess_all(now)
    return view(store.feed(code) or {})


def history(code: str) -> list[dict[str, Any]]:
    return store.transitions(code)
