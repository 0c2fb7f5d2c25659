"""One structured log line and metrics per callback; never a token or a secret."""

from __future__ import annotations

import io
import json
import logging
from decimal import Decimal as D

import pytest

from casino.provider import http
from local.provider_client import ProviderClient
from local.server import proxy_event
from tests.conftest import RunningStack
from tests.provider.conftest import bet, make_player


def test_one_log_line_and_metrics_per_callback_without_secrets(
    running: RunningStack,
    provider: ProviderClient,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    player = make_player(running, real="5.00")
    data = bet(player, D("1.00"))
    body = provider.envelope("changebalance", data)
    path = "/api/v1/provider/tlt/changebalance"
    logical, route, params = running.gateway.find("POST", path)  # type: ignore[misc]
    event = proxy_event(
        route,
        "POST",
        path,
        params,
        list(provider.headers("changebalance").items()),
        "",
        json.dumps(body, default=str).replace('"1.00"', "1.00").encode(),
        "127.0.0.1",
    )
    # Powertools' handler writes to the stdout it saw at import: collect its records directly.
    records = io.StringIO()
    collector = logging.StreamHandler(records)
    collector.setFormatter(http.logger.registered_formatter)
    http.logger.addHandler(collector)
    capsys.readouterr()
    try:
        response = running.invoke(logical, event)
    finally:
        http.logger.removeHandler(collector)
    assert json.loads(response["body"])["status"] == "OK"
    out = capsys.readouterr().out + records.getvalue()
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    logs = [line for line in lines if line.get("message") == "provider callback"]
    assert len(logs) == 1
    log = logs[0]
    assert (log["provider"], log["command"], log["outcome"]) == ("tlt", "changebalance", "OK")
    assert log["transaction_id"] == data["transaction_id"] and log["round_id"] == data["round_id"]
    assert isinstance(log["latency_ms"], float | int)
    metrics = [line for line in lines if "_aws" in line]
    assert metrics and metrics[0]["Callbacks"] == [1.0] and metrics[0]["command"] == "changebalance"
    assert player.token not in out and provider.secret not in out
