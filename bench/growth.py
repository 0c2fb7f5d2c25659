"""``make bench``: how a changebalance's cost grows with the table.

One player's BETs through the handler (signed events) are measured on the table as it is, then
after it holds 1,000 and 50,000 more ledger entries: each stage's latency (p50, p99), its
DynamoDB requests and modelled capacity per call, and its rate as a ratio of the emulator's
ceiling measured in alternation at that same size (the emulator's own cost may grow with the
table; the ratio is ours).

The entries are copies of a real ledger entry of that player (its attributes, its GSI2
reconciliation keys of the day), written straight into the emulator's table (not through the
API: loading is not what is measured), spread over 100 other players' partitions, with the
versions those players would have. Nothing a changebalance does should read them: a cost that
grows here is a scan or a query on the request path.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from bench import capacity, rates
from local.stack import LocalStack

STAGES = (1_000, 50_000)
OTHER_PLAYERS = 100


def _ledger_entry(stack: LocalStack, pid: str) -> dict[str, Any]:
    from casino import aws

    answer = aws.dynamodb().query(
        TableName=stack.physical["WalletTable"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :l)",
        ExpressionAttributeValues=aws.to_item({":pk": f"PLAYER#{pid}", ":l": "LEDGER#"}),
        Limit=1,
    )
    items: list[dict[str, Any]] = answer["Items"]
    if not items:
        raise LookupError(f"no ledger entry of {pid} to copy")
    return items[0]


def load(stack: LocalStack, template: dict[str, Any], count: int, start: int) -> float:
    """``count`` copies of ``template`` on other players, from entry number ``start``: seconds."""
    table = stack.physical["WalletTable"]
    backend = capacity._backend()
    player = template["pk"]["S"].split("#", 1)[1]
    began = time.perf_counter()
    for n in range(start, start + count):
        other = f"bench-grow-{n % OTHER_PLAYERS:03d}"
        version = n // OTHER_PLAYERS + 1
        item = {
            **template,
            "pk": {"S": f"PLAYER#{other}"},
            "sk": {"S": f"LEDGER#{version:012d}#00"},
        }
        for name, value in template.items():
            if value.get("S") == player:
                item[name] = {"S": other}
        if "gsi2sk" in item:
            item["gsi2sk"] = {"S": f"{template['gsi2sk']['S']}#{n:08d}"}
        backend.put_item(table, item)
    return time.perf_counter() - began


def bench(stack: LocalStack, *, quick: bool = False) -> dict[str, Any]:
    from bench.__main__ import changebalance, default_provider_client
    from casino.provider import sessions
    from casino.wallet import admin

    stages = (200, 2_000) if quick else STAGES
    calls = 10 if quick else 40
    blocks = 2 if quick else 3
    pid = f"bench-g-{uuid.uuid4().hex[:8]}"
    admin.create_player(player_id=pid, user_name=pid, country="MT", currency="EUR")
    admin.post_transaction(pid, type="adjustment", amount="100000.00", idempotency_key="fund")
    client = default_provider_client()
    token = sessions.open_session(player_id=pid, provider=client.provider, game_id=1001, ttl_minutes=600)["token"]
    ids = iter(range(9 * 10**8, 10**9))
    latencies: list[float] = []

    def bet(_: int = 0) -> None:
        tid = next(ids)
        started = time.perf_counter()
        answer = changebalance(stack, client, token, pid, "BET", tid, tid)
        latencies.append(time.perf_counter() - started)
        assert answer["status"] == "OK", answer

    bet()  # warm, and the entry to copy
    template = _ledger_entry(stack, pid)
    ceiling = rates.Ceiling(stack, "growth")
    out: dict[str, Any] = {"stages": {}, "copied_entry_bytes": capacity.item_size(template)}
    loaded = 0
    for stage in (0, *stages):
        seconds = load(stack, template, stage - loaded, loaded) if stage > loaded else 0.0
        loaded = stage
        latencies.clear()
        measured = rates.alternating(ceiling, {"bet": bet}, blocks=blocks, per_block=calls)
        with capacity.metering(stack) as meter:
            bet()
        figures = meter.figures()
        out["stages"][str(stage)] = {
            "ledger_entries_added": stage,
            "load_seconds": round(seconds, 1),
            "calls": len(latencies),
            "p50_ms": round(rates.percentile(latencies, 50) * 1000, 2),
            "p99_ms": round(rates.percentile(latencies, 99) * 1000, 2),
            "bets_per_s": measured["bet"]["per_s"],
            "ceiling_per_s": measured["ceiling_per_s"],
            "ratio_to_ceiling": measured["bet"]["ratio_to_ceiling"],
            "requests": figures["requests"],
            "requests_total": figures["requests_total"],
            "read_units": figures["read_units"],
            "write_units": figures["write_units"],
        }
    first, last = out["stages"]["0"], out["stages"][str(stages[-1])]
    out["p50_growth"] = round(last["p50_ms"] / first["p50_ms"], 2)
    out["ratio_growth"] = round(last["ratio_to_ceiling"] / first["ratio_to_ceiling"], 2)
    out["same_requests"] = all(s["requests"] == first["requests"] for s in out["stages"].values())
    out["verdict"] = "PASS" if out["same_requests"] and out["ratio_growth"] >= 0.8 else "FAIL"
    out["rule"] = "same requests at every size, and the ratio to the ceiling keeps at least 0.8 of its first value"
    return out
