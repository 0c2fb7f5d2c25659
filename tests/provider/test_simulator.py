"""The provider simulator plays sessions against the stack; the books must balance."""

from __future__ import annotations

from local.provider_client import ProviderClient
from local.provider_simulator import Simulator
from tests.conftest import ADMIN_KEY, RunningStack


def test_simulated_sessions_leave_the_books_balanced(running: RunningStack, provider: ProviderClient) -> None:
    report = Simulator(running.base_url, ADMIN_KEY, seed=7, provider=provider).run(players=3, rounds=20)
    assert report.problems == []
    assert report.callbacks > 100
    assert report.counts.get("retries", 0) > 0 and report.counts.get("out-of-order cancels", 0) > 0
