"""A template that deploys safely (issue 14): what a review of the expanded template found.

Each test names the finding it holds; docs/decisions.md gives the choices behind the numbers.
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

import pytest

import local  # noqa: F401 - the shared layer on sys.path
from local import template as tpl

DOC = tpl.load()
RESOURCES = DOC["Resources"]
PARAMS = DOC["Parameters"]
FUNCTIONS = {f.logical_id: f for f in tpl.functions(DOC)}
API_GATEWAY_TIMEOUT_S = 29  # REST API integration timeout (the default, which this API keeps); the HTTP API allows 30
ACCOUNT_CONCURRENCY = 1000  # a region's default Lambda concurrency
UNRESERVED_MINIMUM = 100  # Lambda refuses reservations that leave less unreserved
SCHEDULES = [
    "GameListSyncFunction",
    "SessionExpiryFunction",
    "ContractSweepFunction",
    "SportsFeedPullFunction",
    "TransactionsRollupFunction",
]
PROVIDER_CALLBACKS = [f for f in FUNCTIONS if f.startswith("Provider")]
TABLES = list(tpl.resources_of_type(DOC, "AWS::DynamoDB::Table"))


def _worst_timeout(fn: tpl.Function) -> int:
    """The function's timeout; a parameter's at its largest allowed value."""
    value = fn.timeout_s
    if isinstance(value, dict):
        return int(PARAMS[value["Ref"]]["MaxValue"])
    return int(value)


def _shipped_timeout(fn: tpl.Function) -> int:
    """The function's timeout as deployed by default (a parameter's default)."""
    value = fn.timeout_s
    return int(PARAMS[value["Ref"]]["Default"]) if isinstance(value, dict) else int(value)


def _default(value: Any) -> Any:
    return PARAMS[value["Ref"]]["Default"] if isinstance(value, dict) and "Ref" in value else value


# ------------------------------------------------------------------ 1. the implicit "Stage" stage
def test_sam_adds_no_stage_named_stage(expanded: dict[str, Any]) -> None:
    """Without OpenApiVersion SAM's Deployment carries ``StageName: Stage``: a second stage with every
    route, unthrottled and untraced (SAM issues #191, #2077)."""
    resources = expanded["Resources"].values()
    deployments = [r for r in resources if r["Type"] == "AWS::ApiGateway::Deployment"]
    stages = [r for r in resources if r["Type"] == "AWS::ApiGateway::Stage"]
    assert deployments and all("StageName" not in d["Properties"] for d in deployments)
    assert [s["Properties"]["StageName"] for s in stages] == [{"Ref": "Stage"}]


def test_the_http_api_has_its_named_stage_and_no_default_one(expanded: dict[str, Any]) -> None:
    """An HTTP API's ``$default`` stage would serve every route at the API's root, beside the named
    stage's limits and logs: SAM makes one only when ``StageName`` is unset, and API Gateway only for
    an API created with a ``Target`` (quick create)."""
    resources = expanded["Resources"]
    apis = {k: r for k, r in resources.items() if r["Type"] == "AWS::ApiGatewayV2::Api"}
    assert set(apis) == {"ProviderApi"}
    assert all("Target" not in r["Properties"] for r in apis.values())
    stages = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
    assert [(s["ApiId"], s["StageName"]) for s in stages] == [({"Ref": "ProviderApi"}, {"Ref": "Stage"})]
    assert stages[0]["AutoDeploy"] is True, "each deploy of the stack reaches the stage"
    assert "$default" not in json.dumps(expanded)


# ------------------------------------------------------------------ 3. timeouts
@pytest.mark.parametrize("fn", [f for f in FUNCTIONS.values() if f.routes], ids=lambda f: f.logical_id)
def test_no_api_function_outlives_api_gateway(fn: tpl.Function) -> None:
    """API Gateway answers 504 after 29 s whatever the function still does: a longer timeout only
    lets the work go on unseen. A second under it leaves the function its own answer."""
    assert _worst_timeout(fn) < API_GATEWAY_TIMEOUT_S, fn.logical_id


def test_the_game_list_syncs_fit_a_whole_fetch() -> None:
    from casino.registry import game_sync

    one_sync_ms = game_sync.FETCH_TIMEOUT_S * 1000 + game_sync.RECORD_MARGIN_MS
    on_demand = _shipped_timeout(FUNCTIONS["AdminProvidersSyncFunction"])
    assert on_demand * 1000 >= one_sync_ms + 5_000, "a whole fetch, then the writes, then the record"
    scheduled = _shipped_timeout(FUNCTIONS["GameListSyncFunction"])
    rate = tpl.rate_seconds(_default(FUNCTIONS["GameListSyncFunction"].schedules[0]))
    assert scheduled * 1000 >= 10 * one_sync_ms, "ten slow providers in one run"
    assert scheduled < rate, "one run ends before the next starts"


@pytest.mark.parametrize("logical", ["ContractPlaceBetFunction", "ContractSettleFunction", "ContractRefundBetFunction"])
def test_a_contract_wallet_task_fits_the_wallet_clients_attempts(logical: str) -> None:
    from casino.hub import wallet_client

    attempts = inspect.signature(wallet_client.call).parameters["attempts"].default
    deadline = int(PARAMS["OperatorWalletDeadlineSeconds"]["Default"])
    assert _shipped_timeout(FUNCTIONS[logical]) > attempts * deadline, logical


# ------------------------------------------------------------------ 5. concurrency
def _reservation(logical: str) -> Any:
    return RESOURCES[logical]["Properties"].get("ReservedConcurrentExecutions")


def test_changebalance_and_the_other_money_callbacks_keep_their_concurrency() -> None:
    assert _reservation("ProviderChangebalanceFunction") == {
        "Fn::If": ["ReserveChangebalance", {"Ref": "ChangebalanceReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    for logical in PROVIDER_CALLBACKS:
        if logical in ("ProviderChangebalanceFunction", "ProviderPingFunction"):
            continue
        assert _reservation(logical) == {
            "Fn::If": [
                "ReserveProviderCallbacks",
                {"Ref": "ProviderCallbackReservedConcurrency"},
                {"Ref": "AWS::NoValue"},
            ]
        }, logical


def test_every_admin_function_is_capped() -> None:
    admins = [f for f in FUNCTIONS if f.startswith("Admin")]
    assert len(admins) > 30
    for logical in admins:
        assert _reservation(logical) == {
            "Fn::If": ["CapAdmin", {"Ref": "AdminMaxConcurrency"}, {"Ref": "AWS::NoValue"}]
        }, logical


def test_zero_means_no_reservation_and_the_defaults_leave_the_account_room() -> None:
    """``ReservedConcurrentExecutions: 0`` would stop a function: 0 must mean "not set"."""
    conditions = DOC["Conditions"]
    for condition, parameter in (
        ("ReserveChangebalance", "ChangebalanceReservedConcurrency"),
        ("ReserveProviderCallbacks", "ProviderCallbackReservedConcurrency"),
        ("CapAdmin", "AdminMaxConcurrency"),
    ):
        assert conditions[condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, 0]}]}
        assert PARAMS[parameter]["MinValue"] == 0
    reserved = 0
    for logical in FUNCTIONS:
        value = _reservation(logical)
        if value is not None:
            reserved += int(_default(value["Fn::If"][1]))
    assert reserved <= (ACCOUNT_CONCURRENCY - UNRESERVED_MINIMUM) // 2, "half the account stays for the rest"
    assert reserved >= int(PARAMS["ChangebalanceReservedConcurrency"]["Default"]) > 0


# ------------------------------------------------------------------ 6. access logs
# Each API's one stage: its access log setting, and the field naming the route (no path values).
STAGES = {
    "AWS::ApiGateway::Stage": ("AccessLogSetting", {"caller", "resourcePath"}),
    "AWS::ApiGatewayV2::Stage": ("AccessLogSettings", {"routeKey"}),
}


def _stage(expanded: dict[str, Any], kind: str) -> dict[str, Any]:
    (stage,) = [r for r in expanded["Resources"].values() if r["Type"] == kind]
    return stage


@pytest.mark.parametrize("kind", list(STAGES))
def test_each_api_stage_writes_json_access_logs_without_secrets(expanded: dict[str, Any], kind: str) -> None:
    key, route_fields = STAGES[kind]
    setting = _stage(expanded, kind)["Properties"][key]
    group = setting["DestinationArn"]["Fn::GetAtt"][0]
    assert RESOURCES[group]["Type"] == "AWS::Logs::LogGroup"
    assert "RetentionInDays" in RESOURCES[group]["Properties"]
    text = setting["Format"]
    line = json.loads(re.sub(r"\$context\.[A-Za-z.]+", "x", text))
    assert {
        "requestId",
        "ip",
        "httpMethod",
        "status",
        "responseLength",
        "requestTime",
        "integrationLatency",
        *route_fields,
    } <= set(line)
    variables = set(re.findall(r"\$context\.([A-Za-z.]+)", text))
    assert not {v for v in variables if re.search(r"authorizer|header|apiKey|cognito|accessKey|path$", v)}
    assert "$input" not in text and "$stageVariables" not in text and "Authorization" not in text


def test_each_api_logs_to_a_group_of_its_own(expanded: dict[str, Any]) -> None:
    rest = _stage(expanded, "AWS::ApiGateway::Stage")["Properties"]["AccessLogSetting"]
    http = _stage(expanded, "AWS::ApiGatewayV2::Stage")["Properties"]["AccessLogSettings"]
    groups = [s["DestinationArn"]["Fn::GetAtt"][0] for s in (rest, http)]
    assert groups == ["ApiAccessLogGroup", "ProviderApiAccessLogGroup"]
    # An HTTP API's access logs are vended logs: under this prefix, the account's CloudWatch Logs
    # resource policy does not need a new entry (and grow toward its size limit) for each stack.
    name = RESOURCES["ProviderApiAccessLogGroup"]["Properties"]["LogGroupName"]["Fn::Sub"]
    assert name.startswith("/aws/vendedlogs/apigateway/${AWS::StackName}-")


def test_api_gateway_has_its_account_logging_role_before_the_stage(expanded: dict[str, Any]) -> None:
    accounts = tpl.resources_of_type(DOC, "AWS::ApiGateway::Account")
    assert len(accounts) == 1
    (name, account) = next(iter(accounts.items()))
    role = RESOURCES[account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]]
    assert role["DeletionPolicy"] == "Retain", "the account setting outlives the stack: so must its role"
    assert "AmazonAPIGatewayPushToCloudWatchLogs" in json.dumps(role["Properties"]["ManagedPolicyArns"])
    assert expanded["Resources"]["PlatformApi"]["DependsOn"] in (name, [name])


