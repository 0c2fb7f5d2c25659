"""Canonical fixtures (sports.md, "Canonical fixtures and duplicates" and "Point by point"): what
the hub does with each feed message, and the decisions ops take.

- A feed's fixture (a *ref*: feed and ref id) is placed once: linked to the canonical fixture it
  certainly is, or made a fixture of its own (with a link candidate when it nearly is one). The
  ref is claimed first (its fixture id written under its version), then the fixture is made or
  joined, so a crash in between heals on the next message, and the same fixture arriving again,
  from any feed, in any order, never makes a second one. A new fixture that finds, once made,
  an older one it certainly is (two feeds placed at once) joins it.
- A ref's points are kept as the feed sent them; the score after each is derived by the rule
  set (``casino.sports.points``), the right way round for the canonical fixture, and stored
  with the point. A ref's state is written under its version: two writers at once, and the
  loser derives again from what is stored.
- The canonical fixture follows its primary ref (the first placed) while that feed is up, else
  the first linked ref whose feed is up; it shows where linked feeds disagree, and the points
  any rule refused.
- Ops link two fixtures (the duplicate's refs move to the survivor, the duplicate keeps
  ``replaced_by`` and every read redirects) and unlink a ref into a fixture of its own. Both are
  idempotent and resumable; nothing is deleted; every decision is in the fixture's history.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from casino import ids
from casino.errors import Conflict, NotFound, ValidationFailed
from casino.sports import store
from casino.sports.domain import FINAL, FeedFixture, FeedPoint, fixture_status, turned
from casino.sports.linking import WINDOW_MS, Competitor, FixtureFacts, best_match, compare, normalised, swapped_against
from casino.sports.points import Point, PointLog, catch_up, receive
from casino.sports.rules import Sport

RETRIES = 24


def _backoff(attempt: int) -> None:
    """A short, jittered wait before writing again after losing a race (many writers of one item)."""
    if attempt:
        time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))  # noqa: S311 - jitter, not a secret


FLAGS_SHOWN = 50
REDIRECTS = 16
MAX_POINTS_PER_MESSAGE = 2000


# ---------------------------------------------------------------- a feed's fixture arrives
def receive_fixture(feed: dict[str, Any], facts: FeedFixture, now: int) -> dict[str, Any]:
    """Place (once) or update a feed's fixture; the canonical fixture it belongs to."""
    code = feed["code"]
    for attempt in range(RETRIES):
        _backoff(attempt)
        ref = store.ref(code, facts.ref_id)
        if ref is None:
            store.add_ref(_unplaced_ref(code, facts.ref_id, now))
            continue
        known = ref.get("facts")
        if known and known["sport"] != facts.sport:
            raise Conflict(f"sport: feed fixture {facts.ref_id!r} was first sent as {known['sport']}", field="sport")
        if known != facts.to_json():
            changed = {**ref, "facts": facts.to_json(), "open": facts.status not in FINAL, "updated_at": now}
            store.update_ref(changed, ref["version"])
            continue
        if ref.get("fixture_id") is None or store.fixture(ref["fixture_id"]) is None:
            if not _place(ref, facts, now):
                continue
            ref = store.ref(code, facts.ref_id) or ref
        apply_points(code, facts.ref_id, [], now)  # points that came before their fixture
        fixture = refresh(ref["fixture_id"], now)
        return fixture or {}
    raise Conflict("the feed's fixture changed under us too often: send it again", details={"retryable": True})


def _unplaced_ref(code: str, ref_id: str, now: int) -> dict[str, Any]:
    """A feed fixture first heard of: no facts (its points may come first), no fixture yet."""
    return {
        "feed": code,
        "ref_id": ref_id,
        "fixture_id": None,
        "swapped": False,
        "facts": None,
        "applied_upto": 0,
        "received_upto": 0,
        "version": 0,
        "open": False,
        "first_seen": now,
    }


def _facts_of(fixture: dict[str, Any], competitors: dict[str, dict[str, Any]]) -> FixtureFacts:
    def side(which: str) -> Competitor:
        named = fixture[which]
        record = competitors.get(named["id"], {})
        return Competitor(named["name"], tuple(record.get("aliases", ())))

    return FixtureFacts(fixture["sport"], side("home"), side("away"), fixture["start_time"])


