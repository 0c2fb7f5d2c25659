"""The rule set of a feed's fixture: its sport, and what its competition says (sports.md: "best
of 3 or 5, final-set rule from the competition"), pure.

A feed's fixture names its competition in words, so the rules are read from them:

- tennis men's singles at a Grand Slam (``Wimbledon``, ``Australian Open``, ``Roland Garros`` /
  ``French Open``, ``US Open``; not women's, not doubles) is best of five; anything else best of
  three;
- the final set's rule is the Slam's in the year of the match (a year written in the
  competition's name, else the year the fixture starts): Wimbledon by advantage until 2018, a
  tiebreak at 12-12 in 2019-2021, a tiebreak to 10 since 2022; the Australian Open by advantage
  until 2018, to 10 since 2019; Roland Garros by advantage until 2021, to 10 since; the US Open
  a tiebreak to 7 until 2021, to 10 since; elsewhere a tiebreak to 7;
- a feed may say it outright: ``best_of`` and ``final_set`` on the fixture win over the words.

Volleyball is best of five, sets to 25, the fifth to 15, unless the fixture says ``best_of: 3``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from casino.sports.linking import normalised
from casino.sports.rules import FINAL_SET_RULES, Sport, sport

SPORTS = ("tennis", "volleyball")
_YEAR = re.compile(r"\b(19[5-9][0-9]|20[0-9]{2})\b")
_SLAMS: dict[str, tuple[tuple[int, str], ...]] = {  # (from year, final-set rule), newest first
    "wimbledon": ((2022, "match_tiebreak"), (2019, "tiebreak_at_12"), (0, "advantage")),
    "australian open": ((2019, "match_tiebreak"), (0, "advantage")),
    "roland garros": ((2022, "match_tiebreak"), (0, "advantage")),
    "french open": ((2022, "match_tiebreak"), (0, "advantage")),
    "us open": ((2022, "match_tiebreak"), (0, "tiebreak")),
}


def _year(competition: str, start_time: int) -> int:
    written = _YEAR.search(competition)
    if written:
        return int(written.group(1))
    return datetime.fromtimestamp(start_time / 1000, UTC).year


def _slam(words: str) -> str | None:
    return next((slam for slam in _SLAMS if slam in words), None)


def tennis_options(competition: str, start_time: int) -> dict[str, Any]:
    words = f" {normalised(competition)} "
    slam = _slam(words)
    if slam is None:
        return {"best_of": 3, "final_set": "tiebreak"}
    final_set = next(rule for since, rule in _SLAMS[slam] if _year(competition, start_time) >= since)
    mens = (" men " in words or " mens " in words or " gentlemen " in words or " atp " in words) and not any(
        w in words for w in (" women ", " womens ", " ladies ", " wta ", " doubles ", " mixed ")
    )
    return {"best_of": 5 if mens else 3, "final_set": final_set}


def rules_for(sport_name: str, competition: str, start_time: int, given: Mapping[str, Any] | None = None) -> Sport:
    """The rule set of a fixture (``ValueError`` naming the field for a sport or option we do not
    know)."""
    given = given or {}
    if sport_name not in SPORTS:
        raise ValueError(f"sport: one of {', '.join(SPORTS)}")
    options: dict[str, Any] = tennis_options(competition, start_time) if sport_name == "tennis" else {}
    best_of = given.get("best_of")
    if best_of is not None:
        if best_of not in (3, 5) or isinstance(best_of, bool):
            raise ValueError("best_of: 3 or 5")
        options["best_of"] = best_of
    final_set = given.get("final_set")
    if final_set is not None:
        if sport_name != "tennis" or final_set not in FINAL_SET_RULES:
            raise ValueError(f"final_set: tennis only, one of {', '.join(FINAL_SET_RULES)}")
        options["final_set"] = final_set
    return sport(sport_name, **options)
