"""``make soak`` (``python -m bench.soak``): minutes of concurrent providers, operators and players
on a local stack, with an operator wallet that misbehaves, then the books.

On loopback only, bounded in time and in count, and it stops by itself:

1. **A stack** in this process, as ``make run`` serves it (moto, the template's routes, the real
   contract state machine, the seed, the schedules on their timers: the contract sweep, session
   expiry, game-list sync and the sports pull, ``--rate-scale`` times faster), on a free port.
2. **A third-party operator** whose wallet is ``tests/fake_operator.py``'s, answering slowly (past
   the hub's deadline too), with a 5xx, or applying and then losing its answer, at ``--fault-rate``
   of its calls, failing every call during an outage (``--outage-seconds``: a 5xx, an answer lost
   after applying, or one answered after the hub's deadline), and holding a few wins
   (``--held-wins``: every delivery fails until the settle phase) so that their contracts spend
   their retry budget and are flagged errored.
3. **For ``--seconds``** (or until ``--max-actions`` rounds, plays and deposits), concurrently:
   providers (``local/provider_simulator.py``'s rounds on the seeded ``tlt``, signed ``seed-sha1``,
   and on a provider registered with ``hmac-sha256``; some players under a wager or loss limit),
   operators (hub sessions on the faulty operator, plays through the client API: the contract flow
   against its wallet) and password players of the bridge operator ``demo`` (a deposit limit, a
   wager or loss limit, played until they refuse).
4. **Settle**: the faults stop, every contract is left to end (bounded by ``--settle-seconds``);
   when only errored contracts are left (none of their executions running), the held wins are
   released and the contract sweep is run with its clock past its re-drive backoff (5 minutes of
   real time in AWS, doubling), so the re-drive path runs too and the held wins are paid.
5. **The books** (``bench/soak_books.py``): every invariant, pass or fail.

It prints the counts and writes them, with the run's parameters and each invariant, to
``bench/results/soak.json``; the exit code is 1 if an invariant failed.

Knobs (a flag beats its variable): ``SOAK_SECONDS`` (180), ``SOAK_CLIENTS`` (8: providers, operators
and players in about 3:3:2), ``SOAK_FAULT_RATE`` (0.1), ``SOAK_OUTAGE_SECONDS`` (45 in a run of two
minutes or more, 20 from one minute, else none), ``SOAK_SETTLE_SECONDS`` (150), ``SOAK_MAX_ACTIONS`` (5000), ``SOAK_RATE_SCALE``
(10), ``SOAK_SEED`` (random), ``SOAK_RESULTS`` (``bench/results/soak.json``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import sys
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import local  # noqa: F401 - the shared layer on sys.path
from bench.soak_actors import (
    ADMIN,
    Api,
    Budget,
    FaultPlan,
    FaultyOperator,
    OperatorActor,
    PlayerActor,
    ProviderActor,
    SoakSimulator,
    Tally,
    World,
)
from bench.soak_books import TERMINAL, Books, Invariant, contracts_of
from local import seed, sports_feeds
from local.provider_client import HMAC_SHA256, ProviderClient
from local.server import Gateway, Schedules, serve
from local.stack import LocalStack

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "soak.json"
PROVIDER = {  # a provider of the soak's own, on the default signature scheme
    "code": "soakp",
    "name": "Soak Provider",
    "operator_id": "soak-provider-casino",
    "secret": "soak-provider-secret",
    "signature": HMAC_SHA256,
    "currencies": ["EUR"],
    "catalogue": [
        {
            "game_id": 2001,
            "name": "Soak Slots",
            "category": "slots",
            "enabled": True,
            "bet_limits": {"EUR": {"min_bet": "0.10", "max_bet": "100.00"}},
            "restricted_countries": [],
        }
    ],
}
PLATFORM_PREFIX = "/_soak/provider-platform/"
# a small series, so that series roll over and prizes refused or refunded are sold again: 41.00 over 50 tickets
PRIZES = [{"amount": "10.00", "count": 1}, {"amount": "2.00", "count": 8}, {"amount": "1.00", "count": 15}]
TICKETS = 50
VIEW_TIMEOUT_S = 5
SWEEP_AHEAD_MS = 61 * 60_000  # past the sweep's longest re-drive backoff (an hour)


# ---------------------------------------------------------------- parameters
@dataclass
class Config:
    seconds: float = 180.0
    clients: int = 8
    providers: int = 3
    operators: int = 3
    players: int = 2
    fault_rate: float = 0.1
    fault_mix: dict[str, float] = field(default_factory=lambda: {"slow": 1.0, "fail_5xx": 1.0, "drop_after_apply": 1.0})
    slow_s: tuple[float, float] = (0.2, 3.0)
    wallet_deadline_s: float = 2.0
    outage_s: float = 20.0
    outage_at: float = 0.4  # of the run
    view_share: float = 0.7  # of the prizes revealed, those viewed (view_done); the rest settle at the view timeout
    held_wins: int = 2  # wins failed at every delivery until the settle phase: errored, then re-driven
    settle_s: float = 150.0
    max_actions: int = 5000
    rate_scale: float = 10.0
    seed: int = 0
    redrive: bool = True
    audit_all: bool = True  # GET /admin/ledger/verify over every player of the stack, not only the soak's
    results: Path = RESULTS
    quiet: bool = False


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def split_clients(clients: int) -> tuple[int, int, int]:
    """Providers, operators and players, about 3:3:2, at least one each."""
    clients = max(3, clients)
    providers = max(1, round(clients * 3 / 8))
    players = max(1, round(clients * 2 / 8))
    return providers, max(1, clients - providers - players), players


def parse_mix(text: str) -> dict[str, float]:
    mix = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        mode, _, weight = part.partition("=")
        mix[mode.strip()] = float(weight or 1)
    return mix


def config_from(argv: list[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=(__doc__ or "").split("\n\n")[0].replace("\n", " ")
    )
    parser.add_argument("--seconds", type=float, default=float(_env("SOAK_SECONDS", "180")))
    parser.add_argument("--clients", type=int, default=int(_env("SOAK_CLIENTS", "8")))
    parser.add_argument("--providers", type=int, help="provider threads (default: from --clients)")
    parser.add_argument("--operators", type=int, help="operator threads (default: from --clients)")
    parser.add_argument("--players", type=int, help="password-player threads (default: from --clients)")
    parser.add_argument("--fault-rate", type=float, default=float(_env("SOAK_FAULT_RATE", "0.1")))
    parser.add_argument(
        "--fault-mix",
        default=_env("SOAK_FAULT_MIX", "slow=1,fail_5xx=1,drop_after_apply=1"),
        help="mode=weight,...: slow, fail_5xx, drop_after_apply, ok_unapplied, malformed",
    )
    parser.add_argument(
        "--view-share", type=float, default=0.7, help="of the prizes revealed, those viewed (the rest time out)"
    )
    parser.add_argument(
        "--held-wins",
        type=int,
        default=int(_env("SOAK_HELD_WINS", "2")),
        help="wins (sent in the first half of the run) failed at every delivery until the settle phase",
    )
    parser.add_argument("--slow-max", type=float, default=3.0, help="a slow answer takes 0.2 s to this")
    parser.add_argument("--wallet-deadline", type=float, default=2.0, help="the hub's deadline per wallet call (s)")
    parser.add_argument("--outage-seconds", type=float, default=None, help="an outage of the operator's wallet")
    parser.add_argument("--settle-seconds", type=float, default=float(_env("SOAK_SETTLE_SECONDS", "150")))
    parser.add_argument("--max-actions", type=int, default=int(_env("SOAK_MAX_ACTIONS", "5000")))
    parser.add_argument("--rate-scale", type=float, default=float(_env("SOAK_RATE_SCALE", "10")))
    parser.add_argument("--seed", type=int, default=int(_env("SOAK_SEED", str(random.randrange(1, 10_000)))))
    parser.add_argument("--no-redrive", action="store_true", help="do not run the sweep ahead of its backoff")
    parser.add_argument(
        "--no-audit-all", action="store_true", help="verify the soak's players only, not every player of the stack"
    )
    parser.add_argument("--results", type=Path, default=Path(_env("SOAK_RESULTS", str(RESULTS))))
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    providers, operators, players = split_clients(args.clients)
    outage = args.outage_seconds
    if outage is None:
        # long enough, in a run of two minutes or more, for some wins to spend their retry budget (errored, then re-driven)
        outage = float(
            _env("SOAK_OUTAGE_SECONDS", "45" if args.seconds >= 120 else "20" if args.seconds >= 60 else "0")
        )
    return Config(
        seconds=args.seconds,
        clients=args.clients,
        providers=args.providers if args.providers is not None else providers,
        operators=args.operators if args.operators is not None else operators,
        players=args.players if args.players is not None else players,
        fault_rate=args.fault_rate,
        fault_mix=parse_mix(args.fault_mix),
        view_share=args.view_share,
        held_wins=args.held_wins,
        slow_s=(0.2, args.slow_max),
        wallet_deadline_s=args.wallet_deadline,
        outage_s=outage,
        settle_s=args.settle_seconds,
        max_actions=args.max_actions,
        rate_scale=args.rate_scale,
        seed=args.seed,
        redrive=not args.no_redrive,
        audit_all=not args.no_audit_all,
        results=args.results,
        quiet=args.quiet,
    )


# ---------------------------------------------------------------- the stack
class ScheduleLog:
    """The schedules' lines, counted by function and outcome (failures kept)."""

    def __init__(self) -> None:
        self.runs: Counter[str] = Counter()
        self.failures: list[str] = []

    def __call__(self, line: str) -> None:
        name = line.removeprefix("[schedule] ").split(":", 1)[0]
        failed = name.endswith(" failed")
        self.runs[f"{name.removesuffix(' failed')} {'failed' if failed else 'ran'}"] += 1
        if failed and len(self.failures) < 20:
            self.failures.append(line[:300])


