"""``make bench``: the summary of every target, ``docs/benchmarks.md`` and the chart."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

NA = "—"


def _ops(counts: dict[str, int]) -> str:
    if not counts:
        return "none"
    return ", ".join(f"{n} {op}" for op, n in sorted(counts.items())) + f" ({sum(counts.values())} in all)"


def _ok(condition: bool) -> str:
    return "PASS" if condition else "FAIL"


def _failed(part: Any) -> bool:
    return not isinstance(part, dict) or "error" in part


def sections(o: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every section's figures by name (the wallet's own parts one by one)."""
    out = []
    for name, part in o.items():
        if name == "wallet.json" and isinstance(part, dict):
            out += [
                (f"wallet.json {k}", v)
                for k, v in part.items()
                if isinstance(v, dict) and k not in ("machine", "seconds")
            ]
        elif isinstance(part, dict):
            out.append((name, part))
    return out


# ---------------------------------------------------------------- the summary
def summary(o: dict[str, Any]) -> dict[str, Any]:
    """Each measure with its value, its target and PASS/FAIL (or — where there is no target)."""
    rows: list[dict[str, str]] = []

    def row(measure: str, value: str, target: str, verdict: str) -> None:
        rows.append({"measure": measure, "value": value, "target": target, "verdict": verdict})

    cold = o["coldstart.json"]
    if not _failed(cold):
        s = cold["summary"]
        for variant in ("shipped", "contrast"):
            label = cold["variants"][variant]["label"]
            for measure, what in (("cold_cpu", "cold start"), ("first_cpu", "cold start + first request")):
                f = s[f"{variant}_{measure}_ratio"]
                row(
                    f"{what}, {label} (ratio to the baseline{' + one GetItem' if measure == 'first_cpu' else ''})",
                    f"{f['over_target']} of {f['functions']} over; median {f['median']}x, worst {f['worst']}x "
                    f"({f['worst_function']})",
                    f"every function ≤ {f['target_max']}x",
                    f["verdict"],
                )
    wallet = o["wallet.json"]
    per_op = wallet.get("per_operation", {})
    if not _failed(per_op):
        bet = per_op["changebalance_bet"]
        reads = (
            bet["requests"].get("BatchGetItem", 0) + bet["requests"].get("GetItem", 0) + bet["requests"].get("Query", 0)
        )
        writes = bet["requests"].get("TransactWriteItems", 0) + bet["requests"].get("PutItem", 0)
        row(
            "changebalance BET: DynamoDB requests",
            _ops(bet["requests"]),
            "one read, one write",
            _ok(reads == 1 and writes == 1 and bet["requests_total"] == 2),
        )
        replay = per_op["changebalance_bet_replay"]
        row(
            "changebalance replay: DynamoDB requests",
            _ops(replay["requests"]),
            "one request",
            _ok(replay["requests_total"] == 1),
        )
        games = bet.get("items_read_by_kind", {}).get("GAME", 0)
        row(
            "changebalance BET: the game item read on the call",
            f"{games} game item(s) read",
            "not read on every call (cached)",
            _ok(games == 0),
        )
    split = wallet.get("split", {})
    if not _failed(split) and "requests_ms" in split.get("changebalance_bet", {}):
        b = split["changebalance_bet"]
        row(
            "changebalance BET: our own time over its two requests' (boto3 + emulator), side by side",
            f"{b['own_ms']} ms over {b['requests_ms']} ms: +{round(100 * (b['own_over_requests'] or 0), 1)}%",
            "at most +10%",
            _ok((b["own_over_requests"] or 9) <= 0.10),
        )
    thr = wallet.get("throughput", {})
    if not _failed(thr):
        for key, label in (
            ("changebalance_bet", "changebalance BETs per second"),
            ("changebalance_win", "changebalance WINs per second"),
            ("bridge_transaction", "bridge transactions per second"),
            ("admin_deposit", "admin deposits per second"),
        ):
            f = thr[key]
            row(f"{label}, ratio to the ceiling", f"{f['ratio_to_ceiling']} ({f['per_s']}/s)", "tracked", NA)
    played = o["plays.json"]
    if not _failed(played):
        first = next(iter(played["levels"].values()))
        row(
            "plays per second (1 client), ratio to the ceiling",
            f"{first['ratio_to_ceiling']} ({first['plays_per_s']}/s)",
            "tracked",
            NA,
        )
        t = played["transitions"]
        row(
            "Step Functions transitions per play",
            f"mean {t['mean']}, at most {t['max']}",
            f"at most {t['target_max']}",
            t["verdict"],
        )
    lat = wallet.get("latency", {})
    if not _failed(lat):
        for kind, label in (("one_wallet", "one wallet"), ("distinct_players", "distinct players")):
            levels = lat[kind]
            top = levels[max(levels, key=int)]
            row(
                f"BETs from {max(levels, key=int)} clients, {label}: p50 / p99, of the 1-client rate",
                f"{top['p50_ms']} / {top['p99_ms']} ms, {top['of_one_client_rate']}",
                "at least half the 1-client rate (p50 and p99 tracked)",
                _ok((top["of_one_client_rate"] or 0) >= 0.5),
            )
    grown = o["growth.json"]
    if not _failed(grown):
        stages = grown["stages"]
        last = stages[max(stages, key=int)]
        row(
            f"changebalance after {int(max(stages, key=int)):,} more ledger entries",
            f"p50 {stages['0']['p50_ms']} → {last['p50_ms']} ms, ratio {stages['0']['ratio_to_ceiling']} → "
            f"{last['ratio_to_ceiling']}, requests {'unchanged' if grown['same_requests'] else 'CHANGED'}",
            "no growth (same requests, ratio kept)",
            grown["verdict"],
        )
    priced = o["costs.json"]
    if isinstance(priced.get("callbacks"), dict) and "total_usd" in priced["callbacks"]:
        c = priced["callbacks"]
        row(
            f"cost per million callbacks ({_api(c)}), the default signature scheme (hmac-sha256)",
            f"USD {c['total_usd']:.2f} ({_other(c)})",
            f"at most USD {c['target_max_usd']:.2f}",
            c["verdict"],
        )
        if isinstance(c.get("seed_sha1"), dict):
            legacy = c["seed_sha1"]
            row(
                f"cost per million callbacks ({_api(legacy)}), the seed's `seed-sha1` (its hash bound in each transaction)",
                f"USD {legacy['total_usd']:.2f} ({_other(legacy)})",
                "tracked",
                NA,
            )
    if isinstance(priced.get("plays"), dict) and "total_usd" in priced["plays"]:
        p = priced["plays"]
        row(
            f"cost per million plays ({_api(p)})",
            f"USD {p['total_usd']:.2f} ({_other(p)})",
            "tracked",
            NA,
        )
    pw = o["passwords.json"]
    if not _failed(pw):
        f = pw["failed_sign_ins"]
        row(
            "password sign-in: unknown user / wrong password, ratio of medians",
            str(f["ratio_of_medians"]),
            f"{f['bounds'][0]}-{f['bounds'][1]}",
            f["verdict"],
        )
    for name, part in sections(o):
        if "error" in part:
            row(f"section {name}", str(part["error"])[:120], "runs", "FAIL")
    return {
        "rows": rows,
        "passed": sum(r["verdict"] == "PASS" for r in rows),
        "failed": sum(r["verdict"] == "FAIL" for r in rows),
    }


