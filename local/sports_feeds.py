"""The two stub sports feeds, ``alpha`` and ``beta``, that the local stack serves (sports.md,
"Feeds"; local-stack.md, "sports feeds"), so that the hub's ingestion can be shown and tested
against feeds that disagree the way real ones do.

Both feeds describe the same real events under their own ref ids, spellings and start times:

- the 2008 Wimbledon men's final, Nadal d. Federer 6-4 6-4 6-7(5) 6-7(8) 9-7 (best of five, no
  tiebreak in the fifth set). The games follow the published set scores (Federer serving first,
  Nadal's break early in the first set, his run from 1-4 in the second, the break at 7-7 in the
  fifth); the points inside each game are made up, deterministically, with deuces;
- a volleyball match, Zenit Kazan d. Itas Trentino 25-23 22-25 25-20 23-25 15-13 (made-up set
  scores and rallies);
- two fixtures days ahead that are never played here, one of them spelled by ``beta`` with a
  typo ("Novak Djokovich") so that it is a link candidate for ops rather than a certain link.

Every spelling variant of a linked event normalises equal under ``casino.sports.linking``; beta
lists the volleyball match with home and away swapped (its points swapped to match), lists start
times a few minutes off, and publishes each point one interval after alpha (a slower feed; a
point's ``ts`` is when it was played, the same in both). Point ``n`` of a match is ``seq`` n in
both feeds.

The matches are played on a timer from ``started_at_ms``: the first point ``LEAD_SECONDS`` after
it, then one every ``POINT_SECONDS``, both divided by ``rate_scale`` (``RATE_SCALE``). Nothing is
random at run time: the points come from a PRNG seeded with a constant, so every run (and both
feeds) serve the same match. ``POST <code>/outage {"down": true}`` makes a feed answer 503 to
every read until it is brought back, to show a feed going down.

The gateway hands a local route the path after its prefix; the query string may follow it after
``?`` (``alpha/points?fixture=a-ten-1001&after=12``).
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

from casino import clock as casino_clock

PREFIX = "/_local/sports-feeds/"
POINT_SECONDS = 3.0  # one point every 3 s at RATE_SCALE 1: the final takes ~20 min, at 60 ~20 s
PAGE = 500  # points in one answer at most
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
MINUTE_MS = 60_000
JSON = {"Content-Type": "application/json"}

Side = Literal["home", "away"]
Answer = tuple[int, dict[str, str], bytes]

FEEDS: tuple[dict[str, Any], ...] = (
    {
        "code": "alpha",
        "name": "Alpha Sports Data (local stub)",
        "secret": "alpha-feed-secret",
        "sports": ["tennis", "volleyball"],
        "poll_seconds": 5,
        "alive_seconds": 60,
    },
    {
        "code": "beta",
        "name": "Beta Live Scores (local stub)",
        "secret": "beta-feed-secret",
        "sports": ["tennis", "volleyball"],
        "poll_seconds": 5,
        "alive_seconds": 60,
    },
)


def other(side: Side) -> Side:
    return "away" if side == "home" else "home"


# ---------------------------------------------------------------- the real matches, point by point
@dataclass(frozen=True)
class Play:
    """One point of a real match, home and away as alpha names them."""

    winner: Side
    server: Side
    kind: str


def _tennis_kind(rng: random.Random, server_won: bool) -> str:
    roll = rng.random()
    if server_won:
        return "ace" if roll < 0.15 else "winner" if roll < 0.6 else "error"
    return "double_fault" if roll < 0.08 else "winner" if roll < 0.55 else "error"


def _game(rng: random.Random, winner: Side) -> list[Side]:
    """The points of a game won by ``winner``: to love, 15, 30, or through deuce (more than once)."""
    loser = other(winner)
    lost = rng.choice((0, 1, 1, 2, 2, 3, 3))
    opening = [winner] * 3 + [loser] * lost
    rng.shuffle(opening)  # three points at most each: nobody wins the game before its end
    if lost < 3:
        return [*opening, winner]
    deuces: list[Side] = []
    for _ in range(rng.choice((0, 0, 1, 2))):  # advantage one way, back to deuce
        first = rng.choice((winner, loser))
        deuces += [first, other(first)]
    return [*opening, *deuces, winner, winner]


def _tiebreak(rng: random.Random, home: int, away: int) -> list[Side]:
    """The points of a tiebreak to 7 (by two) ending ``home``-``away``."""
    winner: Side = "home" if home > away else "away"
    before = [winner] * (max(home, away) - 1) + [other(winner)] * min(home, away)
    while True:  # seeded: the same order every run
        rng.shuffle(before)
        h = a = 0
        for side in before:
            h, a = (h + 1, a) if side == "home" else (h, a + 1)
            if max(h, a) >= 7 and abs(h - a) >= 2:
                break
        else:
            return [*before, winner]


def _tiebreak_server(first: Side, played: int) -> Side:
    """Who serves a tiebreak's point after ``played`` points: ``first``, then two each."""
    if played == 0:
        return first
    return other(first) if ((played - 1) // 2) % 2 == 0 else first


# The 2008 final's games, home = Nadal: who won each game, and each tiebreak's points.
WIMBLEDON_2008: tuple[tuple[str, tuple[int, int] | None], ...] = (
    ("ahhhahahah", None),  # 6-4: Nadal breaks in the third game
    ("aaahahhhhh", None),  # 6-4: from 1-4 down, five games in a row
    ("ahahahahahah", (5, 7)),  # 6-7(5)
    ("hahahahahaha", (8, 10)),  # 6-7(8)
    ("ahahahahahahahhh", None),  # 9-7: the break at 7-7, then Nadal serves it out
)


def tennis_final() -> tuple[Play, ...]:
    rng = random.Random(2008)  # noqa: S311 - a fixed match, not a secret
    plays: list[Play] = []
    server: Side = "away"  # Federer served first
    for games, tiebreak in WIMBLEDON_2008:
        for game in games:
            winner: Side = "home" if game == "h" else "away"
            for point in _game(rng, winner):
                plays.append(Play(point, server, _tennis_kind(rng, point == server)))
            server = other(server)
        if tiebreak is not None:
            first = server  # whose turn it was serves the tiebreak's first point
            for played, point in enumerate(_tiebreak(rng, *tiebreak)):
                serving = _tiebreak_server(first, played)
                plays.append(Play(point, serving, _tennis_kind(rng, point == serving)))
            server = other(first)  # the tiebreak's first receiver serves the next set first
    return tuple(plays)


VOLLEYBALL_SETS: tuple[tuple[int, int], ...] = ((25, 23), (22, 25), (25, 20), (23, 25), (15, 13))


def _volleyball_kind(rng: random.Random, server_won: bool) -> str:
    roll = rng.random()
    if server_won:
        return "ace" if roll < 0.1 else "attack" if roll < 0.7 else "block" if roll < 0.85 else "error"
    return "attack" if roll < 0.6 else "block" if roll < 0.75 else "error"


def volleyball_match() -> tuple[Play, ...]:
    """Rally by rally: the receiving side wins a rally more often than not (a side-out), the
    rally's winner serves the next, and the sides take turns to serve a set's first rally."""
    rng = random.Random(2016)  # noqa: S311 - a fixed match, not a secret
    plays: list[Play] = []
    for index, (home, away) in enumerate(VOLLEYBALL_SETS):
        winner: Side = "home" if home > away else "away"
        left = {"home": home - (winner == "home"), "away": away - (winner == "away")}
        server: Side = "home" if index % 2 == 0 else "away"
        while left["home"] + left["away"]:  # short of the set point: nobody reaches the set's end
            weight = {side: left[side] * (1.0 if side == server else 1.6) for side in ("home", "away")}
            point: Side = "home" if rng.random() * (weight["home"] + weight["away"]) < weight["home"] else "away"
            left[point] -= 1
            plays.append(Play(point, server, _volleyball_kind(rng, point == server)))
            server = point
        plays.append(Play(winner, server, _volleyball_kind(rng, winner == server)))
    return tuple(plays)


# ---------------------------------------------------------------- the events, as each feed lists them
@dataclass(frozen=True)
class Event:
    key: str
    sport: str
    plays: tuple[Play, ...] = ()  # none: a fixture ahead, not played here
    lead_s: float = 0.0  # played: its first point this long after the start (before scaling)
    days_ahead: int = 0  # not played: it starts this many days (and hours) ahead
    hours: int = 0


@dataclass(frozen=True)
class Listing:
    """An event as one feed lists it."""

    event: Event
    ref_id: str
    competition: str
    home: str
    away: str
    start_shift_ms: int = 0  # this feed's start time, minus the event's
    swapped: bool = False  # this feed's home is the event's away
    extra: dict[str, Any] = field(default_factory=dict)


FINAL = Event("wimbledon-2008-final", "tennis", tennis_final(), lead_s=15)
VOLLEYBALL = Event("zenit-trentino", "volleyball", volleyball_match(), lead_s=30)
AHEAD_TENNIS = Event("djokovic-alcaraz", "tennis", days_ahead=3, hours=9)
AHEAD_VOLLEYBALL = Event("perugia-civitanova", "volleyball", days_ahead=4, hours=18)

LISTINGS: dict[str, tuple[Listing, ...]] = {
    "alpha": (
        Listing(
            FINAL,
            "a-ten-1001",
            "Wimbledon 2008 Men's Singles",
            "Rafael Nadal",
            "Roger Federer",
            extra={"best_of": 5, "final_set": "advantage"},
        ),
        Listing(VOLLEYBALL, "a-vb-2001", "CEV Champions League", "Zenit Kazan", "Itas Trentino"),
        Listing(AHEAD_TENNIS, "a-ten-1002", "Australian Open Men's Singles", "Novak Djokovic", "Carlos Alcaraz"),
        Listing(AHEAD_VOLLEYBALL, "a-vb-2002", "SuperLega", "Sir Safety Perugia", "Cucine Lube Civitanova"),
    ),
    "beta": (
        Listing(
            FINAL,
            "B/TEN/77",
            "Wimbledon Gentlemen's Singles 2008",
            "RAFAEL NADAL",
            "roger federer",
            start_shift_ms=-4 * MINUTE_MS,
        ),
        Listing(
            VOLLEYBALL,
            "B/VB/31",
            "CEV Champions League - Men",
            "Itas-Trentino",
            "VC Zenit-Kazan",
            start_shift_ms=6 * MINUTE_MS,
            swapped=True,
        ),
        Listing(
            AHEAD_TENNIS,
            "B/TEN/78",
            "Australian Open - Men's Singles",
            "Novak Djokovich",  # sic: a near duplicate, for the link-candidate list
            "carlos alcaraz",
            start_shift_ms=5 * MINUTE_MS,
        ),
        Listing(
            AHEAD_VOLLEYBALL,
            "B/VB/32",
            "Italian SuperLega",
            "SIR SAFETY PERUGIA",
            "Cucine Lube-Civitanova",
            start_shift_ms=-2 * MINUTE_MS,
        ),
    ),
}
LAG_POINTS = {"alpha": 0, "beta": 1}  # beta publishes each point this many intervals late


# ---------------------------------------------------------------- the feeds, on a timer
def _answer(status: int, body: dict[str, Any]) -> Answer:
    return status, dict(JSON), json.dumps(body).encode()


def _digits(params: dict[str, str], name: str) -> int | None:
    """A non-negative whole number parameter (0 when absent); None when it is not one."""
    raw = params.get(name, "")
    if raw == "":
        return 0
    return int(raw) if raw.isascii() and raw.isdigit() else None


class StubFeeds:
    """Both stub feeds as one local route: ``(method, path after PREFIX, headers, body) -> answer``."""

    page = PAGE

    def __init__(
        self,
        rate_scale: float = 1.0,
        *,
        started_at_ms: int | None = None,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.rate_scale = max(rate_scale, 0.001)
        self.clock: Callable[[], int] = clock or casino_clock.now_ms
        self.started_at_ms = self.clock() if started_at_ms is None else started_at_ms
        self._down = dict.fromkeys(LISTINGS, False)
        self._lock = threading.Lock()

    # ---- time
    def _at(self, seconds: float) -> int:
        """The unix ms ``seconds`` (before scaling) after the start."""
        return self.started_at_ms + round(seconds * 1000 / self.rate_scale)

    def point_ts(self, event: Event, seq: int) -> int:
        """When point ``seq`` of a played event was played."""
        return self._at(event.lead_s + (seq - 1) * POINT_SECONDS)

    def out_at(self, code: str, event: Event, seq: int) -> int:
        """When feed ``code`` publishes point ``seq`` of a played event."""
        return self._at(event.lead_s + (seq - 1 + LAG_POINTS[code]) * POINT_SECONDS)

    def start_time(self, listing: Listing) -> int:
        event = listing.event
        if event.plays:
            start = self.point_ts(event, 1)
        else:
            start = (self.started_at_ms // HOUR_MS) * HOUR_MS + event.days_ahead * DAY_MS + event.hours * HOUR_MS
        return start + listing.start_shift_ms

    def finished_at_ms(self) -> int:
        """When every point of every feed is out (both matches ended in both feeds)."""
        return max(
            self.out_at(code, listing.event, len(listing.event.plays))
            for code, listings in LISTINGS.items()
            for listing in listings
            if listing.event.plays
        )

    # ---- what a feed says now
    def _status(self, code: str, listing: Listing, now: int) -> tuple[str, int]:
        event = listing.event
        if event.plays:
            first, last = self.out_at(code, event, 1), self.out_at(code, event, len(event.plays))
            if now >= last:
                return "ended", last
            if now >= first:
                return "live", first
        return "not_started", self.started_at_ms

    def fixtures(self, code: str, changed_since: int = 0) -> list[dict[str, Any]]:
        now = self.clock()
        answer = []
        for listing in LISTINGS[code]:
            status, changed_at = self._status(code, listing, now)
            if changed_at <= changed_since:
                continue
            answer.append(
                {
                    "ref_id": listing.ref_id,
                    "sport": listing.event.sport,
                    "competition": listing.competition,
                    "home": listing.home,
                    "away": listing.away,
                    "start_time": self.start_time(listing),
                    "status": status,
                    "changed_at": changed_at,
                    **listing.extra,
                }
            )
        return answer

    def points(self, code: str, ref_id: str, after: int = 0) -> list[dict[str, Any]] | None:
        """The points out by now after ``after`` (at most ``page``); None for an unknown fixture."""
        listing = next((x for x in LISTINGS[code] if x.ref_id == ref_id), None)
        if listing is None:
            return None
        now = self.clock()
        event = listing.event
        answer: list[dict[str, Any]] = []
        for seq in range(after + 1, len(event.plays) + 1):
            if len(answer) >= self.page or self.out_at(code, event, seq) > now:
                break
            play = event.plays[seq - 1]
            winner, server = (other(play.winner), other(play.server)) if listing.swapped else (play.winner, play.server)
            answer.append(
                {
                    "fixture_ref": ref_id,
                    "seq": seq,
                    "ts": self.point_ts(event, seq),
                    "winner": winner,
                    "server": server,
                    "kind": play.kind,
                }
            )
        return answer

    def is_down(self, code: str) -> bool:
        with self._lock:
            return self._down[code]

    def set_down(self, code: str, down: bool) -> None:
        with self._lock:
            self._down[code] = down

    # ---- the local route
    def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        path, _, query = path.partition("?")
        if path.startswith(PREFIX):  # given the whole path rather than the part after the prefix
            path = path[len(PREFIX) :]
        code, _, what = path.strip("/").partition("/")
        if code not in LISTINGS:
            return _answer(404, {"error": f"no feed {code!r}"})
        if method == "POST" and what == "outage":
            return self._outage(code, body)
        if method != "GET" or what not in ("fixtures", "points"):
            return _answer(404, {"error": "not found"})
        if self.is_down(code):
            return _answer(503, {"error": f"feed {code} is down"})
        params = dict(parse_qsl(query, keep_blank_values=True))
        if what == "fixtures":
            changed_since = _digits(params, "changed_since")
            if changed_since is None:
                return _answer(400, {"error": "changed_since: unix milliseconds"})
            return _answer(200, {"fixtures": self.fixtures(code, changed_since)})
        after = _digits(params, "after")
        if after is None:
            return _answer(400, {"error": "after: a seq (a whole number)"})
        ref_id = params.get("fixture", "")
        if not ref_id:
            return _answer(400, {"error": "fixture: a fixture's ref_id"})
        points = self.points(code, ref_id, after)
        if points is None:
            return _answer(404, {"error": f"no fixture {ref_id!r} in feed {code}"})
        return _answer(200, {"points": points})

    def _outage(self, code: str, body: bytes) -> Answer:
        try:
            given = json.loads(body or b"null")
        except ValueError:
            given = None
        down = given.get("down") if isinstance(given, dict) else None
        if not isinstance(down, bool):
            return _answer(400, {"error": 'a JSON body {"down": true|false}'})
        self.set_down(code, down)
        return _answer(200, {"code": code, "down": down})
