"""Responsible gaming, kept on the wallet (player-accounts.md): limits, their windows and running
totals, and exclusions (pure).

Every wallet carries a ``Responsible``. Every bet, win, refund and deposit passes through it
inside its ``Movement`` (``casino.wallet.domain``), so a limit is checked, and its running total
moved, in the same conditional write as the balance: concurrent bets can never overrun a limit,
and checking one costs no extra request.

- **Limits**: ``deposit``, ``loss`` and ``wager`` per ``day``, ``week`` and ``month`` (minor units;
  keys such as ``loss:day``), and ``session`` and ``reality_check`` in minutes. A new limit or a
  decrease applies at once; an increase or a removal is *pending* for 24 h (``COOLING_OFF_MS``),
  then applies by itself. Each limit is checked on its own, so the lowest applicable one wins.
- **Windows**: a day is the player's calendar day in their time zone (``timezone``, default
  UTC), a week the ISO week (Monday to Sunday), a month the calendar month. A window's totals
  start at zero when the window changes. ``wagered`` is the stakes (a refunded or cancelled stake
  is taken off, never below zero), ``won`` the wins (a cancelled win taken off), ``deposited``
  the deposits; the loss is ``wagered - won``.
- **A bet** is refused (``LimitExceeded``) when it would take a window's stakes over its wager
  limit, or its loss (counting the bet as lost) over its loss limit: the bet that reaches a limit
  exactly is accepted, one minor unit more is refused. The whole stake counts, bonus money
  included (conservative: a limit is never overrun on account of the bonus).
- **Exclusion** (``self_exclusion`` of 6 months, a year or for good; ``time_out`` of 24 hours, 7 or
  30 days): every bet and deposit is refused (``SelfExcluded``) until it ends; it cannot be
  shortened (a shorter one keeps the longer), and it ends 24 h after its period (the cooling-off
  of its lifting). ``sessions_after`` is set to its start: a session started before it is over.
- Wins, refunds and withdrawals are never refused here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from casino.errors import DomainError, ValidationFailed

KINDS = ("deposit", "loss", "wager")
PERIODS = ("day", "week", "month")
MONEY_LIMITS = tuple(f"{kind}:{period}" for kind in KINDS for period in PERIODS)
MINUTE_LIMITS = ("session", "reality_check")
LIMITS = MONEY_LIMITS + MINUTE_LIMITS
MAX_MINUTES = 7 * 24 * 60
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
COOLING_OFF_MS = DAY_MS
EXCLUSIONS: dict[str, tuple[str, int | None]] = {  # period -> (kind, length; None: for good)
    "24h": ("time_out", DAY_MS),
    "7d": ("time_out", 7 * DAY_MS),
    "30d": ("time_out", 30 * DAY_MS),
    "6m": ("self_exclusion", 183 * DAY_MS),
    "1y": ("self_exclusion", 365 * DAY_MS),
    "permanent": ("self_exclusion", None),
}
_ZONE = re.compile(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+){0,2}")

Period = Literal["day", "week", "month"]


class LimitExceeded(DomainError):
    """A bet or a deposit would break a responsible-gaming limit."""

    code = "limit_exceeded"


class SelfExcluded(DomainError):
    """The player is excluded (self-exclusion or time-out): no bet, no deposit."""

    code = "self_excluded"


@dataclass
class Totals:
    """One window's running totals (minor units)."""

    window: str
    deposited: int = 0
    wagered: int = 0
    won: int = 0

    @property
    def loss(self) -> int:
        return self.wagered - self.won


@dataclass(frozen=True)
class Pending:
    """An increase or a removal (``value`` None) waiting for its cooling-off."""

    value: int | None
    effective_at: int
    requested_at: int


@dataclass(frozen=True)
class Exclusion:
    kind: str  # self_exclusion | time_out
    period: str
    since: int
    until: int | None  # None: for good
    set_by: str
    reason: str | None = None

    def active(self, now: int) -> bool:
        return self.until is None or now < self.until


@dataclass(frozen=True)
class Change:
    """An audit record: who changed what, from what to what, and when it takes effect."""

    at: int
    by: str
    subject: str  # a limit key, "timezone" or "exclusion"
    old: Any
    new: Any
    effective_at: int
    reason: str | None = None


