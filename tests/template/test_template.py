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


def test_outputs_give_the_api_url_tables_and_state_machine() -> None:
    outputs = DOC["Outputs"]
    assert {
        "ApiUrl",
        "WalletTableName",
        "HubTableName",
        "RegistryTableName",
        "ContractStateMachineArn",
    } <= set(outputs)


def test_the_api_is_throttled() -> None:
    api = RESOURCES["PlatformApi"]["Properties"]
    setting = api["MethodSettings"][0]
    assert setting["ThrottlingRateLimit"] and setting["ThrottlingBurstLimit"]
