"""The fuzz's own things on the session's local stack (``harness.World``), made once per worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import RunningStack
from tests.fuzz.harness import World


@pytest.fixture(scope="session")
def world(running: RunningStack) -> Iterator[World]:
    made = World(running)
    yield made
    made.write_report()
    made.close()
