"""A feed's service status (casino.sports.status): each reason at its threshold, the order in
which reasons win, a transition only on a change, and fixtures suspended only when no linked
feed is up."""

from __future__ import annotations

from casino.sports.status import FeedStatus, Signals, assess, reason_now, suspended

T0 = 1_795_400_000_000


def at(seconds: float, **observed: object) -> Signals:
    return Signals(now=T0 + int(seconds * 1000), registered_at=T0, **observed)  # type: ignore[arg-type]


def test_each_reason_at_its_threshold() -> None:
    assert reason_now(at(60, last_received_at=T0)) is None  # exactly alive_seconds: still up
    assert reason_now(at(60.001, last_received_at=T0)) == "alive_interval_violation"
    assert reason_now(at(61)) == "alive_interval_violation"  # never heard of since registration
    assert reason_now(at(10, last_received_at=T0, failed_pulls=1)) is None  # one blip is tolerated
    assert reason_now(at(10, last_received_at=T0, failed_pulls=2)) == "connection_down"
    assert reason_now(at(10, last_received_at=T0, newest_event_lag_ms=120_000)) is None
    assert reason_now(at(10, last_received_at=T0, newest_event_lag_ms=120_001)) == "processing_delay"
    assert reason_now(at(10, last_received_at=T0, maintenance=True)) == "maintenance"


def test_reasons_win_in_order() -> None:
    everything = at(500, last_received_at=T0, failed_pulls=5, newest_event_lag_ms=10**6, maintenance=True)
    assert reason_now(everything) == "maintenance"
    assert reason_now(at(500, last_received_at=T0, failed_pulls=5, newest_event_lag_ms=10**6)) == "connection_down"
    assert reason_now(at(500, last_received_at=T0, newest_event_lag_ms=10**6)) == "alive_interval_violation"


def test_a_transition_is_recorded_only_when_the_state_or_reason_changes() -> None:
    status, change = assess(None, at(5, last_received_at=T0))
    assert (status.state, change) == ("up", None)
    again, change = assess(status, at(30, last_received_at=T0 + 20_000))
    assert again is status and change is None
    down, change = assess(again, at(200, last_received_at=T0 + 20_000))
    assert (down.state, down.reason, down.since) == ("down", "alive_interval_violation", T0 + 200_000)
    assert change is not None and change.before == again and change.after == down
    worse, change = assess(down, at(210, last_received_at=T0 + 20_000, failed_pulls=3))
    assert worse.reason == "connection_down" and change is not None  # another reason: recorded
    back, change = assess(worse, at(220, last_received_at=T0 + 219_000))
    assert back.state == "up" and change is not None and change.before.reason == "connection_down"


def test_a_live_fixture_is_suspended_only_while_no_linked_feed_is_up() -> None:
    up, down = FeedStatus("up", None, T0), FeedStatus("down", "connection_down", T0)
    assert suspended([down]) and suspended([down, down]) and suspended([])
    assert not suspended([down, up]) and not suspended([up])
