"""A fixture's points from one feed (casino.sports.points): whatever the order and repetition of
their arrival, the same scores as applying them in seq order once; a gap waits and is named; a
correction rewinds and re-derives; a conflicting repeat and a point the rules refuse are flagged,
never applied."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casino.sports.points import Point, PointLog, receive
from casino.sports.rules import Side, sport

TENNIS = sport("tennis", best_of=3)


def in_order(winners: list[Side]) -> PointLog:
    log = PointLog(TENNIS)
    for seq, winner in enumerate(winners, start=1):
        log = receive(log, Point(seq, winner))
    return log


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["home", "away"]), min_size=1, max_size=200), st.randoms(use_true_random=False))
def test_any_order_and_repetition_gives_the_scores_of_seq_order(winners: list[Side], rng: object) -> None:
    points = [Point(seq, winner) for seq, winner in enumerate(winners, start=1)]
    arrivals = points + [p for p in points if rng.random() < 0.3]  # type: ignore[attr-defined]
    rng.shuffle(arrivals)  # type: ignore[attr-defined]
    log = PointLog(TENNIS)
    for point in arrivals:
        log = receive(log, point)
    expected = in_order(winners)
    assert log.scores == expected.scores and log.flags == expected.flags
    assert log.applied_upto == len(winners) and log.missing is None


def test_a_gap_waits_and_is_named_then_fills() -> None:
    log = PointLog(TENNIS)
    for seq in (1, 2, 4, 5):
        log = receive(log, Point(seq, "home"))
    assert log.applied_upto == 2 and log.missing == 3 and log.score_after(4) is None
    log = receive(log, Point(3, "home"))
    assert log.applied_upto == 5 and log.missing is None
    assert log.score.games == (1, 0) and log.score_after(5) == log.score  # the score kept with each point


def test_a_correction_rewinds_and_re_derives_the_rest() -> None:
    winners: list[Side] = ["home"] * 8 + ["away"] * 4
    log = in_order(winners)
    assert log.score.games == (2, 1)
    log = receive(log, Point(2, "away"), correction=True)
    corrected: list[Side] = ["home", "away"] + ["home"] * 6 + ["away"] * 4
    assert log.scores == in_order(corrected).scores
    assert log.flags[-1].seq == 2 and "corrected" in log.flags[-1].reason
    early = receive(PointLog(TENNIS), Point(9, "away"), correction=True)  # before the point it corrects
    assert early.received[9].winner == "away" and early.missing == 1 and early.flags == ()
    late = receive(early, Point(9, "home"))  # the original, late: the correction stands
    assert late.received[9].winner == "away" and "different point" in late.flags[-1].reason
    assert receive(log, Point(2, "away"), correction=True) == log  # the same correction again: nothing


def test_a_conflicting_repeat_and_a_refused_point_are_flagged_never_applied() -> None:
    log = PointLog(TENNIS)
    for seq in (1, 2, 3):
        log = receive(log, Point(seq, "home", server="home"))  # the feed names the server
    conflicting = receive(log, Point(2, "away"))
    assert conflicting.scores == log.scores and "different point" in conflicting.flags[-1].reason
    log = receive(log, Point(4, "home", server="away"))  # home serves this first game
    assert log.applied_upto == 4 and log.score_after(4) is None and "cannot serve" in log.flags[-1].reason
    unnamed = receive(in_order(["home"] * 3), Point(4, "home", server="away"))  # the server was a guess
    assert unnamed.score_after(4) is not None and unnamed.score.server == "home"  # away served game 1: re-anchored
    log = receive(log, Point(5, "home"))  # applied to the score before the refused point
    assert log.score.games == (1, 0)
    finished = in_order(["home"] * 48)  # 6-0 6-0: the match is over
    assert finished.score.winner == "home"
    after = receive(finished, Point(49, "away"))
    assert after.score == finished.score and "over" in after.flags[-1].reason


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"seq": 0, "winner": "home"}, "seq"),
        ({"seq": True, "winner": "home"}, "seq"),
        ({"seq": 1, "winner": "both"}, "winner"),
        ({"seq": 1, "winner": "home", "server": "x"}, "server"),
        ({"seq": 1, "winner": "home", "ts": -1}, "ts"),
        ({"seq": 1, "winner": "home", "kind": 7}, "kind"),
    ],
)
def test_a_feeds_point_is_checked_field_by_field(raw: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        Point.from_feed(raw)
    assert Point.from_feed({"seq": 3, "winner": "away", "server": "home", "ts": 5, "kind": "ace"}).kind == "ace"
