"""``make bench``, the hub's plays end to end: the section of ``docs/benchmarks.md`` and
``bench/results/plays.json``.

Each client is an operator session (``create_session``, signed as the seeded bridge operator
``demo``) on a player of its own, funded through the admin API; it logs in once, then plays
``lucky-7`` over HTTP through the local gateway: ``POST /play``, ``POST /view_done``, then
``GET /contracts/{id}`` until the contract is final. The bet goes over HTTP too, from the
PlaceBet task to the account bridge on the same server, as it does with ``make run``.

Measured: plays per second (sequential and with concurrent clients) as a ratio to the
emulator's ceiling from the same run, the latency of ``POST /play`` (the answer comes once the
bet is placed), the state transitions of each play read from its execution history and what
they cost at Step Functions' list price, and the DynamoDB requests of one play by function.

Knobs: ``BENCH_PLAYS`` (plays per concurrency level, default 16), ``BENCH_PLAY_CLIENTS``
(concurrency levels, default ``1,4``).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from local import seed
from local.operator_client import SignedClient
from local.server import Gateway, serve
from local.stack import LocalStack

PLAYS = int(os.environ.get("BENCH_PLAYS", "16"))
CLIENTS = tuple(int(n) for n in os.environ.get("BENCH_PLAY_CLIENTS", "1,4").split(",") if n.strip())
GAME, STAKE = "lucky-7", "1.00"
FINAL = frozenset({"finalized", "cancelled", "refunded", "errored"})
POLL_S = 0.05  # the client's poll of GET /contracts/{id} after view_done (as often as the play polls its bet)
FINAL_WITHIN_S = 60.0
TRANSITIONS_TARGET = 6  # at most, per play on the happy path
# Step Functions Standard workflows, list price per 1,000 state transitions (every state entered
# counts, retries too; the 4,000 a month of the free tier left out). The same in Europe
# (Ireland), this stack's region, and US East (N. Virginia).
PRICE_USD_PER_1000 = 0.025
PRICE_SOURCE = "https://aws.amazon.com/step-functions/pricing/"
PRICE_AS_OF = "2026-11"
ADMIN_KEY = "local-admin-key"
OPERATOR = ("demo-operator", "demo-operator-secret")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: of 24 values, p99 is the largest."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# ---------------------------------------------------------------- the stack's HTTP side
class Hub:
    """The stack's gateway listening on its ``public_base_url`` (the bridge operator's wallet
    is this very server), an operator client and the admin API."""

    def __init__(self, stack: LocalStack, data: dict[str, Any]):
        self.stack = stack
        self.base_url = stack.public_base_url
        port = int(urlparse(self.base_url).port or 80)
        self.gateway = Gateway(stack, {seed.PLATFORM_PREFIX: seed.provider_platform(data)})
        self.server = serve(self.gateway, "127.0.0.1", port)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.operator = SignedClient(self.base_url, *OPERATOR)
        self.http = httpx.Client(base_url=self.base_url, timeout=60.0)

    def close(self) -> None:
        self.http.close()
        self.operator.client.close()
        self.server.shutdown()
        self.server.server_close()

    def admin(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.http.post(f"/api/v1/admin{path}", json=body, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        if answer.status_code >= 300:
            raise RuntimeError(f"admin {path}: {answer.status_code} {answer.text}")
        data: dict[str, Any] = answer.json()
        return data

    def funded_player(self, amount: str = "100000.00") -> str:
        """A new wallet player with ``amount`` EUR real (an adjustment: no wagering)."""
        pid = f"bench-play-{uuid.uuid4().hex[:10]}"
        self.admin("/players", {"player_id": pid, "user_name": pid, "country": "MT", "currency": "EUR"})
        self.admin(
            f"/players/{pid}/transactions", {"type": "adjustment", "amount": amount, "idempotency_key": f"fund-{pid}"}
        )
        return pid

    def client_token(self, pid: str) -> str:
        """The operator's ``create_session`` for ``pid``: the client token of its ``client_url``."""
        created = self.operator.post("/api/v1/hub/create_session", {"user_id": pid, "game_id": GAME})
        if created.status_code != 200:
            raise RuntimeError(f"create_session: {created.status_code} {created.text}")
        token: str = parse_qs(urlparse(created.json()["client_url"]).query)["token"][0]
        return token

    def login(self, pid: str, token: str) -> Player:
        http = httpx.Client(base_url=f"{self.base_url}/api/v1/client", timeout=60.0)
        started = time.perf_counter()
        login = http.post("/login", json={"client_token": token})
        took = time.perf_counter() - started
        if login.status_code != 200:
            raise RuntimeError(f"login: {login.status_code} {login.text}")
        http.headers["Authorization"] = f"Bearer {login.json()['auth_token']}"
        return Player(pid, http, took)

    def player(self) -> Player:
        """A funded player's session, created by the operator and logged in once."""
        pid = self.funded_player()
        return self.login(pid, self.client_token(pid))


