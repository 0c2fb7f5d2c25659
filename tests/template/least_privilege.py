"""Rewrite the functions' table and parameter policies from the trace (``aws_calls.json``).

Each SAM policy template on a table (``DynamoDBCrudPolicy``, ``DynamoDBReadPolicy``,
``DynamoDBWritePolicy``: Scan, DeleteItem, BatchWriteItem, DescribeTable... whether used or not)
becomes explicit statements: the writes the function was seen to make on that table (a
transaction's items as ``PutItem``, ``UpdateItem``, ``DeleteItem``, ``ConditionCheckItem``), the
reads (``GetItem``, ``BatchGetItem``, ``Query``: all three once it reads the table at all, since
they reach the same items) and ``Query`` on ``<table>/index/*`` only if it queries an index; minus
what its own statements (a nonce's ``PutItem`` under ``dynamodb:LeadingKeys``) already allow.
Each ``SSMParameterReadPolicy`` becomes ``ssm:GetParameter`` on the parameter families it was seen
to read (an operator's ``app_secret`` or ``wallet_secret``, a provider's, a feed's). A function
the trace never saw keeps its policies. Refresh the trace first (aws_calls.py), then:

    .venv/bin/python -m tests.template.least_privilege
"""

from __future__ import annotations

import re
import sys
from typing import Any

from local import lint_template
from local import template as tpl
from tests.template import aws_calls, iam

SAM_TABLE_POLICY = re.compile(
    r"^(?P<indent>\s*)- DynamoDB(?:Crud|Read|Write)Policy: \{TableName: !Ref (?P<table>\w+)\}.*$"
)
SAM_SSM_POLICY = re.compile(r"^(?P<indent>\s*)- SSMParameterReadPolicy: \{ParameterName: .*$")
RESOURCE_HEADER = re.compile(r"^  (?P<logical>[A-Za-z0-9]+):\s*$")
READS = ("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query")
PARAMETER_ARN = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/"


def explicit_grants(expanded: dict[str, Any], raw: dict[str, Any], function: str) -> list[iam.Grant]:
    """The grants of the function's own ``Statement`` policies (not SAM's templates)."""
    resolver = iam.Resolver(expanded)
    found: list[iam.Grant] = []
    for policy in raw["Resources"][function]["Properties"].get("Policies", []):
        if not isinstance(policy, dict) or "Statement" not in policy:
            continue
        for statement in policy["Statement"]:
            if statement.get("Effect") != "Allow":
                continue
            keys, unknown = iam._condition(statement.get("Condition"))
            for action in iam._listed(statement["Action"]):
                for resource in iam._listed(statement["Resource"]):
                    found.append(iam.Grant(action, resolver.value(resource), keys, unknown))
    return found


def needed(table: str, calls: list[tuple[str, str, str]], covered: list[iam.Grant]) -> tuple[list[str], bool]:
    """The actions the function needs on ``table`` beyond what its own statements allow, and
    whether it queries an index of it."""
    actions: set[str] = set()
    index = False
    for action, resource, key in calls:
        if not action.startswith("dynamodb:"):
            continue
        if resource.startswith(f"table/{table}/index/"):
            index = True
            continue
        if resource != f"table/{table}" or any(iam.allows(g, action, iam.trace_arn(resource), key) for g in covered):
            continue
        actions.add(action)
    if actions & set(READS):
        actions |= set(READS)
    return sorted(actions), index


def table_statement(indent: str, table: str, actions: list[str], index: bool) -> list[str]:
    statements = []
    if actions:
        statements.append(f"{{Effect: Allow, Action: [{', '.join(actions)}], Resource: !GetAtt {table}.Arn}}")
    if index:
        statements.append(f'{{Effect: Allow, Action: [dynamodb:Query], Resource: !Sub "${{{table}.Arn}}/index/*"}}')
    if not statements:
        return []
    return [f"{indent}- Statement:  # {table}: what it calls (tests/template/aws_calls.json)"] + [
        f"{indent}    - {s}" for s in statements
    ]


def parameter_families(calls: list[tuple[str, str, str]]) -> list[str]:
    """The parameter name patterns the function reads: ``casino/${Stage}/operators/*/app_secret/*``..."""
    found: set[str] = set()
    for action, resource, _ in calls:
        if not action.startswith("ssm:Get"):
            continue
        name = resource.removeprefix("parameter/")
        parts = name.split("/")
        if parts[2] == "providers":  # a provider's secret, by its current or its first name
            found.add("/".join(parts[:3]) + "/*")
        else:
            found.add(name)
    return sorted(found)


def parameter_statement(indent: str, families: list[str]) -> list[str]:
    if not families:
        return []
    resources = ", ".join(f'!Sub "{PARAMETER_ARN}{family}"' for family in families)
    return [
        f"{indent}- Statement:  # the secrets it reads (tests/template/aws_calls.json)",
        f"{indent}    - {{Effect: Allow, Action: [ssm:GetParameter], Resource: [{resources}]}}",
    ]


def rewrite(trace: dict[str, list[tuple[str, str, str]]] | None = None) -> tuple[str, list[str]]:
    raw = tpl.load()
    expanded = lint_template.expand()
    trace = aws_calls.load() if trace is None else trace
    lines = tpl.TEMPLATE.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    untraced: list[str] = []
    current: str | None = None
    for line in lines:
        header = RESOURCE_HEADER.match(line)
        if header:
            current = header.group("logical")
        table_policy = SAM_TABLE_POLICY.match(line)
        ssm_policy = SAM_SSM_POLICY.match(line)
        if (table_policy is None and ssm_policy is None) or current is None:
            out.append(line)
            continue
        if current not in trace:
            if current not in untraced:
                untraced.append(current)
            out.append(line)
            continue
        if table_policy is not None:
            table = table_policy.group("table")
            actions, index = needed(table, trace[current], explicit_grants(expanded, raw, current))
            out.extend(table_statement(table_policy.group("indent"), table, actions, index))
        else:
            assert ssm_policy is not None
            out.extend(parameter_statement(ssm_policy.group("indent"), parameter_families(trace[current])))
    return "\n".join(out) + "\n", untraced


def main() -> None:
    text, untraced = rewrite()
    tpl.TEMPLATE.write_text(text, encoding="utf-8")
    print("untraced (policies kept):", ", ".join(untraced) or "none", file=sys.stderr)


if __name__ == "__main__":
    main()
