"""Point-by-point rule sets (sports.md, "Point by point"): pure functions from a score and the
next point to the score after it. A score is immutable and carries everything a page needs to
show any point of a match without replaying it (sets, games, points, who serves, the winner).

- **Tennis**: points 0-15-30-40, deuce and advantage; games; sets to 6 by two with a tiebreak to
  7 (by two) at 6-6; best of 3 or 5; the final set by the competition's rule: ``tiebreak`` (as
  the others), ``advantage`` (no tiebreak: by two games) or ``match_tiebreak`` (a tiebreak to 10
  at 6-6) or ``tiebreak_at_12`` (Wimbledon 2019-2021: a tiebreak to 7 at 12-12). The server
  changes every game; in a tiebreak the player whose turn it was serves the first point, then
  each serves two; the player who received first in a tiebreak serves first in the next set.
- **Volleyball**: rally scoring; sets to 25 by two, the deciding set to 15 by two; best of 5
  (or 3). The team that wins a rally serves the next; each set's first server is the feed's.

A point the rules cannot accept (after the match ended, or served by the side that cannot serve)
is refused with ``PointRefused``, never applied. The first point of a match (and of each
volleyball set) may name its server; later ones must agree with the rules. In tennis, until a
point names its server the rotation is a guess (home first), and the first point that names
one re-anchors it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

from casino.errors import DomainError

Side = Literal["home", "away"]
SIDES: tuple[Side, Side] = ("home", "away")
FINAL_SET_RULES = ("tiebreak", "advantage", "match_tiebreak", "tiebreak_at_12")
TENNIS_POINTS = ("0", "15", "30", "40")


class PointRefused(DomainError):
    """A point the sport's rules cannot accept; flagged on the fixture, never applied."""

    code = "point_refused"


def other(side: Side) -> Side:
    return "away" if side == "home" else "home"


def _index(side: Side) -> int:
    return 0 if side == "home" else 1


def _plus(pair: tuple[int, int], side: Side) -> tuple[int, int]:
    return (pair[0] + 1, pair[1]) if side == "home" else (pair[0], pair[1] + 1)


def sets_won(sets: tuple[tuple[int, int], ...]) -> tuple[int, int]:
    """How many finished sets each side won."""
    home = sum(1 for h, a in sets if h > a)
    return home, len(sets) - home


def _shown(sets: tuple[tuple[int, int], ...], server: Side | None, winner: Side | None, **rest: Any) -> dict[str, Any]:
    """A score as every sport shows it: its sets, who won how many, who serves, the winner."""
    answer: dict[str, Any] = {"sets": [list(s) for s in sets], "sets_won": list(sets_won(sets)), **rest}
    answer["server"] = server
    if winner:
        answer["winner"] = winner
    return answer


def _won_by_two(pair: tuple[int, int], target: int) -> Side | None:
    home, away = pair
    if home >= target and home - away >= 2:
        return "home"
    if away >= target and away - home >= 2:
        return "away"
    return None


# ---------------------------------------------------------------- tennis
@dataclass(frozen=True)
class TennisRules:
    best_of: int = 3
    final_set: str = "tiebreak"

    def __post_init__(self) -> None:
        if self.best_of not in (3, 5) or self.final_set not in FINAL_SET_RULES:
            raise ValueError(f"tennis: best_of 3 or 5, final_set one of {FINAL_SET_RULES}")

    @property
    def sets_to_win(self) -> int:
        return self.best_of // 2 + 1