# ---------------------------------------------------------------- one play
@dataclass
class Played:
    contract_id: str
    answered_s: float  # POST /play, until its answer
    final_s: float  # from POST /play until GET /contracts/{id} shows a final status
    answered: str  # the contract's status in the answer of POST /play
    final: str


@dataclass
class Player:
    pid: str
    http: httpx.Client
    login_s: float

    def play(self) -> Played:
        started = time.perf_counter()
        answer = self.http.post("/play", json={"game_id": GAME, "stake": STAKE, "play_id": uuid.uuid4().hex})
        answered = time.perf_counter() - started
        if answer.status_code != 200:
            raise RuntimeError(f"play: {answer.status_code} {answer.text}")
        contract = answer.json()["contract"]
        cid, first = contract["id"], contract["status"]
        done = self.http.post("/view_done", json={"contract_id": cid})
        if done.status_code != 200:
            raise RuntimeError(f"view_done: {done.status_code} {done.text}")
        status = done.json()["contract"]["status"]
        deadline = time.monotonic() + FINAL_WITHIN_S
        while status not in FINAL and time.monotonic() < deadline:
            time.sleep(POLL_S)
            status = self.http.get(f"/contracts/{cid}").json()["contract"]["status"]
        return Played(cid, answered, time.perf_counter() - started, first, status)

    def close(self) -> None:
        self.http.close()


# ---------------------------------------------------------------- throughput and latency
CEILING_BLOCK = 40  # conditional transactions between two rounds of plays


