"""A day's roll-up of one source's ledger entries, in pure Python (no tables): what
``GET /admin/transactions/summary`` starts from so that no request reads a whole day.

- **What it holds.** For one (UTC day, source): the totals per currency that
  ``reconciliation.summarise`` computes (counts and sums per type, real and bonus), of every entry
  of the day's feed up to ``upto``, the feed position (GSI2 sort key) of the last entry folded
  in. ``settled_to``: every entry created before it is folded in (set when a fold read the
  whole settled part of the day). ``final``: the whole day is folded in (nothing can come).
  ``version``: every write is conditional on it (0: never stored).
- **Settled.** A ledger entry is stamped when its movement is decided, before the transaction
  that writes it commits; so an entry stamped earlier may appear in the feed after one stamped
  later. A fold takes only entries created before ``now - SETTLE_MS``: by then every movement
  stamped before that has committed or failed for good, and the feed index shows it. The
  longest money-moving function runs 28 s (``FunctionTimeoutSeconds``' maximum, API Gateway's
  29 s less one; the contract tasks' 30 s call the bridge, itself such a function), and every
  ledger write is one ``TransactWriteItems`` whose boto3 attempts (3 x (2 s connect + 5 s
  read) and their backoff, about 24 s) end inside it; then the feed index (GSI2) is eventually
  consistent, usually within a second. 120 s is that 28 s with a margin of more than three
  times for the index and clock skew between functions. Everything later than the margin is
  read live, never stored.
- **Fold.** Folding entries into a roll-up adds their totals (``reconciliation.merge``):
  folding any split of a day's entries gives the totals of the whole (a property test).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from casino.ops import reconciliation as rec
from casino.ops.reconciliation import Totals
from casino.wallet.domain import LedgerEntry

SETTLE_MS = 120_000
_EPOCH_DAY = date(1970, 1, 1)


def day_start(day: date) -> int:
    return (day - _EPOCH_DAY).days * rec.DAY_MS


def day_end(day: date) -> int:
    return day_start(day) + rec.DAY_MS


def day_of(ms: int) -> date:
    return _EPOCH_DAY + timedelta(days=ms // rec.DAY_MS)


def settled_before(now_ms: int, day: date) -> int:
    """The settled bound of ``day``'s feed at ``now_ms``: every entry of the day created before it
    is in the feed for good (``SETTLE_MS``). Never past the day's end, never before its start."""
    return max(day_start(day), min(now_ms - SETTLE_MS, day_end(day)))


def position_ms(position: str) -> int:
    """The creation time (unix ms) a feed position starts with (``<created_at:015d>#<id>``)."""
    return int(position[:15])


@dataclass(frozen=True)
class Rollup:
    source: str
    day: date
    totals: dict[str, Totals] = field(default_factory=dict)  # per currency
    upto: str | None = None  # the feed position of the last entry folded in
    settled_to: int | None = None  # every entry created before it is folded in (unix ms)
    final: bool = False
    version: int = 0  # 0: not stored yet

    @property
    def entries(self) -> int:
        return sum(t.entries for t in self.totals.values())

    def counted_to(self) -> int:
        """Every entry of the day created before this instant is folded in."""
        start = day_start(self.day)
        if self.final:
            return day_end(self.day)
        reached = self.settled_to if self.settled_to is not None else start
        if self.upto is not None:
            reached = max(reached, position_ms(self.upto))
        return reached

    def by_source(self) -> dict[rec.Key, Totals]:
        return {(self.source, currency): t for currency, t in self.totals.items()}


def empty(source: str, day: date) -> Rollup:
    return Rollup(source, day)


def per_currency(entries: Iterable[tuple[str, LedgerEntry]]) -> dict[str, Totals]:
    """``(currency, entry)`` pairs -> totals per currency."""
    return {currency: t for (_, currency), t in rec.summarise(("", c, e) for c, e in entries).items()}


def fold(
    rollup: Rollup,
    entries: Iterable[tuple[str, LedgerEntry]],
    *,
    upto: str | None,
    settled_to: int | None = None,
) -> Rollup:
    """``rollup`` with ``entries`` (``(currency, entry)``, the feed's next ones after its ``upto``,
    up to and including the one at ``upto``) added in. ``settled_to``: the fold read every entry
    created before it (the day is final once that is its end). The version is the store's."""
    totals = rec.merge(rollup.totals, per_currency(entries))
    reached = rollup.settled_to
    if settled_to is not None:
        reached = settled_to if reached is None else max(reached, settled_to)
    final = rollup.final or (reached is not None and reached >= day_end(rollup.day))
    return replace(rollup, totals=totals, upto=upto or rollup.upto, settled_to=reached, final=final)


# ------------------------------------------------------------------ as stored (plain JSON values)
def to_json(rollup: Rollup) -> dict[str, Any]:
    return {
        "source": rollup.source,
        "day": rollup.day.isoformat(),
        "totals": {currency: rec.totals_json(t) for currency, t in sorted(rollup.totals.items())},
        "upto": rollup.upto,
        "settled_to": rollup.settled_to,
        "final": rollup.final,
        "version": rollup.version,
    }


def from_json(data: Mapping[str, Any]) -> Rollup:
    totals = data.get("totals") or {}
    if not isinstance(totals, Mapping):
        raise ValueError("a roll-up's totals are a mapping of currencies")
    settled = data.get("settled_to")
    upto = data.get("upto")
    return Rollup(
        source=str(data["source"]),
        day=date.fromisoformat(str(data["day"])),
        totals={str(c): rec.totals_from_json(t) for c, t in totals.items()},
        upto=None if upto is None else str(upto),
        settled_to=None if settled is None else int(settled),
        final=bool(data.get("final", False)),
        version=int(data.get("version", 0)),
    )
