"""A small evaluator of the functions' IAM policies, on the expanded template, against the trace.

Resources are written as ARNs with symbolic parts: a table is ``arn:aws:dynamodb:R:A:table/<logical
id>``, a parameter keeps ``${Stage}`` and stars the ids in its name (as ``aws_calls`` records them).
Only what the functions' policies use is understood: Allow statements, actions with wildcards,
``Ref``/``Fn::GetAtt``/``Fn::Sub`` resources and ``ForAllValues:StringLike`` on
``dynamodb:LeadingKeys``; any other condition makes a statement match nothing (strict).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

REGION, ACCOUNT = "R", "A"
_KINDS = {  # resource type -> the ARN its Ref (or GetAtt .Arn) names
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:R:A:table/{}",
    "AWS::StepFunctions::StateMachine": "arn:aws:states:R:A:stateMachine:{}",
    "AWS::SecretsManager::Secret": "arn:aws:secretsmanager:R:A:secret:{}",
    "AWS::Lambda::Function": "arn:aws:lambda:R:A:function:{}",
    "AWS::SQS::Queue": "arn:aws:sqs:R:A:{}",
}
_REF_IS_NAME = {"AWS::DynamoDB::Table", "AWS::Lambda::Function"}  # Ref gives the name, not the ARN


@dataclass(frozen=True)
class Grant:
    action: str  # may hold wildcards
    resource: str  # an ARN pattern
    leading_keys: tuple[str, ...] | None  # None: any key
    unknown_condition: bool = False


class Resolver:
    def __init__(self, expanded: dict[str, Any]):
        self.resources = expanded["Resources"]

    def _kind(self, logical: str) -> str:
        return str(self.resources[logical]["Type"])

    def ref(self, name: str) -> str:
        pseudo = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::StackName": "S"}
        if name in pseudo:
            return pseudo[name]
        if name not in self.resources:
            return "${" + name + "}"  # a parameter: kept symbolic (the trace writes ${Stage} too)
        kind = self._kind(name)
        return name if kind in _REF_IS_NAME else _KINDS.get(kind, "{}").format(name)

    def get_att(self, logical: str, attribute: str) -> str:
        if attribute == "Arn":
            return _KINDS.get(self._kind(logical), "arn:?:{}").format(logical)
        return logical  # .Name, .QueueName: the logical id stands for the name

    def value(self, node: Any, scope: dict[str, Any] | None = None) -> str:
        if isinstance(node, str):
            return node
        if "Ref" in node:
            return self.ref(node["Ref"])
        if "Fn::GetAtt" in node:
            logical, attribute = (
                node["Fn::GetAtt"] if isinstance(node["Fn::GetAtt"], list) else node["Fn::GetAtt"].split(".", 1)
            )
            return self.get_att(logical, attribute)
        if "Fn::Sub" in node:
            spec = node["Fn::Sub"]
            text, variables = (spec, {}) if isinstance(spec, str) else (spec[0], spec[1])

            def sub(match: re.Match[str]) -> str:
                key = match.group(1)
                if key in variables:
                    return self.value(variables[key])
                if "." in key:
                    return self.get_att(*key.split(".", 1))
                return self.ref(key)

            return re.sub(r"\$\{([^}!]+)\}", sub, text)
        raise ValueError(f"cannot resolve {node!r}")


def trace_arn(resource: str) -> str:
    """``table/WalletTable/index/GSI1`` (as aws_calls records it) -> the ARN a policy names."""
    if resource == "*":
        return "*"
    kind, _, rest = resource.partition("/")
    if kind == "table":
        return f"arn:aws:dynamodb:R:A:table/{rest}"
    if kind == "parameter":
        return f"arn:aws:ssm:R:A:parameter/{rest}"
    if kind == "secret":
        return f"arn:aws:secretsmanager:R:A:secret:{rest}"
    if kind == "stateMachine":
        return f"arn:aws:states:R:A:stateMachine:{rest}"
    if kind == "execution":
        return f"arn:aws:states:R:A:execution:{rest}:*"
    raise ValueError(resource)


def grants(expanded: dict[str, Any], function: str) -> list[Grant]:
    """Every Allow of the function's role, one (action, resource) per grant (managed policies aside)."""
    resolver = Resolver(expanded)
    role_ref = expanded["Resources"][function]["Properties"]["Role"]
    role = expanded["Resources"][role_ref["Fn::GetAtt"][0]]
    answer: list[Grant] = []
    for policy in role["Properties"].get("Policies", []):
        for statement in _listed(policy["PolicyDocument"]["Statement"]):
            if statement["Effect"] != "Allow":
                continue
            keys, unknown = _condition(statement.get("Condition"))
            for action in _listed(statement["Action"]):
                for resource in _listed(statement["Resource"]):
                    answer.append(Grant(action, resolver.value(resource), keys, unknown))
    return answer


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _condition(condition: dict[str, Any] | None) -> tuple[tuple[str, ...] | None, bool]:
    if not condition:
        return None, False
    if set(condition) == {"ForAllValues:StringLike"} and set(condition["ForAllValues:StringLike"]) == {
        "dynamodb:LeadingKeys"
    }:
        return tuple(_listed(condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"])), False
    return None, True


def allows(grant: Grant, action: str, resource_arn: str, key_shape: str) -> bool:
    if grant.unknown_condition:
        return False
    if not fnmatchcase(action, grant.action):
        return False
    if not fnmatchcase(resource_arn, grant.resource):
        return False
    if grant.leading_keys is None:
        return True
    return key_shape not in ("", "*") and any(fnmatchcase(key_shape, p) for p in grant.leading_keys)