def _new_facts(facts: FeedFixture) -> FixtureFacts:
    return FixtureFacts(facts.sport, Competitor(facts.home), Competitor(facts.away), facts.start_time)


def _known_near(sport: str, start: int, *, exclude: str | None = None) -> list[tuple[str, FixtureFacts]]:
    near = [f for f in store.fixtures_starting(sport, start - WINDOW_MS, start + WINDOW_MS) if f["id"] != exclude]
    competitors = store.competitors([f[side]["id"] for f in near for side in ("home", "away")])
    return [(f["id"], _facts_of(f, competitors)) for f in near]


def _place(ref: dict[str, Any], facts: FeedFixture, now: int) -> bool:
    """Link the ref to the fixture it certainly is, or make it one (and a candidate when it nearly
    is another). False when the ref changed meanwhile (read it again)."""
    target, match = best_match(_new_facts(facts), _known_near(facts.sport, facts.start_time))
    linking = match.decision == "link" and target is not None
    fixture_id = target if linking and target else ref.get("fixture_id") or ids.new_id("fix", now)
    swapped = match.swapped if linking else False
    claimed = {**ref, "fixture_id": fixture_id, "swapped": swapped, "open": facts.status not in FINAL}
    unchanged = ref.get("fixture_id") == fixture_id and ref.get("swapped") == swapped
    if not unchanged and not store.update_ref(claimed, ref["version"]):
        return False
    entry = {"feed": ref["feed"], "ref_id": ref["ref_id"], "swapped": swapped}
    if linking:
        _join(fixture_id, entry, now)
        _history(
            fixture_id,
            "linked",
            now,
            by="automatic",
            feed=ref["feed"],
            ref_id=ref["ref_id"],
            swapped=swapped,
            score=str(match.score),
            reasons=list(match.reasons),
        )
        return True
    _create(fixture_id, facts, entry, now, reasons=list(match.reasons))
    if match.decision == "candidate" and target:
        _candidate(fixture_id, target, match.score, list(match.reasons), match.swapped, now)
    _join_older_twin(fixture_id, now)
    return True


def _create(
    fixture_id: str,
    facts: FeedFixture,
    entry: dict[str, Any],
    now: int,
    *,
    reasons: list[str],
    unlinked_from: str | None = None,
) -> None:
    home, away = (_competitor(facts.sport, facts.home), _competitor(facts.sport, facts.away))
    if entry["swapped"]:
        home, away = away, home
    record = {
        "id": fixture_id,
        "sport": facts.sport,
        "competition": facts.competition,
        "home": home,
        "away": away,
        "start_time": facts.start_time,
        "status": "not_started",
        "refs": [entry],
        "primary": {"feed": entry["feed"], "ref_id": entry["ref_id"]},
        "score": None,
        "points": 0,
        "flags": [],
        "disagreements": [],
        "created_at": now,
        "updated_at": now,
        "unlinked_from": unlinked_from,
    }
    if store.put_fixture(record, version=None):
        _history(
            fixture_id,
            "created",
            now,
            by="automatic" if unlinked_from is None else "ops",
            feed=entry["feed"],
            ref_id=entry["ref_id"],
            reasons=reasons,
        )


def _competitor(sport: str, name: str) -> dict[str, str]:
    """The competitor of a name (made on first sight), as a fixture names it."""
    key = normalised(name) or name.casefold()
    found = store.competitor_named(sport, key)
    if found is None:
        made = ids.new_id("cmp")
        found = made if store.add_competitor({"id": made, "sport": sport, "name": name, "aliases": []}, key) else None
        found = found or store.competitor_named(sport, key)
    return {"id": found or "", "name": name}


def _candidate(fixture_id: str, other_id: str, score: float, reasons: list[str], swapped: bool, now: int) -> None:
    record = {
        "fixture_id": fixture_id,
        "other_id": other_id,
        "score": str(score),
        "reasons": reasons,
        "swapped": swapped,
        "at": now,
        "open": True,
    }
    if store.add_candidate(record):
        for one in (fixture_id, other_id):
            _history(
                one,
                "candidate",
                now,
                by="automatic",
                fixture_id=fixture_id,
                other_id=other_id,
                score=str(score),
                reasons=reasons,
            )