def level(hub: Hub, clients: int, plays: int, ceiling: Any) -> tuple[dict[str, Any], list[Played]]:
    """``plays`` plays shared by ``clients`` concurrent clients (each its own player and
    session), after one untimed play per client (warm execution environments). They play in
    rounds of one play per client, each round between two blocks of the emulator's ceiling
    (``bench.rates.Ceiling``): a round's rate over the mean of the ceilings beside it is its
    ratio, and the level's ratio is their median."""
    import statistics

    players = [hub.player() for _ in range(clients)]
    rounds = max(1, plays // clients)
    lock = threading.Lock()
    done: list[Played] = []
    errors: Counter[str] = Counter()

    def one_client(player: Player, out: list[Played]) -> None:
        try:
            played = player.play()
        except Exception as failed:  # reported, not fatal: the other clients go on
            with lock:
                errors[f"{type(failed).__name__}: {str(failed)[:120]}"] += 1
            return
        with lock:
            out.append(played)

    def together(out: list[Played]) -> float:
        threads = [threading.Thread(target=one_client, args=(p, out)) for p in players]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - began

    together([])  # warm, not counted
    errors.clear()
    ceilings = [ceiling.rate(CEILING_BLOCK)]
    ratios: list[float] = []
    wall = 0.0
    for _ in range(rounds):
        before = len(done)
        took = together(done)
        wall += took
        ceilings.append(ceiling.rate(CEILING_BLOCK))
        ratios.append(((len(done) - before) / took) / ((ceilings[-2] + ceilings[-1]) / 2))
    for p in players:
        p.close()
    answered = [p.answered_s for p in done]
    whole = [p.final_s for p in done]
    rate = len(done) / wall if wall else 0.0
    return {
        "clients": clients,
        "plays": len(done),
        "seconds": round(wall, 2),
        "plays_per_s": round(rate, 2),
        "ceiling_per_s": round(statistics.median(ceilings), 1),
        "ratio_to_ceiling": round(statistics.median(ratios), 4) if ratios else None,
        "ratio_spread": [round(min(ratios), 4), round(max(ratios), 4)] if ratios else None,
        "play_p50_ms": ms(percentile(answered, 50)) if answered else None,
        "play_p99_ms": ms(percentile(answered, 99)) if answered else None,
        "play_to_final_p50_ms": ms(percentile(whole, 50)) if whole else None,
        "login_ms": [ms(p.login_s) for p in players],
        "answered": dict(Counter(p.answered for p in done)),
        "final": dict(Counter(p.final for p in done)),
        "errors": dict(errors),
    }, done


# ---------------------------------------------------------------- state transitions
def execution_arn(stack: LocalStack, contract_id: str) -> str:
    return stack.state_machine_arn.replace(":stateMachine:", ":execution:") + ":" + contract_id


def states_entered(stack: LocalStack, contract_id: str) -> list[str]:
    """The states the contract's execution entered, in order, from its history."""
    from casino import aws

    pages = aws.stepfunctions().get_paginator("get_execution_history")
    entered = []
    for page in pages.paginate(executionArn=execution_arn(stack, contract_id)):
        for event in page["events"]:
            if event["type"].endswith("StateEntered"):
                entered.append(event["stateEnteredEventDetails"]["name"])
    return entered


def transitions(stack: LocalStack, played: list[Played]) -> dict[str, Any]:
    happy = [p for p in played if p.final == "finalized"]
    paths = Counter(" > ".join(states_entered(stack, p.contract_id)) for p in happy)
    counts = Counter(len(path.split(" > ")) for path in paths.elements()) if happy else Counter()
    mean = sum(n * k for n, k in counts.items()) / len(happy) if happy else 0.0
    worst = max(counts) if counts else 0
    return {
        "plays_read": len(happy),
        "plays_not_finalized": len(played) - len(happy),
        "per_play": {str(n): k for n, k in sorted(counts.items())},
        "mean": round(mean, 2),
        "max": worst,
        "paths": dict(paths),
        "target_max": TRANSITIONS_TARGET,
        "verdict": "PASS" if happy and worst <= TRANSITIONS_TARGET else "FAIL",
        "step_functions_usd_per_million_plays": round(mean * 1_000_000 * PRICE_USD_PER_1000 / 1000, 2),
        "price": {
            "usd_per_1000_state_transitions": PRICE_USD_PER_1000,
            "workflow": "Standard",
            "regions": "Europe (Ireland), US East (N. Virginia)",
            "source": PRICE_SOURCE,
            "as_of": PRICE_AS_OF,
        },
    }


# ---------------------------------------------------------------- DynamoDB requests
@dataclass
class ByFunction:
    counts: Counter[tuple[str, str]]
    durations_ms: dict[str, list[float]]


@contextmanager
def requests_by_function(stack: LocalStack) -> Iterator[ByFunction]:
    """DynamoDB requests by (function, operation), with botocore's ``before-call`` hook, like
    ``local.metering.counting``: on the shared client the handlers use, and on the clients the
    emulator's Step Functions creates for each direct DynamoDB task (no function: Finalize).
    Each function is known from the thread its handler runs in."""
    import boto3

    from casino import aws

    current = threading.local()
    counts: Counter[tuple[str, str]] = Counter()
    durations: dict[str, list[float]] = {}
    lock = threading.Lock()
    invoke = stack.invoke

    def invoking(logical_id: str, event: dict[str, Any]) -> Any:
        before = getattr(current, "fn", None)
        current.fn = logical_id
        started = time.perf_counter()
        try:
            return invoke(logical_id, event)
        finally:
            took = (time.perf_counter() - started) * 1000
            with lock:
                durations.setdefault(logical_id, []).append(round(took, 2))
            current.fn = before

    def count(model: Any, **_: Any) -> None:
        with lock:
            counts[(getattr(current, "fn", None) or "Step Functions (direct DynamoDB task)", model.name)] += 1

    session_events = boto3._get_default_session().events  # clients created from now on
    shared_events = aws.dynamodb().meta.events
    stack.invoke = invoking  # type: ignore[method-assign]  # the gateway and the Lambda dispatch call it
    shared_events.register("before-call.dynamodb", count)
    session_events.register("before-call.dynamodb", count)
    try:
        yield ByFunction(counts, durations)
    finally:
        session_events.unregister("before-call.dynamodb", count)
        shared_events.unregister("before-call.dynamodb", count)
        del stack.invoke


def until_ended(stack: LocalStack, contract_id: str, within_s: float = FINAL_WITHIN_S) -> str:
    """The execution's status once it has ended (Step Functions reads, no DynamoDB request)."""
    from casino import aws

    client = aws.stepfunctions()
    deadline = time.monotonic() + within_s
    while True:
        status = str(client.describe_execution(executionArn=execution_arn(stack, contract_id))["status"])
        if status != "RUNNING" or time.monotonic() >= deadline:
            return status
        time.sleep(POLL_S)


def requests_of_one_play(hub: Hub) -> dict[str, Any]:
    """One warm play alone, counted: play, view_done, and everything to the end of its
    execution (waited for with DescribeExecution, not by polling the contract), with its
    capacity (``bench.capacity``) and each invocation's duration; then the client's one poll
    of the contract, and a login, counted apart."""
    from bench import capacity
    from local.metering import counting

    player = hub.player()
    player.play()  # warm
    with requests_by_function(hub.stack) as by_function, counting() as shared, capacity.metering(hub.stack) as meter:
        answer = player.http.post("/play", json={"game_id": GAME, "stake": STAKE, "play_id": uuid.uuid4().hex})
        cid = answer.json()["contract"]["id"]
        player.http.post("/view_done", json={"contract_id": cid})
        ended = until_ended(hub.stack, cid)
    with requests_by_function(hub.stack) as polled, counting() as poll, capacity.metering(hub.stack) as poll_meter:
        final = player.http.get(f"/contracts/{cid}").json()["contract"]["status"]
    player.close()
    pid = hub.funded_player()
    token = hub.client_token(pid)
    with counting() as login:
        hub.login(pid, token).close()
    functions: dict[str, dict[str, int]] = {}
    operations: Counter[str] = Counter()
    for (fn, op), n in sorted(by_function.counts.items()):
        functions.setdefault(fn, {})[op] = n
        operations[op] += n
    poll_ms = [d for ds in polled.durations_ms.values() for d in ds]
    return {
        "execution": ended,
        "contract": final,
        "per_play": functions,
        "per_play_total": sum(operations.values()),
        "per_play_by_operation": dict(operations),
        "per_play_on_the_shared_client": sum(shared.values()),
        "capacity": meter.figures(),
        "durations_ms": by_function.durations_ms,
        "per_poll_of_the_contract": dict(poll),
        "poll_capacity": poll_meter.figures(),
        "poll_ms": poll_ms[0] if poll_ms else 0.0,
        "per_login": dict(login),
    }


# ---------------------------------------------------------------- the section
def bench(stack: LocalStack, data: dict[str, Any], ceiling_per_s: float = 0.0) -> dict[str, Any]:
    """Everything above, on a stack seeded with ``data`` whose ``public_base_url`` is free."""
    from bench.rates import Ceiling

    ceiling = Ceiling(stack, "plays")
    hub = Hub(stack, data)
    try:
        began = time.perf_counter()
        levels: dict[str, Any] = {}
        played: list[Played] = []
        for clients in CLIENTS:
            figures, done = level(hub, clients, PLAYS, ceiling)
            levels[str(clients)] = figures
            played += done
        one = levels[str(CLIENTS[0])]["plays_per_s"]
        for figures in levels.values():
            figures["of_the_first_level_rate"] = round(figures["plays_per_s"] / one, 2) if one else None
        read = transitions(stack, played)
        requests = requests_of_one_play(hub)
        return {
            "plays_per_level": PLAYS,
            "game": GAME,
            "stake": STAKE,
            "emulator_ceiling_tx_per_s": round(
                sorted(f["ceiling_per_s"] for f in levels.values())[len(levels) // 2], 1
            ),
            "levels": levels,
            "transitions": read,
            "dynamodb_requests": requests,
            "seconds": round(time.perf_counter() - began, 1),
        }
    finally:
        hub.close()


def run(stack: LocalStack, data: dict[str, Any], ceiling_per_s: float = 0.0) -> dict[str, Any]:
    """``bench``, or what went wrong (so that a broken play does not cost the other sections)."""
    try:
        return bench(stack, data, ceiling_per_s)
    except Exception as failed:
        traceback.print_exc()
        return {"error": f"{type(failed).__name__}: {failed}"}


def verdict_line(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"plays: the section failed ({r['error']}): FAIL"
    t = r["transitions"]
    return (
        f"plays: {t['max']} state transitions per play at most (mean {t['mean']}, {t['plays_read']} plays read, "
        f"target at most {t['target_max']}): {t['verdict']}"
    )


def _ops(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {op}" for op, n in sorted(counts.items())) + f" ({sum(counts.values())} in all)"


WHO = {
    "ClientPlayFunction": "`POST /play` (reserve, create, start, wait for the bet, answer)",
    "ContractPlaceBetFunction": "PlaceBet task",
    "BridgeCreateTransactionFunction": "the operator's wallet: the account bridge's `create_transaction` (bet, then win or lose)",
    "ContractAwaitViewFunction": "AwaitView task (stores the task token)",
    "ClientViewDoneFunction": "`POST /view_done`",
    "ContractSettleFunction": "Settle task",
    "Step Functions (direct DynamoDB task)": "Finalize (Step Functions' direct DynamoDB integration)",
}


def markdown(r: dict[str, Any]) -> str:
    from casino.hub import plays as hub_plays

    if "error" in r:
        return f"\n## Plays end to end\n\nThe section failed in this run: `{r['error']}`.\n"
    t, req = r["transitions"], r["dynamodb_requests"]
    first = next(iter(r["levels"]))
    logins = [x for f in r["levels"].values() for x in f["login_ms"]]
    rows = "\n".join(
        f"| {f['clients']} | {f['plays']} | {f['plays_per_s']} | {f['ratio_to_ceiling']} | {f['of_the_first_level_rate']} "
        f"| {f['play_p50_ms']} ms | {f['play_p99_ms']} ms | {f['play_to_final_p50_ms']} ms "
        f"| {', '.join(f'{k} {v}' for k, v in f['final'].items()) or 'none'} | {f['errors'] or 'none'} |"
        for f in r["levels"].values()
    )
    paths = "\n".join(f"| {path} | {n} |" for path, n in t["paths"].items())
    per_fn = "\n".join(f"| {WHO.get(fn, fn)} | {_ops(ops)} |" for fn, ops in req["per_play"].items())
    price = t["price"]
    return f"""
## Plays end to end: `lucky-7` through the HTTP gateway ({r["plays_per_level"]} plays per level)

Raw figures in `bench/results/plays.json`. Each client is a session of its own (the seeded
bridge operator `demo` calls `create_session` for a player funded through the admin API) and
logs in once; each play is `POST /play` (stake {r["stake"]} EUR), `POST /view_done`, then
`GET /contracts/{{id}}` every {int(POLL_S * 1000)} ms until the contract is final. The bet and the win go over
HTTP from the contract's tasks to the account bridge on the same server. One untimed play per
client first (warm execution environments). The clients play in rounds (one play each), every
round between two blocks of {CEILING_BLOCK} of the emulator's ceiling (median here
{r["emulator_ceiling_tx_per_s"]} conditional `TransactWriteItems` per second); the ratio is the median
of each round's rate over the mean of the ceilings beside it.

| clients | plays | plays per second | ratio to the ceiling | of the {first}-client rate | `POST /play` p50 | `POST /play` p99 | play to finalized, p50 | final status | errors |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
{rows}

A login (once per session, not timed in the rate) took {min(logins)} to {max(logins)} ms.
`POST /play` answers once the bet is placed (the play waits for PlaceBet's outcome). The
percentiles are nearest-rank: with {r["plays_per_level"]} plays per level, p99 is the slowest
play (`BENCH_PLAYS` for more; `BENCH_PLAY_CLIENTS`, default `1,4`, for the levels).

### State transitions per play (from each execution's history: `*StateEntered` events)

| states entered on the happy path | plays |
| --- | --- |
{paths}

| measure | value |
| --- | --- |
| plays read (finalized) | {t["plays_read"]} (not finalized: {t["plays_not_finalized"]}) |
| state transitions per play | mean {t["mean"]}, at most {t["max"]} |
| target | at most {t["target_max"]} per play: **{t["verdict"]}** |
| Step Functions cost per million plays | USD {t["step_functions_usd_per_million_plays"]:,.2f} |

Price: Step Functions Standard workflows, USD {price["usd_per_1000_state_transitions"]} per 1,000
state transitions in {price["regions"]}: the list price on
{price["source"]}, as of {price["as_of"]}. Every state entered counts, Choice
states and retries included; the free tier (4,000 transitions a month) is left out. A play's
whole cost (API Gateway, Lambda, DynamoDB and these transitions) is under "Cost per million".

### DynamoDB requests of one play (counted with botocore's `before-call` event hook)

One warm play alone, from `POST /play` to the end of its execution (waited for with
`DescribeExecution`, so no poll of the contract is in it), by the function that made them:

| who | requests |
| --- | --- |
{per_fn}
| **one play in all** | **{_ops(req["per_play_by_operation"])}** |
| its modelled capacity (`bench/capacity.py`) | {req["capacity"]["read_units"]} read units, {req["capacity"]["write_units"]} write units |
| the client's poll `GET /contracts/{{id}}` (each) | {_ops(req["per_poll_of_the_contract"])} |
| a login (once per session; the bridge's `initialize_session` and `get_user_data` included) | {_ops(req["per_login"])} |

`POST /play`'s reads include its wait for the bet: it reads its contract again every
{int(hub_plays.POLL_S * 1000)} ms until PlaceBet has placed the bet (`casino/hub/plays.py`), so their number follows
PlaceBet's duration. The account bridge's requests are the operator's wallet's: an operator
with a wallet of its own makes them on its side, not ours. Finalize's `UpdateItem` is made by Step Functions
itself (counted on the emulator's own client).
"""
