"""Fixtures: the local stack built from template.yaml (moto in-process), seeded as `make run` seeds it."""

from __future__ import annotations

import copy
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import local  # noqa: F401 - puts the shared layer on sys.path, as Lambda does
from local import seed as local_seed
from local.server import Gateway, proxy_event, serve
from local.stack import LocalStack

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
ADMIN_KEY = "local-admin-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class RunningStack:
    """The local stack with its HTTP gateway listening on a free loopback port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.stack = LocalStack(public_base_url=self.base_url).start()
        self.seeded = local_seed.seed(self.stack)
        self.gateway = Gateway(self.stack, {local_seed.PLATFORM_PREFIX: local_seed.provider_platform(self.seeded.data)})
        self.server = serve(self.gateway, "127.0.0.1", self.port)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        return self.stack.invoke(logical_id, event)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        admin_key: str | None = ADMIN_KEY,
        headers: dict[str, str] | None = None,
        query: str = "",
        source_ip: str = "127.0.0.1",
    ) -> tuple[int, Any]:
        """A request through the template's routes, as API Gateway would deliver it (from
        ``source_ip``, as ``requestContext.identity.sourceIp``)."""
        found = self.gateway.find(method, path)
        assert found is not None, f"no route for {method} {path}"
        logical, route, params = found
        sent = dict(headers or {})
        if admin_key is not None:
            sent["Authorization"] = f"Bearer {admin_key}"
        raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        evt = proxy_event(route, method, path, params, list(sent.items()), query, raw, source_ip)
        response = self.invoke(logical, evt)
        text = response.get("body") or "null"
        return int(response["statusCode"]), json.loads(text)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.stack.stop()


@pytest.fixture(scope="session")
def running() -> Iterator[RunningStack]:
    stack = RunningStack()
    yield stack
    stack.close()


@contextmanager
def dynamodb_requests() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every DynamoDB request made meanwhile in this process, in order: ``(operation, its
    parameters)``, seen through botocore's event hooks (as ``bench/`` counts them) on the client
    the functions share and on any client made meanwhile."""
    import boto3

    from casino import aws

    seen: list[tuple[str, dict[str, Any]]] = []
    lock = threading.Lock()

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        with lock:
            seen.append((model.name, copy.deepcopy(params)))

    emitters = [aws.dynamodb().meta.events, boto3._get_default_session().events]
    for events in emitters:
        events.register("before-parameter-build.dynamodb", record)
    try:
        yield seen
    finally:
        for events in emitters:
            events.unregister("before-parameter-build.dynamodb", record)


def operations(seen: list[tuple[str, dict[str, Any]]]) -> dict[str, int]:
    """``{operation: how many}`` of what ``dynamodb_requests`` saw."""
    counted: dict[str, int] = {}
    for name, _ in seen:
        counted[name] = counted.get(name, 0) + 1
    return counted


@pytest.fixture(autouse=True)
def _cold_caches() -> None:
    """Each test starts as a cold execution environment would: no provider, game or secret
    kept from another test's requests (``casino.cache``: the TTL caches of nearly static records).
    Within a test they are kept, as a warm environment keeps them."""
    from casino import cache

    cache.clear_all()


@pytest.fixture(scope="session")
def stack(running: RunningStack) -> LocalStack:
    return running.stack


def event(name: str, **changes: Any) -> dict[str, Any]:
    """A sample event from events/, with top-level fields replaced."""
    data: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data.update(changes)
    return data


def with_headers(evt: dict[str, Any], **headers: str | None) -> dict[str, Any]:
    """Replace (or, with None, remove) headers in both header maps of a REST proxy event."""
    single = dict(evt.get("headers") or {})
    multi = dict(evt.get("multiValueHeaders") or {})
    for key, value in headers.items():
        name = key.replace("_", "-")
        if value is None:
            single.pop(name, None)
            multi.pop(name, None)
        else:
            single[name] = value
            multi[name] = [value]
    return {**evt, "headers": single, "multiValueHeaders": multi}


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])
