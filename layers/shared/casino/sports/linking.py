"""Does a feed's fixture name a real event the hub already knows? (sports.md, "Canonical fixtures
and duplicates"), pure.

Names are compared after normalisation: case, accents, punctuation and spacing, and the common
affixes of club names (FC, SC, Club, ...) are removed; a competitor's aliases count as its name.
Two fixtures are the same event **for certain** when the sport is the same, the start times are
within the window (default 30 minutes) and both competitors match, home and away possibly
swapped (the swap is part of the answer, so the feed's points are read the right way round).
A **near match** (one competitor matches and the other is close, or both are close) is a link
candidate, with its reasons and a score in [0, 1]; anything else is another event. Zero false
automatic links is the bar: a certain link needs both names equal after normalisation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

WINDOW_MS = 30 * 60_000
CLOSE = 0.82  # a name this similar (after normalisation) is close enough to be a candidate
AFFIXES = frozenset(
    {"fc", "sc", "cf", "ac", "afc", "club", "cd", "sk", "fk", "bk", "sv", "vc", "hc", "bc", "the", "de", "team"}
)
_NOT_WORD = re.compile(r"[^a-z0-9]+")

Decision = Literal["link", "candidate", "new"]


def normalised(name: str) -> str:
    """``"F.C. Bayern München"`` -> ``"bayern munchen"``: no case, accents, punctuation or affixes."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").casefold()
    words = [w for w in _NOT_WORD.split(plain.replace(".", "")) if w and w not in AFFIXES]
    return " ".join(words)


@dataclass(frozen=True)
class Competitor:
    """One competitor as a fixture names it, and the names it is also known by."""

    name: str
    aliases: tuple[str, ...] = ()

    def names(self) -> set[str]:
        return {n for n in (normalised(x) for x in (self.name, *self.aliases)) if n}


@dataclass(frozen=True)
class FixtureFacts:
    sport: str
    home: Competitor
    away: Competitor
    start_time: int


@dataclass(frozen=True)
class Match:
    decision: Decision
    swapped: bool = False
    score: float = 0.0
    reasons: tuple[str, ...] = field(default_factory=tuple)


def _similarity(a: Competitor, b: Competitor) -> float:
    best = 0.0
    for x in a.names():
        for y in b.names():
            best = max(best, 1.0 if x == y else SequenceMatcher(None, x, y).ratio())
    return best


def _same(a: Competitor, b: Competitor) -> bool:
    return bool(a.names() & b.names())


def compare(new: FixtureFacts, known: FixtureFacts, window_ms: int = WINDOW_MS) -> Match:
    """How ``new`` (a feed's fixture) relates to ``known`` (a canonical one)."""
    if new.sport != known.sport:
        return Match("new", reasons=("another sport",))
    apart = abs(new.start_time - known.start_time)
    if apart > window_ms:
        return Match("new", reasons=(f"starts {apart // 60_000} min apart",))
    best: Match = Match("new", reasons=("no competitor matches",))
    for swapped, (home, away) in ((False, (known.home, known.away)), (True, (known.away, known.home))):
        same_home, same_away = _same(new.home, home), _same(new.away, away)
        closeness = (_similarity(new.home, home), _similarity(new.away, away))
        order = "home and away swapped" if swapped else "home and away as known"
        timing = f"starts {apart // 60_000} min apart"
        if same_home and same_away:
            return Match("link", swapped, 1.0, ("both competitors match", order, timing))
        if min(closeness) >= CLOSE or ((same_home or same_away) and max(closeness) >= 0.5):
            score = round((closeness[0] + closeness[1]) / 2 * (1 - apart / (2 * window_ms)), 3)
            reasons = (
                "home matches" if same_home else f"home names {closeness[0]:.2f} alike",
                "away matches" if same_away else f"away names {closeness[1]:.2f} alike",
                order,
                timing,
            )
            if best.decision != "candidate" or score > best.score:
                best = Match("candidate", swapped, score, reasons)
    return best


def best_match(new: FixtureFacts, known: Iterable[tuple[str, FixtureFacts]]) -> tuple[str | None, Match]:
    """The canonical fixture ``new`` links to for certain, else the best candidate, else none."""
    found: tuple[str | None, Match] = (None, Match("new", reasons=("no fixture of this sport and time",)))
    candidates: list[tuple[str, Match]] = []
    for fixture_id, facts in known:
        match = compare(new, facts)
        if match.decision == "link":
            return fixture_id, match
        if match.decision == "candidate":
            candidates.append((fixture_id, match))
    if candidates:
        found = max(candidates, key=lambda c: c[1].score)
    return found


def precision_recall(decisions: Sequence[tuple[bool, bool]]) -> tuple[float, float]:
    """(automatic link made, truly the same event) pairs -> precision and recall of automatic links."""
    made = [truth for linked, truth in decisions if linked]
    true_total = sum(1 for _, truth in decisions if truth)
    precision = sum(made) / len(made) if made else 1.0
    recall = sum(made) / true_total if true_total else 1.0
    return precision, recall


def swapped_against(new: FixtureFacts, known: FixtureFacts) -> bool:
    """Whether ``new`` names ``known``'s competitors the other way round: the orientation whose
    names are the more alike (for a link ops decide, whatever the names)."""
    as_known = _similarity(new.home, known.home) + _similarity(new.away, known.away)
    swapped = _similarity(new.home, known.away) + _similarity(new.away, known.home)
    return swapped > as_known