def _join_older_twin(fixture_id: str, now: int) -> None:
    """Two feeds' messages placed at once may each make a fixture: the newer joins the older."""
    fixture = store.fixture(fixture_id)
    if fixture is None or fixture.get("replaced_by"):
        return
    competitors = store.competitors([fixture["home"]["id"], fixture["away"]["id"]])
    mine = _facts_of(fixture, competitors)
    for other_id, facts in _known_near(fixture["sport"], fixture["start_time"], exclude=fixture_id):
        if other_id < fixture_id and compare(mine, facts).decision == "link":
            link(other_id, fixture_id, now, by="automatic", reasons=["made at the same time as the same event"])
            return


def _join(fixture_id: str, entry: dict[str, Any], now: int) -> None:
    def add(fixture: dict[str, Any]) -> dict[str, Any] | None:
        if any((r["feed"], r["ref_id"]) == (entry["feed"], entry["ref_id"]) for r in fixture["refs"]):
            return None
        return {**fixture, "refs": [*fixture["refs"], entry], "updated_at": now}

    _change_fixture(fixture_id, add)


def _change_fixture(
    fixture_id: str, change: Callable[[dict[str, Any]], dict[str, Any] | None]
) -> dict[str, Any] | None:
    """Apply ``change`` to the fixture as it is, under its version (again if it moved meanwhile);
    the fixture after it (None if there is none). ``change`` returns None to leave it as it is."""
    for attempt in range(RETRIES):
        _backoff(attempt)
        fixture = store.fixture(fixture_id)
        if fixture is None:
            return None
        changed = change(dict(fixture))
        if changed is None or changed == fixture:
            return fixture
        if store.put_fixture(changed, version=fixture["version"]):
            return changed
    raise Conflict("the fixture changed under us too often: try again", details={"retryable": True})


def _history(subject: str, kind: str, now: int, **facts: Any) -> None:
    """A decision about the fixture ``subject``, recorded."""
    store.add_history(subject, {"at": now, "kind": kind, **facts}, ids.ulid(now))


# ---------------------------------------------------------------- a feed's points arrive
@dataclass(frozen=True)
class Applied:
    ref_id: str
    applied_upto: int
    missing: int | None
    flags: tuple[tuple[int, str], ...]


def receive_points(feed: dict[str, Any], points: Sequence[FeedPoint], now: int) -> list[Applied]:
    """Points (and corrections) of one feed, by fixture."""
    if len(points) > MAX_POINTS_PER_MESSAGE:
        raise ValidationFailed(f"points: at most {MAX_POINTS_PER_MESSAGE} in one message", field="points")
    by_ref: dict[str, list[FeedPoint]] = {}
    for point in points:
        by_ref.setdefault(point.fixture_ref, []).append(point)
    return [apply_points(feed["code"], ref_id, mine, now) for ref_id, mine in by_ref.items()]


def _stored_point(raw: Point) -> dict[str, Any]:
    return {"seq": raw.seq, "winner": raw.winner, "server": raw.server, "ts": raw.ts, "kind": raw.kind}


def _point_of(record: dict[str, Any]) -> Point:
    return Point(record["seq"], record["winner"], record.get("server"), record.get("ts", 0), record.get("kind"))


def apply_points(
    code: str, ref_id: str, incoming: Sequence[FeedPoint], now: int, *, from_start: bool = False
) -> Applied:
    """Apply a ref's new points (or only those held, or all of them again ``from_start``)."""
    for attempt in range(RETRIES):
        _backoff(attempt)
        ref = store.ref(code, ref_id)
        if ref is None:
            store.add_ref(_unplaced_ref(code, ref_id, now))
            continue
        if ref.get("facts") is None:  # its fixture is not known yet: hold the points as they came
            done = _hold(ref, incoming, now)
        else:
            done = _derive(ref, incoming, now, from_start=from_start)
        if done is not None:
            return done
    raise Conflict("the fixture's points changed under us too often: send them again", details={"retryable": True})