@dataclass
class Stack:
    """A local stack with its HTTP gateway on loopback: the soak's own, or one it is lent."""

    base_url: str
    stack: LocalStack
    gateway: Gateway
    schedules: Schedules
    close: Callable[[], None]


def own_stack(rate_scale: float, log: ScheduleLog) -> Stack:
    """As ``make run``: the stack, the gateway, the seed, the first sync, the stub sports feeds,
    every schedule; on a free loopback port."""
    from tests.conftest import free_port

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    stack = LocalStack(public_base_url=base_url).start()
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"  # one line per request otherwise: the soak prints its own
    data = seed.load()
    gateway = Gateway(stack, {seed.PLATFORM_PREFIX: seed.provider_platform(data)})
    server = serve(gateway, "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    seed.seed(stack, data)
    seed.first_sync_and_tokens(data)
    gateway.local_routes[sports_feeds.PREFIX] = sports_feeds.StubFeeds(rate_scale)
    schedules = Schedules(stack, rate_scale, log=log)
    schedules.start(fire_at_start=False)

    def close() -> None:
        schedules.stop()
        gateway.drain(10.0)
        server.shutdown()
        server.server_close()
        stack.stop()

    return Stack(base_url, stack, gateway, schedules, close)


class SomeSchedules(Schedules):
    """Only some of the template's schedules (a lent stack may have no sports feeds to pull)."""

    def __init__(self, stack: LocalStack, rate_scale: float, log: Callable[[str], None], only: set[str]) -> None:
        super().__init__(stack, rate_scale, log)
        self.only = only

    def jobs(self) -> list[tuple[str, float]]:
        return [(logical, period) for logical, period in super().jobs() if logical in self.only]


def lent_stack(base_url: str, stack: LocalStack, gateway: Gateway, rate_scale: float, log: ScheduleLog) -> Stack:
    """A stack already serving (a test's): the contract sweep and session expiry on timers for the
    soak's time, stopped after."""
    schedules = SomeSchedules(stack, rate_scale, log, {"ContractSweepFunction", "SessionExpiryFunction"})
    schedules.start(fire_at_start=False)

    def close() -> None:
        schedules.stop()
        gateway.local_routes.pop(PLATFORM_PREFIX, None)

    return Stack(base_url, stack, gateway, schedules, close)


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# ---------------------------------------------------------------- set-up
def admin_ok(api: Api, kind: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
    status, answer = api.admin(kind, method, path, body)
    if status not in (200, 201):
        raise RuntimeError(f"{method} {ADMIN}{path}: HTTP {status} {answer}")
    result: dict[str, Any] = answer
    return result


def set_up(s: Stack, api: Api, config: Config) -> tuple[FaultyOperator, dict[str, Any], str]:
    """The faulty operator registered, the soak's provider and its games, the soak's hub game."""
    plan = FaultPlan(
        rate=config.fault_rate,
        mix=config.fault_mix,
        slow_s=config.slow_s,
        held_wins=config.held_wins,
        outage_slow_s=(config.wallet_deadline_s + 0.3, config.wallet_deadline_s + 1.5),
    )
    operator = FaultyOperator(plan=plan, seed=config.seed).start()
    code = f"soak-{uuid.uuid4().hex[:8]}"
    created = admin_ok(
        api,
        "admin.operators_create",
        "POST",
        "/operators",
        {"code": code, "name": "Soak operator", "wallet_base_url": operator.url, "currencies": ["EUR"]},
    )
    operator.app_id, operator.wallet_secret = created["app_id"], created["wallet_secret"]
    s.gateway.local_routes[PLATFORM_PREFIX] = seed.provider_platform({"providers": [PROVIDER]})
    fields = ("code", "name", "operator_id", "secret", "signature", "currencies")
    admin_ok(
        api,
        "admin.providers_create",
        "POST",
        "/providers",
        {**{k: PROVIDER[k] for k in fields}, "platform_url": f"{s.base_url}{PLATFORM_PREFIX}{PROVIDER['code']}"},
    )
    for provider in ("tlt", PROVIDER["code"]):
        synced = admin_ok(api, "admin.providers_sync", "POST", f"/providers/{provider}/sync")
        if synced.get("outcome") != "ok":
            raise RuntimeError(f"game-list sync of {provider}: {synced}")
    total = sum(Decimal(p["amount"]) * p["count"] for p in PRIZES)
    game = f"soak-{uuid.uuid4().hex[:8]}"
    configuration = {
        "currency": "EUR",
        "stake": "1.00",
        "tickets": TICKETS,
        "prizes": PRIZES,
        "rtp": str(total / TICKETS),
        "view_timeout_s": VIEW_TIMEOUT_S,
        "on_sold_out": "new_series",
    }
    admin_ok(
        api,
        "admin.games_create",
        "POST",
        "/games",
        {"code": game, "name": "Soak 7", "kind": "instant_win", "configuration": configuration},
    )
    return operator, created, game


# ---------------------------------------------------------------- settling
def settle(world: World, config: Config, say: Callable[[str], None]) -> dict[str, Any]:
    """Wait for every contract to end or be flagged; when only errored (or stuck) contracts are left
    and none of their executions runs, release the held wins and run the sweep with its clock past
    its backoff, twice at most."""
    from casino import clock
    from casino.contract import executions, store, sweep

    began = time.monotonic()
    deadline = began + config.settle_s
    sweeps: list[dict[str, Any]] = []
    left: Counter[str] = Counter()
    while True:
        contracts = contracts_of(world.sessions)  # one query per session: seconds, under load
        again = (store.load(c.session_id, c.id) for c in contracts if c.status not in TERMINAL)
        unsettled = [c for c in again if c is not None and c.status not in TERMINAL]  # as they are now
        left = Counter(c.status for c in unsettled)
        running = [c for c in unsettled if executions.running(c, int(c.extra.get("attempt", 0)))]
        if not unsettled:
            break
        if not running:
            if not config.redrive or len(sweeps) >= 2:
                break
            world.operator.release()
            result = sweep.run(now=clock.now_ms() + SWEEP_AHEAD_MS)
            shown = [_contract_line(c) for c in unsettled]
            sweeps.append({**result, "contracts": shown})
            say(
                f"[soak] settle: {len(unsettled)} contract(s) left, none running: the sweep, ahead of its backoff: "
                f"{result}; {shown}"
            )
        if time.monotonic() >= deadline:
            say(f"[soak] settle: gave up waiting after {config.settle_s:g} s: {[_contract_line(c) for c in unsettled]}")
            break
        time.sleep(1.0)
    return {
        "seconds": round(time.monotonic() - began, 1),
        "left": dict(left),
        "left_contracts": [_contract_line(c) for c in unsettled][:20],
        "sweeps_ahead": sweeps,
    }


def _contract_line(c: Any) -> str:
    """A contract's id, status, phase, re-drive attempt, and its executions' statuses."""
    from casino import aws
    from casino.contract import executions
    from casino.settings import settings

    machine = settings().contract_state_machine_arn.replace(":stateMachine:", ":execution:")
    attempt = int(c.extra.get("attempt", 0))
    runs = []
    for n in range(attempt + 1):
        try:
            arn = f"{machine}:{executions.name_of(c, n)}"
            runs.append(str(aws.stepfunctions().describe_execution(executionArn=arn)["status"]))
        except Exception as failed:  # the line is for reading, never fails the soak
            runs.append(type(failed).__name__)
    return f"{c.id} {c.status}/{c.phase} attempt {attempt} executions {runs} error {c.extra.get('last_error')}"


# ---------------------------------------------------------------- the run
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def run(config: Config, lent: tuple[str, LocalStack, Gateway] | None = None) -> dict[str, Any]:
    """The whole soak; the results (``passed`` says whether every invariant held). ``lent``: a stack
    already serving (its base URL, the stack, its gateway) instead of one of the soak's own."""
    say: Callable[[str], None] = (lambda _: None) if config.quiet else (lambda line: print(line, flush=True))
    timings: dict[str, float] = {}
    began = time.monotonic()
    schedule_log = ScheduleLog()
    if lent is None:
        s = own_stack(config.rate_scale, schedule_log)
    else:
        s = lent_stack(*lent, config.rate_scale, schedule_log)
    tally = Tally()
    api = Api(s.base_url, tally)
    operator: FaultyOperator | None = None
    try:
        with environment(OPERATOR_WALLET_DEADLINE_S=str(config.wallet_deadline_s)):
            operator, created, game = set_up(s, api, config)
            timings["set_up"] = time.monotonic() - began
            say(
                f"[soak] stack on {s.base_url}; operator {created['code']} (wallet {operator.url}), game {game}; "
                f"{config.providers} provider, {config.operators} operator and {config.players} player thread(s) "
                f"for {config.seconds:g} s (at most {config.max_actions} actions), faults at {config.fault_rate:.0%}"
                + (f", an outage of {config.outage_s:g} s" if config.outage_s else "")
                + f", seed {config.seed}"
            )
            results = _soak(config, s, api, tally, operator, created, game, timings, say)
    finally:
        if operator is not None:
            operator.stop()
        api.close()
        s.close()
    results["schedules"] = dict(sorted(schedule_log.runs.items()))
    results["schedule_failures"] = schedule_log.failures
    timings["total"] = time.monotonic() - began
    results["durations_s"] = {k: round(v, 1) for k, v in timings.items()}
    return results


def _soak(
    config: Config,
    s: Stack,
    api: Api,
    tally: Tally,
    operator: FaultyOperator,
    created: dict[str, Any],
    game: str,
    timings: dict[str, float],
    say: Callable[[str], None],
) -> dict[str, Any]:
    budget = Budget(config.seconds, config.max_actions)
    world = World(
        base_url=s.base_url,
        tally=tally,
        budget=budget,
        game=game,
        operator=operator,
        operator_code=created["code"],
        app_id=created["app_id"],
        app_secret=created["app_secret"],
        seed=config.seed,
        view_share=config.view_share,
    )
    clients = [
        ProviderClient(s.base_url),  # tlt, seed-sha1
        ProviderClient(
            s.base_url,
            provider=PROVIDER["code"],
            operator_id=PROVIDER["operator_id"],
            secret=PROVIDER["secret"],
            signature=HMAC_SHA256,
        ),
    ]
    sims = [SoakSimulator(s.base_url, config.seed + i, c, tally) for i, c in enumerate(clients)]
    games = [1001, 2001]
    providers: list[tuple[SoakSimulator, list[ProviderActor]]] = [(sim, []) for sim in sims]
    actors: list[Callable[[], None]] = []
    for i in range(config.providers):
        sim, mine = providers[i % len(sims)]
        actor = ProviderActor(sim, games[i % len(sims)], budget, tally, seed=config.seed * 100 + i)
        mine.append(actor)
        actors.append(actor.run)
    actors += [OperatorActor(world, i).run for i in range(config.operators)]
    actors += [PlayerActor(world, i).run for i in range(config.players)]
    threads = [threading.Thread(target=a, name=f"soak-actor-{i}", daemon=True) for i, a in enumerate(actors)]
    operator.active = True
    load_began = time.monotonic()
    operator.hold_until = load_began + config.seconds / 2
    for thread in threads:
        thread.start()
    outage_at = load_began + config.seconds * config.outage_at
    outage_done = not config.outage_s
    next_line = load_began + 15
    interrupted = False
    try:
        while budget.alive() and any(t.is_alive() for t in threads):
            time.sleep(0.25)
            now = time.monotonic()
            if not outage_done and now >= outage_at:
                operator.outage_until = now + config.outage_s
                outage_done = True
                say(f"[soak] {now - load_began:.0f} s: the operator's wallet is down for {config.outage_s:g} s")
            if now >= next_line:
                next_line += 15
                say(f"[soak] {now - load_began:.0f} s: {_progress(tally, operator, world)}")
    except KeyboardInterrupt:
        interrupted = True
        say("[soak] interrupted: stopping the actors, then the books")
    budget.stop.set()
    operator.active = False  # the network heals: what is under way settles
    operator.outage_until = 0.0
    timings["load"] = time.monotonic() - load_began
    drain_began = time.monotonic()
    for thread in threads:
        thread.join(max(0.1, drain_began + 90 - time.monotonic()))
    stuck = sum(1 for t in threads if t.is_alive())
    timings["drain"] = time.monotonic() - drain_began
    say(f"[soak] load over after {timings['load']:.0f} s ({budget.used} actions): {_progress(tally, operator, world)}")
    settle_began = time.monotonic()
    settled = settle(world, config, say)
    timings["settle"] = time.monotonic() - settle_began
    s.schedules.halt()  # the books stand still from here
    books_began = time.monotonic()
    books = Books(world, api, providers, audit_all=config.audit_all)
    invariants = books.run()
    if stuck:
        invariants.setdefault("actors_stopped", Invariant("actors_stopped", "every actor stopped in time"))
        invariants["actors_stopped"].expect(False, f"{stuck} actor thread(s) still running after 90 s")
    if tally.problem_count:
        invariants["actors_ran_clean"] = Invariant(
            "actors_ran_clean", "no actor lost a call (a transport error) or failed on an answer it could not read"
        )
        for problem in tally.problems:
            invariants["actors_ran_clean"].expect(False, problem)
    timings["books"] = time.monotonic() - books_began
    return _results(
        config, tally, operator, world, providers, books, invariants, settled, budget, interrupted, created, game
    )


def _progress(tally: Tally, operator: FaultyOperator, world: World) -> str:
    calls = sum(tally.calls.values())
    plays = sum(n for (kind, _), n in tally.calls.items() if kind.endswith(".play"))
    rounds = sum(n for name, n in tally.events.items() if name.startswith("provider rounds"))
    faults = sum(operator.injected.values())
    return (
        f"{calls} calls, {rounds} provider rounds, {plays} hub plays, {len(world.players)} password players, "
        f"{faults} faults injected, {tally.unexpected_5xx_count} unexpected 5xx"
    )


def _results(
    config: Config,
    tally: Tally,
    operator: FaultyOperator,
    world: World,
    providers: list[tuple[SoakSimulator, list[ProviderActor]]],
    books: Books,
    invariants: dict[str, Any],
    settled: dict[str, Any],
    budget: Budget,
    interrupted: bool,
    created: dict[str, Any],
    game: str,
) -> dict[str, Any]:
    calls: dict[str, dict[str, int]] = {}
    for (kind, outcome), n in sorted(tally.calls.items()):
        calls.setdefault(kind, {})[outcome] = n
    latency = {
        kind: {
            "n": len(values),
            "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p99_ms": round(percentile(values, 99) * 1000, 1),
        }
        for kind, values in sorted(tally.latency.items())
    }
    faults: dict[str, dict[str, int]] = {}
    for (mode, where), n in sorted(operator.injected.items()):
        faults.setdefault(mode, {})[where] = n
    wallet_calls: Counter[str] = Counter()
    deliveries: Counter[str] = Counter()
    for path, body in list(operator.calls):
        wallet_calls[str(body.get("type") or path) if path == "create_transaction" else path] += 1
        if path == "create_transaction":
            deliveries[str(body.get("transaction_id"))] += 1
    applied: Counter[str] = Counter()
    for tx in operator.moved().values():
        applied[
            f"{tx['body'].get('type')} {tx['status']}{'' if tx['lines'] or tx['action'] == 'lose' else ' (moved nothing)'}"
        ] += 1
    provider_counts: dict[str, Any] = {}
    for sim, actors in providers:
        provider_counts[sim.label] = {
            "signature": sim.provider.signature,
            "threads": len(actors),
            "players": sum(len(a.players) for a in actors),
            "callbacks": sim.report.callbacks,
            **dict(sorted(sim.report.counts.items())),
        }
    verdicts = {name: check.result() for name, check in sorted(invariants.items())}
    passed = all(v["pass"] for v in verdicts.values())
    played = Counter(p.who for p in world.played)
    return {
        "passed": passed,
        "interrupted": interrupted,
        "parameters": {
            "seconds": config.seconds,
            "clients": config.clients,
            "providers": config.providers,
            "operators": config.operators,
            "players": config.players,
            "fault_rate": config.fault_rate,
            "fault_mix": config.fault_mix,
            "slow_s": list(config.slow_s),
            "wallet_deadline_s": config.wallet_deadline_s,
            "view_share": config.view_share,
            "held_wins": config.held_wins,
            "outage_s": config.outage_s,
            "outage_at_s": round(config.seconds * config.outage_at, 1) if config.outage_s else None,
            "settle_s": config.settle_s,
            "max_actions": config.max_actions,
            "actions_used": budget.used,
            "rate_scale": config.rate_scale,
            "seed": config.seed,
            "redrive_ahead": config.redrive,
            "audit_all": config.audit_all,
            "operator": created["code"],
            "game": {"code": game, "tickets": TICKETS, "prizes": PRIZES, "view_timeout_s": VIEW_TIMEOUT_S},
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            },
        },
        "invariants": verdicts,
        "calls": calls,
        "latency": latency,
        "faults_injected": faults,
        "faults_injected_total": sum(operator.injected.values()),
        "wins_held": sorted(operator.held),
        "operator_wallet": {
            "calls_received": dict(sorted(wallet_calls.items())),
            "create_transaction_ids": len(deliveries),
            "create_transaction_delivered_more_than_once": sum(1 for n in deliveries.values() if n > 1),
            "applied": dict(sorted(applied.items())),
        },
        "plays_answered": dict(played),
        "contracts": books.stats.get("contracts", {}),
        "prizes": books.stats.get("prizes", {}),
        "providers": provider_counts,
        "refusals_by_limit": dict(sorted(tally.refusals.items())),
        "events": dict(sorted(tally.events.items())),
        "password_players": {
            "count": len(world.players),
            "deposited": str(sum((p.deposited for p in world.players), Decimal(0))),
            "with_limits": dict(Counter(k for p in world.players for k in p.limits)),
        },
        "sessions": len(world.sessions),
        "settle": settled,
        "books_audit_players_checked": books.stats.get("books_audit_players_checked"),
        "unexpected_5xx": tally.unexpected_5xx_count,
    }


# ---------------------------------------------------------------- printing
def summary(r: dict[str, Any]) -> str:
    p = r["parameters"]
    lines = [
        "",
        f"soak: {p['seconds']:g} s, {p['providers']} provider + {p['operators']} operator + {p['players']} player "
        f"threads, faults {p['fault_rate']:.0%} {p['fault_mix']}, outage {p['outage_s']:g} s, seed {p['seed']}; "
        f"{p['actions_used']} actions of at most {p['max_actions']}",
        "durations (s): " + ", ".join(f"{k} {v}" for k, v in r.get("durations_s", {}).items()),
        "",
        "calls by kind and outcome (p50 / p99 ms):",
    ]
    for kind, outcomes in r["calls"].items():
        lat = r["latency"].get(kind, {})
        shown = ", ".join(f"{o} {n}" for o, n in outcomes.items())
        lines.append(f"  {kind:<34} {shown}   ({lat.get('p50_ms')} / {lat.get('p99_ms')})")
    lines.append(f"faults injected ({r['faults_injected_total']}):")
    for mode, where in r["faults_injected"].items():
        lines.append(f"  {mode:<18} " + ", ".join(f"{w} {n}" for w, n in where.items()))
    ow = r["operator_wallet"]
    lines.append(
        f"operator wallet: {sum(ow['calls_received'].values())} calls received, {ow['create_transaction_ids']} "
        f"transaction ids, {ow['create_transaction_delivered_more_than_once']} delivered more than once; applied: "
        + ", ".join(f"{k} {v}" for k, v in ow["applied"].items())
    )
    c = r["contracts"]
    lines.append(
        f"contracts: {c.get('total')} " + str(c.get("by_status")) + f", {c.get('won')} won; prizes: {r['prizes']}"
    )
    for label, counts in r["providers"].items():
        lines.append(f"provider {label}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    lines.append("refusals by limit: " + (", ".join(f"{k} {v}" for k, v in r["refusals_by_limit"].items()) or "none"))
    lines.append("events: " + ", ".join(f"{k} {v}" for k, v in r["events"].items()))
    lines.append(f"schedules: {r.get('schedules')}; settle: {r['settle']}")
    lines.append("")
    lines.append("invariants:")
    for name, v in r["invariants"].items():
        lines.append(f"  {'PASS' if v['pass'] else 'FAIL'}  {name} ({v['checked']} checked): {v['what']}")
        for problem in v["problems"][:5]:
            lines.append(f"          {problem}")
    lines.append(f"soak: {'PASS' if r['passed'] else 'FAIL'}")
    return "\n".join(lines)


def write(r: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(r, indent=2, default=str) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    config = config_from(argv)
    try:
        results = run(config)
    except Exception as failed:  # the soak itself broke: say so in the results too, and fail
        traceback.print_exc()
        write(
            {"passed": False, "error": f"{type(failed).__name__}: {failed}", "parameters": vars(config)}, config.results
        )
        print(f"soak: FAIL (the soak itself broke: {type(failed).__name__}: {failed}); results: {config.results}")
        return 1
    print(summary(results), flush=True)
    write(results, config.results)
    print(f"results: {config.results}", flush=True)
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
