"""The transactions roll-up schedule (an EventBridge rate): advance the roll-up of every source
(``transactions.sources(Filter("all"))``) for yesterday and today, oldest first, so that a day's
summary reads only a few minutes of each source live.

A roll-up advances a page of the feed at a time (``PAGE`` entries, created before the settled
bound, ``rollup.SETTLE_MS``), each page folded and written conditional on the version read:
two runs at once never fold the same entries twice (the loser's write fails; it moves on and
the next run reads again). A day whose settled bound is its end and which was read to it is
marked ``final``: nothing is read for it again. The run stops starting pages when less than
``MARGIN_MS`` of its Lambda time is left (``casino.clock``'s remaining-time rule); a page and
its write left undone are the next run's. A read or a write that fails (throttled, unavailable)
is counted in ``failed`` and the other roll-ups go on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from casino import clock, telemetry
from casino.ops import rollup, rollup_store, transactions
from casino.ops.rollup import Rollup
from casino.wallet import store as wallet_store

PAGE = 1000
MARGIN_MS = 10_000  # a page's Query and its write (each a few ms; a slow one inside the margin)


def advance(current: Rollup, now: int, time_left: Callable[[], bool]) -> tuple[Rollup, int, str]:
    """Fold the settled feed after ``current.upto`` into it, a page and a write at a time, while
    there is time: ``(the roll-up now stored, entries folded, outcome)``; the outcome is
    ``done`` (read to the settled bound), ``final`` (and the day is final), ``conflict`` (another
    writer moved it first), ``behind`` (time ran out)."""
    folded = 0
    start = rollup.day_start(current.day)
    while True:
        if current.final:
            return current, folded, "final"
        if not time_left():
            return current, folded, "behind"
        cutoff = rollup.settled_before(now, current.day)
        after = current.upto
        if cutoff <= start or (after is not None and rollup.position_ms(after) >= cutoff):
            page: list[tuple[Any, str]] = []
            following: str | None = None
        else:
            page, following = wallet_store.feed_page(
                current.source, current.day, from_ms=start, to_ms=cutoff, after=after, limit=PAGE
            )
        new = rollup.fold(
            current,
            [(c, e) for e, c in page],
            upto=wallet_store.feed_position(page[-1][0]) if page else None,
            settled_to=cutoff if following is None else None,
        )
        if not page and new.final == current.final:
            return current, folded, "done"
        saved = rollup_store.save(new, current.version)
        if saved is None:
            return current, folded, "conflict"
        current, folded = saved, folded + len(page)
        if following is None:
            return current, folded, "final" if current.final else "done"


def days(now: int) -> list[date]:
    """Yesterday and today (UTC), oldest first."""
    today = rollup.day_of(now)
    return [today - timedelta(days=1), today]


def run(remaining_ms: clock.Remaining | None = None, now: int | None = None) -> dict[str, Any]:
    now = clock.now_ms() if now is None else now

    def time_left() -> bool:
        return clock.within(remaining_ms, 1.0, MARGIN_MS) > 0

    names = transactions.sources(transactions.Filter("all"))
    wanted = [(name, day) for day in days(now) for name in names]
    stored = rollup_store.get_many(wanted)
    counts = {"rollups": len(wanted), "advanced": 0, "entries": 0, "final": 0, "conflicts": 0, "behind": 0, "failed": 0}
    for pair in wanted:
        try:
            current, folded, outcome = advance(stored[pair], now, time_left)
        except (ClientError, BotoCoreError):
            telemetry.logger(telemetry.SCHEDULES).exception(
                "transactions roll-up: could not advance", extra={"source": pair[0], "day": pair[1].isoformat()}
            )
            counts["failed"] += 1
            continue
        counts["advanced"] += int(folded > 0)
        counts["entries"] += folded
        counts["final"] += int(current.final)
        counts["conflicts"] += int(outcome == "conflict")
        counts["behind"] += int(outcome == "behind")
    return counts
