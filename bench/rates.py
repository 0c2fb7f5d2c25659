"""Rates against the emulator's ceiling, measured in alternation, and latency under concurrency.

The ceiling is a bare conditional ``TransactWriteItems`` (one item, its version checked and bumped)
on this process's moto: the most a wallet movement could do here, since each needs at least that
one write. A rate is measured in blocks, each between two ceiling blocks, and its ratio is the
median over the blocks of the block's rate over the mean of the two ceilings beside it: a drift
of the machine (others share it) moves both alike.
"""

from __future__ import annotations

import itertools
import json
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from local.stack import LocalStack


class EmulatorTime:
    """Time spent inside the emulator (moto's request dispatcher) by each thread: what a call
    costs the emulator, apart from everything else in the process (our code, boto3)."""

    def __init__(self) -> None:
        self.local = threading.local()

    def __enter__(self) -> EmulatorTime:
        from moto.core.models import botocore_stubber

        self.stubber = botocore_stubber
        inner = botocore_stubber.process_request
        local = self.local

        def timed(request: Any) -> Any:
            started = time.perf_counter()
            try:
                return inner(request)
            finally:
                local.spent = getattr(local, "spent", 0.0) + time.perf_counter() - started

        botocore_stubber.process_request = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        del self.stubber.process_request

    def spent(self) -> float:
        return float(getattr(self.local, "spent", 0.0))


class AwsCallTime:
    """Time spent inside DynamoDB calls by each thread, from the start of the client's call
    (``before-parameter-build``) to its parsed answer (``after-call``): boto3's own work and the
    emulator's together, what making those same requests costs any client."""

    def __init__(self) -> None:
        self.local = threading.local()

    def _start(self, **_: Any) -> None:
        self.local.started = time.perf_counter()

    def _stop(self, **_: Any) -> None:
        started = getattr(self.local, "started", None)
        if started is not None:
            self.local.spent = getattr(self.local, "spent", 0.0) + time.perf_counter() - started
            self.local.started = None

    def __enter__(self) -> AwsCallTime:
        from casino import aws

        self.events = aws.dynamodb().meta.events
        self.events.register_first("before-parameter-build.dynamodb", self._start)
        self.events.register_last("after-call.dynamodb", self._stop)
        return self

    def __exit__(self, *exc: object) -> None:
        self.events.unregister("before-parameter-build.dynamodb", self._start)
        self.events.unregister("after-call.dynamodb", self._stop)

    def spent(self) -> float:
        return float(getattr(self.local, "spent", 0.0))


def _answered(answer: Any) -> None:
    """A timed invocation was answered as a success (HTTP 200; a provider envelope OK), not a
    refusal, which would cost less than the call measured."""
    assert answer["statusCode"] == 200, answer
    body = json.loads(answer["body"])
    assert not isinstance(body, dict) or body.get("status", "OK") == "OK", body


def split(calls: int, call: Callable[[], Any], *, prepared: bool = False) -> dict[str, Any]:
    """``calls`` calls one after another, each timed whole, inside its DynamoDB requests (boto3
    and the emulator: what those same requests cost any client, side by side) and inside the
    emulator alone; ours is the rest (the handler, its framework, our domain). Medians.
    ``prepared``: ``call`` builds the request (the caller's work: signing, the gateway's event)
    and answers the invocation to time, so that only the handler's run is timed."""
    totals, requests, emulator = [], [], []
    with EmulatorTime() as moto_timer, AwsCallTime() as aws_timer:
        for _ in range(calls):
            timed = call() if prepared else call
            moto_before, aws_before = moto_timer.spent(), aws_timer.spent()
            started = time.perf_counter()
            answer = timed()
            totals.append(time.perf_counter() - started)
            if prepared:
                _answered(answer)
            requests.append(aws_timer.spent() - aws_before)
            emulator.append(moto_timer.spent() - moto_before)
    own = [t - r for t, r in zip(totals, requests, strict=True)]
    overheads = [o / r for o, r in zip(own, requests, strict=True) if r > 0]

    def ms(values: list[float]) -> float:
        return round(statistics.median(values) * 1000, 2)

    return {
        "calls": calls,
        "total_ms": ms(totals),
        "requests_ms": ms(requests),
        "emulator_ms": ms(emulator),
        "boto3_ms": ms([r - e for r, e in zip(requests, emulator, strict=True)]),
        "own_ms": ms(own),
        "own_over_requests": round(statistics.median(overheads), 3) if overheads else None,
    }


def percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


class Ceiling:
    """Conditional single-item transactions on one counter item of the wallet table."""

    def __init__(self, stack: LocalStack, name: str = "ceiling"):
        from casino import aws

        self.client = aws.dynamodb()
        self.table = stack.physical["WalletTable"]
        self.key = aws.to_item({"pk": f"BENCH#{name}", "sk": "COUNTER"})
        self.version = itertools.count()
        self.client.put_item(TableName=self.table, Item={**self.key, **aws.to_item({"version": 0})})

    def once(self) -> None:
        from casino import aws

        v = next(self.version)
        self.client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": self.key,
                        "UpdateExpression": "SET version = :next",
                        "ConditionExpression": "version = :v",
                        "ExpressionAttributeValues": aws.to_item({":v": v, ":next": v + 1}),
                    }
                }
            ]
        )

    def rate(self, n: int) -> float:
        return block(n, lambda _: self.once())


def block(n: int, action: Callable[[int], Any]) -> float:
    started = time.perf_counter()
    for i in range(n):
        action(i)
    return n / (time.perf_counter() - started)


def alternating(
    ceiling: Ceiling, actions: dict[str, Callable[[int], Any]], *, blocks: int, per_block: int, ceiling_n: int = 0
) -> dict[str, Any]:
    """Each action's rate in ``blocks`` blocks of ``per_block`` calls, each block between two
    ceiling blocks (ceiling, a, ceiling, b, ceiling, a, ...): rates and ratios, medians."""
    ceiling_n = ceiling_n or per_block
    calls = {name: itertools.count() for name in actions}
    rates: dict[str, list[float]] = {name: [] for name in actions}
    ratios: dict[str, list[float]] = {name: [] for name in actions}
    ceilings = [ceiling.rate(ceiling_n)]
    for _ in range(blocks):
        for name, action in actions.items():
            counter = calls[name]
            rate = block(per_block, lambda _, a=action, c=counter: a(next(c)))  # type: ignore[misc]
            ceilings.append(ceiling.rate(ceiling_n))
            rates[name].append(rate)
            ratios[name].append(rate / ((ceilings[-2] + ceilings[-1]) / 2))
    out: dict[str, Any] = {
        "ceiling_per_s": round(statistics.median(ceilings), 1),
        "ceiling_spread_per_s": [round(min(ceilings), 1), round(max(ceilings), 1)],
        "blocks": blocks,
        "calls_per_block": per_block,
    }
    for name in actions:
        out[name] = {
            "per_s": round(statistics.median(rates[name]), 1),
            "ratio_to_ceiling": round(statistics.median(ratios[name]), 3),
            "ratio_spread": [round(min(ratios[name]), 3), round(max(ratios[name]), 3)],
        }
    return out


def concurrent(
    clients: tuple[int, ...],
    calls: int,
    make_call: Callable[[int, int], Callable[[], str | None]],
) -> dict[str, Any]:
    """``calls`` calls shared by n concurrent clients for each n: calls per second, p50, p99 and
    the refusals. ``make_call(level, client)`` prepares a client and gives its one call, which
    answers None or the code of a refusal."""
    results: dict[str, Any] = {}
    for n in clients:
        prepared = [make_call(n, c) for c in range(n)]
        latencies: list[float] = []
        refused: Counter[str] = Counter()
        lock = threading.Lock()

        def worker(
            call: Callable[[], str | None],
            count: int,
            latencies: list[float] = latencies,
            refused: Counter[str] = refused,
            lock: threading.Lock = lock,
        ) -> None:
            for _ in range(count):
                started = time.perf_counter()
                code = call()
                took = time.perf_counter() - started
                with lock:
                    latencies.append(took)
                    if code:
                        refused[code] += 1

        threads = [threading.Thread(target=worker, args=(p, max(1, calls // n))) for p in prepared]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - began
        results[str(n)] = {
            "calls": len(latencies),
            "calls_per_s": round(len(latencies) / wall, 1),
            "p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "refused": dict(refused),
        }
    first = results[str(clients[0])]["calls_per_s"]
    for figures in results.values():
        figures["of_one_client_rate"] = round(figures["calls_per_s"] / first, 2) if first else None
    return results