def _hold(ref: dict[str, Any], incoming: Sequence[FeedPoint], now: int) -> Applied | None:
    held = {p["seq"]: p for p in store.points(ref["feed"], ref["ref_id"])}
    records = []
    for fp in incoming:
        known = held.get(fp.point.seq)
        if known is None or (fp.correction and _point_of(known) != fp.point):
            records.append({**_stored_point(fp.point), "outcome": "pending", "received_at": now})
    store.put_points(ref["feed"], ref["ref_id"], records)
    top = max([ref.get("received_upto", 0), *(fp.point.seq for fp in incoming)])
    if top != ref.get("received_upto", 0) and not store.update_ref({**ref, "received_upto": top}, ref["version"]):
        return None
    return Applied(ref["ref_id"], 0, None, ())


def _derive(ref: dict[str, Any], incoming: Sequence[FeedPoint], now: int, *, from_start: bool) -> Applied | None:
    code, ref_id, swapped = ref["feed"], ref["ref_id"], bool(ref.get("swapped"))
    sport: Sport = FeedFixture.from_json(ref["facts"]).rules()
    applied_upto = 0 if from_start else int(ref.get("applied_upto", 0))
    lowest = min((fp.point.seq for fp in incoming), default=applied_upto + 1)
    from_seq = max(1, min(lowest, applied_upto + 1))
    loaded = {p["seq"]: p for p in store.points(code, ref_id, from_seq=from_seq - 1)}
    base = sport.start if from_seq == 1 else sport.load(loaded[from_seq - 1]["state"])
    held = {seq: turned(_point_of(p), swapped) for seq, p in loaded.items() if seq >= from_seq}
    scores = tuple(
        (seq, sport.load(p["state"]))
        for seq, p in sorted(loaded.items())
        if from_seq <= seq <= applied_upto and p.get("outcome") == "applied"
    )
    log = PointLog(sport, held, scores, applied_upto, (), base)
    for fp in incoming:
        log = receive(log, turned(fp.point, swapped), correction=fp.correction)
    log = catch_up(log)
    records, flags = _changed_points(sport, log, loaded, from_seq, base, swapped, now)
    store.put_points(code, ref_id, records)
    window = range(from_seq, log.applied_upto + 1)
    winners = str(ref.get("winners", ""))[: from_seq - 1] + "".join(log.received[s].winner[0] for s in window)
    refused = {k: v for k, v in (ref.get("refused") or {}).items() if int(k) < from_seq}
    applied_seqs = dict(log.scores)
    reasons = {f.seq: f.reason for f in log.flags}
    for seq in window:
        if seq not in applied_seqs:
            refused[str(seq)] = reasons.get(seq) or (loaded.get(seq) or {}).get("reason") or "refused by the rules"
    received_upto = max([int(ref.get("received_upto", 0)), *log.received])
    final = (ref["facts"]["status"] in FINAL) or (
        log.score.winner is not None
        and not log.missing
        and received_upto <= log.applied_upto
        and ref["facts"]["status"] in ("ended", "closed")
    )
    updated = {
        **ref,
        "applied_upto": log.applied_upto,
        "received_upto": received_upto,
        "missing": log.missing,
        "state": sport.dump(log.score),
        "score": log.score.to_json(),
        "winners": winners,  # who won each point applied or refused, the fixture's way round: h or a
        "refused": refused,
        "open": not final,
        "updated_at": now,
    }
    if not store.update_ref(updated, ref["version"]):
        return None
    if ref.get("fixture_id"):
        for seq, reason, kind in flags:
            _history(ref["fixture_id"], kind, now, by=code, feed=code, ref_id=ref_id, seq=seq, reason=reason)
        # The ref's own change, not only this attempt's point records: an attempt that lost the
        # ref's write has already stored the points, so its retry writes none.
        if flags or records or any(ref.get(k) != updated[k] for k in _SCORED):
            refresh(ref["fixture_id"], now)
    return Applied(ref_id, log.applied_upto, log.missing, tuple((s, r) for s, r, _ in flags))


_SCORED = ("applied_upto", "state", "score", "missing", "refused", "open")  # what a fixture derives from a ref