# ------------------------------------------------------------------ 7, 8. log groups
@pytest.mark.parametrize("logical", list(tpl.resources_of_type(DOC, "AWS::Logs::LogGroup")))
def test_every_log_group_is_kept_when_the_stack_goes(logical: str) -> None:
    group = RESOURCES[logical]
    assert group.get("DeletionPolicy") == "Retain" and group.get("UpdateReplacePolicy") == "Retain"
    assert "RetentionInDays" in group["Properties"]


def test_no_stack_adds_log_groups_the_template_does_not_retain(expanded: dict[str, Any]) -> None:
    groups = {k: r for k, r in expanded["Resources"].items() if r["Type"] == "AWS::Logs::LogGroup"}
    assert set(groups) == set(tpl.resources_of_type(DOC, "AWS::Logs::LogGroup"))


def test_named_log_groups_carry_the_stack_name() -> None:
    """Two stacks of one stage in one account (a blue/green, a review stack) must not collide."""
    named = {
        k: r for k, r in tpl.resources_of_type(DOC, "AWS::Logs::LogGroup").items() if "LogGroupName" in r["Properties"]
    }
    assert "ContractStateMachineLogGroup" in named
    for logical, group in named.items():
        assert "${AWS::StackName}" in json.dumps(group["Properties"]["LogGroupName"]), logical
    assert named["ContractStateMachineLogGroup"]["Properties"]["LogGroupName"]["Fn::Sub"].startswith(
        "/aws/vendedlogs/states/"
    )


