"""HTTP on 127.0.0.1: API Gateway proxy events to the template's handlers; schedules on timers.

Each route is answered as its API would: the REST API's proxy event, and an HTTP API's payload
format 1.0 (the same event, with ``version``); a method a path does not declare is answered as that
API answers it; only a REST API with ``MinimumCompressionSize`` gzips.

Shutdown (SIGINT/SIGTERM): stop accepting, let in-flight requests finish (bounded, default
10 s), stop the timers, exit 0.
"""

from __future__ import annotations

import base64
import gzip
import importlib.util
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.serving import BaseWSGIServer, make_server

from local import template as tpl
from local.stack import ACCOUNT, LOCAL_STAGE, REGION, LocalStack

StartResponse = Callable[..., Any]
# What API Gateway (REST) answers for a method a resource does not declare.
MISSING_TOKEN_BODY = b'{"message":"Missing Authentication Token"}'
MISSING_TOKEN_HEADERS = {"Content-Type": "application/json", "x-amzn-ErrorType": "MissingAuthenticationTokenException"}
# What an HTTP API answers for a request no route matches (a method its path does not declare too).
NOT_FOUND_BODY = b'{"message":"Not Found"}'
NOT_FOUND_HEADERS = {"Content-Type": "application/json"}
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
    """The proxy event the deployed API would send: a REST API's, or an HTTP API's in payload format
    1.0 (the same fields, and ``version``)."""
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
    version = {"version": "1.0"} if route.kind == tpl.HTTP else {}
    return {
        **version,
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
        self.local_routes = {DOCS_PREFIX: docs_route(), **(local_routes or {})}
        self.compress_from = {api: tpl.minimum_compression_size(stack.doc, api) for api in tpl.apis(stack.doc)}
        self._in_flight = 0
        self._lock = threading.Condition()
        self.accepting = True

    def find(self, method: str, path: str) -> tuple[str, tpl.Route, dict[str, str]] | None:
        for logical, route in self.routes:
            match = route.pattern.match(path)
            if match and route.method in (method, "ANY"):
                return logical, route, match.groupdict()
        return None

    def known_path(self, path: str) -> tpl.Route | None:
        """A route of the template that serves ``path`` (with whatever method), if any."""
        return next((route for _, route in self.routes if route.pattern.match(path)), None)

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
        # WSGI hands the path's bytes as latin-1 (PEP 3333); API Gateway hands the function UTF-8 text
        path = (environ.get("PATH_INFO") or "/").encode("latin-1").decode("utf-8", "replace")
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
        known = self.known_path(path) if found is None else None
        if known is not None and known.kind == tpl.HTTP:
            # An HTTP API matches routes by method and path: anything else is its 404 "Not Found".
            return self._answer(start_response, 404, NOT_FOUND_HEADERS, NOT_FOUND_BODY)
        if known is not None:
            # API Gateway (REST) answers a method the resource does not declare before any function
            # runs: 403 "Missing Authentication Token", never a 405 (nor an Allow header).
            return self._answer(start_response, 403, MISSING_TOKEN_HEADERS, MISSING_TOKEN_BODY)
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
        return self._lambda_answer(start_response, result, accepts_gzip, self.compress_from.get(route.api))

    def _lambda_answer(
        self,
        start_response: StartResponse,
        result: dict[str, Any],
        accepts_gzip: bool = False,
        compress_from: int | None = None,
    ) -> Iterable[bytes]:
        status = int(result.get("statusCode", 200))
        headers: list[tuple[str, str]] = list((result.get("headers") or {}).items())
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers.extend((name, v) for v in values)
        raw = result.get("body") or ""
        out = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode("utf-8")
        encoded = any(name.lower() == "content-encoding" for name, _ in headers)
        if accepts_gzip and not encoded and compress_from is not None and len(out) >= compress_from:
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


# ---------------------------------------------------------------- /docs: the OpenAPI documents, browsable
DOCS_PREFIX = "/docs"
OPENAPI_DIR = tpl.ROOT / "docs" / "openapi"
# Swagger UI 5 (OpenAPI 3.1), from the swagger-ui-py package's own copy: nothing is fetched from a CDN.
SWAGGER_FILES = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "index.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
DOCUMENT_ORDER = ("provider", "hub", "client", "bridge", "admin", "sports")
# The page may reach this origin only (no CDN, no validator badge, no font service).
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_DOCUMENT = re.compile(r"^/openapi/([a-z]+)\.json$")

DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Casino platform: API documents</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="stylesheet" href="/docs/index.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
<noscript><ul>{links}</ul></noscript>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/docs-init.js"></script>
</body>
</html>
"""


def swagger_ui_dir() -> Path | None:
    """The static folder of the swagger-ui-py package (found, not imported), if installed."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def _documents(folder: Path) -> list[tuple[str, str]]:
    """(name, title) of each document in ``folder``, in the platform's order."""
    found = []

    def rank(path: Path) -> tuple[int, str]:
        known = path.stem in DOCUMENT_ORDER
        return (DOCUMENT_ORDER.index(path.stem) if known else len(DOCUMENT_ORDER), path.stem)

    for path in sorted(folder.glob("*.json"), key=rank):
        try:
            title = str(json.loads(path.read_text(encoding="utf-8"))["info"]["title"])
        except (OSError, ValueError, KeyError, TypeError):
            title = path.stem
        found.append((path.stem, title))
    return found


def docs_route(openapi_dir: Path = OPENAPI_DIR, assets_dir: Path | None = None) -> LocalRoute:
    """``/docs``: Swagger UI over the documents of ``python -m local.openapi`` (``docs/openapi``),
    ``/docs/openapi/<name>.json`` the documents themselves, and Swagger UI's own files; offline."""
    assets = assets_dir if assets_dir is not None else swagger_ui_dir()

    def serve_docs(method: str, rest: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        path = rest.split("?", 1)[0]
        if method not in ("GET", "HEAD"):
            return 405, {"Content-Type": "text/plain; charset=utf-8", "Allow": "GET, HEAD"}, b"method not allowed"
        plain = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        documents = _documents(openapi_dir)
        if path in ("", "/"):
            links = "".join(f'<li><a href="/docs/openapi/{n}.json">{t}</a></li>' for n, t in documents)
            page = DOCS_PAGE.replace("{links}", links).encode()
            return 200, {**plain, "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": DOCS_CSP}, page
        if path == "/docs-init.js":
            urls = [{"url": f"/docs/openapi/{n}.json", "name": f"{n}: {t}"} for n, t in documents]
            config = {
                "urls": urls,
                "urls.primaryName": urls[0]["name"] if urls else "",
                "dom_id": "#swagger-ui",
                "deepLinking": True,
                "validatorUrl": None,
                "layout": "StandaloneLayout",
            }
            script = (
                "window.onload = function () {\n"
                f"  const config = {json.dumps(config, indent=2)};\n"
                "  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset];\n"
                "  config.plugins = [SwaggerUIBundle.plugins.DownloadUrl];\n"
                "  window.ui = SwaggerUIBundle(config);\n"
                "};\n"
            )
            return 200, {**plain, "Content-Type": "text/javascript; charset=utf-8"}, script.encode()
        match = _DOCUMENT.match(path)
        if match and match.group(1) in {n for n, _ in documents}:
            text = (openapi_dir / f"{match.group(1)}.json").read_bytes()
            return 200, {**plain, "Content-Type": "application/json"}, text
        name = path.removeprefix("/")
        if name in SWAGGER_FILES and assets is not None and (assets / name).is_file():
            return 200, {**plain, "Content-Type": SWAGGER_FILES[name]}, (assets / name).read_bytes()
        return 404, {"Content-Type": "text/plain; charset=utf-8"}, b"not found"

    return serve_docs


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
