"""Schemathesis on every operation of docs/openapi/sports.json, against the local stack (tests/fuzz/harness.py)."""

from __future__ import annotations

import schemathesis

from tests.fuzz import harness
from tests.fuzz.harness import World

schema = harness.schema("sports")


@schema.parametrize()
def test_sports(case: schemathesis.Case, world: World) -> None:
    harness.fuzz(case, world)
