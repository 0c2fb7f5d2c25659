"""Reads template.yaml: functions (routes, schedules, environment), tables, the state machine.

Nothing the local stack serves is written twice: routes, handlers, table keys and indexes,
the state machine's definition and substitutions, and the schedules all come from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML loader that turns CloudFormation short tags (``!Ref X``) into their long form."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    return document


@dataclass
class Route:
    method: str
    path: str  # API Gateway resource path, e.g. /api/v1/provider/{provider}/ping
    pattern: re.Pattern[str]


@dataclass
class Function:
    logical_id: str
    code_dir: Path
    handler: str
    timeout_s: int
    memory_mb: int
    environment: dict[str, Any]
    routes: list[Route] = field(default_factory=list)
    schedules: list[Any] = field(default_factory=list)
    policies: list[Any] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def handler_file(self) -> Path:
        module, _ = self.handler.rsplit(".", 1)
        return self.code_dir / (module.replace(".", "/") + ".py")

    @property
    def handler_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]


def route_pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path)
    regex = ""
    for part in parts:
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            if name.endswith("+"):
                regex += f"(?P<{name[:-1]}>.+)"
            else:
                regex += f"(?P<{name}>[^/]+)"
        else:
            regex += re.escape(part)
    return re.compile(f"^{regex}$")


def parameter_defaults(doc: dict[str, Any]) -> dict[str, Any]:
    return {name: spec.get("Default") for name, spec in doc.get("Parameters", {}).items()}


def functions(doc: dict[str, Any]) -> list[Function]:
    glob = doc.get("Globals", {}).get("Function", {})
    answer = []
    for logical_id, resource in doc["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = {**glob, **resource["Properties"]}
        env = {
            **glob.get("Environment", {}).get("Variables", {}),
            **resource["Properties"].get("Environment", {}).get("Variables", {}),
        }
        fn = Function(
            logical_id=logical_id,
            code_dir=ROOT / props["CodeUri"],
            handler=props["Handler"],
            timeout_s=props.get("Timeout", 3),
            memory_mb=props.get("MemorySize", 128),
            environment=env,
            policies=resource["Properties"].get("Policies", []),
            properties=props,
        )
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "Api":
                path = event["Properties"]["Path"]
                fn.routes.append(Route(event["Properties"]["Method"].upper(), path, route_pattern(path)))
            elif event["Type"] in ("Schedule", "ScheduleV2"):
                fn.schedules.append(event["Properties"].get("Schedule") or event["Properties"]["ScheduleExpression"])
        answer.append(fn)
    return answer


def minimum_compression_size(doc: dict[str, Any]) -> int | None:
    """The API's ``MinimumCompressionSize`` (API Gateway gzips answers from that size), if set."""
    for api in resources_of_type(doc, "AWS::Serverless::Api").values():
        size = api.get("Properties", {}).get("MinimumCompressionSize")
        if size is not None:
            return int(size)
    return None


def resources_of_type(doc: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in doc["Resources"].items() if v["Type"] == kind}


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")


def rate_seconds(expression: str) -> int:
    match = _RATE.match(expression.strip())
    if not match:
        raise ValueError(f"only rate() schedules are run locally, not {expression!r}")
    count, unit = int(match.group(1)), match.group(2).rstrip("s")
    return count * {"minute": 60, "hour": 3600, "day": 86400}[unit]
