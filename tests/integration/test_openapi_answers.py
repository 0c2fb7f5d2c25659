"""The OpenAPI documents against the answers the code really gives: for every operation of every
document, a few refused requests built from the document itself (no credentials, a body that is not
JSON, a parameter past its documented bound, an id that does not exist), each answered with a status
the operation documents and a body valid against the schema documented for that status. And /docs:
Swagger UI over the documents, served offline by the local stack."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.error import HTTPError

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from casino.hub import app_auth
from local import openapi
from local import sports_feeds as local_feeds
from local.server import proxy_event
from tests.conftest import ADMIN_KEY, RunningStack

Json = dict[str, Any]
NAMES = ("provider", "hub", "client", "bridge", "admin", "sports")
SEEDED = openapi.SEEDED
DEMO = SEEDED["operators"][0]
TLT = SEEDED["providers"][0]
FEED = local_feeds.FEEDS[0]
# Path parameters the authorisers read (the bridge's operator, the feed's code, the provider);
# any other is a value nothing has.
PATH_VALUES = {"operator": DEMO["code"], "provider": TLT["code"], "code": FEED["code"]}
MISSING = "openapi-missing-1"
BASE = "urn:casino:openapi"


def load(name: str) -> Json:
    document: Json = json.loads((openapi.OUT_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return document


@dataclass
class Case:
    """One request and what the document must say of its answer."""

    document: str
    method: str
    template: str
    why: str
    expected: int
    path_values: dict[str, str] = field(default_factory=dict)
    query: str = ""
    body: bytes = b""
    credentials: bool = True
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return re.sub(
            r"\{([^}]+)\}",
            lambda m: self.path_values.get(m.group(1), PATH_VALUES.get(m.group(1), MISSING)),
            self.template,
        )

    def __str__(self) -> str:
        return f"{self.document}: {self.method} {self.template} ({self.why})"


def operations(document: Json) -> Iterator[tuple[str, str, Json]]:
    for path, item in document["paths"].items():
        for method, op in item.items():
            yield method.upper(), path, op


def cases() -> Iterator[Case]:
    """From the documents: for each operation, what it must refuse and how."""
    for name in NAMES:
        document = load(name)
        for method, path, op in operations(document):
            responses = op["responses"]
            if name == "provider":
                yield Case(name, method, path, "unknown provider", 404, {"provider": MISSING}, body=b"{}")
                if method == "POST":
                    yield Case(name, method, path, "not an envelope", 400, body=b"[1, 2")
                    command = path.rsplit("/", 1)[-1]
                    envelope = {"command": command, "request_timestamp": "0", "hash": "0" * 40, "data": {}}
                    yield Case(name, method, path, "wrong signature", 401, body=json.dumps(envelope).encode())
                else:
                    yield Case(name, method, path, "no signature", 401, credentials=False)
                continue
            if path == "/play/{asset}":
                yield Case(name, method, path, "no such file", 404, {"asset": "missing.js"})
                continue
            if not op.get("security") and "requestBody" not in op:
                continue
            if op.get("security"):
                yield Case(name, method, path, "no credentials", 401, body=b"{}", credentials=False)
            if "requestBody" in op:
                yield Case(name, method, path, "body not JSON", 400, body=b'{"a":')
            bounded = [p for p in op.get("parameters", []) if p["in"] == "query" and "minimum" in p["schema"]]
            for param in bounded[:1]:
                below = param["schema"]["minimum"] - 1
                yield Case(
                    name, method, path, f"{param['name']} below its minimum", 400, query=f"{param['name']}={below}"
                )
            if method == "GET" and "404" in responses and "{" in path:
                yield Case(name, method, path, "no such id", 404)


ALL = list(cases())


@pytest.fixture(scope="module")
def auth(running: RunningStack) -> dict[str, str]:
    """A client session's auth token (a session the demo operator opens, logged in)."""
    body = json.dumps({"user_id": "player-1", "currency": "EUR"})
    status, answer = running.call(
        "POST",
        "/api/v1/hub/create_session",
        json.loads(body),
        admin_key=None,
        headers=app_auth.headers(DEMO["app_id"], DEMO["app_secret"], "POST", "create_session", body),
    )
    assert status == 200, answer
    token = answer["client_url"].split("token=", 1)[1]
    status, answer = running.call("POST", "/api/v1/client/login", {"client_token": token}, admin_key=None)
    assert status == 200, answer
    return {"Authorization": f"Bearer {answer['auth_token']}"}


def credentials(case: Case, op: Json, client: dict[str, str]) -> dict[str, str]:
    """The headers that authenticate the request as the document's scheme says."""
    if case.document == "provider" or not op.get("security"):
        return {}
    scheme = next(iter(op["security"][0]))
    if scheme == "AdminKey":
        return {"Authorization": f"Bearer {ADMIN_KEY}"}
    if scheme == "ClientSession":
        return client
    endpoint = app_auth.endpoint_of(case.path)
    if case.document == "bridge":
        return app_auth.headers(DEMO["app_id"], DEMO["wallet_secret"], case.method, endpoint, case.body)
    if case.template.startswith("/api/v1/sports/feeds/"):
        return app_auth.headers(FEED["code"], FEED["secret"], case.method, endpoint, case.body)
    return app_auth.headers(DEMO["app_id"], DEMO["app_secret"], case.method, endpoint, case.body)


