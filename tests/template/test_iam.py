"""Least privilege, checked both ways against the trace of every function's AWS calls
(``aws_calls.json``, recorded by ``aws_calls.py`` while the integration and provider suites run):
every call a function was seen to make is allowed by its policy, and no function holds a table
write, an index, or a secret it was never seen to use. IAM is not enforced by moto: this is the
only check that a deployed function may do what the tests saw it do."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local import template as tpl
from tests.template import aws_calls, iam

DOC = tpl.load()
TRACE = aws_calls.load()
FUNCTIONS = sorted(tpl.resources_of_type(DOC, "AWS::Serverless::Function"))
TABLES = sorted(tpl.resources_of_type(DOC, "AWS::DynamoDB::Table"))
SAM_BROAD_TEMPLATES = ("DynamoDBCrudPolicy", "DynamoDBReadPolicy", "DynamoDBWritePolicy", "SSMParameterReadPolicy")
READS = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}

# Functions the suites never invoke through the stack, with what their policy was read from.
UNTRACED = {
    "ClientPageFunction": "static files: no AWS call, no policy",
    "ContractSweepFunction": "tests call casino.contract.sweep.run directly; its statements were read from "
    "contract/store.py (GetItem, conditional UpdateItem, Query of GSI3) and contract/executions.py "
    "(StartExecution, DescribeExecution)",
}
# The only deletes anywhere, each one read in the code.
DELETES = {
    ("AdminPlayersCredentialsFunction", "HubTable"): "a username change moves the credential (accounts/store.py)",
    ("ClientPasswordFunction", "HubTable"): "a proved password clears its failed attempts",
    ("ClientPasswordLoginFunction", "HubTable"): "a proved password clears its failed attempts",
}
BATCH_WRITES = {
    ("AdminGamesCreateFunction", "HubTable"): "a series' shards, 25 to a request (hub/series_store.py)",
    ("ClientPlayFunction", "HubTable"): "a sold-out series commits the next one",
    ("GameListSyncFunction", "RegistryTable"): "a provider's games, 25 to a request (registry/store.py)",
    ("AdminProvidersSyncFunction", "RegistryTable"): "the same sync, on demand",
    ("SportsFeedEventsFunction", "SportsTable"): "a feed's points, 25 to a request (sports/store.py)",
    ("SportsFeedPullFunction", "SportsTable"): "the same, pulled",
    ("AdminSportsFixtureLinkFunction", "SportsTable"): "a linked ref's points derived again",
    ("AdminSportsFixtureUnlinkFunction", "SportsTable"): "an unlinked ref's points derived again",
}


def _table_of(resource_arn: str) -> tuple[str, bool] | None:
    """(table, is an index) of a policy resource on one of our tables; None otherwise."""
    for table in TABLES:
        base = f"arn:aws:dynamodb:R:A:table/{table}"
        if resource_arn == base:
            return table, False
        if resource_arn.startswith(base + "/index/"):
            return table, True
    return None


def _used(function: str) -> list[tuple[str, str, str]]:
    return TRACE.get(function, [])


def test_the_trace_covers_every_function_that_calls_aws() -> None:
    calling = [f for f in FUNCTIONS if DOC["Resources"][f]["Properties"].get("Policies")]
    assert len(TRACE) > 70
    assert sorted(set(calling) - set(TRACE) - set(UNTRACED)) == []
    assert not set(UNTRACED) & set(TRACE), "traced now: drop it from UNTRACED"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_function_keeps_a_broad_sam_policy_template(function: str) -> None:
    """SAM's table templates grant Scan and DescribeTable (Crud: DeleteItem, BatchWriteItem too)
    and its SSM template every parameter under a path: each function's rights are written out."""
    policies = DOC["Resources"][function]["Properties"].get("Policies") or []
    kept = [next(iter(p)) for p in policies if isinstance(p, dict) and next(iter(p)) in SAM_BROAD_TEMPLATES]
    assert kept == []


@pytest.mark.parametrize("function", sorted(TRACE))
def test_every_traced_call_is_allowed(expanded: dict[str, Any], function: str) -> None:
    grants = iam.grants(expanded, function)
    refused = [
        (action, resource, key)
        for action, resource, key in _used(function)
        if not any(iam.allows(g, action, iam.trace_arn(resource), key) for g in grants)
    ]
    assert refused == []


@pytest.mark.parametrize("function", sorted(TRACE))
def test_no_table_right_the_function_never_uses(expanded: dict[str, Any], function: str) -> None:
    """Writes exactly as seen; reads (Get, BatchGet, Query) of a table only if it reads it;
    an index only if it queries one."""
    used = _used(function)
    unused = []
    for grant in iam.grants(expanded, function):
        if not grant.action.startswith("dynamodb:"):
            continue
        found = _table_of(grant.resource)
        assert found is not None, f"{grant.action} on {grant.resource}: not one of our tables"
        table, index = found
        on_table = [(a, r) for a, r, _ in used if r == f"table/{table}"]
        on_index = [(a, r) for a, r, _ in used if r.startswith(f"table/{table}/index/")]
        if index:
            ok = grant.action == "dynamodb:Query" and bool(on_index)
        elif grant.action in READS:
            ok = any(a in READS for a, _ in on_table)
        else:
            ok = any(a == grant.action for a, _ in on_table)
        if not ok:
            unused.append((grant.action, grant.resource))
    assert unused == []