@dataclass
class Responsible:
    timezone: str = "UTC"
    limits: dict[str, int] = field(default_factory=dict)
    pending: dict[str, Pending] = field(default_factory=dict)
    totals: dict[str, Totals] = field(default_factory=dict)
    exclusion: Exclusion | None = None
    sessions_after: int = 0
    next_timezone: str | None = None  # a time zone change waiting for its cooling-off
    next_timezone_at: int = 0

    # ---------------------------------------------------------------- reading
    def settle_due(self, now: int) -> None:
        """Apply the pending changes whose cooling-off is over."""
        if self.next_timezone is not None and self.next_timezone_at <= now:
            self.timezone, self.next_timezone, self.next_timezone_at = self.next_timezone, None, 0
        for key, pending in list(self.pending.items()):
            if pending.effective_at <= now:
                if pending.value is None:
                    self.limits.pop(key, None)
                else:
                    self.limits[key] = pending.value
                del self.pending[key]

    def __deepcopy__(self, memo: dict[int, Any]) -> Responsible:
        """A movement works on a deep copy of the wallet: this one is cheap (only ``Totals`` are
        mutable; pending changes and the exclusion are frozen and shared)."""
        return Responsible(
            self.timezone,
            dict(self.limits),
            dict(self.pending),
            {p: replace(t) for p, t in self.totals.items()},
            self.exclusion,
            self.sessions_after,
            self.next_timezone,
            self.next_timezone_at,
        )

    def in_force(self, now: int) -> Responsible:
        """A copy with the due changes applied (for views)."""
        copy = self.__deepcopy__({})
        copy.settle_due(now)
        for period in PERIODS:
            copy.current(period, now)
        return copy

    def current(self, period: str, now: int) -> Totals:
        """The running totals of ``period``'s window at ``now`` (a fresh window starts at zero). A
        window never moves back: a clock a moment behind (or a time zone further west) counts in
        the newer window already held, never in a fresh one."""
        self.settle_due(now)
        window = window_of(period, now, self.timezone)
        totals = self.totals.get(period)
        if totals is None or window > totals.window:
            totals = self.totals[period] = Totals(window)
        return totals

    def excluded(self, now: int) -> Exclusion | None:
        return self.exclusion if self.exclusion is not None and self.exclusion.active(now) else None

    def minutes(self, key: str, now: int) -> int | None:
        self.settle_due(now)
        return self.limits.get(key)

    # ---------------------------------------------------------------- the checks (in a movement)
    def refuse_if_excluded(self, now: int) -> None:
        exclusion = self.excluded(now)
        if exclusion is not None:
            until = "for good" if exclusion.until is None else f"until {_iso(exclusion.until)}"
            raise SelfExcluded(f"the player is excluded from play ({exclusion.kind}, {until})")

    def bet(self, amount: int, now: int) -> None:
        """Check a stake against every limit, then count it (raises before anything moves)."""
        self.refuse_if_excluded(now)
        self._refuse_over("wager", amount, now, lambda t: t.wagered)
        self._refuse_over("loss", amount, now, lambda t: t.loss)
        for period in PERIODS:
            self.current(period, now).wagered += amount

    def deposit(self, amount: int, now: int) -> None:
        self.refuse_if_excluded(now)
        self._refuse_over("deposit", amount, now, lambda t: t.deposited)
        for period in PERIODS:
            self.current(period, now).deposited += amount

    def _refuse_over(self, kind: str, amount: int, now: int, used: Callable[[Totals], int]) -> None:
        """``LimitExceeded`` if ``amount`` more would take a window past its ``kind`` limit
        (reaching it exactly is allowed)."""
        self.settle_due(now)
        for period in PERIODS:
            limit, so_far = self.limits.get(f"{kind}:{period}"), used(self.current(period, now))
            if limit is not None and so_far + amount > limit:
                raise LimitExceeded(f"the {period}'s {kind} limit would be exceeded", details=_left(limit, so_far))

    def win(self, amount: int, now: int) -> None:
        for period in PERIODS:
            self.current(period, now).won += amount

    def stake_back(self, amount: int, now: int) -> None:
        """A stake refunded or cancelled: it no longer counts (never below zero)."""
        for period in PERIODS:
            totals = self.current(period, now)
            totals.wagered = max(0, totals.wagered - amount)

    def win_back(self, amount: int, now: int) -> None:
        """A win cancelled: it no longer counts (never below zero)."""
        for period in PERIODS:
            totals = self.current(period, now)
            totals.won = max(0, totals.won - amount)

    # ---------------------------------------------------------------- changes
    def set_limit(self, key: str, value: int | None, now: int, by: str, reason: str | None = None) -> list[Change]:
        """A new limit, a decrease (at once) or an increase or removal (after the cooling-off).
        Its audit records (none when nothing changes); a pending change it drops has its own."""
        if key not in LIMITS:
            raise ValidationFailed(f"{key}: not a limit (one of {', '.join(LIMITS)})", field=key)
        self.settle_due(now)
        old = self.limits.get(key)
        pending = self.pending.get(key)
        if pending is not None and pending.value == value:
            return []  # asked again: the first request's cooling-off runs on
        made = []
        if pending is not None:  # replaced or dropped: on the record, so the history replays right
            del self.pending[key]
            made.append(Change(now, by, key, pending.value, old, now, "pending change cancelled"))
        if value == old:
            return made
        if value is not None and (old is None or value <= old):
            self.limits[key] = value
            return [*made, Change(now, by, key, old, value, now, reason)]
        self.pending[key] = Pending(value, now + COOLING_OFF_MS, now)
        return [*made, Change(now, by, key, old, value, now + COOLING_OFF_MS, reason)]

    def set_timezone(self, zone: str, now: int, by: str) -> Change | None:
        """A new time zone for the windows. It moves every window's edges, so once anything has
        been counted it waits for the cooling-off like an increase (a change back and forth
        would otherwise start a fresh day at will); before that it applies at once."""
        checked_zone(zone)
        self.settle_due(now)
        if zone == self.timezone:
            cancelled = self.next_timezone
            self.next_timezone, self.next_timezone_at = None, 0
            return (
                None
                if cancelled is None
                else Change(now, by, "timezone", cancelled, zone, now, "pending change cancelled")
            )
        if zone == self.next_timezone:
            return None
        counted = any(t.deposited or t.wagered or t.won for t in self.totals.values())
        if not counted:
            old, self.timezone = self.timezone, zone
            self.next_timezone, self.next_timezone_at = None, 0
            return Change(now, by, "timezone", old, zone, now)
        self.next_timezone, self.next_timezone_at = zone, now + COOLING_OFF_MS
        return Change(now, by, "timezone", self.timezone, zone, self.next_timezone_at)

    def exclude(self, period: str, now: int, by: str, reason: str | None = None) -> Change:
        """Start an exclusion; one that would end sooner than the one in force keeps the longer."""
        if period not in EXCLUSIONS:
            raise ValidationFailed(f"period: one of {', '.join(EXCLUSIONS)}", field="period")
        kind, length = EXCLUSIONS[period]
        until = None if length is None else now + length + COOLING_OFF_MS
        current = self.excluded(now)
        old = None if current is None else _exclusion_view(current)
        if current is not None and (current.until is None or (until is not None and until <= current.until)):
            raise ExclusionKept(
                f"an exclusion is in force {_until_text(current.until)}: it cannot be shortened",
                field="period",
            )
        self.exclusion = Exclusion(kind, period, now, until, by, reason)
        self.sessions_after = now
        return Change(now, by, "exclusion", old, _exclusion_view(self.exclusion), now, reason)


