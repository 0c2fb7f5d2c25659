"""``make bench`` (``python -m bench``): every benchmark of the platform in one run, so that its
ratios are taken on the same machine in the same minutes. ``--quick`` (or ``BENCH_QUICK=1``): few
samples, four functions' cold starts, figures under ``.build/bench/quick/`` (a smoke run, never the
real figures). ``--report``: measure nothing, write the document and the chart again from the
results on disk.

Sections, in the order they run (each writes its part of ``docs/benchmarks.md``; raw figures under
``bench/results/``):

- **throughput** (``wallet.json``): admin deposits, provider ``changebalance`` BETs and WINs and
  account-bridge transactions through their handlers, each in blocks between blocks of the
  emulator's ceiling (a bare conditional ``TransactWriteItems``), as ratios of it
  (``bench/rates.py``);
- **requests and capacity per operation** (``wallet.json``): DynamoDB requests counted with
  botocore's ``before-call`` hook, capacity both as moto reports it (``ReturnConsumedCapacity``
  added by a hook) and as DynamoDB would charge it, modelled from the items' sizes
  (``bench/capacity.py``);
- **responsible-gaming limits** on the hot path (``bench/limits.py``);
- **latency** under 1, 4 and 16 concurrent clients: on one wallet, and on distinct players;
- **growth** (``growth.json``): a changebalance after 1,000 and 50,000 more ledger entries
  (``bench/growth.py``);
- **plays** end to end over HTTP (``plays.json``): rates against the ceiling, state transitions
  per play, requests and capacity of one play (``bench/plays.py``);
- **password login** (``passwords.json``, ``bench/passwords.py``);
- **cold starts** of every function, as shipped and with bytecode (``coldstart.json``,
  ``bench/coldstart.py``);
- **cost** per million callbacks and per million plays at list price (``costs.json``,
  ``bench/costs.py``), and the summary of every target with the chart (``bench/report.py``,
  ``docs/benchmarks.png``).

Everything but the cold starts runs in this one process on moto: absolute rates are the
emulator's, and the ratio to its ceiling is the figure that tracks our own overhead.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import local  # noqa: F401 - the shared layer on sys.path
from local.server import proxy_event
from local.stack import LocalStack

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
QUICK_DIR = ROOT / ".build" / "bench" / "quick"  # a smoke run's figures, never the real ones
DOC = ROOT / "docs" / "benchmarks.md"
CHART = ROOT / "docs" / "benchmarks.png"
N = int(os.environ.get("BENCH_N", "300"))


def rate(n: int, action: Callable[[int], Any]) -> float:
    started = time.perf_counter()
    for i in range(n):
        action(i)
    return n / (time.perf_counter() - started)


@functools.lru_cache(maxsize=8)
def _route(stack: LocalStack, path: str) -> tuple[str, Any]:
    """The function and route that serve ``path`` (looked up once, not on every call)."""
    return next((fn.logical_id, r) for fn in stack.functions.values() for r in fn.routes if r.pattern.match(path))


def changebalance_event(
    stack: LocalStack, client: Any, token: str, pid: str, kind: str, transaction_id: int, round_id: int
) -> tuple[str, dict[str, Any]]:
    """The function and the event of one signed changebalance of 1.00, as API Gateway delivers
    it, signed with ``client``'s scheme (the provider's own): what the provider and the gateway
    do before our code runs."""
    path = f"/api/v1/provider/{client.provider}/changebalance"
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
    envelope = client.envelope("changebalance", data)
    body = json.dumps(envelope).replace('"__1.00__"', "1.00").encode()
    event = proxy_event(
        route,
        "POST",
        path,
        {"provider": client.provider},
        list(client.headers("changebalance", envelope["request_timestamp"], body).items()),
        "",
        body,
        "127.0.0.1",
    )
    return logical, event


def changebalance(
    stack: LocalStack, client: Any, token: str, pid: str, kind: str, transaction_id: int, round_id: int
) -> dict[str, Any]:
    """One signed changebalance of 1.00 through the handler; its answer's envelope."""
    logical, event = changebalance_event(stack, client, token, pid, kind, transaction_id, round_id)
    answer: dict[str, Any] = json.loads(stack.invoke(logical, event)["body"])
    return answer


