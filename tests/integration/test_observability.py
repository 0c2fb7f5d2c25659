"""Observability (casino.telemetry): one structured line per request of every audience, with the
API Gateway request id as its correlation id (answered in X-Correlation-Id), the outcome, the
latency and the caller, and never a secret; the correlation id carried to the operator's wallet
and through the contract's state machine; the business metrics (EMF); and a metrics failure that
never fails a request."""

from __future__ import annotations

import io
import json
import logging
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from casino import telemetry
from casino.contract import executions, store, sweep
from casino.hub import app_auth
from casino.ops import status as ops_status
from casino.provider import http as provider_http
from casino.registry import providers
from local.operator_client import SignedClient
from local.provider_client import ProviderClient
from local.server import proxy_event
from tests.conftest import ADMIN_KEY, RunningStack
from tests.fake_operator import FakeOperator
from tests.integration.test_admin_players import fund, new_player
from tests.integration.test_client_plays import open_page
from tests.provider.conftest import bet, make_player, provider  # noqa: F401 - the fixture

ADMIN = "/api/v1/admin"
APP_SECRET = "demo-operator-secret"
WALLET_SECRET = "demo-wallet-secret"


# ---------------------------------------------------------------- capturing lines and metrics
class Capture:
    """Every log record (each in Powertools' JSON, whatever logger wrote it) and everything
    printed (EMF metrics) while a test runs."""

    def __init__(self, capsys: pytest.CaptureFixture[str], records: io.StringIO, caplog: pytest.LogCaptureFixture):
        self.capsys, self.records, self.caplog = capsys, records, caplog
        self.printed = ""

    def text(self) -> str:
        out = self.capsys.readouterr()
        self.printed += out.out + out.err
        every = LambdaPowertoolsFormatter()
        dumped = "\n".join(every.format(record) for record in self.caplog.records)
        return self.printed + "\n" + self.records.getvalue() + "\n" + dumped

    def lines(self) -> list[dict[str, Any]]:
        self.text()
        found = []
        for line in (self.printed + "\n" + self.records.getvalue()).splitlines():
            if line.startswith("{"):
                try:
                    found.append(json.loads(line))
                except ValueError:
                    continue
        return found

    def logged(self, message: str, **fields: Any) -> list[dict[str, Any]]:
        return [
            line
            for line in self.lines()
            if line.get("message") == message and all(line.get(k) == v for k, v in fields.items())
        ]

    def metrics(self, name: str, **dimensions: str) -> list[dict[str, Any]]:
        return [
            line
            for line in self.lines()
            if "_aws" in line and name in line and all(line.get(k) == v for k, v in dimensions.items())
        ]


@pytest.fixture()
def captured(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Capture]:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    records = io.StringIO()
    attached: list[tuple[logging.Logger, logging.Handler]] = []
    # Powertools' handlers write to the stdout they saw when created (before capsys, below):
    # collect their records directly, each logger with its own formatter (its own service).
    loggers = {log.service: log for log in [*(telemetry.logger(s) for s in telemetry.SERVICES), provider_http.logger]}
    for service, log in loggers.items():
        handler = logging.StreamHandler(records)
        handler.setFormatter(log.registered_formatter)
        underlying = logging.getLogger(service)  # the standard logger a Powertools Logger writes through
        underlying.addHandler(handler)
        attached.append((underlying, handler))
    capsys: pytest.CaptureFixture[str] = request.getfixturevalue("capsys")  # EMF is printed: capsys takes it
    capsys.readouterr()
    try:
        yield Capture(capsys, records, caplog)
    finally:
        for underlying, added in attached:
            underlying.removeHandler(added)


def invoke(
    running: RunningStack,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: str = "",
) -> tuple[dict[str, Any], str]:
    """A request as API Gateway delivers it: the answer and the event's requestId."""
    found = running.gateway.find(method, path)
    assert found is not None, path
    logical, route, params = found
    raw = b"" if body is None else json.dumps(body).encode()
    event = proxy_event(route, method, path, params, list((headers or {}).items()), query, raw, "127.0.0.1")
    return running.invoke(logical, event), event["requestContext"]["requestId"]


