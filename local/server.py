"""HTTP on 127.0.0.1: API Gateway REST proxy events to the template's handlers; schedules on timers.

Shutdown (SIGINT/SIGTERM): stop accepting, let in-flight requests finish (bounded, default
10 s), stop the timers, exit 0.
"""

from __future__ import annotations

import base64
import gzip
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.serving import BaseWSGIServer, make_server

from local import template as tpl
from local.stack import ACCOUNT, LOCAL_STAGE, REGION, LocalStack

StartResponse = Callable[..., Any]
LocalRoute = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


def proxy_event(
    route: tpl.Route,
    method: str,
    path: str,
    path_params: dict[str, str],
    headers: list[tuple[str, str]],
    query: str,
    body: bytes,
    source_ip: str,
) -> dict[str, Any]:
    """The API Gateway REST (v1) proxy event the deployed API would send."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    pairs = parse_qsl(query, keep_blank_values=True)
    q_single: dict[str, str] = {}
    q_multi: dict[str, list[str]] = {}
    for name, value in pairs:
        q_single[name] = value
        q_multi.setdefault(name, []).append(value)
    try:
        text: str | None = body.decode("utf-8") if body else None
        encoded = False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    now = int(time.time() * 1000)
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": method,
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": q_single or None,
        "multiValueQueryStringParameters": q_multi or None,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "resourcePath": route.path,
            "httpMethod": method,
            "path": f"/{LOCAL_STAGE}{path}",
            "stage": LOCAL_STAGE,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": now,
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": source_ip, "userAgent": single.get("User-Agent")},
            "domainName": "127.0.0.1",
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


class Gateway:
    """A WSGI app that plays API Gateway in front of the template's functions."""

    def __init__(self, stack: LocalStack, local_routes: dict[str, LocalRoute] | None = None):
        self.stack = stack
        self.routes = [(fn.logical_id, r) for fn in stack.functions.values() for r in fn.routes]
        self.local_routes = local_routes or {}
        self.compress_from = tpl.minimum_compression_size(stack.doc)
        self._in_flight = 0
        self._lock = threading.Condition()
        self.accepting = True

    def find(self, method: str, path: str) -> tuple[str, tpl.Route, dict[str, str]] | None:
        for logical, route in self.routes:
            match = route.pattern.match(path)
            if match and route.method in (method, "ANY"):
                return logical, route, match.groupdict()
        return None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        with self._lock:
            if not self.accepting:
                return self._answer(
                    start_response,
                    503,
                    {"Content-Type": "application/json"},
                    b'{"error":{"code":"upstream_unavailable","message":"shutting down"}}',
                )
            self._in_flight += 1
        try:
            return self._serve(environ, start_response)
        finally:
            with self._lock:
                self._in_flight -= 1
                self._lock.notify_all()

    def drain(self, timeout_s: float) -> bool:
        """Refuse new requests and wait for in-flight ones; True if all finished in time."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            self.accepting = False
            while self._in_flight > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def _serve(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"].upper()
        path = environ.get("PATH_INFO") or "/"
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = [
            (key[5:].replace("_", "-").title(), value) for key, value in environ.items() if key.startswith("HTTP_")
        ]
        if environ.get("CONTENT_TYPE"):
            headers.append(("Content-Type", environ["CONTENT_TYPE"]))
        for prefix, local in self.local_routes.items():
            if path.startswith(prefix):
                rest = path[len(prefix) :]
                if environ.get("QUERY_STRING"):  # a local route reads its query after a '?'
                    rest += "?" + environ["QUERY_STRING"]
                status, out_headers, out = local(method, rest, dict(headers), body)
                return self._answer(start_response, status, out_headers, out)
        found = self.find(method, path)
        if found is None:
            return self._answer(
                start_response,
                404,
                {"Content-Type": "application/json"},
                b'{"error":{"code":"not_found","message":"no such route"}}',
            )
        logical, route, params = found
        event = proxy_event(
            route,
            method,
            path,
            params,
            headers,
            environ.get("QUERY_STRING", ""),
            body,
            environ.get("REMOTE_ADDR", "127.0.0.1"),
        )
        try:
            result = self.stack.invoke(logical, event)
        except Exception:  # API Gateway answers 502 when the function itself fails
            import traceback  # noqa: PLC0415

            traceback.print_exc()
            return self._answer(
                start_response,
                502,
                {"Content-Type": "application/json"},
                b'{"message":"Internal server error"}',
            )
        accepts_gzip = "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")
        return self._lambda_answer(start_response, result, accepts_gzip)

    def _lambda_answer(
        self, start_response: StartResponse, result: dict[str, Any], accepts_gzip: bool = False
    ) -> Iterable[bytes]:
        status = int(result.get("statusCode", 200))
        headers: list[tuple[str, str]] = list((result.get("headers") or {}).items())
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers.extend((name, v) for v in values)
        raw = result.get("body") or ""
        out = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode("utf-8")
        encoded = any(name.lower() == "content-encoding" for name, _ in headers)
        if accepts_gzip and not encoded and self.compress_from is not None and len(out) >= self.compress_from:
            out = gzip.compress(out, mtime=0)  # as API Gateway's MinimumCompressionSize does
            headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
            headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        start_response(f"{status} {_reason(status)}", headers)
        return [out]

    def _answer(
        self, start_response: StartResponse, status: int, headers: dict[str, str], body: bytes
    ) -> Iterable[bytes]:
        start_response(f"{status} {_reason(status)}", list(headers.items()))
        return [body]


def _reason(status: int) -> str:
    from http import HTTPStatus  # noqa: PLC0415

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def scheduled_event(rule: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"],
        "detail": {},
    }


class Schedules:
    """EventBridge rate() schedules as timer threads (moto stores rules but never fires them)."""

    def __init__(self, stack: LocalStack, rate_scale: float = 1.0, log: Callable[[str], None] = print):
        self.stack = stack
        self.rate_scale = max(rate_scale, 0.001)
        self.log = log
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def jobs(self) -> list[tuple[str, float]]:
        answer = []
        for fn in self.stack.functions.values():
            for expression in fn.schedules:
                seconds = tpl.rate_seconds(str(self.stack.resolve(expression))) / self.rate_scale
                answer.append((fn.logical_id, seconds))
        return answer

    def start(self, *, fire_at_start: bool = True) -> None:
        for logical, period in self.jobs():
            thread = threading.Thread(
                target=self._loop,
                args=(logical, period, fire_at_start),
                name=f"schedule-{logical}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def _loop(self, logical: str, period: float, fire_at_start: bool) -> None:
        if not fire_at_start and self._stop.wait(period):
            return
        while not self._stop.is_set():
            try:
                result = self.stack.invoke(logical, scheduled_event(logical))
                self.log(f"[schedule] {logical}: {json.dumps(result, default=str)}")
            except Exception as exc:
                self.log(f"[schedule] {logical} failed: {type(exc).__name__}: {exc}")
            if self._stop.wait(period):
                return

    def halt(self) -> None:
        """No schedule fires after this (a run under way finishes)."""
        self._stop.set()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout_s)


def serve(gateway: Gateway, host: str, port: int) -> BaseWSGIServer:
    server = make_server(host, port, gateway, threaded=True)
    server.daemon_threads = True  # type: ignore[attr-defined]  # a ThreadingMixIn server
    return server
