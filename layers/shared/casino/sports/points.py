"""A fixture's points from one feed, applied in ``seq`` order exactly once (sports.md, "Point by
point"), pure.

A ``PointLog`` holds every point a feed sent for a fixture (by ``seq``, from 1) and the score
after each point applied. Points may arrive out of order, twice, or corrected:

- a point already held with the same content changes nothing (a repeat, a correction sent again);
  with other content and no ``correction`` flag it is refused as a conflict (flagged, the held one
  kept): so a correction that comes before the point it corrects is that point, and the late
  original changes nothing, in whatever order they come;
- points are applied while the next ``seq`` is held; a gap waits (``missing`` says which ``seq``
  to ask for again);
- a correction of an applied point rewinds to it and re-derives every score after it; of a point
  not applied yet, it simply replaces it;
- a point the rules refuse (after the match ended, a server who cannot serve) is flagged and
  skipped, never applied: the points after it apply to the score before it.

Every function returns a new log; the caller stores it (with the score after each point). A
log may hold only the tail of a match (``base`` is the score before its first point): enough to
apply new points, or to rewind to any point it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from casino.sports.rules import SIDES, PointRefused, Score, Side, Sport

MAX_SEQ = 100_000  # far beyond any match; a bound on what a feed may claim


@dataclass(frozen=True)
class Point:
    seq: int
    winner: Side
    server: Side | None = None
    ts: int = 0
    kind: str | None = None

    @classmethod
    def from_feed(cls, raw: dict[str, Any]) -> Point:
        """A point as a feed sends it (``{seq, winner, server?, ts?, kind?}``); ``ValueError``
        naming the field for anything else."""
        seq = raw.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= MAX_SEQ:
            raise ValueError(f"seq: a whole number from 1 to {MAX_SEQ}")
        winner, server = raw.get("winner"), raw.get("server")
        if winner not in SIDES:
            raise ValueError("winner: home or away")
        if server is not None and server not in SIDES:
            raise ValueError("server: home or away")
        ts = raw.get("ts", 0)
        if isinstance(ts, bool) or not isinstance(ts, int) or ts < 0:
            raise ValueError("ts: unix milliseconds")
        kind = raw.get("kind")
        if kind is not None and (not isinstance(kind, str) or len(kind) > 32):
            raise ValueError("kind: a short word")
        return cls(seq, winner, server, ts, kind)


@dataclass(frozen=True)
class Flag:
    seq: int
    reason: str


@dataclass(frozen=True)
class PointLog:
    sport: Sport
    received: dict[int, Point] = field(default_factory=dict)
    scores: tuple[tuple[int, Score], ...] = ()  # (seq, the score after it), in seq order
    applied_upto: int = 0  # every seq up to here has been applied or refused
    flags: tuple[Flag, ...] = ()
    base: Score | None = None  # the score before the first point held (a log read from a later seq)

    @property
    def score(self) -> Score:
        if self.scores:
            return self.scores[-1][1]
        return self.base if self.base is not None else self.sport.start

    @property
    def missing(self) -> int | None:
        """The next ``seq`` to ask for again, if a later one is held (a gap)."""
        if any(seq > self.applied_upto + 1 for seq in self.received) and self.applied_upto + 1 not in self.received:
            return self.applied_upto + 1
        return None

    def score_after(self, seq: int) -> Score | None:
        for at, score in self.scores:
            if at == seq:
                return score
        return None


def receive(log: PointLog, point: Point, *, correction: bool = False) -> PointLog:
    """The log after a point arrives (a repeat, a new point, or a correction)."""
    held = log.received.get(point.seq)
    if held is not None and _same(held, point):
        return log  # a repeat (of a point or of a correction): exactly once
    if held is not None and not correction:
        return replace(log, flags=(*log.flags, Flag(point.seq, "a different point under a seq already held")))
    received = {**log.received, point.seq: point}
    if correction and point.seq <= log.applied_upto:
        rewound = replace(
            log,
            received=received,
            scores=tuple((seq, s) for seq, s in log.scores if seq < point.seq),
            applied_upto=point.seq - 1,
            flags=(*(f for f in log.flags if f.seq < point.seq), Flag(point.seq, "corrected: re-derived from here")),
        )
        return _advance(rewound)
    return _advance(replace(log, received=received))


def catch_up(log: PointLog) -> PointLog:
    """The log with every held point that comes next applied (points held before the fixture's
    rules were known, or a log read afresh)."""
    return _advance(log)


def _same(a: Point, b: Point) -> bool:
    return (a.winner, a.server) == (b.winner, b.server)


def _advance(log: PointLog) -> PointLog:
    """Apply every held point that comes next in ``seq`` order."""
    score = log.score
    scores = list(log.scores)
    flags = list(log.flags)
    upto = log.applied_upto
    while upto + 1 in log.received:
        point = log.received[upto + 1]
        try:
            score = log.sport.point(score, point.winner, point.server)
        except PointRefused as refused:
            flags.append(Flag(point.seq, refused.message))  # flagged, never applied
        else:
            scores.append((point.seq, score))
        upto += 1
    return replace(log, scores=tuple(scores), applied_upto=upto, flags=tuple(flags))
