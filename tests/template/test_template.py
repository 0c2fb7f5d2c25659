"""template.yaml checks: what cfn-lint and `sam validate` let through."""

from __future__ import annotations

import copy
import importlib.util
import json
from typing import Any

import pytest

from local import lint_template
from local import template as tpl

DOC = tpl.load()
FUNCTIONS = tpl.functions(DOC)
RESOURCES = DOC["Resources"]
PROVIDER_PREFIX = "/api/v1/provider/"
SUPPORTED_RUNTIMES = {"python3.12", "python3.13"}  # supported by Lambda for 12+ months from now


def test_the_runtime_is_supported_and_arm64() -> None:
    glob = DOC["Globals"]["Function"]
    assert glob["Runtime"] in SUPPORTED_RUNTIMES
    assert glob["Architectures"] == ["arm64"]
    assert glob["Tracing"] == "Active"


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.logical_id)
def test_every_function_has_an_importable_handler(fn: tpl.Function) -> None:
    spec = importlib.util.spec_from_file_location(f"check_{fn.logical_id}", fn.handler_file)
    assert spec is not None and spec.loader is not None, fn.handler_file
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(getattr(module, fn.handler_name))


def test_every_api_route_is_served_by_exactly_one_function() -> None:
    routes = [(r.method, r.path) for fn in FUNCTIONS for r in fn.routes]
    assert routes and len(routes) == len(set(routes))


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.logical_id)
def test_every_function_has_its_own_policy_and_log_group_with_retention(fn: tpl.Function) -> None:
    # Declared by each function (an explicit [] for one that calls no AWS service: the page).
    assert "Policies" in RESOURCES[fn.logical_id]["Properties"], f"{fn.logical_id} declares no Policies"
    group = fn.properties["LoggingConfig"]["LogGroup"]["Ref"]
    assert RESOURCES[group]["Type"] == "AWS::Logs::LogGroup"
    assert "RetentionInDays" in RESOURCES[group]["Properties"]
    others = [f for f in FUNCTIONS if f is not fn and f.properties["LoggingConfig"]["LogGroup"]["Ref"] == group]
    assert not others, "log groups are per function"


LAMBDA_LOG_LEVELS = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}


def test_the_log_level_parameter_reaches_every_functions_logs() -> None:
    """``LogFormat: JSON`` alone leaves Lambda's application level at INFO whatever ``LogLevel`` says."""
    assert set(DOC["Parameters"]["LogLevel"]["AllowedValues"]) <= LAMBDA_LOG_LEVELS
    assert DOC["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
    for fn in FUNCTIONS:
        assert fn.properties["LoggingConfig"].get("ApplicationLogLevel") == {"Ref": "LogLevel"}, fn.logical_id


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.logical_id)
def test_no_function_has_admin_rights(fn: tpl.Function) -> None:
    text = json.dumps(fn.policies)
    assert "AdministratorAccess" not in text and '"Action": "*"' not in text and "dynamodb:*" not in text


@pytest.mark.parametrize("logical", list(tpl.resources_of_type(DOC, "AWS::DynamoDB::Table")))
def test_tables_are_retained_and_recoverable(logical: str) -> None:
    table = RESOURCES[logical]
    assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain"
    assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def _state_machines() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    answer = []
    for logical, resource in tpl.resources_of_type(DOC, "AWS::Serverless::StateMachine").items():
        text = (tpl.ROOT / resource["Properties"]["DefinitionUri"]).read_text(encoding="utf-8")
        answer.append((logical, resource, json.loads(text)))
    return answer


