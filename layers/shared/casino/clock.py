"""Time, in one place so that tests can move it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime


def now_ms() -> int:
    return int(time.time() * 1000)


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# A Lambda's remaining time in ms (``context.get_remaining_time_in_millis``).
Remaining = Callable[[], int]


def within(remaining_ms: Remaining | None, cap_s: float, margin_ms: int) -> float:
    """An outbound call's timeout: at most ``cap_s``, and over ``margin_ms`` before the Lambda's
    time runs out (the margin is left to record the outcome); 0 when no time is left."""
    if remaining_ms is None:
        return cap_s
    return max(0.0, min(cap_s, (remaining_ms() - margin_ms) / 1000))
