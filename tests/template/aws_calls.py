"""A trace of the AWS calls each function makes: the facts its IAM policy is checked against.

Loaded as a pytest plugin, it records, for every call a function makes while the local stack
invokes it (``LocalStack.invoke``, whoever calls it: the HTTP gateway, a test, the state
machine's Lambda tasks, a schedule), the function's logical id, the IAM action the call needs
and the resource it names. A ``TransactWriteItems`` is recorded as the per-item actions IAM
checks (``PutItem``, ``UpdateItem``, ``DeleteItem``, ``ConditionCheckItem``), a
``TransactGetItems`` as ``GetItem``; a DynamoDB item's partition key is kept as its shape
(``PLAYER#*``: the upper-case labels kept, the values starred), which is what
``dynamodb:LeadingKeys`` conditions test.

Refresh ``aws_calls.json`` (the whole integration and provider suites, a few minutes):

    AWS_CALLS_OUT=tests/template/aws_calls.json .venv/bin/python -m pytest -q -n 2 \\
        -p tests.template.aws_calls tests/integration tests/provider

Some calls depend on the order tests run in (which of the on-demand and the scheduled game-list
sync first finds new games to write): ``AWS_CALLS_MERGE=1`` keeps the calls of the trace already
there beside this run's, so a refresh after a change adds what the change calls and loses nothing
another order showed (without it, a call the code no longer makes drops out).

Per-process caches (a provider's record, SSM values, a series' shape) are emptied before each
invocation while tracing, so every function is seen making the calls a cold container makes.
``test_iam.py`` then checks the template's policies against this file.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import re
import threading
from pathlib import Path
from typing import Any

import pytest

TRACE = Path(__file__).with_name("aws_calls.json")
_CURRENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("aws_calls_function", default=None)
_LOCK = threading.Lock()
_SEEN: dict[str, set[tuple[str, str, str]]] = {}  # logical id -> {(action, resource, key shape)}
_PREFIX = {"stepfunctions": "states"}  # botocore service name -> IAM prefix, where they differ
_LABEL = re.compile(r"^[A-Z][A-Z0-9_]*$")
_NAMED_BY = {"operators", "providers", "feeds", "secrets", "app_secret", "wallet_secret"}  # the next segment is an id
_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


def key_shape(value: Any) -> str:
    """``OPERATOR#demo#PASSWORD_USER#ana`` -> ``OPERATOR#*#PASSWORD_USER#*``; ``*`` if not a string."""
    if not isinstance(value, dict) or "S" not in value:
        return "*"
    return _shape(str(value["S"]))


def _shape(key: str) -> str:
    """The first segment is a label and the second always a value (``PLAYER#M`` is a player
    called M); later ones are labels when upper case (``SERIES#*#S#*``)."""
    return "#".join(part if i == 0 or (i > 1 and _LABEL.match(part)) else "*" for i, part in enumerate(key.split("#")))


class _Names:
    """Physical names of the local stack -> logical ids (tables, the secret, the state machine)."""

    def __init__(self) -> None:
        self.by_physical: dict[str, str] = {}
        self.tables: list[str] = []

    def learn(self, stack: Any) -> None:
        self.by_physical.update({physical: logical for logical, physical in stack.physical.items()})
        self.tables = [k for k in stack.physical if k.endswith("Table")]

    def table(self, name: str) -> str:
        """``table/<logical id>``. A test's own table (``casino-local-registry-1a2b``, standing in
        for the stack's in a test that needs an empty one) counts as the table it stands for."""
        name = name.rsplit("/", 1)[-1] if name.startswith("arn:") else name
        logical = self.by_physical.get(name) or next(
            (k for k in self.tables if k.lower().removesuffix("table") in name.lower()), None
        )
        return f"table/{logical}" if logical is not None else f"other/{name}"

    def parameter(self, name: str) -> str:
        """``/casino/local/operators/demo/app_secret/sv_1`` ->
        ``parameter/casino/${Stage}/operators/*/app_secret/*``."""
        parts = name.strip("/").split("/")
        shaped = [
            "${Stage}" if i == 1 else ("*" if i > 1 and parts[i - 1] in _NAMED_BY else part)
            for i, part in enumerate(parts)
        ]
        return "parameter/" + "/".join(shaped)