# ------------------------------------------------------------------ 10. alarms and dashboard
ALARMS = tpl.resources_of_type(DOC, "AWS::CloudWatch::Alarm")


def _alarm_metrics(alarm: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(namespace, metric, dimensions) of every metric an alarm reads."""
    props = alarm["Properties"]
    if "MetricName" in props:
        stats = [
            {
                "Namespace": props["Namespace"],
                "MetricName": props["MetricName"],
                "Dimensions": props.get("Dimensions", []),
            }
        ]
    else:
        stats = [m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m]
    return [(s["Namespace"], s["MetricName"], {d["Name"]: d["Value"] for d in s.get("Dimensions", [])}) for s in stats]


def _watched() -> list[tuple[str, str, dict[str, Any]]]:
    return [m for alarm in ALARMS.values() for m in _alarm_metrics(alarm)]


def test_every_alarm_notifies_the_topic_when_there_is_one() -> None:
    assert PARAMS["AlarmTopicArn"]["Default"] == ""
    assert DOC["Conditions"]["HasAlarmTopic"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]}
    topic = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
    assert len(ALARMS) >= 15
    for logical, alarm in ALARMS.items():
        props = alarm["Properties"]
        assert props["AlarmActions"] == topic and props["OKActions"] == topic, logical
        assert props["TreatMissingData"] == "notBreaching", logical
        assert "${AWS::StackName}" in props["AlarmName"]["Fn::Sub"], logical


@pytest.mark.parametrize(
    ("metric", "service"),
    [
        ("CallbackFailures", "provider-callbacks"),
        ("ContractsErrored", "contract-flow"),
        ("ScheduleFailures", "schedules"),
    ],
)
def test_the_platforms_own_failure_metrics_are_alarmed(metric: str, service: str) -> None:
    assert ("CasinoPlatform", metric, {"service": service}) in _watched()


def test_each_schedule_functions_errors_are_alarmed() -> None:
    for logical in SCHEDULES:
        assert ("AWS/Lambda", "Errors", {"FunctionName": {"Ref": logical}}) in _watched(), logical


def test_the_state_machines_failures_and_timeouts_are_alarmed() -> None:
    for machine in tpl.resources_of_type(DOC, "AWS::Serverless::StateMachine"):
        for metric in ("ExecutionsFailed", "ExecutionsTimedOut"):
            assert ("AWS/States", metric, {"StateMachineArn": {"Ref": machine}}) in _watched()


def test_every_tables_throttles_are_alarmed() -> None:
    for table in TABLES:
        for metric in ("ReadThrottleEvents", "WriteThrottleEvents"):
            assert ("AWS/DynamoDB", metric, {"TableName": {"Ref": table}}) in _watched(), table


def test_provider_callback_and_contract_task_errors_are_alarmed() -> None:
    """API functions' crashes are the API's 5XX (alarmed below); these are the money path and the
    functions no API stands in front of."""
    watched = _watched()
    for logical in PROVIDER_CALLBACKS:
        assert ("AWS/Lambda", "Errors", {"FunctionName": {"Ref": logical}}) in watched, logical
        assert ("AWS/Lambda", "Throttles", {"FunctionName": {"Ref": logical}}) in watched, logical
    for logical in (
        "ContractPlaceBetFunction",
        "ContractAwaitViewFunction",
        "ContractSettleFunction",
        "ContractRefundBetFunction",
    ):
        assert ("AWS/Lambda", "Errors", {"FunctionName": {"Ref": logical}}) in watched, logical


# Each API's 5xx as CloudWatch names it: a REST API's by its name, an HTTP API's by its id.
API_5XX = {
    "PlatformApi": ("5XXError", {"ApiName": {"Ref": "AWS::StackName"}, "Stage": {"Ref": "Stage"}}),
    "ProviderApi": ("5xx", {"ApiId": {"Ref": "ProviderApi"}, "Stage": {"Ref": "Stage"}}),
}


def test_each_apis_5xx_is_alarmed() -> None:
    """An API function's crash is its API's 5xx; the provider callbacks' HTTP API has metrics of its own."""
    assert set(API_5XX) == set(tpl.apis(DOC))
    watched = _watched()
    for api, (metric, dimensions) in API_5XX.items():
        assert ("AWS/ApiGateway", metric, dimensions) in watched, api
    assert RESOURCES["PlatformApi"]["Properties"]["Name"] == {"Ref": "AWS::StackName"}
    assert RESOURCES["ProviderApi"]["Properties"]["DefaultRouteSettings"]["DetailedMetricsEnabled"] is True


def test_every_schedule_dead_letters_into_an_alarmed_queue() -> None:
    queues = tpl.resources_of_type(DOC, "AWS::SQS::Queue")
    for logical in SCHEDULES:
        for event in RESOURCES[logical]["Properties"]["Events"].values():
            config = event["Properties"]["DeadLetterConfig"]
            assert config["Arn"]["Fn::GetAtt"][0] in queues, logical
            assert event["Properties"]["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 3600
    for queue in queues:
        dims = {"QueueName": {"Fn::GetAtt": [queue, "QueueName"]}}
        assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", dims) in _watched(), queue


def test_the_dashboard_shows_what_the_platform_counts() -> None:
    (dashboard,) = tpl.resources_of_type(DOC, "AWS::CloudWatch::Dashboard").values()
    text = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    body = json.loads(re.sub(r"\$\{[^}]+\}", "x", text))
    assert body["widgets"]
    for name in (
        "Callbacks",
        "CallbackFailures",
        "Bets",
        "Wins",
        "Refunds",
        "Plays",
        "SettleRetries",
        "ContractsErrored",
        "SyncResults",
        "FinalizeOutcomes",
        "5XXError",
        "Latency",
        "Throttles",
        "ReadThrottleEvents",
        "ConsumedWriteCapacityUnits",
    ):
        assert name in text, name
    for table in TABLES:
        assert "${" + table + "}" in text
    for metric in ("Count", "4xx", "5xx", "Latency", "IntegrationLatency"):  # the provider callbacks' HTTP API
        assert f'["AWS/ApiGateway", "{metric}", "ApiId", "${{ProviderApi}}", "Stage", "${{Stage}}"' in text, metric
    places = [(w["x"], w["y"]) for w in body["widgets"]]
    assert len(places) == len(set(places)), "no widget on top of another"


# ------------------------------------------------------------------ 11. cfn-lint, every rule
ARGUED = {
    # SAM writes its Lambda permissions' SourceArn as arn:aws:execute-api:... (the partition of
    # the region it transforms for); not in template.yaml. docs/decisions.md.
    "I3042",
    # Experimental: a Context block on every resource, SAM's generated roles and rules included,
    # which template.yaml cannot reach. The template-level block is there.
    "I4010",
}


def test_cfn_lint_with_every_rule_finds_only_what_is_argued(expanded: dict[str, Any]) -> None:
    from cfnlint.api import ManualArgs
    from cfnlint.api import lint as cfn_lint

    text = json.dumps(expanded, default=str)
    matches = cfn_lint(text, config=ManualArgs(regions=["eu-west-1"], include_checks=["I"], include_experimental=True))
    found = {m.rule.id for m in matches}
    assert found <= ARGUED, sorted(f"{m.rule.id} {m.message}" for m in matches if m.rule.id not in ARGUED)[:10]


def test_samconfig_overrides_name_template_parameters_within_their_bounds() -> None:
    import shlex
    import tomllib

    config = tomllib.loads((tpl.ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    overrides = [
        env["deploy"]["parameters"]["parameter_overrides"]
        for env in config.values()
        if isinstance(env, dict) and "deploy" in env
    ]
    assert overrides
    for line in overrides:
        for pair in shlex.split(line):
            name, value = pair.split("=", 1)
            spec = PARAMS[name]
            if "AllowedValues" in spec:
                assert value in [str(v) for v in spec["AllowedValues"]], pair
            if "MinValue" in spec:
                assert int(spec["MinValue"]) <= int(value) <= int(spec.get("MaxValue", 10**9)), pair