def _targets(states: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for name, state in states.items():
        for key in ("Next", "Default"):
            if key in state:
                found.append((name, state[key]))
        found += [(name, c["Next"]) for c in state.get("Catch", [])]
        found += [(name, c["Next"]) for c in state.get("Choices", []) if "Next" in c]
        for branch in state.get("Branches", []) + ([state["Iterator"]] if "Iterator" in state else []):
            found += _targets(branch["States"])
    return found


@pytest.mark.parametrize(("logical", "resource", "definition"), _state_machines(), ids=lambda x: str(x)[:30])
def test_every_next_default_and_catch_target_exists(logical: str, resource: Any, definition: dict[str, Any]) -> None:
    states = definition["States"]
    assert definition["StartAt"] in states
    for source, target in _targets(states):
        assert target in states, f"{logical}: {source} -> {target} names no state"


@pytest.mark.parametrize(("logical", "resource", "definition"), _state_machines(), ids=lambda x: str(x)[:30])
def test_every_substitution_is_defined_and_used(logical: str, resource: Any, definition: dict[str, Any]) -> None:
    import re

    text = json.dumps(definition)
    used = set(re.findall(r"\$\{(\w+)\}", text))
    defined = set(resource["Properties"]["DefinitionSubstitutions"])
    assert used == defined


def test_the_samtranslator_expansion_succeeds(expanded: dict[str, Any]) -> None:
    """It lints clean too: test_deploy_safety's run of cfn-lint with every rule (a superset of
    the default rules ``make lint`` runs) finds nothing but the argued informational rules."""
    kinds = {r["Type"] for r in expanded["Resources"].values()}
    assert {"AWS::Lambda::Function", "AWS::ApiGateway::RestApi", "AWS::StepFunctions::StateMachine"} <= kinds
    assert {"AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage"} <= kinds
    assert {"AWS::Events::Rule", "AWS::IAM::Role"} <= kinds


def test_the_expansion_catches_what_plain_cfn_lint_misses() -> None:
    """On a small template of the same form (the whole one would only make cfn-lint slower)."""
    one = copy.deepcopy(DOC["Resources"]["ProviderPingFunction"])
    one["Properties"]["Runtime"] = "python3.7"
    one["Properties"]["Policies"] = [{"DynamoDBReadPolicy": {"TableName": {"Ref": "NoSuchTable"}}}]
    one["Properties"].pop("Events", None)
    broken = {
        "AWSTemplateFormatVersion": DOC["AWSTemplateFormatVersion"],
        "Transform": DOC["Transform"],
        "Resources": {"ProviderPingFunction": one},
    }
    findings = lint_template.lint(lint_template.expand(broken))
    assert any("python3.7" in f for f in findings), findings
    assert any("NoSuchTable" in f for f in findings), findings


def test_outputs_give_the_api_urls_tables_and_state_machine() -> None:
    outputs = DOC["Outputs"]
    assert {
        "ApiUrl",
        "ProviderApiUrl",
        "WalletTableName",
        "HubTableName",
        "RegistryTableName",
        "ContractStateMachineArn",
    } <= set(outputs)
    stage_url = "https://${%s}.execute-api.${AWS::Region}.amazonaws.com/${Stage}"
    assert outputs["ApiUrl"]["Value"] == {"Fn::Sub": stage_url % "PlatformApi"}
    assert outputs["ProviderApiUrl"]["Value"] == {"Fn::Sub": stage_url % "ProviderApi"}


def test_the_apis_are_the_platforms_rest_api_and_the_providers_http_api() -> None:
    assert tpl.apis(DOC) == {"PlatformApi": tpl.REST, "ProviderApi": tpl.HTTP}


def _route_events() -> list[tuple[str, dict[str, Any]]]:
    return [
        (fn.logical_id, event)
        for fn in FUNCTIONS
        for event in RESOURCES[fn.logical_id]["Properties"].get("Events", {}).values()
        if event["Type"] in ("Api", "HttpApi")
    ]


def test_the_provider_callbacks_and_only_they_are_on_the_http_api_with_payload_1_0() -> None:
    """Payload format 1.0 is the REST proxy event the handlers read (``requestContext.identity.sourceIp``
    for the IP allow-list, the headers, the raw body, ``isBase64Encoded``); 2.0 is another shape."""
    on_http = []
    for logical, event in _route_events():
        props = event["Properties"]
        if props["Path"].startswith(PROVIDER_PREFIX):
            assert event["Type"] == "HttpApi", logical
            assert props["ApiId"] == {"Ref": "ProviderApi"}, logical
            assert props["PayloadFormatVersion"] == "1.0", logical  # a string: 1.0 as a number is refused
            on_http.append(props["Path"].removeprefix(PROVIDER_PREFIX + "{provider}/"))
        else:
            assert event["Type"] == "Api", logical
            assert props["RestApiId"] == {"Ref": "PlatformApi"}, logical
    commands = ["authenticate", "balance", "cancel", "changebalance", "finishround", "ping", "status"]
    assert sorted(on_http) == commands
    routes = [r for fn in FUNCTIONS for r in fn.routes if r.path.startswith(PROVIDER_PREFIX)]
    assert len(routes) == 7 and all((r.api, r.kind) == ("ProviderApi", tpl.HTTP) for r in routes)


def test_api_gateway_may_invoke_each_provider_callback_through_the_http_api_only(expanded: dict[str, Any]) -> None:
    body = expanded["Resources"]["ProviderApi"]["Properties"]["Body"]
    integrations = [op["x-amazon-apigateway-integration"] for item in body["paths"].values() for op in item.values()]
    assert len(integrations) == 7
    assert all(i["payloadFormatVersion"] == "1.0" and i["type"] == "aws_proxy" for i in integrations)
    rest_paths = expanded["Resources"]["PlatformApi"]["Properties"]["Body"]["paths"]
    assert not [p for p in rest_paths if p.startswith(PROVIDER_PREFIX)]
    for fn in FUNCTIONS:
        if not any(r.path.startswith(PROVIDER_PREFIX) for r in fn.routes):
            continue
        permissions = [
            r["Properties"]
            for r in expanded["Resources"].values()
            if r["Type"] == "AWS::Lambda::Permission" and r["Properties"]["FunctionName"] == {"Ref": fn.logical_id}
        ]
        assert [p["SourceArn"]["Fn::Sub"][1]["__ApiId__"] for p in permissions] == [{"Ref": "ProviderApi"}]


def test_an_http_api_event_in_payload_2_0_is_refused_locally() -> None:
    """The local gateway builds payload 1.0 only: a 2.0 route (SAM's default) must not be served as 1.0."""
    event = copy.deepcopy(RESOURCES["ProviderPingFunction"]["Properties"]["Events"]["Api"])
    del event["Properties"]["PayloadFormatVersion"]
    with pytest.raises(ValueError, match=r"PayloadFormatVersion 1\.0"):
        tpl._route("ProviderPingFunction", "Api", event)


def test_each_api_is_throttled_from_the_same_parameters() -> None:
    limits = {
        "ThrottlingRateLimit": {"Ref": "ApiThrottleRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiThrottleBurstLimit"},
    }
    (setting,) = RESOURCES["PlatformApi"]["Properties"]["MethodSettings"]
    assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")
    assert {k: setting[k] for k in limits} == limits and setting["MetricsEnabled"] is True
    routes = RESOURCES["ProviderApi"]["Properties"]["DefaultRouteSettings"]
    assert {k: routes[k] for k in limits} == limits and routes["DetailedMetricsEnabled"] is True
    assert "RouteSettings" not in RESOURCES["ProviderApi"]["Properties"], "no route escapes the stage's limits"


def test_the_local_gateway_serves_each_route_as_its_api_would() -> None:
    """Without moto: a stand-in stack records the events the gateway builds. The provider callbacks get
    payload 1.0 (the REST event, ``version`` 1.0), an undeclared method is that API's own refusal, and
    only the REST API (``MinimumCompressionSize``) gzips."""
    from types import SimpleNamespace

    from werkzeug.test import Client

    from local.server import Gateway

    events: list[tuple[str, dict[str, Any]]] = []

    def invoke(logical: str, event: dict[str, Any]) -> dict[str, Any]:
        events.append((logical, event))
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "x" * 2048}

    stack = SimpleNamespace(functions={fn.logical_id: fn for fn in FUNCTIONS}, doc=DOC, invoke=invoke)
    client = Client(Gateway(stack))  # type: ignore[arg-type]
    gzip = {"Accept-Encoding": "gzip"}
    answer = client.post("/api/v1/provider/tlt/changebalance", data=b"{}", headers=gzip)
    assert answer.status_code == 200 and "Content-Encoding" not in answer.headers
    logical, event = events[-1]
    assert logical == "ProviderChangebalanceFunction"
    assert event["version"] == "1.0" and event["pathParameters"] == {"provider": "tlt"}
    assert event["requestContext"]["identity"]["sourceIp"] and event["body"] == "{}"
    assert event["isBase64Encoded"] is False
    answer = client.get("/api/v1/admin/status", headers=gzip)
    assert answer.headers["Content-Encoding"] == "gzip"
    assert "version" not in events[-1][1]
    calls = len(events)
    wrong = client.get("/api/v1/provider/tlt/changebalance")
    assert (wrong.status_code, wrong.json) == (404, {"message": "Not Found"})
    wrong = client.delete("/api/v1/admin/status")
    assert (wrong.status_code, wrong.json) == (403, {"message": "Missing Authentication Token"})
    assert len(events) == calls, "no function ran"
