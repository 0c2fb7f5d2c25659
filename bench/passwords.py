"""``make bench``, password login (player-accounts.md): what argon2id costs at our parameters, and
that an unknown username and a wrong password take the same time through the handler. The
section of ``docs/benchmarks.md`` and ``bench/results/passwords.json``;
``python -m bench.passwords`` runs it alone.

The two kinds of failed sign-in are sent alternately (the order swapped every pair, so a drift of
the machine meets both alike), each from an address of its own and each wrong password on an
account with fewer than five failures, so that no lock answers in their place. The figure is the
ratio of their medians, bound to 0.8-1.25: the answer must not tell whether a username exists.

Knobs: ``BENCH_PASSWORD_SAMPLES`` (sign-ins of each kind, default 60), ``BENCH_HASHES`` (hashes
timed, default 20).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

import local  # noqa: F401 - the shared layer on sys.path
from local.server import proxy_event
from local.stack import LocalStack

SAMPLES = int(os.environ.get("BENCH_PASSWORD_SAMPLES", "60"))
HASHES = int(os.environ.get("BENCH_HASHES", "20"))
WARM = 4  # sign-ins of each kind before the timed ones (the execution environment, the caches)
BOUNDS = (0.8, 1.25)
PATH = "/api/v1/client/password_login"
PASSWORD = "Bench-Password-For-Timing-1"
RESULTS = Path(__file__).resolve().parent / "results" / "passwords.json"


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def hash_cost() -> dict[str, Any]:
    """argon2id at the chosen parameters, in this process (one core)."""
    from casino.accounts import passwords

    hashed = [passwords.hash_password(PASSWORD)]
    hash_s, verify_s = [], []
    for _ in range(HASHES):
        started = time.perf_counter()
        hashed.append(passwords.hash_password(PASSWORD))
        hash_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        passwords.verify(hashed[-1], PASSWORD)
        verify_s.append(time.perf_counter() - started)
    return {
        "parameters": {
            "type": "argon2id",
            "memory_kib": passwords.MEMORY_KIB,
            "time_cost": passwords.TIME_COST,
            "parallelism": passwords.PARALLELISM,
        },
        "hashes": HASHES,
        "hash_p50_ms": _ms(statistics.median(hash_s)),
        "hash_max_ms": _ms(max(hash_s)),
        "verify_p50_ms": _ms(statistics.median(verify_s)),
    }


def _event(stack: LocalStack, username: str, password: str, source_ip: str) -> tuple[str, dict[str, Any]]:
    logical, route = next((fn.logical_id, r) for fn in stack.functions.values() for r in fn.routes if r.path == PATH)
    body = json.dumps({"operator": "demo", "username": username, "password": password}).encode()
    headers = [("Content-Type", "application/json")]
    return logical, proxy_event(route, "POST", PATH, {}, headers, "", body, source_ip)


def failed_sign_ins(stack: LocalStack) -> dict[str, Any]:
    """Medians of an unknown username and of a wrong password, through the handler."""
    from casino.accounts import policy, service

    per_account = policy.ACCOUNT.max_failures - 1
    accounts = -(-(SAMPLES + WARM) // per_account)
    known = []
    for _ in range(accounts):
        name = f"bench{uuid.uuid4().hex[:10]}"
        service.register(operator="demo", username=name, password=PASSWORD, currency="EUR", country="MT")
        known += [name] * per_account
    timings: dict[str, list[float]] = {"unknown": [], "wrong": []}

    def sign_in(kind: str, i: int) -> float:
        name = f"nobody{uuid.uuid4().hex[:10]}" if kind == "unknown" else known[i]
        logical, event = _event(stack, name, "Not-The-Password-99", f"2001:db8:bench::{uuid.uuid4().hex[:4]}")
        started = time.perf_counter()
        answer = stack.invoke(logical, event)
        took = time.perf_counter() - started
        if answer["statusCode"] != 401:
            raise RuntimeError(f"{kind} sign-in answered {answer['statusCode']}: {answer.get('body')}")
        return took

    for i in range(WARM):
        sign_in("unknown", i)
        sign_in("wrong", i)
    for i in range(WARM, WARM + SAMPLES):
        order = ("unknown", "wrong") if i % 2 else ("wrong", "unknown")
        for kind in order:
            timings[kind].append(sign_in(kind, i))
    unknown, wrong = statistics.median(timings["unknown"]), statistics.median(timings["wrong"])
    ratio = unknown / wrong
    return {
        "samples": SAMPLES,
        "unknown_user_p50_ms": _ms(unknown),
        "wrong_password_p50_ms": _ms(wrong),
        "ratio_of_medians": round(ratio, 3),
        "bounds": list(BOUNDS),
        "verdict": "PASS" if BOUNDS[0] <= ratio <= BOUNDS[1] else "FAIL",
    }


def run(stack: LocalStack) -> dict[str, Any]:
    """The section, or what went wrong (so that a failure does not cost the other sections)."""
    try:
        return {"argon2id": hash_cost(), "failed_sign_ins": failed_sign_ins(stack)}
    except Exception as failed:
        traceback.print_exc()
        return {"error": f"{type(failed).__name__}: {failed}"}


def passed(r: dict[str, Any]) -> bool:
    return "error" not in r and r["failed_sign_ins"]["verdict"] == "PASS"


def verdict_line(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"passwords: the section failed ({r['error']}): FAIL"
    f = r["failed_sign_ins"]
    return (
        f"passwords: unknown user / wrong password, ratio of medians {f['ratio_of_medians']} "
        f"(bounds {f['bounds'][0]}-{f['bounds'][1]}): {f['verdict']}"
    )


def markdown(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"\n## Password login\n\nThe section failed in this run: `{r['error']}`.\n"
    a, f = r["argon2id"], r["failed_sign_ins"]
    p = a["parameters"]
    return f"""
## Password login (`bench/passwords.py`)

argon2id at m = {p["memory_kib"]} KiB, t = {p["time_cost"]}, p = {p["parallelism"]} (docs/decisions.md),
{a["hashes"]} hashes in this process on one core:

| measure | value |
| --- | --- |
| hash, median | {a["hash_p50_ms"]} ms |
| hash, slowest | {a["hash_max_ms"]} ms |
| verify, median | {a["verify_p50_ms"]} ms |

A failed sign-in through the handler (`POST /api/v1/client/password_login`, {f["samples"]} of each,
sent alternately, each from its own address, no account locked):

| sign-in | median |
| --- | --- |
| unknown username (verified against the dummy hash) | {f["unknown_user_p50_ms"]} ms |
| wrong password of an existing user | {f["wrong_password_p50_ms"]} ms |
| ratio of the medians (bounds {f["bounds"][0]}-{f["bounds"][1]}) | {f["ratio_of_medians"]}: {f["verdict"]} |

Both do the same work: the address and the account counted (one conditional write each), the
credential read, one argon2id verification; the answer is the same `unauthorized`.
"""


def main() -> int:
    from bench.plays import free_port
    from local import seed

    stack = LocalStack(public_base_url=f"http://127.0.0.1:{free_port()}").start()
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    seed.seed(stack)
    result = run(stack)
    stack.stop()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    print(verdict_line(result))
    return 0 if passed(result) else 1


if __name__ == "__main__":
    sys.exit(main())