_NAMES = _Names()


def _dynamodb(operation: str, params: dict[str, Any]) -> list[tuple[str, str, str]]:
    calls: list[tuple[str, str, str]] = []
    if operation == "TransactWriteItems":
        for entry in params.get("TransactItems", []):
            kind, spec = next(iter(entry.items()))
            key = spec.get("Key") or spec.get("Item") or {}
            calls.append((f"dynamodb:{_TRANSACT[kind]}", _NAMES.table(spec["TableName"]), key_shape(key.get("pk"))))
        return calls
    if operation == "TransactGetItems":
        for entry in params.get("TransactItems", []):
            spec = entry["Get"]
            calls.append(("dynamodb:GetItem", _NAMES.table(spec["TableName"]), key_shape(spec["Key"].get("pk"))))
        return calls
    if operation in ("BatchGetItem", "BatchWriteItem"):
        for table, spec in params.get("RequestItems", {}).items():
            keys = spec.get("Keys") if isinstance(spec, dict) else None
            if keys is None:  # BatchWriteItem: [{PutRequest: {Item}} | {DeleteRequest: {Key}}]
                keys = [next(iter(r.values())).get("Item") or next(iter(r.values())).get("Key") for r in spec]
            for key in keys:
                calls.append((f"dynamodb:{operation}", _NAMES.table(table), key_shape(key.get("pk"))))
        return calls
    resource = _NAMES.table(params.get("TableName", "?"))
    if params.get("IndexName"):
        resource += f"/index/{params['IndexName']}"
    key = params.get("Key") or params.get("Item") or {}
    shape = key_shape(key.get("pk")) if key else "*"
    if operation == "Query" and not params.get("IndexName"):
        values = params.get("ExpressionAttributeValues", {})
        condition = str(params.get("KeyConditionExpression", ""))
        match = re.search(r"\bpk\s*=\s*(:\w+)", condition)
        shape = key_shape(values.get(match.group(1))) if match else "*"
    return [(f"dynamodb:{operation}", resource, shape)]


def _resources(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str, str]]:
    prefix = _PREFIX.get(service, service)
    if service == "dynamodb":
        return _dynamodb(operation, params)
    if service == "ssm":
        names = params.get("Names") or [params.get("Name") or params.get("Path", "?")]
        return [(f"ssm:{operation}", _NAMES.parameter(n), "") for n in names]
    if service == "secretsmanager":
        secret = str(params.get("SecretId", "?"))
        return [(f"secretsmanager:{operation}", f"secret/{_NAMES.by_physical.get(secret, secret)}", "")]
    if service == "stepfunctions":
        if "stateMachineArn" in params:
            arn = str(params["stateMachineArn"])
            return [(f"states:{operation}", f"stateMachine/{_NAMES.by_physical.get(arn, arn)}", "")]
        if "executionArn" in params:
            machine = str(params["executionArn"]).split(":")[-2]
            logical = next((v for k, v in _NAMES.by_physical.items() if k.endswith(f":{machine}")), machine)
            return [(f"states:{operation}", f"execution/{logical}", "")]
        return [(f"states:{operation}", "*", "")]
    return [(f"{prefix}:{operation}", "*", "")]


def _record(service: str, operation: str, params: dict[str, Any]) -> None:
    logical = _CURRENT.get()
    if logical is None:
        return
    found = [call for call in _resources(service, operation, params) if not call[1].startswith("other/")]
    with _LOCK:
        _SEEN.setdefault(logical, set()).update(found)


def _forget_process_caches() -> None:
    """Each invocation as a cold container sees it: no record or secret kept from another function."""
    from casino import cache, secret_store
    from casino.hub import series_store
    from casino.provider import http

    cache.clear_all()  # the TTL caches: providers, provider games, the login's hub games, secrets
    secret_store.clear_cache()
    http._providers.clear()
    series_store._shape_of.clear()
    series_store._root_of.clear()