def send(running: RunningStack, case: Case, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    found = running.gateway.find(case.method, case.path)
    assert found is not None, f"no route for {case}"
    logical, route, params = found
    event = proxy_event(
        route, case.method, case.path, params, list(headers.items()), case.query, case.body, "127.0.0.1"
    )
    answer = running.invoke(logical, event)
    out = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
    for k, values in (answer.get("multiValueHeaders") or {}).items():
        out[k.lower()] = values[-1]
    return int(answer["statusCode"]), out, answer.get("body") or ""


def documented(document: Json, node: Json) -> tuple[Json, str]:
    """A response object, its $ref followed, and its JSON pointer in the document."""
    pointer = ""
    while "$ref" in node:
        pointer = node["$ref"].removeprefix("#")
        target: Any = document
        for part in pointer.lstrip("/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node, pointer


def escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


@pytest.mark.parametrize("case", ALL, ids=str)
def test_a_refused_request_is_answered_as_documented(
    running: RunningStack, request: pytest.FixtureRequest, case: Case
) -> None:
    document = load(case.document)
    op = document["paths"][case.template][case.method.lower()]
    headers = {"Content-Type": "application/json", **case.headers}
    if case.credentials:
        client = request.getfixturevalue("auth") if case.document == "client" else {}
        headers.update(credentials(case, op, client))
    status, answer_headers, text = send(running, case, headers)
    assert status == case.expected, f"{case}: {status} {text[:300]}"
    assert str(status) in op["responses"], f"{case}: {status} is not documented ({sorted(op['responses'])})"
    response, pointer = documented(document, op["responses"][str(status)])
    if not pointer:
        pointer = f"/paths/{escape(case.template)}/{case.method.lower()}/responses/{status}"
    kind = answer_headers.get("content-type", "").split(";")[0]
    content = {k.split(";")[0]: k for k in response.get("content", {})}
    assert kind in content, f"{case}: answered {kind}, documented {sorted(content)}"
    for name, header in response.get("headers", {}).items():
        if documented(document, header)[0].get("required"):
            assert name.lower() in answer_headers, f"{case}: no {name} header"
    if kind != "application/json":
        return
    body = json.loads(text)
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(BASE, resource)
    schema_at = f"{BASE}#{pointer}/content/{escape(content[kind])}/schema"
    errors = sorted(Draft202012Validator({"$ref": schema_at}, registry=registry).iter_errors(body), key=str)
    assert not errors, f"{case}: {body} does not match its documented schema: {errors[0].message}"


def test_the_set_covers_every_document_and_each_kind_of_refusal() -> None:
    assert {c.document for c in ALL} == set(NAMES)
    assert {c.expected for c in ALL} >= {400, 401, 404}
    assert len(ALL) < 250  # bounded: a representative set, not a fuzz run


# ---------------------------------------------------------------- /docs (Swagger UI, offline)
def get(running: RunningStack, path: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(running.base_url + path, timeout=10) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except HTTPError as refused:
        return refused.code, {k.lower(): v for k, v in refused.headers.items()}, refused.read()


def test_docs_serves_swagger_ui_from_local_files_only(running: RunningStack) -> None:
    status, headers, page = get(running, "/docs")
    assert status == 200 and headers["content-type"].startswith("text/html")
    html = page.decode()
    assert "http://" not in html and "https://" not in html and "//" not in html.replace("<!DOCTYPE html>", "")
    referenced = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert referenced and all(ref.startswith("/docs/") for ref in referenced), referenced
    for ref in referenced:
        status, _, asset = get(running, ref)
        assert status == 200 and asset, ref
    assert "connect-src 'self'" in headers["content-security-policy"]
    status, _, script = get(running, "/docs/docs-init.js")
    assert status == 200
    urls = re.findall(r'"url": "([^"]+)"', script.decode())
    assert urls == [f"/docs/openapi/{name}.json" for name in NAMES]
    assert '"validatorUrl": null' in script.decode()  # no badge fetched from validator.swagger.io
    status, _, bundle = get(running, "/docs/swagger-ui-bundle.js")
    assert status == 200 and b"SwaggerUIBundle" in bundle


@pytest.mark.parametrize("name", NAMES)
def test_docs_serves_each_document(running: RunningStack, name: str) -> None:
    status, headers, text = get(running, f"/docs/openapi/{name}.json")
    assert status == 200 and headers["content-type"] == "application/json"
    assert text == (openapi.OUT_DIR / f"{name}.json").read_bytes()


def test_docs_serves_nothing_else(running: RunningStack) -> None:
    for path in ("/docs/openapi/../../pyproject.toml", "/docs/openapi/nope.json", "/docs/swagger-editor.js", "/docs/x"):
        status, _, _ = get(running, path)
        assert status == 404, path