class ExclusionKept(DomainError):
    code = "conflict"


# ---------------------------------------------------------------- helpers
def checked_zone(zone: object) -> str:
    if not isinstance(zone, str) or not _ZONE.fullmatch(zone):
        raise ValidationFailed("timezone: an IANA time zone such as Europe/Malta", field="timezone")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(f"timezone: {zone!r} is not a known IANA time zone", field="timezone") from None
    return zone


def window_of(period: str, now: int, zone: str) -> str:
    """The window of ``period`` holding ``now`` in the player's time zone: ``2026-11-23``,
    ``2026-W48``, ``2026-11``."""
    return _windows(now, zone)[PERIODS.index(period)]


@lru_cache(maxsize=256)
def _windows(now: int, zone: str) -> tuple[str, str, str]:
    """The day, week and month holding ``now`` (one time-zone conversion for the three; a
    movement asks for each several times at the same ``now``)."""
    local = datetime.fromtimestamp(now / 1000, tz=UTC).astimezone(ZoneInfo(zone))
    year, week, _ = local.isocalendar()
    return (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d}",
        f"{year}-W{week:02d}",
        f"{local.year:04d}-{local.month:02d}",
    )


def _left(limit: int, used: int) -> dict[str, Any]:
    return {"limit_minor": limit, "left_minor": max(0, limit - used)}


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _until_text(until: int | None) -> str:
    return "for good" if until is None else f"until {_iso(until)}"


def _exclusion_view(exclusion: Exclusion) -> dict[str, Any]:
    return {"kind": exclusion.kind, "period": exclusion.period, "since": exclusion.since, "until": exclusion.until}


def from_json(raw: dict[str, Any] | None) -> Responsible:
    """A ``Responsible`` from its stored form (``dataclasses.asdict`` of it)."""
    if not raw:
        return Responsible()
    exclusion = raw.get("exclusion")
    return Responsible(
        timezone=str(raw.get("timezone", "UTC")),
        limits={k: int(v) for k, v in (raw.get("limits") or {}).items()},
        pending={
            k: Pending(
                None if p.get("value") is None else int(p["value"]), int(p["effective_at"]), int(p["requested_at"])
            )
            for k, p in (raw.get("pending") or {}).items()
        },
        totals={
            k: Totals(str(t["window"]), int(t["deposited"]), int(t["wagered"]), int(t["won"]))
            for k, t in (raw.get("totals") or {}).items()
        },
        exclusion=None
        if not exclusion
        else Exclusion(
            str(exclusion["kind"]),
            str(exclusion["period"]),
            int(exclusion["since"]),
            None if exclusion.get("until") is None else int(exclusion["until"]),
            str(exclusion["set_by"]),
            None if exclusion.get("reason") is None else str(exclusion["reason"]),
        ),
        sessions_after=int(raw.get("sessions_after", 0)),
        next_timezone=None if raw.get("next_timezone") is None else str(raw["next_timezone"]),
        next_timezone_at=int(raw.get("next_timezone_at", 0)),
    )
