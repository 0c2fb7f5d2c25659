"""``make bench``: wallet movements against the emulator's own ceiling, and DynamoDB requests
per movement; what responsible-gaming limits cost a BET (``bench/limits.py``); then the hub's
plays end to end (``bench/plays.py``) and password login's costs and timing
(``bench/passwords.py``). Results: ``bench/results/wallet.json``,
``bench/results/plays.json``, ``bench/results/passwords.json`` and ``docs/benchmarks.md``.

Throughput here is mostly moto's: what matters is the ratio of our movements per second
(through the handler: event parsing, auth, validation, domain, one transaction) to the
emulator's ceiling measured in the same run on the same machine (conditional
``TransactWriteItems`` per second, nothing else around them).
"""

from __future__ import annotations

import functools
import json
import os
import platform
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import local  # noqa: F401 - the shared layer on sys.path
from bench import limits, passwords, plays
from local import seed
from local.metering import counting
from local.server import proxy_event
from local.stack import LocalStack

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "wallet.json"
PLAYS_RESULTS = ROOT / "bench" / "results" / "plays.json"
DOC = ROOT / "docs" / "benchmarks.md"
N = int(os.environ.get("BENCH_N", "300"))


def rate(n: int, action: Callable[[int], Any]) -> float:
    started = time.perf_counter()
    for i in range(n):
        action(i)
    return n / (time.perf_counter() - started)


def ceiling(stack: LocalStack) -> float:
    """Conditional single-item transactions per second on this moto: the emulator's own limit."""
    from casino import aws

    client = aws.dynamodb()
    table = stack.physical["WalletTable"]
    key = aws.to_item({"pk": "BENCH#ceiling", "sk": "COUNTER"})
    client.put_item(TableName=table, Item={**key, **aws.to_item({"version": 0})})

    def once(i: int) -> None:
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": key,
                        "UpdateExpression": "SET version = :next",
                        "ConditionExpression": "version = :v",
                        "ExpressionAttributeValues": aws.to_item({":v": i, ":next": i + 1}),
                    }
                }
            ]
        )

    return rate(N, once)


def deposit_event(stack: LocalStack, pid: str, key: str) -> tuple[str, dict[str, Any]]:
    from local import template as tpl

    path = f"/api/v1/admin/players/{pid}/transactions"
    for fn in stack.functions.values():
        for route in fn.routes:
            match = route.pattern.match(path)
            if match and route.method == "POST":
                body = json.dumps({"type": "deposit", "amount": "1.00", "idempotency_key": key}).encode()
                headers = [("Authorization", "Bearer local-admin-key"), ("Content-Type", "application/json")]
                return fn.logical_id, proxy_event(
                    route, "POST", path, match.groupdict(), headers, "", body, "127.0.0.1"
                )
    raise LookupError(tpl.TEMPLATE)