@dataclass(frozen=True)
class TennisScore:
    sets: tuple[tuple[int, int], ...] = ()  # the games of each finished set
    games: tuple[int, int] = (0, 0)  # the current set's games
    points: tuple[int, int] = (0, 0)  # the current game's (or tiebreak's) points
    tiebreak: int = 0  # 0, or the points a tiebreak is played to (7 or 10)
    server: Side | None = None  # None before the first point
    tiebreak_first: Side | None = None  # who served the tiebreak's first point
    winner: Side | None = None
    server_named: bool = False  # a point has named its server: the rotation is the feed's, not a guess

    def sets_won(self) -> tuple[int, int]:
        return sets_won(self.sets)

    def to_json(self) -> dict[str, Any]:
        """The score as shown: sets, games, the game's points (0/15/30/40/AD or a tiebreak's count)."""
        return _shown(
            self.sets,
            self.server,
            self.winner,
            games=list(self.games),
            points=list(_tennis_points(self)),
            tiebreak=self.tiebreak > 0,
        )


def _tennis_points(score: TennisScore) -> tuple[str, str]:
    home, away = score.points
    if score.tiebreak:
        return str(home), str(away)
    if home >= 3 and away >= 3:
        if home == away:
            return "40", "40"
        return ("AD", "40") if home > away else ("40", "AD")
    return TENNIS_POINTS[home], TENNIS_POINTS[away]