def deposit_event(stack: LocalStack, pid: str, key: str) -> tuple[str, dict[str, Any]]:
    path = f"/api/v1/admin/players/{pid}/transactions"
    logical, route = _route(stack, "/api/v1/admin/players/x/transactions")
    body = json.dumps({"type": "deposit", "amount": "1.00", "idempotency_key": key}).encode()
    headers = [("Authorization", "Bearer local-admin-key"), ("Content-Type", "application/json")]
    return logical, proxy_event(route, "POST", path, {"player_id": pid}, headers, "", body, "127.0.0.1")


# ---------------------------------------------------------------- players and callers
def funded_player(prefix: str, amount: str = "100000.00") -> str:
    from casino.wallet import admin

    pid = f"{prefix}-{uuid.uuid4().hex[:8]}"
    admin.create_player(player_id=pid, user_name=pid, country="MT", currency="EUR")
    admin.post_transaction(pid, type="adjustment", amount=amount, idempotency_key="fund")
    return pid


def provider_session(pid: str, provider: str) -> str:
    from casino.provider import sessions

    token: str = sessions.open_session(player_id=pid, provider=provider, game_id=1001, ttl_minutes=600)["token"]
    return token


# The callbacks the bench times and prices are a provider's of the default signature scheme
# (``hmac-sha256``: provider-callbacks.md, "the default for a new provider"); the seeded ``tlt``
# keeps the seed's ``seed-sha1``, whose hash binding is one more item in each transaction, and
# is measured beside it (``*_seed_sha1`` in the requests and capacity, and its cost).
HMAC_PROVIDER = {
    "code": "bhm",
    "name": "Bench provider (hmac-sha256)",
    "operator_id": "bench-op",
    "secret": "bench-hmac-secret-1234",
    "signature": "hmac-sha256",
}


def sync_games() -> None:
    """The seeded provider's games, as its game-list sync stores them (a BET names one), and the
    bench's own ``hmac-sha256`` provider with the same games."""
    from casino.registry import game_sync, providers, store
    from local import seed

    catalogue = seed.load()["providers"][0]["catalogue"]
    plan = game_sync.plan("tlt", catalogue, store.games_of("tlt"))
    store.apply_game_sync("tlt", plan.upserts, plan.categories)
    code = HMAC_PROVIDER["code"]
    providers.register(
        code=code,
        name=HMAC_PROVIDER["name"],
        operator_id=HMAC_PROVIDER["operator_id"],
        secret=HMAC_PROVIDER["secret"],
        platform_url="http://127.0.0.1:9/bench",
        currencies=["EUR"],
        signature=HMAC_PROVIDER["signature"],
    )
    plan = game_sync.plan(code, catalogue, store.games_of(code))
    store.apply_game_sync(code, plan.upserts, plan.categories)


def default_provider_client() -> Any:
    """A client that signs as the bench's ``hmac-sha256`` provider (``sync_games`` registers it)."""
    from local.provider_client import ProviderClient

    return ProviderClient(
        "http://bench",
        provider=HMAC_PROVIDER["code"],
        operator_id=HMAC_PROVIDER["operator_id"],
        secret=HMAC_PROVIDER["secret"],
        signature=HMAC_PROVIDER["signature"],
    )