def main() -> int:
    # A free port: the plays section serves the gateway there (the bridge operator's wallet).
    stack = LocalStack(public_base_url=f"http://127.0.0.1:{plays.free_port()}").start()
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # one log line per call would drown the figures
    seeded = seed.seed(stack)
    from casino.wallet import admin, domain, service

    pid = f"bench-{uuid.uuid4().hex[:8]}"
    admin.create_player(player_id=pid, user_name=pid, country="MT", currency="EUR")
    logical, _ = deposit_event(stack, pid, "warm")
    stack.invoke(logical, deposit_event(stack, pid, "warm")[1])  # warm the execution environment

    emulator = ceiling(stack)
    through_handler = rate(N, lambda i: stack.invoke(logical, deposit_event(stack, pid, f"h{i}")[1]))

    def service_deposit(key: str) -> None:
        def decide(w: domain.Wallet, now: int) -> tuple[domain.Movement, dict[str, Any]]:
            m = domain.deposit(w, 100, now, {"source": "bench"})
            return m, {"real": m.wallet.real}

        service.move(pid, decide, scope=f"bench#{pid}", key=key, fp="f")

    provider = provider_bench(stack)
    one_wallet = one_wallet_bench(stack)
    responsible = limits.bench(stack)

    with counting() as wallet_counts:
        service_deposit("count-1")
    with counting() as handler_counts:
        stack.invoke(logical, deposit_event(stack, pid, "count-2")[1])
    with counting() as replay_counts:
        stack.invoke(logical, deposit_event(stack, pid, "count-2")[1])
    with counting() as service_replay_counts:
        service_deposit("count-1")
    played = plays.run(stack, seeded.data, emulator)  # a failure is reported, the sections above still written
    signing_in = passwords.run(stack)
    stack.stop()

    result = {
        "machine": {"python": sys.version.split()[0], "cpus": os.cpu_count(), "platform": platform.platform()},
        "n": N,
        "emulator_ceiling_tx_per_s": round(emulator, 1),
        "deposits_per_s_through_handler": round(through_handler, 1),
        "ratio_to_ceiling": round(through_handler / emulator, 3),
        "provider": provider,
        "one_wallet": one_wallet,
        "responsible_gaming": responsible,
        "requests": {
            "movement_in_the_wallet": dict(wallet_counts),
            "admin_deposit_through_handler": dict(handler_counts),
            "admin_deposit_replay_through_handler": dict(replay_counts),
            "replay_in_the_wallet": dict(service_replay_counts),
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    PLAYS_RESULTS.write_text(json.dumps(played, indent=2) + "\n", encoding="utf-8")
    passwords.RESULTS.write_text(json.dumps(signing_in, indent=2) + "\n", encoding="utf-8")
    DOC.write_text(
        markdown(result) + limits.markdown(responsible) + plays.markdown(played) + passwords.markdown(signing_in),
        encoding="utf-8",
    )
    print(json.dumps(result, indent=2))
    print(json.dumps(played, indent=2))
    print(json.dumps(signing_in, indent=2))
    print(plays.verdict_line(played))
    print(passwords.verdict_line(signing_in))
    return 1 if "error" in played or not passwords.passed(signing_in) else 0


def provider_bench(stack: LocalStack) -> dict[str, Any]:
    """changebalance BET and WIN through the handler (signed events), and requests per call."""
    from casino.provider import sessions
    from casino.registry import game_sync, store
    from casino.wallet import admin
    from local.provider_client import ProviderClient

    catalogue = seed.load()["providers"][0]["catalogue"]
    plan = game_sync.plan("tlt", catalogue, store.games_of("tlt"))
    store.apply_game_sync("tlt", plan.upserts, plan.categories)
    pid = f"bench-p-{uuid.uuid4().hex[:8]}"
    admin.create_player(player_id=pid, user_name=pid, country="MT", currency="EUR")
    admin.post_transaction(pid, type="adjustment", amount="100000.00", idempotency_key="fund")
    token = sessions.open_session(player_id=pid, provider="tlt", game_id=1001, ttl_minutes=600)["token"]
    client = ProviderClient("http://bench")
    ids = iter(range(1, 10**9))

    def call(kind: str, transaction_id: int, round_id: int) -> None:
        answer = changebalance(stack, client, token, pid, kind, transaction_id, round_id)
        assert answer["status"] == "OK", answer

    call("BET", next(ids), 1)  # warm: provider config, secret, execution environment
    rounds = [next(ids) for _ in range(N)]
    bets = rate(N, lambda i: call("BET", next(ids), rounds[i]))
    wins = rate(N, lambda i: call("WIN", next(ids), rounds[i]))
    round_id, bet_id, win_id = next(ids), next(ids), next(ids)
    with counting() as per_bet:
        call("BET", bet_id, round_id)
    with counting() as per_win:
        call("WIN", win_id, round_id)
    with counting() as per_replay:
        call("BET", bet_id, round_id)
    return {
        "bets_per_s_through_handler": round(bets, 1),
        "wins_per_s_through_handler": round(wins, 1),
        "requests_per_bet": dict(per_bet),
        "requests_per_win": dict(per_win),
        "requests_per_replay": dict(per_replay),
    }


@functools.lru_cache(maxsize=8)
def _route(stack: LocalStack, path: str) -> tuple[str, Any]:
    """The function and route that serve ``path`` (looked up once, not on every call)."""
    return next((fn.logical_id, r) for fn in stack.functions.values() for r in fn.routes if r.pattern.match(path))


def changebalance(
    stack: LocalStack, client: Any, token: str, pid: str, kind: str, transaction_id: int, round_id: int
) -> dict[str, Any]:
    """One signed changebalance of 1.00 through the handler, as API Gateway delivers it."""
    path = "/api/v1/provider/tlt/changebalance"
    logical, route = _route(stack, path)
    data = {
        "token": token,
        "user_id": pid,
        "transaction_type": kind,
        "transaction_id": transaction_id,
        "round_id": round_id,
        "game_id": 1001,
        "currency_code": "EUR",
        "amount": "__1.00__",
        "transaction_timestamp": "2026-11-22T03:00:00Z",
    }
    body = json.dumps(client.envelope("changebalance", data)).replace('"__1.00__"', "1.00").encode()
    event = proxy_event(
        route,
        "POST",
        path,
        {"provider": "tlt"},
        list(client.headers("changebalance", "", body).items()),
        "",
        body,
        "127.0.0.1",
    )
    answer: dict[str, Any] = json.loads(stack.invoke(logical, event)["body"])
    return answer


def one_wallet_bench(stack: LocalStack, clients: tuple[int, ...] = (1, 4, 16), calls: int = 160) -> dict[str, Any]:
    """BETs on ONE player's wallet from 1, 4 and 16 concurrent clients through the handler:
    calls per second, latency percentiles, and what is left of the one-client rate."""
    import threading

    from casino.provider import sessions
    from casino.wallet import admin
    from local.provider_client import ProviderClient

    client = ProviderClient("http://bench")
    ids = iter(range(2 * 10**9, 3 * 10**9))
    lock = threading.Lock()
    results: dict[str, Any] = {}
    for n in clients:
        pid = f"bench-w-{uuid.uuid4().hex[:8]}"
        admin.create_player(player_id=pid, user_name=pid, country="MT", currency="EUR")
        admin.post_transaction(pid, type="adjustment", amount="100000.00", idempotency_key="fund")
        token = sessions.open_session(player_id=pid, provider="tlt", game_id=1001, ttl_minutes=600)["token"]
        latencies: list[float] = []
        failures: Counter[str] = Counter()

        def worker(
            count: int,
            token: str = token,
            pid: str = pid,
            latencies: list[float] = latencies,
            failures: Counter[str] = failures,
        ) -> None:
            for _ in range(count):
                with lock:
                    tid, rid = next(ids), next(ids)
                started = time.perf_counter()
                answer = changebalance(stack, client, token, pid, "BET", tid, rid)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if answer["status"] != "OK":
                        failures[answer["data"]["error_code"]] += 1

        threads = [threading.Thread(target=worker, args=(calls // n,)) for _ in range(n)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - began
        latencies.sort()
        results[str(n)] = {
            "calls_per_s": round(len(latencies) / wall, 1),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
            "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 1),
            "refused": dict(failures),
        }
    one = results[str(clients[0])]["calls_per_s"]
    for figures in results.values():
        figures["of_one_client_rate"] = round(figures["calls_per_s"] / one, 2)
    return results


def _requests(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {op}" for op, n in sorted(counts.items())) + f" ({sum(counts.values())} in all)"


def one_wallet_rows(figures: dict[str, Any]) -> str:
    return "\n".join(
        f"| {n} | {f['calls_per_s']} | {f['of_one_client_rate']} | {f['p50_ms']} ms | {f['p99_ms']} ms | {f['refused'] or 'none'} |"
        for n, f in figures.items()
    )


def markdown(r: dict[str, Any]) -> str:
    req = r["requests"]
    return f"""# Benchmarks

Written by `make bench` (`bench/__main__.py`, `bench/plays.py`); raw figures in
`bench/results/wallet.json` and `bench/results/plays.json`.
Machine: Python {r["machine"]["python"]}, {r["machine"]["cpus"]} CPUs, {r["machine"]["platform"]}.
Everything runs in one process on moto, so absolute rates are the emulator's; the ratio to
the emulator's own ceiling (measured in the same run) is the figure that tracks our overhead.

## Wallet movements ({r["n"]} each)

| measure | value |
| --- | --- |
| emulator ceiling: conditional `TransactWriteItems` per second | {r["emulator_ceiling_tx_per_s"]} |
| admin deposits per second through the handler (auth, validation, domain, one transaction) | {r["deposits_per_s_through_handler"]} |
| ratio to the ceiling | {r["ratio_to_ceiling"]} |

## Provider callbacks: `changebalance` through the handler ({r["n"]} each, signed events)

| measure | value | ratio to the ceiling |
| --- | --- | --- |
| BETs per second | {r["provider"]["bets_per_s_through_handler"]} | {round(r["provider"]["bets_per_s_through_handler"] / r["emulator_ceiling_tx_per_s"], 3)} |
| WINs per second | {r["provider"]["wins_per_s_through_handler"]} | {round(r["provider"]["wins_per_s_through_handler"] / r["emulator_ceiling_tx_per_s"], 3)} |

| call | requests | target |
| --- | --- | --- |
| a BET | {_requests(r["provider"]["requests_per_bet"])} | one read (batch), one write |
| a WIN | {_requests(r["provider"]["requests_per_win"])} | one read (batch), one write |
| a replay of the BET | {_requests(r["provider"]["requests_per_replay"])} | the stored outcome, from the one read |

The provider's configuration and secret are cached per execution environment (60 s), so a
warm callback reads them from memory.

## One busy wallet: BETs on one player from concurrent clients (through the handler)

| clients | calls per second | of the one-client rate | p50 | p99 | refused |
| --- | --- | --- | --- | --- | --- |
{one_wallet_rows(r["one_wallet"])}

Target: 16 clients keep at least half of the one-client rate, p99 under 1 s. A lost race is
decided again from the transaction's cancellation reasons (no re-read); inside one execution
environment one wallet's movements queue on a lock instead of racing for the process's one
CPU (`casino/wallet/engine.py`).

## DynamoDB requests (counted with botocore's `before-call` event hook)

| call | requests | target |
| --- | --- | --- |
| a movement in the wallet (service) | {_requests(req["movement_in_the_wallet"])} | one write, at most one read |
| a replay in the wallet (service) | {_requests(req["replay_in_the_wallet"])} | at most two in all |
| an admin deposit through the handler | {_requests(req["admin_deposit_through_handler"])} | the wallet's, plus the admin key lookup |
| its replay through the handler | {_requests(req["admin_deposit_replay_through_handler"])} | the wallet's, plus the admin key lookup |

A replay is recognised from the cancelled transaction itself
(`ReturnValuesOnConditionCheckFailure: ALL_OLD` on the idempotency record), never by an extra
read. The admin API looks its key up on every call (no cache), so that a revoked key stops
working at once.
"""


if __name__ == "__main__":
    sys.exit(main())