# ---------------------------------------------------------------- the document
def markdown(o: dict[str, Any], s: dict[str, Any], chart: Path) -> str:
    from bench import limits, passwords, plays

    wallet = o["wallet.json"]
    m = wallet["machine"]
    parts = [
        f"""# Benchmarks

Written by `make bench` (`python -m bench`, `bench/`); raw figures in `bench/results/*.json`
(`summary.json` is the table below). Machine: Python {m["python"]}, {m["cpus"]} CPUs,
{m["platform"]}; the run took {wallet.get("seconds", {}).get("total", "?")} s
({", ".join(f"{k} {v} s" for k, v in wallet.get("seconds", {}).items() if k != "total")}).
Everything but the cold starts runs in one process on moto, so absolute rates are the
emulator's: each rate is measured in blocks between blocks of the emulator's own ceiling (a bare
conditional `TransactWriteItems` on the same moto) and given as a ratio of the ceilings beside
it, which is the figure that tracks our own overhead on a shared, noisy machine.

## Targets

| measure | value | target | verdict |
| --- | --- | --- | --- |
"""
        + "\n".join(f"| {r['measure']} | {r['value']} | {r['target']} | **{r['verdict']}** |" for r in s["rows"])
        + f"""

![cold starts, throughput, latency and cost]({chart.as_posix()})
"""
    ]
    parts.append(_cold_markdown(o["coldstart.json"]))
    parts.append(_throughput_markdown(wallet))
    parts.append(_requests_markdown(wallet))
    if not _failed(wallet.get("responsible_gaming")):
        parts.append(limits.markdown(wallet["responsible_gaming"]))
    parts.append(_latency_markdown(wallet))
    parts.append(_growth_markdown(o["growth.json"]))
    parts.append(plays.markdown(o["plays.json"]))
    parts.append(_costs_markdown(o["costs.json"]))
    parts.append(passwords.markdown(o["passwords.json"]))
    return "\n".join(p.rstrip() + "\n" for p in parts)


