"""What a feed says, checked, and the canonical fixture's state derived from it (sports.md), pure.

- ``FeedFixture``: a feed's fixture (``{ref_id, sport, competition, home, away, start_time,
  status}``, and optionally ``best_of`` / ``final_set``), each field checked with a reason.
- ``FeedPoint``: a point or a correction (``{fixture_ref, seq, ts, winner, server?, kind?}``,
  ``correction: true``), read the way round the canonical fixture has it (``swapped``).
- ``fixture_status``: the canonical status from what the followed feed says, the score derived
  from the points, and whether the fixture is suspended (no linked feed up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from casino.sports.competitions import SPORTS, rules_for
from casino.sports.linking import normalised
from casino.sports.points import Point
from casino.sports.rules import Side, Sport, other

FEED_STATUSES = ("not_started", "live", "suspended", "ended", "closed", "cancelled", "postponed")
FINAL = ("closed", "cancelled")  # nothing more comes: its points are no longer pulled
MAX_NAME = 120
MAX_REF = 128
YEAR_MS = 366 * 86_400_000


def _text(raw: dict[str, Any], name: str, limit: int, *, required: bool = True) -> str:
    value = raw.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > limit or not value.isprintable():
        raise ValueError(f"{name}: a name of 1 to {limit} printable characters")
    return value.strip()


def _ref_id(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)  # a feed's numeric id is its id as text
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_REF or not value.isprintable() or "#" in value:
        raise ValueError(f"{name}: the feed's id, 1 to {MAX_REF} printable characters, no '#'")
    return value


@dataclass(frozen=True)
class FeedFixture:
    ref_id: str
    sport: str
    competition: str
    home: str
    away: str
    start_time: int
    status: str
    best_of: int | None = None
    final_set: str | None = None

    @classmethod
    def from_feed(cls, raw: Any, *, sports: tuple[str, ...] = SPORTS, now_ms: int | None = None) -> FeedFixture:
        """A feed's fixture; ``ValueError`` naming the field for anything else."""
        if not isinstance(raw, dict):
            raise ValueError("fixture: an object")
        ref_id = _ref_id(raw, "ref_id")
        sport = raw.get("sport")
        if sport not in SPORTS:
            raise ValueError(f"sport: one of {', '.join(SPORTS)}")
        if sport not in sports:
            raise ValueError(f"sport: this feed was registered for {', '.join(sports)}")
        home, away = _text(raw, "home", MAX_NAME), _text(raw, "away", MAX_NAME)
        if (normalised(home) or home.casefold()) == (normalised(away) or away.casefold()):
            raise ValueError("away: the same competitor as home")
        competition = _text(raw, "competition", MAX_NAME, required=False)
        start = raw.get("start_time")
        if isinstance(start, bool) or not isinstance(start, int) or not 0 < start < 10**13:
            raise ValueError("start_time: unix milliseconds")
        if now_ms is not None and abs(start - now_ms) > 5 * YEAR_MS:
            raise ValueError("start_time: more than five years away from now")
        status = raw.get("status", "not_started")
        if status not in FEED_STATUSES:
            raise ValueError(f"status: one of {', '.join(FEED_STATUSES)}")
        fixture = cls(ref_id, sport, competition, home, away, start, status, raw.get("best_of"), raw.get("final_set"))
        fixture.rules()  # best_of and final_set, when given, are ones the sport has
        return fixture

    def rules(self) -> Sport:
        given = {"best_of": self.best_of, "final_set": self.final_set}
        return rules_for(self.sport, self.competition, self.start_time, given)

    def to_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "ref_id": self.ref_id,
            "sport": self.sport,
            "competition": self.competition,
            "home": self.home,
            "away": self.away,
            "start_time": self.start_time,
            "status": self.status,
        }
        if self.best_of is not None:
            answer["best_of"] = self.best_of
        if self.final_set is not None:
            answer["final_set"] = self.final_set
        return answer

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> FeedFixture:
        return cls(**{k: stored.get(k) for k in cls.__dataclass_fields__})  # type: ignore[arg-type]


@dataclass(frozen=True)
class FeedPoint:
    """A point (or a correction) of a feed's fixture, as the feed has home and away."""

    fixture_ref: str
    point: Point
    correction: bool = False

    @classmethod
    def from_feed(cls, raw: Any) -> FeedPoint:
        if not isinstance(raw, dict):
            raise ValueError("point: an object")
        fixture_ref = _ref_id(raw, "fixture_ref")
        correction = raw.get("correction", False)
        if not isinstance(correction, bool):
            raise ValueError("correction: true or false")
        point = Point.from_feed(raw)
        if not correction and "ts" not in raw:
            raise ValueError("ts: when the point was played, unix milliseconds")
        return cls(fixture_ref, point, correction)


def turned(point: Point, swapped: bool) -> Point:
    """A point the other way round when the feed has home and away swapped (and back)."""
    if not swapped:
        return point
    flip: dict[str, Side] = {"home": "away", "away": "home"}
    return Point(point.seq, other(point.winner), flip[point.server] if point.server else None, point.ts, point.kind)


def fixture_status(feed_status: str, *, points_applied: int, ended: bool, suspended: bool) -> str:
    """The canonical fixture's status: what the followed feed says of a fixture that will not be
    played (cancelled, postponed) or is closed; ``ended`` once its points have a winner (or the
    feed says so: a retirement); ``live`` once a point is applied or the feed says so, unless no
    linked feed is up (``suspended``); else ``not_started``."""
    if feed_status in ("cancelled", "postponed", "closed"):
        return feed_status
    if ended or feed_status == "ended":
        return "ended"
    if feed_status == "suspended":  # the feed's own (a rain delay)
        return "suspended"
    if points_applied or feed_status == "live":
        return "suspended" if suspended else "live"
    return "not_started"
