"""DynamoDB requests counted by operation (botocore's ``before-call`` hook on the shared
client): what ``make bench`` reports and the engine's tests assert."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import local  # noqa: F401 - the shared layer on sys.path


@contextmanager
def counting() -> Iterator[Counter[str]]:
    from casino import aws  # noqa: PLC0415

    counts: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        counts[model.name] += 1

    events = aws.dynamodb().meta.events
    events.register("before-call.dynamodb", count)
    try:
        yield counts
    finally:
        events.unregister("before-call.dynamodb", count)