def _changed_points(
    sport: Sport, log: PointLog, loaded: dict[int, dict[str, Any]], from_seq: int, base: Any, swapped: bool, now: int
) -> tuple[list[dict[str, Any]], list[tuple[int, str, str]]]:
    """The point records that differ from what is stored, and the flags to record (seq, reason,
    kind: ``corrected`` or ``flagged``)."""
    after = dict(log.scores)
    reasons: dict[int, str] = {}
    for flag in log.flags:
        reasons[flag.seq] = flag.reason
    records: list[dict[str, Any]] = []
    flags: list[tuple[int, str, str]] = []
    current = base
    for seq in sorted(s for s in log.received if s >= from_seq):
        raw = turned(log.received[seq], swapped)  # as the feed sent it
        record: dict[str, Any] = {**_stored_point(raw)}
        if seq <= log.applied_upto:
            if seq in after:
                current = after[seq]
                record["outcome"] = "applied"
            else:
                record["outcome"] = "refused"
                record["reason"] = reasons.get(seq, loaded.get(seq, {}).get("reason", "refused by the rules"))
            record["state"] = sport.dump(current)
            record["score"] = current.to_json()
        else:
            record["outcome"] = "pending"
        old = loaded.get(seq)
        record["received_at"] = old.get("received_at", now) if old else now
        if old is None or {k: v for k, v in old.items() if k != "received_at"} != {
            k: v for k, v in record.items() if k != "received_at" and v is not None
        }:
            records.append(record)
            if record["outcome"] == "refused" and (old is None or old.get("outcome") != "refused"):
                flags.append((seq, record["reason"], "flagged"))
    for flag in log.flags:
        if flag.reason.startswith("corrected"):
            flags.append((flag.seq, flag.reason, "corrected"))
        elif flag.reason.startswith(("a different", "a correction of a point never")):
            flags.append((flag.seq, flag.reason, "flagged"))  # a conflicting repeat: the point held is kept
    return records, flags


# ---------------------------------------------------------------- the canonical fixture's state
def _feed_up(codes: Iterable[str]) -> dict[str, bool]:
    answer = {}
    for code in set(codes):
        feed = store.feed(code)
        answer[code] = bool(feed) and (feed or {}).get("status", {}).get("state", "up") == "up"
    return answer


def refresh(fixture_id: str, now: int) -> dict[str, Any] | None:
    """The fixture's score, status and disagreements again from its refs and its feeds' status,
    read afresh on every attempt (a refresh that lost the race to another derives again)."""
    seen: dict[str, Any] = {}

    def change(current: dict[str, Any]) -> dict[str, Any] | None:
        if current.get("replaced_by"):
            return None
        derived = _derived(current)
        if derived is None:
            return None
        seen.update(before=current.get("status"), reason=derived.pop("reason"))
        changed = current.get("status") != derived["status"] or current.get("score") != derived["score"]
        return {**current, **derived, "updated_at": now if changed else current.get("updated_at", now)}

    after = _change_fixture(fixture_id, change)
    if after and seen and after.get("status") != seen["before"]:
        _history(
            fixture_id,
            "status",
            now,
            by="automatic",
            before=seen["before"],
            after=after["status"],
            reasons=[seen["reason"]],
        )
    return after


def _derived(fixture: dict[str, Any]) -> dict[str, Any] | None:
    """What a fixture shows, from its refs as they are now and its feeds' status."""
    refs = {(r["feed"], r["ref_id"]): store.ref(r["feed"], r["ref_id"]) for r in fixture["refs"]}
    up = _feed_up(feed for feed, _ in refs)
    primary = (fixture["primary"]["feed"], fixture["primary"]["ref_id"])
    placed = [key for key, ref in refs.items() if ref and ref.get("facts")]
    following = next(
        (k for k in [primary, *placed] if k in placed and up.get(k[0])),
        primary if primary in placed else (placed[0] if placed else None),
    )
    if following is None:
        return None
    shown = refs[following] or {}
    applied = int(shown.get("applied_upto", 0))
    score = shown.get("score") if applied else None  # no score before the first point
    suspended = not any(up.get(feed) for feed, _ in placed)
    status = fixture_status(
        shown["facts"]["status"], points_applied=applied, ended=bool(score and score.get("winner")), suspended=suspended
    )
    flags = sorted(
        (
            {"feed": key[0], "ref_id": key[1], "seq": int(seq), "reason": reason}
            for key, ref in refs.items()
            if ref
            for seq, reason in (ref.get("refused") or {}).items()
        ),
        key=lambda f: (f["feed"], f["ref_id"], f["seq"]),
    )[:FLAGS_SHOWN]
    return {
        "start_time": shown["facts"]["start_time"]
        if following == primary
        else fixture["start_time"],  # moved by its feed
        "score": score,
        "status": status,
        "points": applied,
        "following": {"feed": following[0], "ref_id": following[1]},
        "disagreements": _disagreements(following, refs),
        "flags": flags,
        "reason": "no linked feed is up"
        if status == "suspended" and suspended
        else f"{following[0]} says {shown['facts']['status']}",
    }