@pytest.mark.parametrize("function", sorted(TRACE))
def test_secrets_are_read_only_where_the_function_reads_them(expanded: dict[str, Any], function: str) -> None:
    used = [(a, iam.trace_arn(r)) for a, r, _ in _used(function) if a.startswith(("ssm:", "secretsmanager:"))]
    for grant in iam.grants(expanded, function):
        if not grant.action.startswith(("ssm:", "secretsmanager:")):
            continue
        assert "*" not in grant.action, grant
        assert any(iam.allows(grant, a, r, "") for a, r in used), f"{grant.action} on {grant.resource}: never used"


def test_the_wallet_is_never_deleted_from_batch_written_or_scanned(expanded: dict[str, Any]) -> None:
    for function in FUNCTIONS:
        for grant in iam.grants(expanded, function):
            if grant.action == "dynamodb:Scan" or ("*" in grant.action and grant.action.startswith("dynamodb")):
                pytest.fail(f"{function}: {grant.action}")
            found = _table_of(grant.resource)
            if found is None:
                continue
            if grant.action == "dynamodb:DeleteItem":
                assert (function, found[0]) in DELETES, f"{function} deletes from {found[0]}"
            if grant.action == "dynamodb:BatchWriteItem":
                assert (function, found[0]) in BATCH_WRITES, f"{function} batch-writes {found[0]}"
    assert all(table != "WalletTable" for _, table in DELETES | BATCH_WRITES)


def test_the_trace_saw_every_listed_delete_and_batch_write() -> None:
    for function, table in DELETES:
        assert ("dynamodb:DeleteItem", f"table/{table}") in {(a, r) for a, r, _ in _used(function)}, function
    for function, table in BATCH_WRITES:
        assert ("dynamodb:BatchWriteItem", f"table/{table}") in {(a, r) for a, r, _ in _used(function)}, function


def test_an_untraced_functions_policy_is_what_its_code_calls(expanded: dict[str, Any]) -> None:
    sweep = {(g.action, g.resource) for g in iam.grants(expanded, "ContractSweepFunction")}
    assert sweep == {
        ("dynamodb:Query", "arn:aws:dynamodb:R:A:table/HubTable/index/GSI3"),
        ("dynamodb:UpdateItem", "arn:aws:dynamodb:R:A:table/HubTable"),
        ("dynamodb:GetItem", "arn:aws:dynamodb:R:A:table/HubTable"),
        ("states:StartExecution", "arn:aws:states:R:A:stateMachine:ContractStateMachine"),
        ("states:DescribeExecution", "arn:aws:states:R:A:execution:ContractStateMachine:*"),
    }
    assert DOC["Resources"]["ClientPageFunction"]["Properties"]["Policies"] == []


def test_the_trace_is_of_this_templates_functions() -> None:
    assert set(TRACE) <= set(FUNCTIONS), sorted(set(TRACE) - set(FUNCTIONS))
    text = json.dumps(TRACE)
    assert "casino-local" not in text, "a test's own tables are not the stack's"


# Reaches the code walk finds that no run can take, each read in the code.
FALSE_REACH = {
    ("ProviderPingFunction", "dynamodb:PutItem", "table/WalletTable"): "ping has no body: http.handle(has_body=False) "
    "never verifies one, so never seals it",
    ("AdminPlayersLimitsHistoryFunction", "dynamodb:PutItem", "table/WalletTable"): "limits.history only reads; the "
    "walk reaches limits' writers through the module",
    ("SportsFeedEventsFunction", "dynamodb:PutItem", "table/HubTable"): "a feed's nonce is sports.store.record_nonce "
    "(SportsTable); the walk confuses it with hub.store's of the same name",
}


@pytest.mark.parametrize("fn", tpl.functions(DOC), ids=lambda f: f.logical_id)
def test_every_table_write_the_code_can_reach_is_known(fn: tpl.Function) -> None:
    """The trace's complement: a write reachable in the code (store_writes.py) is in the trace, in
    aws_calls.READ_IN_CODE, or a listed false reach; so the policy written from them allows it."""
    from tests.template import store_writes

    if fn.logical_id in UNTRACED:
        return
    known = {(a, r) for a, r, _ in _used(fn.logical_id)}
    unknown = {
        key: via
        for key, via in store_writes.reachable_writes(fn).items()
        if key not in known and (fn.logical_id, *key) not in FALSE_REACH
    }
    assert unknown == {}


def test_read_in_code_entries_are_not_yet_traced() -> None:
    """Once a test takes the path, the trace has it: drop the entry from READ_IN_CODE."""
    traced = aws_calls.load(read_in_code=False)
    for function, calls in aws_calls.READ_IN_CODE.items():
        assert not set(calls) & set(traced.get(function, [])), function