def install() -> None:
    from botocore.client import BaseClient

    from local.stack import LocalStack

    make_api_call = BaseClient._make_api_call

    def traced_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        with contextlib.suppress(Exception):  # the trace must never change what the code sees
            _record(client.meta.service_model.service_name, operation, params)
        return make_api_call(client, operation, params)

    invoke = LocalStack.invoke

    def traced_invoke(stack: Any, logical_id: str, event: dict[str, Any]) -> Any:
        _NAMES.learn(stack)
        if logical_id in stack._replaced:  # a test's stand-in, not the function's code
            return invoke(stack, logical_id, event)
        _forget_process_caches()
        token = _CURRENT.set(logical_id)
        try:
            return invoke(stack, logical_id, event)
        finally:
            _CURRENT.reset(token)

    BaseClient._make_api_call = traced_call  # type: ignore[method-assign]
    LocalStack.invoke = traced_invoke  # type: ignore[method-assign]


# Calls of code paths the suites do not take, found by reading the code (and by
# ``store_writes.py``'s reachability check), so that the policies allow them too. An entry the trace
# comes to show is reported by a test and dropped from here.
READ_IN_CODE: dict[str, list[tuple[str, str, str]]] = {
    # sports/store.py put_points: linking or unlinking a ref that has points derives them again
    "AdminSportsFixtureLinkFunction": [("dynamodb:BatchWriteItem", "table/SportsTable", "REF#*#*")],
    "AdminSportsFixtureUnlinkFunction": [("dynamodb:BatchWriteItem", "table/SportsTable", "REF#*#*")],
    # sports/reads.py candidates: a candidate whose fixtures were linked meanwhile is closed as moot
    "AdminSportsLinkCandidatesFunction": [("dynamodb:UpdateItem", "table/SportsTable", "CANDIDATE#*#*")],
}


def load(path: Path = TRACE, *, read_in_code: bool = True) -> dict[str, list[tuple[str, str, str]]]:
    """The trace, and (by default) ``READ_IN_CODE`` beside it."""
    data: dict[str, list[list[str]]] = json.loads(path.read_text(encoding="utf-8"))["functions"]
    answer = {fn: [(a, r, k) for a, r, k in calls] for fn, calls in data.items()}
    if read_in_code:
        for fn, calls in READ_IN_CODE.items():
            answer[fn] = sorted(set(answer.get(fn, [])) | set(calls))
    return answer


def _write(path: Path, seen: dict[str, set[tuple[str, str, str]]]) -> None:
    """One function a block, one call a line (diffs stay readable)."""
    blocks = []
    for fn, calls in sorted(seen.items()):
        lines = ",\n".join("  " + json.dumps(list(c)) for c in sorted(calls))
        blocks.append(f" {json.dumps(fn)}: [\n{lines}\n ]")
    about = "AWS calls per function, recorded by tests/template/aws_calls.py; see its docstring to refresh"
    text = '{"about": ' + json.dumps(about) + ', "functions": {\n' + ",\n".join(blocks) + "\n}}\n"
    path.write_text(text, encoding="utf-8")


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("AWS_CALLS_OUT"):
        install()


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = os.environ.get("AWS_CALLS_OUT")
    if not out:
        return
    target = Path(out)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is not None:  # each worker writes its part; the controller merges them
        _write(target.with_name(f"{target.name}.{worker}"), _SEEN)
        return
    merged: dict[str, set[tuple[str, str, str]]] = {k: set(v) for k, v in _SEEN.items()}
    if os.environ.get("AWS_CALLS_MERGE") and target.exists():  # a union with the trace there
        for fn, calls in load(target, read_in_code=False).items():
            merged.setdefault(fn, set()).update(calls)
    for part in target.parent.glob(f"{target.name}.gw*"):
        for fn, calls in load(part, read_in_code=False).items():
            merged.setdefault(fn, set()).update(calls)
        part.unlink()
    _write(target, merged)