def _disagreements(
    following: tuple[str, str], refs: dict[tuple[str, str], dict[str, Any] | None]
) -> list[dict[str, Any]]:
    """Where another linked feed says another side won a point than the followed feed does (the
    first such point of each), compared over the points both hold."""
    mine = refs.get(following) or {}
    ours = str(mine.get("winners", ""))
    side = {"h": "home", "a": "away"}
    found = []
    for key, ref in refs.items():
        if key == following or not ref or not ref.get("facts"):
            continue
        theirs = str(ref.get("winners", ""))
        differ = next((i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b), None)
        if differ is not None:
            found.append(
                {
                    "feed": key[0],
                    "ref_id": key[1],
                    "seq": differ + 1,
                    "winner": side[theirs[differ]],
                    "followed_feed": following[0],
                    "followed_winner": side[ours[differ]],
                    "score": ref.get("score"),
                    "followed_score": mine.get("score"),
                }
            )
    return found


# ---------------------------------------------------------------- what ops decide
def resolve(fixture_id: str) -> tuple[dict[str, Any], str | None]:
    """The fixture an id names now (a replaced id redirects to its survivor), and the id asked
    for when it was redirected."""
    fixture = store.fixture(fixture_id)
    if fixture is None:
        raise NotFound(f"fixture {fixture_id!r} not found", field="id")
    first = fixture_id
    for _ in range(REDIRECTS):
        target = fixture.get("replaced_by")
        if not target:
            return fixture, (first if fixture["id"] != first else None)
        fixture = store.fixture(target) or fixture
        if fixture["id"] != target:
            break
    return fixture, first


def link(survivor_id: str, duplicate_id: str, now: int, *, by: str, reasons: Sequence[str] = ()) -> dict[str, Any]:
    """The duplicate's refs move to the survivor; the duplicate is replaced by it. Idempotent."""
    if duplicate_id == survivor_id:
        raise ValidationFailed("duplicate_id: a fixture is not a duplicate of itself", field="duplicate_id")
    survivor, _ = resolve(survivor_id)
    duplicate = store.fixture(duplicate_id)
    if duplicate is None:
        raise NotFound(f"fixture {duplicate_id!r} not found", field="duplicate_id")
    if duplicate.get("replaced_by") and duplicate["replaced_by"] != survivor["id"]:
        duplicate, _ = resolve(duplicate_id)
    if duplicate["id"] == survivor["id"]:
        return survivor  # linked already (or the same fixture)
    if duplicate["sport"] != survivor["sport"]:
        raise Conflict("a fixture links only to a fixture of its sport", field="duplicate_id")
    if duplicate.get("replaced_by") != survivor["id"]:
        competitors = store.competitors([f[s]["id"] for f in (survivor, duplicate) for s in ("home", "away")])
        swapped = swapped_against(_facts_of(duplicate, competitors), _facts_of(survivor, competitors))

        def replace_it(current: dict[str, Any]) -> dict[str, Any] | None:
            if current.get("replaced_by"):
                return None
            return {**current, "replaced_by": survivor["id"], "replaced_swapped": swapped, "updated_at": now}

        duplicate = _change_fixture(duplicate["id"], replace_it) or duplicate
        if duplicate.get("replaced_by") != survivor["id"]:
            raise Conflict("the fixture was linked elsewhere meanwhile", field="duplicate_id")
        _history(
            survivor["id"],
            "linked",
            now,
            by=by,
            duplicate_id=duplicate["id"],
            swapped=swapped,
            reasons=list(reasons) or ["linked by ops"],
        )
        _history(
            duplicate["id"],
            "replaced",
            now,
            by=by,
            replaced_by=survivor["id"],
            swapped=swapped,
            reasons=list(reasons) or ["linked by ops"],
        )
        learned = _learn_aliases(survivor, duplicate, swapped)
        if learned:
            _change_fixture(duplicate["id"], lambda current: {**current, "learned": learned})
    swapped = bool(duplicate.get("replaced_swapped"))
    for entry in duplicate["refs"]:
        _move_ref(entry, duplicate["id"], survivor["id"], now, flip=swapped)
    store.close_candidate(survivor["id"], duplicate["id"], {"decision": "linked", "decided_by": by, "decided_at": now})
    return refresh(survivor["id"], now) or survivor


