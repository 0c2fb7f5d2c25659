"""Schemathesis on every operation of docs/openapi/bridge.json, against the local stack (tests/fuzz/harness.py)."""

from __future__ import annotations

import schemathesis

from tests.fuzz import harness
from tests.fuzz.harness import World

schema = harness.schema("bridge")


@schema.parametrize()
def test_bridge(case: schemathesis.Case, world: World) -> None:
    harness.fuzz(case, world)