class Callers:
    """The handlers' calls the sections time: a deposit, a BET, a WIN, a bridge transaction."""

    def __init__(self, stack: LocalStack):
        from bench.firsts import FirstRequests
        from local.provider_client import ProviderClient
        from local.server import Gateway

        self.stack = stack
        self.provider = default_provider_client()
        self.legacy = ProviderClient("http://bench")  # the seeded tlt: seed-sha1
        self.requests = FirstRequests(stack, Gateway(stack))
        self.ids = iter(range(1, 10**9))
        self.deposit_pid = funded_player("bench-d")
        self.bet_pid = funded_player("bench-p")
        self.token = provider_session(self.bet_pid, self.provider.provider)
        self.legacy_pid = funded_player("bench-l")
        self.legacy_token = provider_session(self.legacy_pid, self.legacy.provider)
        self.bridge_pid = funded_player("bench-b")
        self.rounds: list[int] = []
        self.legacy_rounds: list[int] = []
        self.plays: list[str] = []

    def deposit(self, key: str) -> dict[str, Any]:
        logical, event = deposit_event(self.stack, self.deposit_pid, key)
        answer: dict[str, Any] = self.stack.invoke(logical, event)
        assert answer["statusCode"] == 200, answer
        return answer

    def bet(self, transaction_id: int | None = None, round_id: int | None = None) -> dict[str, Any]:
        tid = transaction_id or next(self.ids)
        rid = round_id or next(self.ids)
        answer = changebalance(self.stack, self.provider, self.token, self.bet_pid, "BET", tid, rid)
        assert answer["status"] == "OK", answer
        self.rounds.append(rid)
        return answer

    def bet_invocation(self) -> Callable[[], Any]:
        """A BET's event built (signed, as the gateway hands it over) and the invocation of the
        handler with it, to be timed alone: the provider's and the gateway's work is not ours."""
        tid, rid = next(self.ids), next(self.ids)
        logical, event = changebalance_event(self.stack, self.provider, self.token, self.bet_pid, "BET", tid, rid)
        self.rounds.append(rid)

        def invoke() -> Any:
            return self.stack.invoke(logical, event)

        return invoke

    def deposit_invocation(self) -> Callable[[], Any]:
        logical, event = deposit_event(self.stack, self.deposit_pid, uuid.uuid4().hex)

        def invoke() -> Any:
            return self.stack.invoke(logical, event)

        return invoke

    def win(self, i: int) -> dict[str, Any]:
        answer = changebalance(
            self.stack, self.provider, self.token, self.bet_pid, "WIN", next(self.ids), self.rounds[i]
        )
        assert answer["status"] == "OK", answer
        return answer

    def legacy_bet(self, transaction_id: int | None = None, round_id: int | None = None) -> dict[str, Any]:
        """A BET of the seeded ``seed-sha1`` provider (each call signed afresh: a new hash)."""
        tid = transaction_id or next(self.ids)
        rid = round_id or next(self.ids)
        answer = changebalance(self.stack, self.legacy, self.legacy_token, self.legacy_pid, "BET", tid, rid)
        assert answer["status"] == "OK", answer
        self.legacy_rounds.append(rid)
        return answer

    def legacy_win(self) -> dict[str, Any]:
        answer = changebalance(
            self.stack, self.legacy, self.legacy_token, self.legacy_pid, "WIN", next(self.ids), self.legacy_rounds[-1]
        )
        assert answer["status"] == "OK", answer
        return answer

    def bridge(self, body: dict[str, Any]) -> dict[str, Any]:
        status, answer = self.requests.call(self.requests.wallet("create_transaction", body))
        assert status == 200, answer
        return dict(answer)

    def bridge_body(self, i: int) -> dict[str, Any]:
        """Even calls bet 1.00 (``instant_win.play``), odd ones win 0.50 on the play before."""
        tid = f"stp_{uuid.uuid4().hex}"
        if i % 2 == 0 or not self.plays:
            self.plays.append(tid)
            kind, amount, prev = "play", "-1.00", []
        else:
            kind, amount, prev = "win", "0.50", [self.plays[-1]]
        return {
            "transaction_id": tid,
            "user_id": self.bridge_pid,
            "type": f"instant_win.{kind}",
            "data": {"contract_id": f"con_{self.plays[-1][4:24]}", "session_id": "ses_bench"},
            "prev_transactions": prev,
            "transactions": [{"id": f"t-{tid}", "account_id": "real", "amount": amount, "data": {}}],
        }


