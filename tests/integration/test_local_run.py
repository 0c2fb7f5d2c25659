"""`make run` itself: a subprocess serving the template on loopback, stopped by a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import pytest

from local.server import Gateway
from tests.conftest import ROOT, RunningStack, event, free_port


def _start(port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PORT": str(port), "RATE_SCALE": "60", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "local"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_ready(port: int, proc: subprocess.Popen[str], timeout_s: float = 60) -> list[str]:
    """Read the output until the start-up banner is complete (seeding done); returns the lines."""
    lines: list[str] = []
    done = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "[local] state machine:" in line:
                done.set()
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(timeout_s), "".join(lines)
    assert proc.poll() is None, "".join(lines)
    return lines


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_make_run_serves_and_stops_cleanly_on_a_signal(signum: int) -> None:
    port = free_port()
    proc = _start(port)
    try:
        lines = _wait_ready(port, proc)
        status = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/admin/status",
            headers={"Authorization": "Bearer local-admin-key"},
        )
        assert status.status_code == 200
        proc.send_signal(signum)
        started = time.monotonic()
        code = proc.wait(timeout=12)
        assert code == 0
        assert time.monotonic() - started < 10
        time.sleep(0.2)  # the reader thread takes the last lines
        output = "".join(lines)
        assert f"http://127.0.0.1:{port}/api/v1/provider/{{provider}}/ping" in output
        assert "local-admin-key" in output and "tlt-demo-secret" in output
        assert "stopped" in output
        assert "game session token for player-1 on tlt" in output
    finally:
        if proc.poll() is None:
            proc.kill()


def test_draining_lets_an_in_flight_request_finish_and_refuses_new_ones(running: RunningStack) -> None:
    gateway: Gateway = running.gateway
    release = threading.Event()
    entered = threading.Event()
    answers: list[Any] = []

    def slow(evt: dict[str, Any], context: Any) -> dict[str, Any]:
        entered.set()
        release.wait(5)
        return {"statusCode": 200, "body": "{}"}

    with running.stack.replaced("AdminStatusFunction", slow):
        worker = threading.Thread(
            target=lambda: answers.append(httpx.get(f"{running.base_url}/api/v1/admin/status", timeout=10))
        )
        worker.start()
        assert entered.wait(10)  # the request is in flight (no sleep: a loaded machine is slow)
        drained: list[bool] = []
        drainer = threading.Thread(target=lambda: drained.append(gateway.drain(5)))
        drainer.start()
        time.sleep(0.2)
        refused = httpx.get(f"{running.base_url}/api/v1/admin/status", timeout=5)
        release.set()
        worker.join(10)
        drainer.join(10)
    gateway.accepting = True
    assert refused.status_code == 503
    assert answers and answers[0].status_code == 200
    assert drained == [True]
    assert running.invoke("AdminStatusFunction", event("admin/status.json"))["statusCode"] == 200