def _tennis_server(score: TennisScore) -> Side | None:
    """Who must serve the next point (None before the first point: the feed names it)."""
    if score.server is None:
        return None
    if not score.tiebreak:
        return score.server
    first = score.tiebreak_first or score.server
    played = sum(score.points)
    if played == 0:
        return first
    return other(first) if ((played - 1) // 2) % 2 == 0 else first


def _anchored(score: TennisScore, server: Side) -> TennisScore:
    """The score with ``server`` serving the next point (the rotation re-anchored on it)."""
    if not score.tiebreak:
        return replace(score, server=server)
    played = sum(score.points)
    first = server if played == 0 or ((played - 1) // 2) % 2 == 1 else other(server)
    return replace(score, server=server, tiebreak_first=first)


def tennis_point(rules: TennisRules, score: TennisScore, winner: Side, server: Side | None = None) -> TennisScore:
    """The score after a point won by ``winner`` (``server`` as the feed says, if it says)."""
    if score.winner is not None:
        raise PointRefused("the match is over: no point after its last")
    if winner not in SIDES or (server is not None and server not in SIDES):
        raise PointRefused("a point names home or away")
    due = _tennis_server(score)
    if due is not None and server is not None and server != due:
        if score.server_named:
            raise PointRefused(f"{server} cannot serve now: {due} serves this point")
        score, due = _anchored(score, server), server  # the rotation so far was a guess: the feed's word wins
    if server is not None and not score.server_named:
        score = replace(score, server_named=True)
    serving = due or server or "home"
    points = _plus(score.points, winner)
    if score.tiebreak:
        current = replace(score, points=points, server=serving, tiebreak_first=score.tiebreak_first or serving)
        won = _won_by_two(points, score.tiebreak)
        if won is None:
            return current
        # the tiebreak decides the set; its first receiver serves the next set first
        return _set_won(rules, current, _plus(score.games, won), next_server=other(current.tiebreak_first or serving))
    current = replace(score, points=points, server=serving)
    won = _won_by_two(points, 4)
    if won is None:
        return current
    games = _plus(score.games, won)
    set_winner = _won_by_two(games, 6)
    if set_winner is not None:
        return _set_won(rules, current, games, next_server=other(serving))
    deciding = len(score.sets) == rules.best_of - 1
    tiebreak_at = (12, 12) if deciding and rules.final_set == "tiebreak_at_12" else (6, 6)
    if games == tiebreak_at and not (deciding and rules.final_set == "advantage"):
        to = 10 if deciding and rules.final_set == "match_tiebreak" else 7
        return replace(current, games=games, points=(0, 0), tiebreak=to, server=other(serving), tiebreak_first=None)
    return replace(current, games=games, points=(0, 0), server=other(serving))


def _set_won(rules: TennisRules, score: TennisScore, games: tuple[int, int], *, next_server: Side) -> TennisScore:
    sets = (*score.sets, games)
    after = replace(score, sets=sets, games=(0, 0), points=(0, 0), tiebreak=0, tiebreak_first=None, server=next_server)
    home, away = after.sets_won()
    if max(home, away) == rules.sets_to_win:
        return replace(after, winner="home" if home > away else "away")
    return after


# ---------------------------------------------------------------- volleyball
@dataclass(frozen=True)
class VolleyballRules:
    best_of: int = 5
    set_to: int = 25
    deciding_set_to: int = 15

    def __post_init__(self) -> None:
        if self.best_of not in (3, 5):
            raise ValueError("volleyball: best_of 3 or 5")

    @property
    def sets_to_win(self) -> int:
        return self.best_of // 2 + 1


@dataclass(frozen=True)
class VolleyballScore:
    sets: tuple[tuple[int, int], ...] = ()
    points: tuple[int, int] = (0, 0)
    server: Side | None = None  # None before a set's first rally: the feed names it
    winner: Side | None = None

    def sets_won(self) -> tuple[int, int]:
        return sets_won(self.sets)

    def to_json(self) -> dict[str, Any]:
        return _shown(self.sets, self.server, self.winner, points=list(self.points))


def volleyball_point(
    rules: VolleyballRules, score: VolleyballScore, winner: Side, server: Side | None = None
) -> VolleyballScore:
    if score.winner is not None:
        raise PointRefused("the match is over: no rally after its last")
    if winner not in SIDES or (server is not None and server not in SIDES):
        raise PointRefused("a rally names home or away")
    if score.server is not None and server is not None and server != score.server:
        raise PointRefused(f"{server} cannot serve now: {score.server} won the last rally")
    points = _plus(score.points, winner)
    deciding = len(score.sets) == rules.best_of - 1
    won = _won_by_two(points, rules.deciding_set_to if deciding else rules.set_to)
    if won is None:
        return replace(score, points=points, server=winner)  # rally scoring: the winner serves
    after = replace(score, sets=(*score.sets, points), points=(0, 0), server=None)
    home, away = after.sets_won()
    if max(home, away) == rules.sets_to_win:
        return replace(after, winner="home" if home > away else "away")
    return after


# ---------------------------------------------------------------- one door for every sport
Rules = TennisRules | VolleyballRules
Score = TennisScore | VolleyballScore


@dataclass(frozen=True)
class Sport:
    """A rule set as the rest of the platform sees it: a fresh score, and the next point."""

    name: str
    rules: Rules
    start: Score = field(default_factory=TennisScore)

    def dump(self, score: Score) -> dict[str, Any]:
        """The score's whole state as plain JSON (what a store keeps beside each point)."""
        return {k: _listed(v) for k, v in asdict(score).items()}

    def load(self, state: dict[str, Any]) -> Score:
        """The score ``dump`` gave (``ValueError`` when it is not one of this sport)."""
        kind = type(self.start)
        names = {f.name for f in fields(kind)}
        if set(state) - names:
            raise ValueError(f"{self.name}: not a score of this sport")
        return kind(**{k: _tupled(v) for k, v in state.items()})

    def point(self, score: Score, winner: Side, server: Side | None = None) -> Score:
        if isinstance(self.rules, TennisRules) and isinstance(score, TennisScore):
            return tennis_point(self.rules, score, winner, server)
        if isinstance(self.rules, VolleyballRules) and isinstance(score, VolleyballScore):
            return volleyball_point(self.rules, score, winner, server)
        raise TypeError(f"{self.name}: a score of another sport")


def _listed(value: Any) -> Any:
    return [_listed(v) for v in value] if isinstance(value, (tuple, list)) else value


def _tupled(value: Any) -> Any:
    return tuple(_tupled(v) for v in value) if isinstance(value, list) else value


def sport(name: str, **options: Any) -> Sport:
    """The rule set of ``name`` (``tennis`` with best_of and final_set, ``volleyball`` with best_of)."""
    if name == "tennis":
        return Sport("tennis", TennisRules(**options), TennisScore())
    if name == "volleyball":
        return Sport("volleyball", VolleyballRules(**options), VolleyballScore())
    raise ValueError(f"no rule set for {name!r}")
