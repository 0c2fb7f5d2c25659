"""The OpenAPI documents (docs/openapi/): what the generator gives from the code, valid 3.1, exactly
the template's API routes (of both APIs: the provider callbacks' HTTP API and the REST API), and
truthful about errors (400 for bad input, never a 422 the code never answers; 401 wherever a route
authenticates). Their answers are checked against the running code in
tests/integration/test_openapi_answers.py."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest
from openapi_spec_validator import validate

from local import openapi
from local import template as tpl

Json = dict[str, Any]
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# The player's page serves static files: it reads no input (its token is read by the page's
# script, in the browser), so there is no 400 to document, and it needs no auth.
STATIC_PAGE = {("GET", "/play"), ("GET", "/play/{asset}")}


@pytest.fixture(scope="module")
def documents() -> dict[str, Json]:
    return openapi.build()


def operations(document: Json) -> Iterator[tuple[str, str, Json]]:
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield method.upper(), path, op


def resolved(document: Json, node: Json) -> Json:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def test_the_committed_documents_are_what_the_code_gives(documents: dict[str, Json]) -> None:
    """`python -m local.openapi` rewrites them; `--check` fails when they are stale."""
    expected = openapi.written(documents)
    on_disk = {p: p.read_text(encoding="utf-8") for p in openapi.OUT_DIR.glob("*.json")}
    assert sorted(on_disk) == sorted(expected), "run: python -m local.openapi"
    stale = [p.name for p, text in expected.items() if on_disk[p] != text]
    assert not stale, f"stale: {stale}; run: python -m local.openapi"


def test_one_document_per_api(documents: dict[str, Json]) -> None:
    assert list(documents) == ["provider", "hub", "client", "bridge", "admin", "sports"]


@pytest.mark.parametrize("name", ["provider", "hub", "client", "bridge", "admin", "sports"])
def test_each_document_is_valid_openapi_3_1(documents: dict[str, Json], name: str) -> None:
    document = documents[name]
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_the_paths_are_the_templates_routes_nothing_missing_nothing_extra(documents: dict[str, Json]) -> None:
    routes = {(r.method, r.path): fn for fn in tpl.functions(tpl.load()) for r in fn.routes}
    documented: dict[tuple[str, str], str] = {}
    for name, document in documents.items():
        for method, path, op in operations(document):
            assert (method, path) not in documented, f"{method} {path} in {name} and {documented[(method, path)]}"
            documented[(method, path)] = name
            fn = routes.get((method, path))
            assert fn is not None, f"{name}: {method} {path} is not a route of template.yaml"
            assert op["x-function"] == fn.logical_id
            assert fn.code_dir.parts[-2] == name, f"{method} {path}: functions/{fn.code_dir.parts[-2]}, not {name}"
    assert sorted(documented) == sorted(routes)


def test_each_documents_deployed_server_is_the_base_url_output_of_its_api(documents: dict[str, Json]) -> None:
    """The provider callbacks are on an HTTP API of their own (ProviderApiUrl); the rest on the REST API."""
    doc = tpl.load()
    apis = {name: {e.route.api for e in openapi.endpoints(doc) if e.audience == name} for name in documents}
    assert apis == {name: {"ProviderApi" if name == "provider" else "PlatformApi"} for name in documents}
    for name, document in documents.items():
        deployed = document["servers"][1]
        output = "ProviderApiUrl" if name == "provider" else "ApiUrl"
        assert deployed["description"] == f"a deployed stack (its {output} output)", name
        (api,) = apis[name]
        url = deployed["url"].replace("{api}", "${" + api + "}").replace("{region}", "${AWS::Region}")
        assert doc["Outputs"][output]["Value"] == {"Fn::Sub": url.replace("{stage}", "${Stage}")}, name


def test_no_422_anywhere(documents: dict[str, Json]) -> None:
    """Our resolver answers a validation failure with 400 and our error body: Powertools' 422
    and its HTTPValidationError are never documented."""
    for name, document in documents.items():
        text = json.dumps(document)
        assert "HTTPValidationError" not in text, name
        for method, path, op in operations(document):
            assert "422" not in op["responses"], f"{name}: {method} {path}"
        assert "422" not in document["components"].get("responses", {})


def test_400_where_an_operation_takes_input_and_401_where_it_needs_auth(documents: dict[str, Json]) -> None:
    for name, document in documents.items():
        for method, path, op in operations(document):
            if (method, path) in STATIC_PAGE:
                assert op["security"] == [] and "requestBody" not in op
                continue
            takes_input = "requestBody" in op or any(p["in"] != "header" for p in op.get("parameters", []))
            if takes_input:
                assert "400" in op["responses"], f"{name}: {method} {path} takes input but documents no 400"
            if op["security"]:
                assert "401" in op["responses"], f"{name}: {method} {path} needs auth but documents no 401"
                schemes = document["components"]["securitySchemes"]
                assert all(s in schemes for requirement in op["security"] for s in requirement)
            else:
                assert path in {
                    "/api/v1/client/login",
                    "/api/v1/client/register",
                    "/api/v1/client/password_login",
                }, f"{name}: {method} {path} documents no security"


def test_every_error_answer_is_the_error_body_with_the_codes_of_its_status(documents: dict[str, Json]) -> None:
    for name, document in documents.items():
        for method, path, op in operations(document):
            for status, answer in op["responses"].items():
                if not status.startswith(("4", "5")) or (method, path) in STATIC_PAGE:
                    continue
                schema = resolved(document, resolved(document, answer)["content"]["application/json"]["schema"])
                if name == "provider":
                    data = resolved(document, schema["properties"]["data"])
                    codes = data["properties"]["error_code"]["enum"]
                    assert schema["properties"]["status"]["enum"] == ["ERROR"]
                else:
                    error = schema["properties"]["error"]
                    assert error["required"] == ["code", "message"]
                    codes = error["properties"]["code"]["enum"]
                assert codes, f"{name}: {method} {path} {status} lists no code"


def test_the_error_codes_are_the_error_maps() -> None:
    codes = openapi.rest_codes()
    assert "validation_error" in codes[400]
    assert codes[401] == ["unauthorized"]
    assert {"conflict", "session_closed", "insufficient_funds", "limit_exceeded"} <= set(codes[409])
    assert "internal" in codes[500]
    bridge = openapi.rest_codes(openapi.bridge_http.RENAME)
    assert "validation_error" not in bridge[400] and "invalid_request" in bridge[400]
    provider = openapi.provider_codes()
    assert provider[401] == ["OP_20", "OP_21"] and provider[404] == ["OP_12"]
    assert {"OP_10", "OP_11", "OP_40", "OP_50"} <= set(provider[200])


def test_request_bodies_carry_the_codes_bounds(documents: dict[str, Json]) -> None:
    """A few bounds the fuzzing relies on, as the models and parsers give them."""
    admin = documents["admin"]["components"]["schemas"]
    assert admin["RegisterProvider"]["properties"]["secret"]["minLength"] == 8
    client = documents["client"]
    play = client["components"]["schemas"]["Play"]["properties"]["play_id"]
    assert play["pattern"] == "^[A-Za-z0-9_-]+$" and play["minLength"] == 8
    history = client["paths"]["/api/v1/client/history"]["get"]["parameters"]
    limit = next(p for p in history if p["name"] == "limit")["schema"]
    assert (limit["minimum"], limit["maximum"], limit["type"]) == (1, 100, "integer")
    bridge = documents["bridge"]["paths"]["/api/v1/bridge/{operator}/create_transaction"]["post"]
    body = bridge["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["prev_transactions"]["anyOf"][0]["maxItems"] == 20
    provider = documents["provider"]["components"]["schemas"]
    assert provider["ChangebalanceData"]["properties"]["game_id"]["maximum"] == 999_999
    assert provider["ChangebalanceData"]["then"] == {"required": ["token"]}


def test_path_parameters_are_named_as_the_template_names_them(documents: dict[str, Json]) -> None:
    for name, document in documents.items():
        for method, path, op in operations(document):
            in_path = sorted(p["name"] for p in op.get("parameters", []) if p["in"] == "path")
            expected = sorted(tpl.route_pattern(path).groupindex)
            assert in_path == expected, f"{name}: {method} {path}"


def test_each_signing_scheme_has_a_worked_example_that_verifies(documents: dict[str, Json]) -> None:
    """A request, its string to sign and its signature, recomputed here independently."""
    for name in ("hub", "bridge", "sports"):
        examples = documents[name]["x-signing"]
        assert examples
        for example in examples:
            secret = example["secret"]["value"].encode()
            expected = hmac.new(secret, example["string_to_sign"].encode(), hashlib.sha256).hexdigest()
            assert example["signature"] == expected == example["request"]["headers"]["X-Signature"]
            headers = example["request"]["headers"]
            endpoint = example["request"]["path"].rsplit("/", 1)[-1]
            assert (
                example["string_to_sign"]
                == "\n".join([headers["X-Timestamp"], headers["X-Nonce"], example["request"]["method"], endpoint])
                + "\n"
                + example["request"]["body"]
            )
            assert example["signature"] in documents[name]["info"]["description"]
    seed, mac = documents["provider"]["x-signing"]
    secret = mac["secret"]["value"]
    body = mac["request"]["body"]
    command = json.loads(body)["command"]
    timestamp = json.loads(body)["request_timestamp"]
    assert mac["strings_to_sign"]["X-Authorization"] == f"{command}\n{timestamp}\n{body}"
    assert (
        mac["request"]["headers"]["X-Authorization"]
        == hmac.new(secret.encode(), mac["strings_to_sign"]["X-Authorization"].encode(), hashlib.sha256).hexdigest()
    )
    assert json.loads(body)["hash"] == hashlib.sha1((command + timestamp + secret).encode()).hexdigest()
    seed_secret = seed["secret"]["value"]
    assert seed["request"]["headers"]["X-Authorization"] == hashlib.sha1(("balance" + seed_secret).encode()).hexdigest()
    for name in ("client", "admin"):
        assert "Authorization" in documents[name]["x-signing"][0]["request"]["headers"]


def test_security_schemes_are_documented(documents: dict[str, Json]) -> None:
    expected = {
        "provider": {"ProviderOperatorId", "ProviderAuthorization"},
        "hub": {"AppId", "AppTimestamp", "AppNonce", "AppSignature"},
        "bridge": {"AppId", "AppTimestamp", "AppNonce", "AppSignature"},
        "sports": {"AppId", "AppTimestamp", "AppNonce", "AppSignature"},
        "client": {"ClientSession"},
        "admin": {"AdminKey"},
    }
    for name, schemes in expected.items():
        assert set(documents[name]["components"]["securitySchemes"]) == schemes