def _move_ref(entry: dict[str, Any], from_id: str, fixture_id: str, now: int, *, flip: bool) -> None:
    """A ref of the duplicate ``from_id`` joins the survivor (its orientation turned with the
    fixture's), its points derived again the new way round when that changed. A ref that has
    left the duplicate since (unlinked) stays where it is."""
    for attempt in range(RETRIES):
        _backoff(attempt)
        ref = store.ref(entry["feed"], entry["ref_id"])
        if ref is None or ref.get("fixture_id") != from_id:
            break
        swapped = bool(ref.get("swapped")) ^ flip
        if store.update_ref({**ref, "fixture_id": fixture_id, "swapped": swapped}, ref["version"]):
            _join(fixture_id, {"feed": ref["feed"], "ref_id": ref["ref_id"], "swapped": swapped, "via": from_id}, now)
            if ref.get("facts") and swapped != bool(ref.get("swapped")):
                apply_points(ref["feed"], ref["ref_id"], [], now, from_start=True)
            break
    ref = store.ref(entry["feed"], entry["ref_id"])
    if ref is not None and ref.get("fixture_id") == fixture_id:  # resumed after a crash: make sure it is listed
        _join(
            fixture_id,
            {"feed": ref["feed"], "ref_id": ref["ref_id"], "swapped": bool(ref.get("swapped")), "via": from_id},
            now,
        )


def _learn_aliases(survivor: dict[str, Any], duplicate: dict[str, Any], swapped: bool) -> list[dict[str, str]]:
    """The duplicate's names become aliases of the survivor's competitors (ops said they are the
    same), so the next fixture spelled that way links by itself: a name no competitor has yet is
    added, a name the duplicate's own competitor had moves to the survivor's."""
    pairs = (("home", "away"), ("away", "home")) if swapped else (("home", "home"), ("away", "away"))
    moved: list[dict[str, str]] = []  # what an unlink of the duplicate's refs gives back
    for mine, theirs in pairs:
        name, theirs_id, mine_id = duplicate[theirs]["name"], duplicate[theirs]["id"], survivor[mine]["id"]
        key = normalised(name) or name.casefold()
        holder = store.competitor_named(survivor["sport"], key)
        if holder is None:
            store.add_alias(survivor["sport"], mine_id, name, key)
        elif (
            holder == theirs_id
            and holder != mine_id
            and store.move_name(survivor["sport"], key, theirs_id, mine_id, name)
        ):
            moved.append({"sport": survivor["sport"], "key": key, "alias": name, "from": theirs_id, "to": mine_id})
    return moved


def _forget_aliases(duplicate_id: str) -> None:
    """Ops unlinked a ref that came in by linking ``duplicate_id``: the names that link moved go
    back to their own competitors, so nothing links by a mistake ops took back."""
    duplicate = store.fixture(duplicate_id)
    for item in (duplicate or {}).get("learned") or []:
        store.unmove_name(item["sport"], item["key"], item["to"], item["from"], item["alias"])
    if duplicate and duplicate.get("learned"):
        _change_fixture(duplicate_id, lambda current: {**current, "learned": [], "forgotten": current.get("learned")})


