"""The fuzz's own things on the session's local stack (``harness.World``), made once per worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import RunningStack
from tests.fuzz import harness
from tests.fuzz.harness import World


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How the fuzz ran, and how to replay it (printed even with -q)."""
    if not any("tests/fuzz" in str(arg) or str(arg).endswith("fuzz") for arg in terminalreporter.config.args):
        return
    how = "derandomized" if harness.DETERMINISTIC else f"seed {harness.SEED}: FUZZ_SEED={harness.SEED} replays it"
    budget = f", budget {harness.BUDGET_S:g} s" if harness.BUDGET_S else ""
    phases = " and the coverage phase" if harness.COVERAGE else ""
    terminalreporter.write_line(
        f"fuzz: {harness.EXAMPLES} examples per operation{phases}, {how}{budget}; "
        f"per-operation counts in {harness.REPORT_DIR}/summary-*.json"
    )


@pytest.fixture(scope="session")
def world(running: RunningStack) -> Iterator[World]:
    made = World(running)
    yield made
    made.write_report()
    made.close()


@pytest.fixture(autouse=True)
def fuzz_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each fuzz test's whole time (generation included) counts against the run's budget."""
    if "world" not in request.fixturenames:
        yield
        return
    yield from request.getfixturevalue("world").timing()