def _cold_markdown(c: dict[str, Any]) -> str:
    if _failed(c):
        return f"\n## Cold starts\n\nThe section failed in this run: `{c.get('error')}`.\n"
    b = c["build"]
    v = c["variants"]
    base = c["baseline"]
    rows = []
    for logical, f in sorted(c["per_function"].items(), key=lambda kv: -(kv[1].get("shipped_first_cpu_ratio") or 0)):
        answers = ", ".join(sorted(set(f.get("shipped_answers", []) + f.get("contrast_answers", []))))
        rows.append(
            f"| {logical} | {f.get('samples')} | {f.get('shipped_cold_cpu_ratio')} | {f.get('contrast_cold_cpu_ratio')} "
            f"| {f.get('shipped_first_cpu_ratio')} | {f.get('contrast_first_cpu_ratio')} "
            f"| {f.get('shipped_cold_cpu_ms')} / {f.get('contrast_cold_cpu_ms')} "
            f"| {f.get('shipped_first_rss_mb')} / {f.get('contrast_first_rss_mb')} | {answers or NA} |"
        )
    sm = c["summary"]

    def line(key: str) -> str:
        f = sm[key]
        return f"{f['over_target']} of {f['functions']} over {f['target_max']}x, median {f['median']}x, worst {f['worst']}x ({f['worst_function']})"

    cpu = base.get("cold_cpu_ms", {})
    first = base.get("first_cpu_ms", {})
    wall = base.get("cold_wall_ms", {})
    return f"""
## Cold starts (`bench/coldstart.py`, `bench/firsts.py`)

Every function of `template.yaml` ({c["functions"]}), in {c["rounds"]} round(s) of samples on
{c["workers"]} worker(s): the first samples every function, the later ones only those whose ratio
as shipped came near a target (0.8 to 1.25 times it; {len(c.get("resampled", []))} functions here), while
the budget allowed. Each sample is a fresh `python -S` process (`PYTHONDONTWRITEBYTECODE=1`,
nothing kept between samples: Lambda's `/opt` is read-only) on {b["interpreter"]}, with the
function's built folder then the layer's `python/` on its path and the function's environment
from the template; it imports the handler's module as Lambda's runtime does, then serves one
realistic first request (`bench/firsts.py`: fresh ids and signatures, against this run's emulator
through a loopback AWS endpoint). The **baseline** is the same process importing `boto3` (with its
bytecode, as a runtime's own packages have it) and making one DynamoDB client, then one `GetItem`.

- **as shipped**: the layer built by running the commands of `layers/shared/Makefile` (its
  `make` dry run) with this machine's platform in place of `aarch64`, the functions by
  `functions/Makefile`, each in a copy of its folder: {v["shipped"]["bytecode_files"]} bytecode files.
- **{v["contrast"]["label"]}**: {v["contrast"]["what"]}: {v["contrast"]["bytecode_files"]} bytecode files.

The figure is the process's CPU time (user + system, from its start: the interpreter's own
start-up included), median of its samples, over the median of the baselines run beside it (its
own and the two before and after, in the order they ran). CPU time is what a cold start costs
(512 MB is 0.29 of a vCPU: a Lambda init is CPU-bound) and it hardly moves when others load this
machine; wall times are in `coldstart.json`. Peak memory is the process's own `VmHWM`
(`ru_maxrss` of a child started from this process reports the parent's peak on Linux).
Baseline: CPU {cpu.get("median")} ms (p10 {cpu.get("p10")}, p90 {cpu.get("p90")}), with its GetItem
{first.get("median")} ms; wall {wall.get("median")} ms; peak {base.get("cold_rss_mb", {}).get("median")} MB.

| | cold start (target ≤ {c["targets"]["cold_start_max_ratio"]}x) | cold start + first request (target ≤ {c["targets"]["first_request_max_ratio"]}x) |
| --- | --- | --- |
| as shipped | {line("shipped_cold_cpu_ratio")} | {line("shipped_first_cpu_ratio")} |
| {v["contrast"]["label"]} | {line("contrast_cold_cpu_ratio")} | {line("contrast_first_cpu_ratio")} |

<details><summary>Every function (ratios of CPU time to the baseline's; CPU ms of the import; peak MB after the first request; what the first requests answered)</summary>

| function | samples | cold, shipped | cold, {v["contrast"]["label"]} | + first request, shipped | + first request, {v["contrast"]["label"]} | import CPU ms shipped / {v["contrast"]["label"]} | peak MB shipped / {v["contrast"]["label"]} | answered |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}

</details>

A first request answers what the function answers to the request `bench/firsts.py` builds for it
(an HTTP status, or for a Step Functions task or a schedule the name of the error it raised, e.g.
`WrongPhase` for the RefundBet retry on a contract that is done).
"""