def unlink(fixture_id: str, feed: str, ref_id: str, now: int, *, by: str) -> dict[str, Any]:
    """A ref out of a fixture into a fixture of its own again (as its feed has it). Idempotent:
    unlinked before, the answer is the fixture it went to."""
    fixture, _ = resolve(fixture_id)
    ref = store.ref(feed, ref_id)
    if ref is None or not ref.get("facts"):
        raise NotFound(f"feed fixture {feed}/{ref_id} not found", field="ref_id")
    entry = next((r for r in fixture["refs"] if (r["feed"], r["ref_id"]) == (feed, ref_id)), None)
    listed = entry is not None
    if ref.get("fixture_id") != fixture["id"]:
        own = store.fixture(ref["fixture_id"]) if ref.get("fixture_id") else None
        if own and own.get("unlinked_from") == fixture["id"]:
            if listed:
                _drop_ref(fixture["id"], feed, ref_id, now)
            return own  # unlinked before
        raise Conflict(f"{feed}/{ref_id} is not a feed fixture of {fixture['id']}", field="ref_id")
    if len(fixture["refs"]) < 2:
        raise Conflict("a fixture's only feed fixture cannot be unlinked from it", field="ref_id")
    facts = FeedFixture.from_json(ref["facts"])
    new_id = ids.new_id("fix", now)
    if not store.update_ref({**ref, "fixture_id": new_id, "swapped": False}, ref["version"]):
        raise Conflict("the feed fixture changed meanwhile: try again", details={"retryable": True})
    _create(
        new_id,
        facts,
        {"feed": feed, "ref_id": ref_id, "swapped": False},
        now,
        reasons=[f"unlinked from {fixture['id']} by {by}"],
        unlinked_from=fixture["id"],
    )
    if entry and entry.get("via"):
        _forget_aliases(entry["via"])
    _drop_ref(fixture["id"], feed, ref_id, now)
    _history(
        fixture["id"],
        "unlinked",
        now,
        by=by,
        feed=feed,
        ref_id=ref_id,
        new_fixture_id=new_id,
        reasons=["unlinked by ops"],
    )
    apply_points(feed, ref_id, [], now, from_start=True)
    refresh(fixture["id"], now)
    return refresh(new_id, now) or {}


def _drop_ref(fixture_id: str, feed: str, ref_id: str, now: int) -> None:
    def drop(current: dict[str, Any]) -> dict[str, Any] | None:
        refs = [r for r in current["refs"] if (r["feed"], r["ref_id"]) != (feed, ref_id)]
        if len(refs) == len(current["refs"]):
            return None
        primary = current["primary"]
        if (primary["feed"], primary["ref_id"]) == (feed, ref_id):
            primary = {"feed": refs[0]["feed"], "ref_id": refs[0]["ref_id"]}
        return {**current, "refs": refs, "primary": primary, "updated_at": now}

    _change_fixture(fixture_id, drop)


# ---------------------------------------------------------------- what is shown
def view(fixture: dict[str, Any], *, redirected_from: str | None = None) -> dict[str, Any]:
    answer = {
        "id": fixture["id"],
        "sport": fixture["sport"],
        "competition": fixture.get("competition", ""),
        "home": fixture["home"],
        "away": fixture["away"],
        "start_time": fixture["start_time"],
        "status": fixture["status"],
        "score": fixture.get("score"),
        "points": fixture.get("points", 0),
        "refs": [
            {**r, "primary": (r["feed"], r["ref_id"]) == (fixture["primary"]["feed"], fixture["primary"]["ref_id"])}
            for r in fixture["refs"]
        ],
        "following": fixture.get("following", fixture["primary"]),
        "flags": fixture.get("flags", []),
        "disagreements": fixture.get("disagreements", []),
        "updated_at": fixture.get("updated_at"),
    }
    if fixture.get("replaced_by"):
        answer["replaced_by"] = fixture["replaced_by"]
    if redirected_from:
        answer["redirected_from"] = redirected_from
    return answer


def point_view(record: dict[str, Any], swapped: bool) -> dict[str, Any]:
    """A stored point as the canonical fixture has it: who won it and served, and the score after."""
    point = turned(_point_of(record), swapped)
    answer: dict[str, Any] = {"seq": point.seq, "ts": point.ts, "winner": point.winner, "outcome": record["outcome"]}
    if point.server:
        answer["server"] = point.server
    if point.kind:
        answer["kind"] = point.kind
    if record.get("score") is not None:
        answer["score"] = record["score"]
    if record.get("reason"):
        answer["reason"] = record["reason"]
    return answer
