"""A feed's service status (sports.md, "Service status"), pure: ``up``, or ``down`` with a reason,
from what the hub observed of it; every change of state or reason is a transition to record.

The reasons, in the order they win when several hold:

- ``maintenance``: set by ops (with a reason of their own);
- ``connection_down``: its pulls fail (``CONNECTION_FAILURES`` in a row: one blip is tolerated);
- ``alive_interval_violation``: nothing received for ``alive_seconds``;
- ``processing_delay``: its newest events are older than the window when they arrive.

A live fixture is suspended while every feed linked to it is down, and recovers as soon as one
is up again (from the last point held).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

CONNECTION_FAILURES = 2
DEFAULT_ALIVE_S = 60
DEFAULT_DELAY_WINDOW_S = 120

State = Literal["up", "down"]
Reason = Literal["maintenance", "connection_down", "alive_interval_violation", "processing_delay"]


@dataclass(frozen=True)
class Signals:
    """What the hub observed of a feed, at ``now`` (unix ms)."""

    now: int
    registered_at: int
    last_received_at: int | None = None  # the last pull or push that brought anything
    failed_pulls: int = 0  # in a row
    newest_event_lag_ms: int = 0  # how old its newest event was when it arrived
    maintenance: bool = False


@dataclass(frozen=True)
class FeedStatus:
    state: State
    reason: Reason | None
    since: int


@dataclass(frozen=True)
class Transition:
    at: int
    before: FeedStatus
    after: FeedStatus


def reason_now(
    signals: Signals, alive_s: int = DEFAULT_ALIVE_S, window_s: int = DEFAULT_DELAY_WINDOW_S
) -> Reason | None:
    if signals.maintenance:
        return "maintenance"
    if signals.failed_pulls >= CONNECTION_FAILURES:
        return "connection_down"
    heard = signals.last_received_at if signals.last_received_at is not None else signals.registered_at
    if signals.now - heard > alive_s * 1000:
        return "alive_interval_violation"
    if signals.newest_event_lag_ms > window_s * 1000:
        return "processing_delay"
    return None


def assess(
    current: FeedStatus | None,
    signals: Signals,
    alive_s: int = DEFAULT_ALIVE_S,
    window_s: int = DEFAULT_DELAY_WINDOW_S,
) -> tuple[FeedStatus, Transition | None]:
    """The feed's status now, and the transition to record if it changed (state or reason)."""
    reason = reason_now(signals, alive_s, window_s)
    state: State = "up" if reason is None else "down"
    if current is not None and (current.state, current.reason) == (state, reason):
        return current, None
    after = FeedStatus(state, reason, signals.now)
    before = current or FeedStatus("up", None, signals.registered_at)
    return after, (None if current is None and state == "up" else Transition(signals.now, before, after))


def suspended(linked_feeds: Iterable[FeedStatus]) -> bool:
    """A live fixture is suspended while no feed linked to it is up."""
    return not any(feed.state == "up" for feed in linked_feeds)