def _throughput_markdown(w: dict[str, Any]) -> str:
    t = w.get("throughput", {})
    if _failed(t):
        return f"\n## Throughput\n\nThe section failed in this run: `{t.get('error')}`.\n"
    labels = {
        "admin_deposit": "admin deposits through the handler (auth, validation, domain, one transaction)",
        "changebalance_bet": "provider `changebalance` BETs (signed events)",
        "changebalance_win": "provider `changebalance` WINs on those rounds",
        "bridge_transaction": "account-bridge `create_transaction` (a play, then a win on it, in turn)",
    }
    rows = "\n".join(
        f"| {labels[k]} | {t[k]['per_s']} | {t[k]['ratio_to_ceiling']} | {t[k]['ratio_spread'][0]}-{t[k]['ratio_spread'][1]} |"
        for k in labels
        if k in t
    )
    split = w.get("split", {})
    split_rows = ""
    if not _failed(split) and all("requests_ms" in v for v in split.values()):
        split_rows = "\n".join(
            f"| {k} | {v['total_ms']} ms | {v['requests_ms']} ms ({v['boto3_ms']} + {v['emulator_ms']}) "
            f"| {v['own_ms']} ms | {v['own_over_requests']} |"
            for k, v in split.items()
        )
    return f"""
## Throughput against the emulator's ceiling (`bench/rates.py`)

{t["blocks"]} blocks of {t["calls_per_block"]} calls of each, every block between two blocks of the
ceiling ({t["ceiling_per_s"]} conditional `TransactWriteItems` per second, median; from
{t["ceiling_spread_per_s"][0]} to {t["ceiling_spread_per_s"][1]} in this run). The ratio is the median of each
block's rate over the mean of the two ceilings beside it.

| through the handler | per second (median block) | ratio to the ceiling | block ratios, min-max |
| --- | --- | --- | --- |
{rows}

### Our own time and its requests', side by side (`bench/rates.py`, `split`)

Each call timed whole, inside its DynamoDB requests (from the start of boto3's call to its parsed
answer: what making those same requests costs any client, boto3's part and the emulator's, the
latter timed inside moto's request dispatcher) and the rest, ours: the handler, its framework,
our domain and stores. Target for a changebalance: ours at most 10% over its requests'. Medians
of {split.get("changebalance_bet", {}).get("calls", "?")} calls each.

| call | whole | inside its requests (boto3 + emulator) | ours | ours / its requests' |
| --- | --- | --- | --- | --- |
{split_rows}
"""


