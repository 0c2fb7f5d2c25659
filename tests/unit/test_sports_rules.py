"""The point-by-point rule sets (casino.sports.rules): random point sequences always give a
legal score whose sets and games add up, the match ends exactly once, and an independent small
scorer written here agrees point by point; real matches replayed from their published results;
points the rules cannot accept refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casino.sports.rules import (
    PointRefused,
    Side,
    TennisRules,
    TennisScore,
    VolleyballRules,
    VolleyballScore,
    other,
    sport,
    tennis_point,
    volleyball_point,
)

WINNERS = st.lists(st.sampled_from(["home", "away"]), max_size=600)


# ---------------------------------------------------------------- an independent scorer
class SmallTennis:
    """Counts the way an umpire's card does, written without the module's helpers."""

    def __init__(self, best_of: int, final_set: str) -> None:
        self.best_of, self.final_set = best_of, final_set
        self.sets: list[list[int]] = []
        self.g = [0, 0]
        self.p = [0, 0]
        self.winner: str | None = None

    def point(self, who: int) -> None:
        deciding = len(self.sets) == self.best_of - 1
        in_tiebreak = self.g == [6, 6] and not (deciding and self.final_set == "advantage")
        self.p[who] += 1
        need = (10 if deciding and self.final_set == "match_tiebreak" else 7) if in_tiebreak else 4
        if self.p[who] >= need and self.p[who] - self.p[1 - who] >= 2:
            self.p = [0, 0]
            self.g[who] += 1
            if in_tiebreak or (self.g[who] >= 6 and self.g[who] - self.g[1 - who] >= 2):
                self.sets.append(self.g)
                self.g = [0, 0]
                won = sum(1 for s in self.sets if s[who] > s[1 - who])
                if won == self.best_of // 2 + 1:
                    self.winner = ("home", "away")[who]


def legal_tennis_set(games: tuple[int, int], deciding: bool, final_set: str) -> bool:
    high, low = max(games), min(games)
    if deciding and final_set == "advantage":
        return (high == 6 and low <= 4) or (high > 6 and high - low == 2)
    return (high == 6 and low <= 4) or (high == 7 and low in (5, 6))


@settings(max_examples=300, deadline=None)
@given(WINNERS, st.sampled_from([3, 5]), st.sampled_from(["tiebreak", "advantage", "match_tiebreak"]))
def test_tennis_scores_are_always_legal_and_agree_with_a_small_scorer(
    winners: list[Side], best_of: int, final_set: str
) -> None:
    rules = TennisRules(best_of, final_set)
    score = TennisScore()
    card = SmallTennis(best_of, final_set)
    ended = 0
    for winner in winners:
        if score.winner is not None:
            with pytest.raises(PointRefused):
                tennis_point(rules, score, winner)
            ended += 1
            continue
        score = tennis_point(rules, score, winner)
        card.point(0 if winner == "home" else 1)
        assert [list(s) for s in score.sets] == card.sets
        assert list(score.games) == card.g and score.winner == card.winner
        for index, games in enumerate(score.sets):
            assert legal_tennis_set(games, index == best_of - 1, final_set), score.sets
        assert max(score.sets_won()) <= rules.sets_to_win
        assert (score.winner is not None) == (max(score.sets_won()) == rules.sets_to_win)
        shown = score.to_json()["points"]
        assert all(p in ("0", "15", "30", "40", "AD") or p.isdigit() for p in shown)
    assert ended == 0 or score.winner is not None


@settings(max_examples=300, deadline=None)
@given(WINNERS, st.sampled_from([3, 5]))
def test_volleyball_scores_are_always_legal_and_the_match_ends_once(winners: list[Side], best_of: int) -> None:
    rules = VolleyballRules(best_of)
    score = VolleyballScore()
    sets_counted: list[list[int]] = []
    points = [0, 0]
    for winner in winners:
        if score.winner is not None:
            with pytest.raises(PointRefused):
                volleyball_point(rules, score, winner)
            continue
        before_server = score.server
        score = volleyball_point(rules, score, winner)
        who = 0 if winner == "home" else 1
        points[who] += 1
        target = 15 if len(sets_counted) == best_of - 1 else 25
        if points[who] >= target and points[who] - points[1 - who] >= 2:
            sets_counted.append(points)
            points = [0, 0]
            assert score.server is None  # the next set's first server is the feed's
        else:
            assert score.server == winner  # rally scoring
        assert before_server in (None, "home", "away")
        assert [list(s) for s in score.sets] == sets_counted and list(score.points) == points
        assert max(score.sets_won()) <= rules.sets_to_win


# ---------------------------------------------------------------- real matches, point by point
def tennis_points(sets: list[tuple[int, int]], tiebreaks: dict[int, tuple[int, int]]) -> Iterator[Side]:
    """A point sequence giving these sets (home's games first), every game won to love, each
    tiebreak to the given points."""
    for index, (home, away) in enumerate(sets):
        winner: Side = "home" if home > away else "away"
        wins, losses = max(home, away), min(home, away)
        games: list[Side] = []
        if index in tiebreaks:
            games = [winner, other(winner)] * losses  # 6-6 (or 12-12), then the tiebreak
        else:
            games = [winner, other(winner)] * min(losses, wins - 2) + [other(winner)] * (losses - min(losses, wins - 2))
            games += [winner] * (wins - games.count(winner))
        for game in games:
            yield from [game] * 4
        if index in tiebreaks:
            tb_home, tb_away = tiebreaks[index]
            tb_win, tb_lose = max(tb_home, tb_away), min(tb_home, tb_away)
            yield from [winner, other(winner)] * tb_lose
            yield from [winner] * (tb_win - tb_lose)


def test_the_2008_wimbledon_final_replayed_point_by_point() -> None:
    """Nadal d. Federer 6-4 6-4 6-7(5) 6-7(8) 9-7: best of five, no tiebreak in the fifth set."""
    rules = TennisRules(best_of=5, final_set="advantage")
    score = TennisScore()
    sets = [(6, 4), (6, 4), (6, 7), (6, 7), (9, 7)]
    for winner in tennis_points(sets, {2: (5, 7), 3: (8, 10)}):
        score = tennis_point(rules, score, winner)
    assert [list(s) for s in score.sets] == [[6, 4], [6, 4], [6, 7], [6, 7], [9, 7]]
    assert score.winner == "home" and score.to_json()["sets_won"] == [3, 2]


def test_the_2019_wimbledon_final_and_its_tiebreak_at_12_all() -> None:
    """Djokovic d. Federer 7-6(5) 1-6 7-6(4) 4-6 13-12(3): the final set's tiebreak came at 12-12."""
    rules = TennisRules(best_of=5, final_set="tiebreak_at_12")
    score = TennisScore()
    sets = [(7, 6), (1, 6), (7, 6), (4, 6), (13, 12)]
    for winner in tennis_points(sets, {0: (7, 5), 2: (7, 4), 4: (7, 3)}):
        score = tennis_point(rules, score, winner)
    assert [list(s) for s in score.sets] == [[7, 6], [1, 6], [7, 6], [4, 6], [13, 12]]
    assert score.winner == "home"


def test_a_deciding_match_tiebreak_to_10() -> None:
    """The Australian Open's final set rule: a tiebreak to 10 at 6-6 (7-6(10-8) here)."""
    rules = TennisRules(best_of=3, final_set="match_tiebreak")
    score = TennisScore()
    for winner in tennis_points([(4, 6), (6, 3), (7, 6)], {2: (10, 8)}):
        score = tennis_point(rules, score, winner)
    assert [list(s) for s in score.sets] == [[4, 6], [6, 3], [7, 6]] and score.winner == "home"


def test_a_3_2_volleyball_match_replayed_rally_by_rally() -> None:
    """25-23 22-25 25-20 23-25 15-13: the fifth set to 15."""
    rules = VolleyballRules()
    score = VolleyballScore()
    for home, away in [(25, 23), (22, 25), (25, 20), (23, 25), (15, 13)]:
        winner: Side = "home" if home > away else "away"
        losses = min(home, away)
        for rally in [winner, other(winner)] * losses + [winner] * (max(home, away) - losses):
            score = volleyball_point(rules, score, rally)
    assert [list(s) for s in score.sets] == [[25, 23], [22, 25], [25, 20], [23, 25], [15, 13]]
    assert score.winner == "home" and score.to_json()["sets_won"] == [3, 2]


# ---------------------------------------------------------------- what the rules refuse, and show
def test_deuce_advantage_and_the_server_are_shown_and_checked() -> None:
    rules = TennisRules()
    score = tennis_point(rules, TennisScore(), "home", server="away")  # the first point names its server
    assert score.server == "away" and score.to_json()["points"] == ["15", "0"]
    for winner in ["away", "home", "away", "home", "away"]:
        score = tennis_point(rules, score, winner)
    assert score.to_json()["points"] == ["40", "40"]
    score = tennis_point(rules, score, "home")
    assert score.to_json()["points"] == ["AD", "40"]
    with pytest.raises(PointRefused, match="home cannot serve now"):
        tennis_point(rules, score, "home", server="home")
    score = tennis_point(rules, score, "home")  # game home; the server changes
    assert score.games == (1, 0) and score.server == "home"


def test_tiebreak_service_turns_two_by_two_and_the_next_set_starts_with_the_first_receiver() -> None:
    rules = TennisRules()
    score = TennisScore()
    for game in ["home", "away"] * 6:  # 6-6, home served the first game
        for _ in range(4):
            score = tennis_point(rules, score, game, server=score.server or "home")
    assert score.tiebreak == 7 and score.server == "home"  # home's turn: the 13th game
    servers = []
    while score.tiebreak:
        due = "home" if not servers else None
        before = score
        score = tennis_point(rules, score, "home", server=due)
        servers.append(score.server if score.tiebreak else before.server)
    assert servers[:5] == ["home", "away", "away", "home", "home"]  # one, then two each
    assert score.sets == ((7, 6),) and score.server == "away"  # the tiebreak's first receiver serves
    with pytest.raises(PointRefused, match="home cannot serve now"):
        tennis_point(rules, score, "away", server="home")


def test_a_point_after_the_match_and_an_unknown_side_are_refused() -> None:
    volleyball = sport("volleyball", best_of=3)
    score = volleyball.start
    for _ in range(50):
        score = volleyball.point(score, "away")
    assert score.winner == "away"
    with pytest.raises(PointRefused, match="over"):
        volleyball.point(score, "home")
    with pytest.raises(PointRefused):
        sport("tennis").point(sport("tennis").start, "both")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no rule set"):
        sport("curling")