def signed(app_id: str, secret: str, method: str, path: str, body: Any = None) -> dict[str, str]:
    raw = "" if body is None else json.dumps(body)
    return {
        "Content-Type": "application/json",
        **app_auth.headers(app_id, secret, method, app_auth.endpoint_of(path), raw),
    }


def header_of(response: dict[str, Any]) -> str | None:
    multi = response.get("multiValueHeaders") or {}
    if telemetry.HEADER in multi:
        return str(multi[telemetry.HEADER][0])
    value = (response.get("headers") or {}).get(telemetry.HEADER)
    return str(value) if value is not None else None


def only_service_dimension(metric: dict[str, Any]) -> bool:
    return bool(metric["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]])


# ---------------------------------------------------------------- one line per request
def test_every_audience_logs_one_line_per_request_with_its_request_id_and_no_secret(
    running: RunningStack, captured: Capture
) -> None:
    page = open_page(running)
    hub_path, bridge_path, sports_path = (
        "/api/v1/hub/search_sessions",
        "/api/v1/bridge/demo/get_user_data",
        "/api/v1/sports/fixtures",
    )
    hub_body, bridge_body = {"from_date": 0}, {"user_id": "player-1"}
    hub_headers = {**signed("demo-operator", APP_SECRET, "POST", hub_path, hub_body), "X-Correlation-Id": "op-trace.42"}
    bridge_headers = signed("demo-operator", WALLET_SECRET, "POST", bridge_path, bridge_body)
    sports_headers = signed("demo-operator", APP_SECRET, "GET", sports_path)
    calls = {
        "hub": invoke(running, "POST", hub_path, hub_body, hub_headers),
        "client": invoke(running, "GET", "/api/v1/client/games", headers={"Authorization": f"Bearer {page.auth}"}),
        "admin": invoke(running, "GET", f"{ADMIN}/status", headers={"Authorization": f"Bearer {ADMIN_KEY}"}),
        "bridge": invoke(running, "POST", bridge_path, bridge_body, bridge_headers),
        "sports": invoke(running, "GET", sports_path, headers=sports_headers),
    }
    refused = invoke(
        running, "GET", f"{ADMIN}/status", headers={"Authorization": "Bearer not-a-key", "X-Correlation-Id": "bad id!"}
    )
    callers = {
        "hub": "operator:demo",
        "client": f"session:{page.session_id}@demo",
        "admin": "admin_key:",
        "bridge": "operator:demo",
        "sports": "operator:demo",
    }
    for audience, (response, request_id) in calls.items():
        assert response["statusCode"] == 200, (audience, response["body"])
        assert header_of(response) == request_id, audience
        lines = captured.logged("request", correlation_id=request_id)
        assert len(lines) == 1, (audience, lines)
        line = lines[0]
        assert line["audience"] == audience and line["status"] == 200 and "error_code" not in line
        assert line["service"] == telemetry.AUDIENCE_SERVICE[audience]
        assert line["method"] in ("GET", "POST") and line["route"].startswith("/api/v1/")
        assert isinstance(line["latency_ms"], float | int) and line["latency_ms"] >= 0
        assert str(line["caller"]).startswith(callers[audience]), line
    assert (
        captured.logged("request", correlation_id=calls["bridge"][1])[0]["route"]
        == "/api/v1/bridge/{operator}/get_user_data"
    )
    assert captured.logged("request", correlation_id=calls["bridge"][1])[0]["path"] == bridge_path
    assert captured.logged("request", correlation_id=calls["hub"][1])[0]["caller_correlation_id"] == "op-trace.42"
    response, request_id = refused
    assert response["statusCode"] == 401 and header_of(response) == request_id
    (line,) = captured.logged("request", correlation_id=request_id)
    assert (line["status"], line["error_code"], line.get("caller")) == (401, "unauthorized", None)
    assert "caller_correlation_id" not in line  # not a safe token: never logged
    out = captured.text()
    secrets = [ADMIN_KEY, APP_SECRET, WALLET_SECRET, page.auth, "not-a-key"]
    secrets += [h["X-Signature"] for h in (hub_headers, bridge_headers, sports_headers)]
    for secret in secrets:
        assert secret not in out


def test_a_provider_callback_line_and_its_metrics(
    running: RunningStack,
    provider: ProviderClient,  # noqa: F811 - the fixture imported above
    captured: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    player = make_player(running, real="5.00")
    first = bet(player, Decimal("1.00"))
    won = {**bet(player, Decimal("0.50"), round_id=first["round_id"]), "transaction_type": "WIN"}
    answers = [_callback(running, provider, data) for data in (first, won)]
    for response, request_id in answers:
        assert json.loads(response["body"])["status"] == "OK" and header_of(response) == request_id
        (line,) = captured.logged("provider callback", correlation_id=request_id)
        assert (line["outcome"], line["status"], line["command"]) == ("OK", 200, "changebalance")
    for name in ("Bets", "Wins"):
        (metric,) = captured.metrics(name, service=telemetry.PROVIDER_CALLBACKS)
        assert metric[name] == [1.0] and only_service_dimension(metric)
        assert metric["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "CasinoPlatform"
    assert not captured.metrics("CallbackFailures")
    # our fault (a secret that cannot be read): OP_90, a 5xx, CallbackFailures and RequestErrors
    monkeypatch.setattr(providers, "secret_of", lambda provider: None)
    response, request_id = _callback(running, provider, bet(player, Decimal("1.00")))
    assert response["statusCode"] == 500
    (line,) = captured.logged("provider callback", correlation_id=request_id)
    assert line["outcome"] == "OP_90"
    (metric,) = captured.metrics("CallbackFailures", service=telemetry.PROVIDER_CALLBACKS)
    assert metric["RequestErrors"] == [1.0] and only_service_dimension(metric)
    out = captured.text()
    assert player.token not in out and provider.secret not in out


def _callback(running: RunningStack, provider: ProviderClient, data: dict[str, Any]) -> tuple[dict[str, Any], str]:  # noqa: F811
    path = "/api/v1/provider/tlt/changebalance"
    found = running.gateway.find("POST", path)
    assert found is not None
    logical, route, params = found
    body = json.dumps(provider.envelope("changebalance", data), default=str)
    body = body.replace(f'"{data["amount"]}"', str(data["amount"]))  # amounts are JSON numbers
    headers = list(provider.headers("changebalance").items())
    event = proxy_event(route, "POST", path, params, headers, "", body.encode(), "127.0.0.1")
    return running.invoke(logical, event), event["requestContext"]["requestId"]


# ---------------------------------------------------------------- the correlation id carried
@pytest.fixture(scope="module")
def fake(running: RunningStack) -> Iterator[tuple[FakeOperator, SignedClient]]:
    """A third-party operator whose wallet is the fake (it records the X-Correlation-Id it gets)."""
    operator = FakeOperator().start()
    code = f"obs{uuid.uuid4().hex[:8]}"
    status, created = running.call(
        "POST",
        f"{ADMIN}/operators",
        {"code": code, "name": "Obs", "wallet_base_url": operator.url, "currencies": ["EUR"]},
    )
    assert status == 201, created
    operator.app_id, operator.wallet_secret = created["app_id"], created["wallet_secret"]
    yield operator, SignedClient(running.base_url, created["app_id"], created["app_secret"])
    operator.stop()


def _win_game(running: RunningStack) -> str:
    code = f"obs-{uuid.uuid4().hex[:10]}"
    config = {
        "currency": "EUR",
        "stake": "1.00",
        "tickets": 50,
        "prizes": [{"amount": "0.90", "count": 50}],
        "rtp": "0.9",
    }
    body = {"code": code, "name": code, "kind": "instant_win", "configuration": {**config, "view_timeout_s": 5}}
    status, game = running.call("POST", f"{ADMIN}/games", body)
    assert status == 201, game
    return code


def _until(check: Any, timeout_s: float = 20) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_plays_request_id_reaches_the_operator_wallet_and_every_contract_step(
    running: RunningStack, fake: tuple[FakeOperator, SignedClient], captured: Capture
) -> None:
    operator, hub = fake
    game = _win_game(running)
    user = f"u{uuid.uuid4().hex[:10]}"
    operator.users[user] = {"real": Decimal("50.00"), "bonus": Decimal("0")}
    created = hub.post("/api/v1/hub/create_session", {"user_id": user})
    assert created.status_code == 200, created.text
    session_id = created.json()["session"]["id"]
    token = parse_qs(urlparse(created.json()["client_url"]).query)["token"][0]
    client = f"{running.base_url}/api/v1/client"
    login = httpx.post(f"{client}/login", json={"client_token": token}, timeout=60)
    assert login.status_code == 200, login.text
    login_id = login.headers[telemetry.HEADER]
    assert [c for p, _, c in operator.correlations if p == "initialize_session"][-1] == login_id
    auth = {"Authorization": f"Bearer {login.json()['auth_token']}"}

    played = httpx.post(
        f"{client}/play", json={"game_id": game, "stake": "1.00", "play_id": uuid.uuid4().hex}, headers=auth, timeout=60
    )
    assert played.status_code == 200, played.text
    play_id = played.headers[telemetry.HEADER]
    contract_id = played.json()["contract"]["id"]
    assert (
        httpx.post(f"{client}/view_done", json={"contract_id": contract_id}, headers=auth, timeout=60).status_code
        == 200
    )
    _until(lambda: operator.correlation_ids("instant_win.win"))
    _until(lambda: captured.logged("contract step", contract_id=contract_id, step="settle"))

    assert set(operator.correlation_ids("instant_win.play")) == {play_id}
    assert set(operator.correlation_ids("instant_win.win")) == {play_id}
    steps = captured.logged("contract step", contract_id=contract_id)
    assert {s["step"] for s in steps} == {"place_bet", "await_view", "settle"}
    for step in steps:
        assert step["correlation_id"] == play_id and step["origin_correlation_id"] == play_id, step
        assert step["service"] == telemetry.CONTRACT_FLOW and "task_token" not in step
    assert [s["outcome"] for s in steps if s["step"] == "place_bet"] == ["placed"]
    (line,) = captured.logged("request", correlation_id=play_id)
    assert (line["audience"], line["route"], line["status"]) == ("client", "/api/v1/client/play", 200)
    (metric,) = captured.metrics("Plays", service=telemetry.HUB)
    assert metric["Plays"] == [1.0] and only_service_dimension(metric)

    # a sweep's re-drive: its own correlation id, and the play's beside it
    contract = store.load(session_id, contract_id)
    assert contract is not None
    assert executions._origin_correlation_id(contract) == play_id
    with telemetry.correlated("sweep-run-1"):
        redrive = executions.execution_input(contract, "settle", origin_correlation_id=play_id)
    assert (redrive["correlation_id"], redrive["origin_correlation_id"]) == ("sweep-run-1", play_id)
    out = captured.text()
    assert token not in out and login.json()["auth_token"] not in out and operator.wallet_secret not in out


def _bridge_bet(running: RunningStack, suffix: str) -> tuple[str, dict[str, Any]]:
    """A bet of 1.00 through the account bridge for a new player funded with 5.00: path, body."""
    user = new_player(running)
    fund(running, user, "5.00")
    tid = f"stp_{uuid.uuid4().hex}"
    body = {
        "transaction_id": tid,
        "user_id": user,
        "type": "instant_win.play",
        "data": {"contract_id": f"con_{suffix}", "session_id": f"ses_{suffix}"},
        "prev_transactions": [],
        "transactions": [{"id": f"t1-{tid}", "account_id": "real", "amount": "-1.00", "data": {}}],
    }
    return "/api/v1/bridge/demo/create_transaction", body


def test_a_bridge_play_counts_a_bet_of_the_bridge(running: RunningStack, captured: Capture) -> None:
    path, body = _bridge_bet(running, "x")
    headers = {**signed("demo-operator", WALLET_SECRET, "POST", path, body), "X-Correlation-Id": "hub-play-7"}
    response, request_id = invoke(running, "POST", path, body, headers)
    assert response["statusCode"] == 200, response["body"]
    (line,) = captured.logged("request", correlation_id=request_id)
    assert (line["audience"], line["service"], line["caller"]) == ("bridge", "bridge", "operator:demo")
    assert line["caller_correlation_id"] == "hub-play-7"
    (metric,) = captured.metrics("Bets", service=telemetry.BRIDGE)
    assert metric["Bets"] == [1.0] and only_service_dimension(metric)
    assert headers["X-Signature"] not in captured.text()


# ---------------------------------------------------------------- errors, schedules, failing metrics
def test_a_5xx_is_a_request_error_of_its_service(
    running: RunningStack, captured: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("status store down")

    monkeypatch.setattr(ops_status, "report", broken)
    response, request_id = invoke(running, "GET", f"{ADMIN}/status", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert response["statusCode"] == 500 and header_of(response) == request_id
    (line,) = captured.logged("request", correlation_id=request_id)
    assert (line["status"], line["error_code"], line["service"]) == (500, "internal", "admin")
    (metric,) = captured.metrics("RequestErrors", service=telemetry.ADMIN)
    assert only_service_dimension(metric)


def test_a_schedule_run_logs_one_line_and_a_failed_run_counts_a_schedule_failure(
    running: RunningStack, captured: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep, "run", lambda remaining_ms=None, now=None: {"redriven": 1, "waiting": 0})
    assert running.invoke("ContractSweepFunction", {})["redriven"] == 1
    (ok,) = captured.logged("schedule run", schedule="contract_sweep", outcome="ok")
    assert ok["correlation_id"].startswith("sweep-") and ok["result"] == {"redriven": 1, "waiting": 0}
    assert not captured.metrics("ScheduleFailures")

    def broken(remaining_ms: Any = None, now: Any = None) -> dict[str, Any]:
        raise RuntimeError("index unavailable")

    monkeypatch.setattr(sweep, "run", broken)
    with pytest.raises(RuntimeError):
        running.invoke("ContractSweepFunction", {})
    (failed,) = captured.logged("schedule run", schedule="contract_sweep", outcome="failed")
    assert failed["error_type"] == "RuntimeError"
    (metric,) = captured.metrics("ScheduleFailures", service=telemetry.SCHEDULES)
    assert only_service_dimension(metric)
    runs = captured.metrics("ScheduleRuns", service=telemetry.SCHEDULES, schedule="contract_sweep")
    assert sorted(m["outcome"] for m in runs) == ["failed", "ok"]


def test_a_failed_game_list_sync_counts_sync_results_and_a_schedule_failure(captured: Capture) -> None:
    records = [{"provider": "tlt", "outcome": "ok"}, {"provider": "other", "outcome": "failed"}]
    with telemetry.schedule_run("game_list_sync", SimpleNamespace(aws_request_id="r-1"), "sync") as run:
        telemetry.sync_results(records)
        run.result({"synced": 2, "failed": 1})
    (failed,) = captured.metrics("SyncResults", service=telemetry.SCHEDULES, outcome="failed")
    (ok,) = captured.metrics("SyncResults", service=telemetry.SCHEDULES, outcome="ok")
    assert failed["SyncResults"] == [1.0] and ok["SyncResults"] == [1.0]
    assert sorted(failed["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]) == ["outcome", "service"]
    (metric,) = captured.metrics("ScheduleFailures", service=telemetry.SCHEDULES)
    assert only_service_dimension(metric)
    (line,) = captured.logged("schedule run", schedule="game_list_sync")
    assert (line["outcome"], line["correlation_id"]) == ("failed", "sync-r-1")


def test_a_failing_metrics_emitter_never_fails_a_request(
    running: RunningStack,
    provider: ProviderClient,  # noqa: F811 - the fixture imported above
    captured: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from casino import telemetry

    def broken(line: str) -> None:
        raise RuntimeError("EMF unavailable")

    monkeypatch.setattr(telemetry, "_publish", broken)
    player = make_player(running, real="5.00")
    response, request_id = _callback(running, provider, bet(player, Decimal("1.00")))
    assert json.loads(response["body"])["status"] == "OK"
    assert captured.logged("provider callback", correlation_id=request_id)
    path, body = _bridge_bet(running, "y")
    bridged, _ = invoke(running, "POST", path, body, signed("demo-operator", WALLET_SECRET, "POST", path, body))
    assert bridged["statusCode"] == 200, bridged["body"]
    assert captured.logged("metrics not emitted")
    assert not [line for line in captured.lines() if "_aws" in line]