def _api(figures: dict[str, Any]) -> str:
    return "HTTP API" if figures.get("api") == "http" else "REST API"


def _other(figures: dict[str, Any]) -> str:
    """The same figures on the other kind of API."""
    if figures.get("api") == "http":
        return f"on a REST API: {figures['on_rest_api_usd']:.2f}"
    return f"on an HTTP API: {figures['on_http_api_usd']:.2f}"


def _requests_markdown(w: dict[str, Any]) -> str:
    per_op = w.get("per_operation", {})
    if _failed(per_op):
        return f"\n## DynamoDB requests and capacity\n\nThe section failed: `{per_op.get('error')}`.\n"
    labels = {
        "changebalance_bet": "a changebalance BET",
        "changebalance_win": "a changebalance WIN",
        "changebalance_bet_replay": "a replay of that BET (signed afresh)",
        "changebalance_bet_seed_sha1": "a changebalance BET, `seed-sha1` provider",
        "changebalance_win_seed_sha1": "a changebalance WIN, `seed-sha1` provider",
        "changebalance_bet_replay_seed_sha1": "a replay of that BET signed afresh (a new hash to bind)",
        "bridge_play": "a bridge `create_transaction` play",
        "bridge_win": "a bridge `create_transaction` win",
        "bridge_play_replay": "a replay of that play",
        "admin_deposit": "an admin deposit through the handler",
        "admin_deposit_replay": "its replay",
        "wallet_movement_service": "a movement in the wallet (service)",
        "wallet_replay_service": "a replay in the wallet (service)",
    }
    rows = "\n".join(
        f"| {labels.get(k, k)} | {_ops(v['requests'])} | "
        f"{', '.join(f'{n} {kind}' for kind, n in sorted(v.get('items_read_by_kind', {}).items())) or NA} | "
        f"{v['read_units']} | {v['write_units']} ({v['index_write_units']} for indexes) | {v['reported_total']} |"
        for k, v in per_op.items()
    )
    return f"""
## DynamoDB requests and capacity per operation (`bench/capacity.py`)

One call of each alone. Requests are counted with botocore's `before-call` hook; a
`before-parameter-build` hook adds `ReturnConsumedCapacity: TOTAL` to each request (the code
under test is unchanged) and an `after-call` hook reads it. moto's reported capacity is a
constant per call (0.5 for a `GetItem`, one per key for a `BatchGetItem`, none for a
`TransactWriteItems`), so the units priced below are **modelled** from the items' sizes by
DynamoDB's published rules: reads per 4 KB (half when eventually consistent), writes per 1 KB of
the larger image, twice for transactions, and one more write per global secondary index entry
added, changed or removed; a `ConditionCheck` counted as a transactional read (an assumption).

| call | requests | items read (by key prefix) | read units | write units | moto's reported units |
| --- | --- | --- | --- | --- | --- |
{rows}
"""


def _latency_markdown(w: dict[str, Any]) -> str:
    lat = w.get("latency", {})
    if _failed(lat):
        return f"\n## Latency\n\nThe section failed: `{lat.get('error')}`.\n"

    def table(levels: dict[str, Any]) -> str:
        return "\n".join(
            f"| {n} | {f['calls']} | {f['calls_per_s']} | {f['of_one_client_rate']} | {f['p50_ms']} ms | {f['p99_ms']} ms | {f['refused'] or 'none'} |"
            for n, f in levels.items()
        )

    head = "| clients | calls | calls per second | of the one-client rate | p50 | p99 | refused |\n| --- | --- | --- | --- | --- | --- | --- |"
    return f"""
## Latency under concurrent clients (changebalance BETs through the handler)

Target: 16 clients keep at least half of the one-client rate; p50 and p99 are tracked, not
judged. Percentiles are nearest-rank. All clients share this process (one CPU for Python, the
emulator's work included): with n clients each call waits behind the n - 1 others, so p50 is
about n times the one-client latency and p99 is the scheduler's tail on top of that. This is the
contention of one host, not of Lambda, where each concurrent request has an execution
environment of its own; an absolute p99 bound here would measure the interpreter's lock
(docs/decisions.md, "Bench: latency under concurrent clients").

### One busy wallet: every client on the same player

{head}
{table(lat["one_wallet"])}

A lost race is decided again from the transaction's cancellation reasons (no re-read); inside one
execution environment one wallet's movements queue on a lock (`casino/wallet/engine.py`).

### Distinct players: each client on a player of its own

{head}
{table(lat["distinct_players"])}
"""