# ---------------------------------------------------------------- sections
def throughput(stack: LocalStack, callers: Callers, quick: bool) -> dict[str, Any]:
    from bench import rates

    blocks, per_block = (2, 10) if quick else (5, max(10, N // 5))
    ceiling = rates.Ceiling(stack)
    for warm in (lambda: callers.deposit("warm"), callers.bet, lambda: callers.win(0)):
        warm()
    callers.bridge(callers.bridge_body(0))
    callers.rounds.clear()
    measured = rates.alternating(
        ceiling,
        {
            "admin_deposit": lambda i: callers.deposit(f"h{i}-{uuid.uuid4().hex[:6]}"),
            "changebalance_bet": lambda i: callers.bet(),
            "changebalance_win": callers.win,
            "bridge_transaction": lambda i: callers.bridge(callers.bridge_body(i)),
        },
        blocks=blocks,
        per_block=per_block,
    )
    return measured


def split(callers: Callers, quick: bool) -> dict[str, Any]:
    """Each call's time, and the emulator's part of it, side by side (``bench.rates.split``)."""
    from bench import rates

    n = 20 if quick else 100
    return {
        "changebalance_bet": rates.split(n, callers.bet_invocation, prepared=True),
        "admin_deposit": rates.split(n, callers.deposit_invocation, prepared=True),
        "bridge_play": rates.split(n, lambda: callers.bridge(callers.bridge_body(0))),
    }


def requests_and_capacity(stack: LocalStack, callers: Callers) -> dict[str, Any]:
    """One call of each kind alone: its DynamoDB requests and capacity."""
    from bench import capacity
    from casino.wallet import domain, service

    def service_deposit(key: str) -> None:
        def decide(w: domain.Wallet, now: int) -> tuple[domain.Movement, dict[str, Any]]:
            m = domain.deposit(w, 100, now, {"source": "bench"})
            return m, {"real": m.wallet.real}

        service.move(callers.deposit_pid, decide, scope=f"bench#{callers.deposit_pid}", key=key, fp="f")

    tid, rid = next(callers.ids), next(callers.ids)
    ltid, lrid = next(callers.ids), next(callers.ids)
    # Both providers' games read into this environment's cache just before (a BET reads its game
    # once per GAME_CACHE_S; an earlier section's read may have expired): a warm environment's call.
    callers.bet()
    callers.legacy_bet()
    play = callers.bridge_body(0)
    win = callers.bridge_body(1)
    key = f"count-{uuid.uuid4().hex[:8]}"
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("changebalance_bet", lambda: callers.bet(tid, rid)),
        ("changebalance_win", lambda: callers.win(len(callers.rounds) - 1)),
        ("changebalance_bet_replay", lambda: callers.bet(tid, rid)),
        ("changebalance_bet_seed_sha1", lambda: callers.legacy_bet(ltid, lrid)),
        ("changebalance_win_seed_sha1", callers.legacy_win),
        ("changebalance_bet_replay_seed_sha1", lambda: callers.legacy_bet(ltid, lrid)),
        ("bridge_play", lambda: callers.bridge(play)),
        ("bridge_win", lambda: callers.bridge(win)),
        ("bridge_play_replay", lambda: callers.bridge(play)),
        ("admin_deposit", lambda: callers.deposit(key)),
        ("admin_deposit_replay", lambda: callers.deposit(key)),
        ("wallet_movement_service", lambda: service_deposit(key + "s")),
        ("wallet_replay_service", lambda: service_deposit(key + "s")),
    ]
    out: dict[str, Any] = {}
    for name, call in calls:
        with capacity.metering(stack) as meter:
            call()
        out[name] = meter.figures()
    return out


def latency(stack: LocalStack, quick: bool) -> dict[str, Any]:
    """BETs from 1, 4 and 16 concurrent clients: on one player's wallet, and each client on a
    player of its own."""
    import threading

    from bench import rates

    client = default_provider_client()
    ids = iter(range(2 * 10**9, 3 * 10**9))
    lock = threading.Lock()
    calls = 32 if quick else 160
    levels = (1, 4) if quick else (1, 4, 16)
    shared: dict[int, tuple[str, str]] = {}

    def prepare(one_wallet: bool) -> Callable[[int, int], Callable[[], str | None]]:
        def make(level: int, client_no: int) -> Callable[[], str | None]:
            if one_wallet:
                if level not in shared:
                    pid = funded_player("bench-w")
                    shared[level] = (pid, provider_session(pid, client.provider))
                pid, token = shared[level]
            else:
                pid = funded_player("bench-l")
                token = provider_session(pid, client.provider)

            def call() -> str | None:
                with lock:
                    tid, rid = next(ids), next(ids)
                answer = changebalance(stack, client, token, pid, "BET", tid, rid)
                return None if answer["status"] == "OK" else str(answer["data"].get("error_code"))

            call()  # warm, and the player's first movement, untimed
            return call

        return make

    return {
        "one_wallet": rates.concurrent(levels, calls, prepare(one_wallet=True)),
        "distinct_players": rates.concurrent(levels, calls, prepare(one_wallet=False)),
    }


def api_of(fn: Any) -> str:
    """``http`` when the function's routes are on an HTTP API of the template, else ``rest``."""
    kinds = {event.get("Type") for event in fn.properties.get("Events", {}).values()}
    return "http" if "HttpApi" in kinds else "rest"


def cost_of_callbacks(stack: LocalStack, per_op: dict[str, Any], lat: dict[str, Any]) -> dict[str, Any]:
    from bench import costs

    fn = stack.functions["ProviderChangebalanceFunction"]
    api = api_of(fn)
    bet, win = per_op["changebalance_bet"], per_op["changebalance_win"]
    reads = (bet["read_units"] + win["read_units"]) / 2
    writes = (bet["write_units"] + win["write_units"]) / 2
    duration = lat["distinct_players"]["1"]["p50_ms"]
    figures = costs.callbacks(int(stack.resolve(fn.memory_mb)), duration, reads, writes, api)
    figures["basis"] = (
        "a callback is the mean of a BET and a WIN of a provider signing with the default scheme "
        f"(hmac-sha256): one request through the {costs.API_NAMES[api]} its route is on in the template, "
        "one invocation of ProviderChangebalanceFunction for the p50 measured through the handler with one "
        "client (moto standing in for DynamoDB's latency), its modelled DynamoDB units"
    )
    legacy = [per_op.get(f"changebalance_{kind}_seed_sha1") for kind in ("bet", "win")]
    if all(isinstance(one, dict) and "read_units" in one for one in legacy):
        seed = costs.callbacks(
            int(stack.resolve(fn.memory_mb)),
            duration,
            sum(one["read_units"] for one in legacy if one) / 2,
            sum(one["write_units"] for one in legacy if one) / 2,
            api,
        )
        figures["seed_sha1"] = {
            k: seed[k] for k in ("api", "usd", "total_usd", "on_rest_api_usd", "on_http_api_usd", "inputs")
        }
    return figures


def cost_of_plays(stack: LocalStack, played: dict[str, Any]) -> dict[str, Any]:
    from bench import costs

    if "error" in played:
        return {"error": "the plays section failed"}
    one = played["dynamodb_requests"]
    invocations = []
    for fn, durations in one.get("durations_ms", {}).items():
        if fn not in stack.functions:
            continue
        memory = int(stack.resolve(stack.functions[fn].memory_mb))
        invocations += [(fn, memory, d) for d in durations]
    through = {api_of(stack.functions[fn]) for fn, *_ in invocations if fn.startswith(("Client", "Bridge"))}
    api = sum(1 for fn, *_ in invocations if fn.startswith(("Client", "Bridge")))  # through API Gateway
    figures = costs.per_million(
        api=through.pop() if len(through) == 1 else "rest",
        api_requests=api,
        invocations=invocations,
        read_units=one["capacity"]["read_units"],
        write_units=one["capacity"]["write_units"],
        transitions=played["transitions"]["mean"],
    )
    poll = costs.per_million(
        api_requests=1,
        invocations=[("ClientContractFunction", 512, one.get("poll_ms", 0.0))],
        read_units=one["poll_capacity"]["read_units"],
        write_units=one["poll_capacity"]["write_units"],
    )
    figures["each_poll_of_the_contract_usd_per_million"] = poll["total_usd"]
    figures["basis"] = (
        "one play: POST /play and POST /view_done from the client, the operator's wallet called twice "
        "through the account bridge (our own brand: through API Gateway too), the contract's Lambda tasks, "
        "Finalize's direct DynamoDB write, its state transitions; the client's polls of the contract are "
        "apart (each one priced alone)"
    )
    return figures


# ---------------------------------------------------------------- the run
def write_reports(outputs: dict[str, Any], quick: bool) -> Path:
    """The results (JSON), their summary, the document and the chart (a quick run's apart, under
    ``.build/bench/quick/``, so that it never replaces the real figures)."""
    from bench import report

    results = QUICK_DIR if quick else RESULTS_DIR
    results.mkdir(parents=True, exist_ok=True)
    for name, figures in outputs.items():
        (results / name).write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    summary = report.summary(outputs)
    (results / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    doc = results / "benchmarks.md" if quick else DOC
    chart = results / "benchmarks.png" if quick else CHART
    report.chart(outputs, chart)
    doc.write_text(report.markdown(outputs, summary, chart.relative_to(doc.parent)), encoding="utf-8")
    for row in summary["rows"]:
        print(f"{row['verdict']:>5}  {row['measure']}: {row['value']} (target {row['target']})")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Every benchmark in one run.")
    parser.add_argument("--quick", action="store_true", help="few samples: a smoke run (also BENCH_QUICK=1)")
    parser.add_argument(
        "--report", action="store_true", help="measure nothing: write the document and the chart from the results"
    )
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("BENCH_QUICK") == "1"
    if args.report:
        results = QUICK_DIR if quick else RESULTS_DIR
        names = ("wallet.json", "growth.json", "plays.json", "passwords.json", "coldstart.json", "costs.json")
        write_reports({n: json.loads((results / n).read_text(encoding="utf-8")) for n in names}, quick)
        return 0

    from bench import coldstart, costs, growth, limits, passwords, plays, report
    from local import seed

    if quick:
        plays.PLAYS, plays.CLIENTS = 4, (1, 2)
        passwords.SAMPLES, passwords.HASHES = 6, 3
        limits.N, limits.DOMAIN_N = 20, 2000
    began = time.perf_counter()
    timings: dict[str, float] = {}

    def timed(name: str, section: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        try:
            return section()
        except Exception as failed:  # one section's failure is reported, the others still written
            import traceback

            traceback.print_exc()
            return {"error": f"{type(failed).__name__}: {failed}"}
        finally:
            timings[name] = round(time.perf_counter() - started, 1)

    # A free port: the plays and cold-start sections serve the gateway there (the bridge operator's wallet).
    stack = LocalStack(public_base_url=f"http://127.0.0.1:{plays.free_port()}").start()
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # one log line per call would drown the figures
    seeded = timed("stack", lambda: seed.seed(stack))
    sync_games()
    callers = Callers(stack)

    wallet: dict[str, Any] = {
        "machine": {"python": sys.version.split()[0], "cpus": os.cpu_count(), "platform": platform.platform()},
        "quick": quick,
    }
    wallet["throughput"] = timed("throughput", lambda: throughput(stack, callers, quick))
    wallet["split"] = timed("split", lambda: split(callers, quick))
    wallet["per_operation"] = timed("requests", lambda: requests_and_capacity(stack, callers))
    wallet["responsible_gaming"] = timed("limits", lambda: limits.bench(stack))
    wallet["latency"] = timed("latency", lambda: latency(stack, quick))
    grown = timed("growth", lambda: growth.bench(stack, quick=quick))
    played = timed("plays", lambda: plays.run(stack, seeded.data, wallet["throughput"].get("ceiling_per_s", 0.0)))
    signing_in = timed("passwords", lambda: passwords.run(stack))
    cold = timed("cold starts", lambda: coldstart.run(stack, seeded.data, quick=quick))
    stack.stop()

    priced: dict[str, Any] = {"prices": costs.prices()}
    if "error" not in wallet["per_operation"] and "error" not in wallet["latency"]:
        priced["callbacks"] = cost_of_callbacks(stack, wallet["per_operation"], wallet["latency"])
    priced["plays"] = cost_of_plays(stack, played)
    timings["total"] = round(time.perf_counter() - began, 1)
    wallet["seconds"] = timings

    outputs = {
        "wallet.json": wallet,
        "growth.json": grown,
        "plays.json": played,
        "passwords.json": signing_in,
        "coldstart.json": cold,
        "costs.json": priced,
    }
    results = write_reports(outputs, quick)
    print(f"bench: {timings['total']} s; figures in {results.relative_to(ROOT)}")
    failed = [name for name, figures in report.sections(outputs) if "error" in figures]
    if failed:
        print(f"bench: sections that failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
