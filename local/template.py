"""Reads template.yaml: functions (routes, schedules, environment), tables, the state machine.

Nothing the local stack serves is written twice: routes, handlers, table keys and indexes,
the state machine's definition and substitutions, and the schedules all come from here. Routes are
the ``Api`` events (the REST API) and the ``HttpApi`` events (the provider callbacks' HTTP API, payload
format 1.0: the same proxy event); each route knows its API.
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


REST = "rest"  # an ``Api`` event: a REST API (``AWS::Serverless::Api``), its proxy event
HTTP = "http"  # an ``HttpApi`` event: an HTTP API (``AWS::Serverless::HttpApi``), payload format 1.0
IMPLICIT_APIS = {REST: "ServerlessRestApi", HTTP: "ServerlessHttpApi"}  # SAM's, for an event naming none


@dataclass
class Route:
    method: str
    path: str  # API Gateway resource path, e.g. /api/v1/provider/{provider}/ping
    pattern: re.Pattern[str]
    api: str = IMPLICIT_APIS[REST]  # the logical id of the API that serves it
    kind: str = REST  # REST or HTTP: both deliver the same proxy event (HTTP routes ask for payload 1.0)


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
        for name, event in resource["Properties"].get("Events", {}).items():
            if event["Type"] in ("Api", "HttpApi"):
                fn.routes.append(_route(logical_id, name, event))
            elif event["Type"] in ("Schedule", "ScheduleV2"):
                fn.schedules.append(event["Properties"].get("Schedule") or event["Properties"]["ScheduleExpression"])
        answer.append(fn)
    return answer


def _route(logical_id: str, name: str, event: dict[str, Any]) -> Route:
    """An ``Api`` or ``HttpApi`` event's route. An HTTP API route must ask for payload format 1.0:
    that is the event the handlers read (2.0 is another shape, which the local gateway does not build)."""
    props = event["Properties"]
    path = props["Path"]
    kind = HTTP if event["Type"] == "HttpApi" else REST
    if kind == HTTP and str(props.get("PayloadFormatVersion", "2.0")) != "1.0":
        raise ValueError(f"{logical_id}.{name}: an HttpApi event needs PayloadFormatVersion 1.0 here")
    api = props.get("ApiId" if kind == HTTP else "RestApiId")
    api_id = api["Ref"] if isinstance(api, dict) and "Ref" in api else IMPLICIT_APIS[kind]
    return Route(str(props["Method"]).upper(), path, route_pattern(path), api_id, kind)


def minimum_compression_size(doc: dict[str, Any], api: str | None = None) -> int | None:
    """A REST API's ``MinimumCompressionSize`` (API Gateway gzips answers from that size), if set:
    ``api``'s (a logical id), or the first REST API's that sets one. HTTP APIs never compress."""
    for logical, resource in resources_of_type(doc, "AWS::Serverless::Api").items():
        if api is not None and logical != api:
            continue
        size = resource.get("Properties", {}).get("MinimumCompressionSize")
        if size is not None:
            return int(size)
    return None


def apis(doc: dict[str, Any]) -> dict[str, str]:
    """Each API of the template (logical id) and its kind (REST or HTTP)."""
    found = {logical: REST for logical in resources_of_type(doc, "AWS::Serverless::Api")}
    found.update({logical: HTTP for logical in resources_of_type(doc, "AWS::Serverless::HttpApi")})
    return found


def resources_of_type(doc: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in doc["Resources"].items() if v["Type"] == kind}


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")


def rate_seconds(expression: str) -> int:
    match = _RATE.match(expression.strip())
    if not match:
        raise ValueError(f"only rate() schedules are run locally, not {expression!r}")
    count, unit = int(match.group(1)), match.group(2).rstrip("s")
    return count * {"minute": 60, "hour": 3600, "day": 86400}[unit]