def _growth_markdown(g: dict[str, Any]) -> str:
    if _failed(g):
        return f"\n## Growth with the table\n\nThe section failed: `{g.get('error')}`.\n"
    rows = "\n".join(
        f"| {int(k):,} | {f['load_seconds']} s | {f['p50_ms']} ms | {f['p99_ms']} ms | {f['bets_per_s']} | {f['ceiling_per_s']} "
        f"| {f['ratio_to_ceiling']} | {_ops(f['requests'])} | {f['read_units']} / {f['write_units']} |"
        for k, f in g["stages"].items()
    )
    return f"""
## A changebalance as the table grows (`bench/growth.py`)

One player's BETs through the handler on the table as it is, then after copies of a real ledger
entry ({g["copied_entry_bytes"]} bytes, GSI2 keys included) are written for 100 other players.
Rule: {g["rule"]}: **{g["verdict"]}** (p50 x{g["p50_growth"]}, ratio x{g["ratio_growth"]}).

| ledger entries added | loaded in | p50 | p99 | BETs per second | ceiling per second | ratio to the ceiling | requests per BET | read / write units |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
{rows}
"""


def _costs_markdown(c: dict[str, Any]) -> str:
    prices = c["prices"]
    price_rows = "\n".join(
        f"| {p['unit']} | {p['usd'] * 1_000_000:,.4f} | {p['source']} |" for p in prices["prices"].values()
    )
    out = [
        f"""
## Cost per million at list price (`bench/costs.py`)

Prices of {prices["region"]}, as of {prices["as_of"]} (USD per million units; the DynamoDB
on-demand prices since AWS's reduction of 1 November 2024). Left out: free tiers, data transfer,
CloudWatch Logs (each function logs, API Gateway writes an access log line per request) and
X-Ray (the template turns tracing on; sampled). DynamoDB units are the modelled ones above;
Lambda durations are the ones measured here, moto standing in for DynamoDB's latency (our own
code's CPU share would be slower on a 512 MB function, about 0.29 of a vCPU).

| price | USD per million | source |
| --- | --- | --- |
{price_rows}
"""
    ]
    for key, title in (("callbacks", "callbacks"), ("plays", "plays")):
        f = c.get(key)
        if not isinstance(f, dict) or "total_usd" not in f:
            out.append(f"\n### Per million {title}\n\nNot priced in this run.\n")
            continue
        lines = "\n".join(f"| {k.replace('_', ' ')} | {v:,.3f} |" for k, v in f["usd"].items())
        inputs = f["inputs"]
        durations = statistics.median([i["duration_ms"] for i in inputs["lambda_invocations"]] or [0])
        extra = ""
        if key == "callbacks":
            extra = f"\nTarget: at most USD {f['target_max_usd']:.2f} all-in: **{f['verdict']}**.\n"
            legacy = f.get("seed_sha1")
            if isinstance(legacy, dict):
                extra += (
                    f"\nThe same callbacks of a provider on the seed's `seed-sha1` scheme (each request's hash bound "
                    f"to its body in the transaction: one more item) read {legacy['inputs']['dynamodb_read_units']} and write "
                    f"{legacy['inputs']['dynamodb_write_units']} units: USD {legacy['total_usd']:.2f} all-in "
                    f"({_other(legacy)}).\n"
                )
        else:
            extra = f"\nEach poll of `GET /contracts/{{id}}` by the client adds USD {f['each_poll_of_the_contract_usd_per_million']:.2f} per million.\n"
        out.append(
            f"""
### Per million {title}

{f["basis"][:1].upper() + f["basis"][1:]}: {inputs["api_gateway_requests"]} API Gateway request(s), {len(inputs["lambda_invocations"])} Lambda
invocation(s) ({inputs["lambda_gb_seconds"]} GB-s; median duration {durations} ms),
{inputs["dynamodb_read_units"]} read and {inputs["dynamodb_write_units"]} write units,
{inputs["step_functions_transitions"]} state transitions.

| part | USD per million |
| --- | --- |
{lines}
| **all-in, as the template deploys it ({_api(f)})** | **{f["total_usd"]:,.2f}** |
| all-in on a REST API | {f["on_rest_api_usd"]:,.2f} |
| all-in on an HTTP API | {f["on_http_api_usd"]:,.2f} |
{extra}"""
        )
    return "".join(out)


