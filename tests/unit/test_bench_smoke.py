"""``make bench``'s cheap parts, so that the bench cannot rot between its (long) runs: the capacity
model, the prices, the alternation of ceiling and handler blocks, the cold-start probe and its
summary, a first request for every function of the template, the report and its chart."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bench import capacity, coldstart, costs, firsts, rates, report
from local import template as tpl


def test_item_sizes_and_units_follow_dynamodbs_rules() -> None:
    item = {"pk": {"S": "PLAYER#p1"}, "n": {"N": "12345"}, "ok": {"BOOL": True}, "m": {"M": {"a": {"S": "xy"}}}}
    # names 2+1+2+1, values 9 + (5 digits: 3+1) + 1 + (3 + 1 + 1 + 2)
    assert capacity.item_size(item) == 6 + 9 + 4 + 1 + 7
    assert capacity.read_units(0) == 1.0 and capacity.read_units(4097) == 2.0
    assert capacity.read_units(10, consistent=False) == 0.5
    assert capacity.write_units(1025, transactional=True) == 4.0
    index = capacity.Index("GSI2", ("gsi2pk", "gsi2sk"), "ALL")
    before = {"pk": {"S": "a"}}
    after = {"pk": {"S": "a"}, "gsi2pk": {"S": "F"}, "gsi2sk": {"S": "1"}}
    assert index.writes(before, after) == 1.0  # an entry added
    assert index.writes(after, {**after, "gsi2sk": {"S": "2"}}) == 2.0  # its key moved: out and in
    assert index.writes(before, before) == 0.0


def test_costs_per_million() -> None:
    figures = costs.callbacks(memory_mb=512, duration_ms=20.0, read_units=6, write_units=10, api="rest")
    usd = figures["usd"]
    assert usd["api_gateway"] == pytest.approx(3.50)
    assert usd["lambda_requests"] == pytest.approx(0.20)
    assert usd["lambda_duration"] == pytest.approx(0.5 * 0.02 * 0.0000133334 * 1e6, abs=1e-3)
    assert usd["dynamodb_reads"] == pytest.approx(0.75) and usd["dynamodb_writes"] == pytest.approx(6.25)
    assert figures["on_rest_api_usd"] == figures["total_usd"]
    assert figures["on_rest_api_usd"] - figures["on_http_api_usd"] == pytest.approx(2.50)
    assert figures["verdict"] == ("PASS" if figures["total_usd"] <= 10 else "FAIL")
    on_http = costs.callbacks(memory_mb=512, duration_ms=20.0, read_units=6, write_units=10, api="http")
    assert on_http["usd"]["api_gateway"] == pytest.approx(1.00)
    assert on_http["total_usd"] == on_http["on_http_api_usd"] == figures["on_http_api_usd"]


class FakeCeiling:
    def __init__(self) -> None:
        self.calls = 0

    def rate(self, n: int) -> float:
        self.calls += 1
        return 100.0


def test_blocks_alternate_with_the_ceiling() -> None:
    ceiling = FakeCeiling()
    seen: list[tuple[str, int]] = []
    out = rates.alternating(
        ceiling,  # type: ignore[arg-type]
        {"a": lambda i: seen.append(("a", i)), "b": lambda i: seen.append(("b", i))},
        blocks=2,
        per_block=3,
    )
    assert ceiling.calls == 1 + 2 * 2  # one before, one after each block
    assert seen[:3] == [("a", 0), ("a", 1), ("a", 2)] and seen[3] == ("b", 0) and seen[6] == ("a", 3)
    assert out["a"]["per_s"] > 0 and out["ceiling_per_s"] == 100.0
    levels = rates.concurrent((1, 2), 4, lambda level, client: lambda: None)
    assert levels["2"]["calls"] == 4 and levels["1"]["of_one_client_rate"] == 1.0


def test_every_function_has_a_first_request() -> None:
    functions = tpl.functions(tpl.load())
    factories = firsts.FirstRequests(stack=None, gateway=None)  # type: ignore[arg-type]  # nothing built yet
    missing = [f.logical_id for f in functions if f.logical_id not in factories.factories]
    assert not missing, f"add a first request for {missing} to bench/firsts.py"


def test_the_probe_times_an_import_and_a_first_request(tmp_path: Path) -> None:
    (tmp_path / "probe.py").write_text(coldstart.PROBE, encoding="utf-8")
    task = tmp_path / "task"
    task.mkdir()
    (task / "app.py").write_text("def handler(event, context):\n    return {'statusCode': event['code']}\n")
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "event": {"code": 201},
                "context": {"name": "f", "arn": "", "memory": 512, "timeout": 3, "request_id": "r"},
            }
        )
    )
    out = tmp_path / "out.json"
    subprocess.run(
        [sys.executable, "-S", str(tmp_path / "probe.py"), "fn", str(out), str(event), "app", "handler"],
        cwd=task,
        env={"PYTHONPATH": str(task), "PYTHONDONTWRITEBYTECODE": "1"},
        check=True,
        timeout=60,
    )
    answer = json.loads(out.read_text())
    assert answer["status"] == 201 and answer["error"] is None
    assert answer["imported"][1] > 0 and answer["done"][2] > 0  # CPU seconds, peak KiB


def _sample(cpu: float, first: float) -> dict[str, Any]:
    return {
        "cold_cpu_ms": cpu,
        "cold_wall_ms": cpu * 2,
        "first_cpu_ms": first,
        "first_wall_ms": first * 2,
        "cold_rss_mb": 40.0,
        "first_rss_mb": 60.0,
        "status": 200,
        "error": None,
    }


def cold_results() -> dict[str, Any]:
    baselines = [_sample(400, 420) for _ in range(3)]
    samples = {
        "FastFunction": {"positions": [0], "shipped": [_sample(300, 500)], "contrast": [_sample(200, 400)]},
        "SlowFunction": {"positions": [2], "shipped": [_sample(800, 1600)], "contrast": [_sample(420, 700)]},
    }
    per_function = coldstart.summarise(samples, baselines)
    return {
        "functions": 2,
        "rounds": 1,
        "workers": 1,
        "build": {"interpreter": "python", "seconds": 1, "log": []},
        "variants": {
            "shipped": {"label": "as shipped", "bytecode_files": 9, "what": "w"},
            "contrast": {"label": "without bytecode", "bytecode_files": 0, "what": "w"},
        },
        "targets": {"cold_start_max_ratio": 1.3, "first_request_max_ratio": 1.5},
        "summary": coldstart.verdicts(per_function),
        "baseline": coldstart.baseline_spread(baselines),
        "per_function": per_function,
    }


def test_cold_start_ratios_and_verdicts() -> None:
    cold = cold_results()
    slow = cold["per_function"]["SlowFunction"]
    assert slow["shipped_cold_cpu_ratio"] == 2.0 and slow["contrast_first_cpu_ratio"] == pytest.approx(1.667, abs=1e-3)
    s = cold["summary"]
    assert s["shipped_cold_cpu_ratio"]["over_target"] == 1 and s["shipped_cold_cpu_ratio"]["verdict"] == "FAIL"
    assert s["contrast_cold_cpu_ratio"]["verdict"] == "PASS"
    assert s["shipped_first_cpu_ratio"]["worst_function"] == "SlowFunction"


def _op(reads: int, writes: int) -> dict[str, Any]:
    requests = {"BatchGetItem": reads, "TransactWriteItems": writes}
    return {
        "requests": requests,
        "requests_total": reads + writes,
        "items_read_by_kind": {"PLAYER": 1, "SESSION": 1},
        "reported_total": 1.0,
        "read_units": 5.0,
        "write_units": 8.0,
        "index_write_units": 2.0,
    }


def outputs() -> dict[str, Any]:
    per_op = {name: _op(1, 1) for name in ("changebalance_bet", "changebalance_win", "admin_deposit")}
    per_op["changebalance_bet_replay"] = _op(1, 0)
    level = {"calls": 10, "calls_per_s": 40.0, "p50_ms": 20.0, "p99_ms": 40.0, "refused": {}, "of_one_client_rate": 1.0}
    block = {"per_s": 40.0, "ratio_to_ceiling": 0.2, "ratio_spread": [0.19, 0.21]}
    wallet = {
        "machine": {"python": "3", "cpus": 2, "platform": "test"},
        "throughput": {
            "ceiling_per_s": 200.0,
            "ceiling_spread_per_s": [190.0, 210.0],
            "blocks": 2,
            "calls_per_block": 3,
            **{k: block for k in ("admin_deposit", "changebalance_bet", "changebalance_win", "bridge_transaction")},
        },
        "split": {
            "changebalance_bet": {
                "calls": 3,
                "total_ms": 14.0,
                "requests_ms": 12.5,
                "emulator_ms": 11.0,
                "boto3_ms": 1.5,
                "own_ms": 1.5,
                "own_over_requests": 0.12,
            }
        },
        "per_operation": per_op,
        "responsible_gaming": {"error": "not run in this test"},
        "latency": {"one_wallet": {"1": level, "16": level}, "distinct_players": {"1": level, "16": level}},
        "seconds": {"total": 1.0},
    }
    stage = {
        "load_seconds": 0.0,
        "p50_ms": 20.0,
        "p99_ms": 30.0,
        "bets_per_s": 40.0,
        "ceiling_per_s": 200.0,
        "ratio_to_ceiling": 0.2,
        "requests": {"BatchGetItem": 1, "TransactWriteItems": 1},
        "read_units": 5.0,
        "write_units": 8.0,
    }
    growth = {
        "stages": {"0": stage, "1000": stage},
        "copied_entry_bytes": 300,
        "p50_growth": 1.0,
        "ratio_growth": 1.0,
        "same_requests": True,
        "verdict": "PASS",
        "rule": "r",
    }
    priced = {
        "prices": costs.prices(),
        "callbacks": costs.callbacks(512, 20.0, 5.0, 8.0, "http"),
        "plays": {
            **costs.per_million(
                api_requests=4, invocations=[("F", 512, 100.0)], read_units=30, write_units=40, transitions=6
            ),
            "each_poll_of_the_contract_usd_per_million": 4.0,
            "basis": "b",
        },
    }
    priced["callbacks"]["basis"] = "b"
    return {
        "wallet.json": wallet,
        "growth.json": growth,
        "plays.json": {"error": "not run in this test"},
        "passwords.json": {"error": "not run in this test"},
        "coldstart.json": cold_results(),
        "costs.json": priced,
    }


def test_the_report_and_its_chart(tmp_path: Path) -> None:
    started = time.perf_counter()
    o = outputs()
    s = report.summary(o)
    verdicts = {r["measure"]: r["verdict"] for r in s["rows"]}
    assert verdicts["changebalance BET: DynamoDB requests"] == "PASS"
    assert verdicts["changebalance BET: our own time over its two requests' (boto3 + emulator), side by side"] == "FAIL"
    assert verdicts["section plays.json"] == "FAIL"
    chart = tmp_path / "benchmarks.png"
    report.chart(o, chart, dpi=30)
    assert chart.stat().st_size > 5_000
    text = report.markdown(o, s, Path(chart.name))
    assert "| cold start, as shipped" in text and "![" in text and "SlowFunction" in text
    assert time.perf_counter() - started < 30