# ---------------------------------------------------------------- the chart
def chart(o: dict[str, Any], path: Path, dpi: int = 80) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 2, figsize=(14, 16))
    fig.suptitle("make bench: cold starts, throughput, latency, growth and cost", fontsize=14)
    cold = o["coldstart.json"]
    for ax, measure, target, title in (
        (axes[0][0], "cold_cpu", 1.3, "Cold start (CPU), ratio to the baseline"),
        (axes[0][1], "first_cpu", 1.5, "Cold start + first request (CPU), ratio to baseline + GetItem"),
    ):
        if _failed(cold):
            ax.set_axis_off()
            continue
        per = cold["per_function"]
        names = sorted(per, key=lambda n: per[n].get(f"shipped_{measure}_ratio") or 0)
        xs = range(len(names))
        for variant, colour in (("shipped", "#2ca02c"), ("contrast", "#d62728")):
            label = cold["variants"][variant]["label"]
            ax.plot(
                list(xs),
                [per[n].get(f"{variant}_{measure}_ratio") or float("nan") for n in names],
                "o",
                ms=4,
                color=colour,
                label=label,
            )
        ax.axhline(target, color="black", ls="--", lw=1, label=f"target {target}x")
        ax.axhline(1.0, color="grey", ls=":", lw=1)
        ax.set_title(title, fontsize=11)
        ax.set_xlabel(f"the {len(names)} functions, sorted by their ratio as shipped")
        ax.set_ylim(bottom=0)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("x baseline")
        ax.legend(fontsize=9)
        ax.grid(alpha=0.3)

    ax = axes[1][0]
    wallet = o["wallet.json"]
    thr = wallet.get("throughput", {})
    bars: list[tuple[str, float]] = []
    if not _failed(thr):
        for key, label in (
            ("admin_deposit", "admin deposit"),
            ("changebalance_bet", "changebalance BET"),
            ("changebalance_win", "changebalance WIN"),
            ("bridge_transaction", "bridge transaction"),
        ):
            bars.append((label, thr[key]["ratio_to_ceiling"]))
    played = o["plays.json"]
    if not _failed(played):
        for n, f in played["levels"].items():
            bars.append((f"plays, {n} client(s)", f["ratio_to_ceiling"] or 0))
    if bars:
        ax.barh([b[0] for b in bars], [b[1] for b in bars], color="#1f77b4")
        for i, (_, v) in enumerate(bars):
            ax.text(v, i, f" {v:.3f}", va="center", fontsize=9)
        ax.set_xlim(0, max(1.0, max(v for _, v in bars) * 1.2))
        ax.invert_yaxis()
    ax.set_title("Rates as a ratio of the emulator's ceiling (1 = a bare conditional transaction)", fontsize=11)
    ax.grid(alpha=0.3, axis="x")

    ax = axes[1][1]
    lat = wallet.get("latency", {})
    if not _failed(lat):
        for kind, colour, label in (
            ("one_wallet", "#9467bd", "one wallet"),
            ("distinct_players", "#ff7f0e", "distinct players"),
        ):
            levels = lat[kind]
            xs2 = [int(n) for n in levels]
            ax.plot(xs2, [levels[n]["p50_ms"] for n in levels], "o-", color=colour, label=f"{label}: p50")
            ax.plot(xs2, [levels[n]["p99_ms"] for n in levels], "s--", color=colour, label=f"{label}: p99")
        ax.axhline(1000, color="black", ls="--", lw=1, label="p99 target 1 s")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("concurrent clients")
        ax.set_ylabel("ms")
        ax.legend(fontsize=9)
    ax.set_title("changebalance BET latency under concurrent clients", fontsize=11)
    ax.grid(alpha=0.3)

    ax = axes[2][0]
    grown = o["growth.json"]
    if not _failed(grown):
        stages = grown["stages"]
        xs3 = [max(1, int(k)) for k in stages]
        ax.plot(xs3, [stages[k]["p50_ms"] for k in stages], "o-", label="p50 (ms)")
        ax.plot(xs3, [stages[k]["p99_ms"] for k in stages], "s--", label="p99 (ms)")
        ax2 = ax.twinx()
        ax2.plot(xs3, [stages[k]["ratio_to_ceiling"] for k in stages], "^-", color="#2ca02c", label="ratio to ceiling")
        ax2.set_ylim(0, max(0.5, max(stages[k]["ratio_to_ceiling"] for k in stages) * 1.5))
        ax2.set_ylabel("ratio to the ceiling")
        ax.set_xscale("log")
        ax.set_xlabel("ledger entries added (0 shown at 1)")
        ax.set_ylabel("ms")
        lines = ax.get_legend_handles_labels()
        lines2 = ax2.get_legend_handles_labels()
        ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=9, loc="upper left")
    ax.set_title("changebalance as the table grows", fontsize=11)
    ax.grid(alpha=0.3)

    priced = o["costs.json"]
    groups = []
    for key, label in (("callbacks", "per million callbacks"), ("plays", "per million plays")):
        f = priced.get(key)
        if isinstance(f, dict) and "usd" in f:
            groups.append((key, label, f))
    slot = axes[2][1].get_subplotspec()
    axes[2][1].remove()
    inner = slot.subgridspec(1, 2, wspace=0.35)
    parts = [
        ("api_gateway", "API Gateway", "#8c564b"),
        ("lambda_requests", "Lambda requests", "#e377c2"),
        ("lambda_duration", "Lambda GB-s", "#7f7f7f"),
        ("dynamodb_reads", "DynamoDB reads", "#bcbd22"),
        ("dynamodb_writes", "DynamoDB writes", "#17becf"),
        ("step_functions", "Step Functions", "#1f77b4"),
    ]
    for gi, (key, label, f) in enumerate(groups[:2]):
        ax = fig.add_subplot(inner[0, gi])
        gateway_of = {
            name: f["usd"]["api_gateway"] + f[f"on_{name}_api_usd"] - f["total_usd"] for name in ("rest", "http")
        }
        top = max(f["on_rest_api_usd"], f.get("target_max_usd", 0.0))
        ax.set_ylim(0, top * 1.2)
        for bi, gateway in enumerate((gateway_of["rest"], gateway_of["http"])):
            bottom = 0.0
            for part, name, colour in parts:
                v = gateway if part == "api_gateway" else f["usd"].get(part, 0.0)
                ax.bar(bi, v, bottom=bottom, color=colour, label=name if bi == 0 else None, width=0.6)
                bottom += v
            ax.text(bi, bottom, f"${bottom:,.2f}", ha="center", va="bottom", fontsize=9)
        if key == "callbacks":
            ax.axhline(f.get("target_max_usd", 10), color="black", ls="--", lw=1, label="target $10")
        ax.set_xticks([0, 1], ["REST API", "HTTP API"])
        ax.set_title(f"AWS list price, {label}", fontsize=10)
        ax.set_ylabel("USD")
        ax.grid(alpha=0.3, axis="y")
        if gi == 0:
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0.0, -0.1), ncol=4, frameon=False)

    fig.tight_layout(rect=(0, 0, 1, 0.97))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
