"""The platform's AWS resources, emulated in-process by moto, built from template.yaml.

``LocalStack`` creates the tables (keys and indexes as the template declares them), the
admin bootstrap secret, one moto Lambda function per template function (so that the state
machine's ARNs resolve), and the contract state machine with its ``DefinitionSubstitutions``.
moto then executes the real ASL; its Lambda tasks are dispatched to the project's own
handlers (``_dispatch_lambda``). Two faithful-emulation patches are applied:

- moto's DynamoDB backend does not serialise requests, so two threads could both pass a
  condition before either writes. Real DynamoDB never lets that happen (conditions and
  transactions are atomic per item), so every backend call takes one lock.
- moto's Docker-less Lambda backend answers canned text; ours imports and calls ``Handler``.
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import os
import re
import threading
import time
import traceback
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from local import template as tpl

REGION = "eu-west-1"
ACCOUNT = "123456789012"
LOCAL_STAGE = "local"
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    """What a Lambda handler gets as ``context``, honouring the function's timeout."""

    function_name: str
    memory_limit_in_mb: int
    timeout_s: int
    invoked_function_arn: str
    aws_request_id: str
    started: float
    log_group_name: str = "local"
    log_stream_name: str = "local"
    function_version: str = "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_s - time.monotonic()) * 1000))


def _quiet_emulator_logs() -> None:
    for name in ("moto.stepfunctions.parser", "werkzeug", "botocore.credentials"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


_DDB_LOCK = threading.RLock()
_PATCHED = False


def _serialise_dynamodb() -> None:
    """Make moto's DynamoDB backend take one lock per request, as real DynamoDB is atomic."""
    global _PATCHED  # noqa: PLW0603
    if _PATCHED:
        return
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415

    for name in dir(DynamoDBBackend):
        if name.startswith("_"):
            continue
        method = getattr(DynamoDBBackend, name)
        if not callable(method) or isinstance(method, type):
            continue

        def locked(self: Any, *args: Any, __method: Any = method, **kwargs: Any) -> Any:
            with _DDB_LOCK:
                return __method(self, *args, **kwargs)

        locked.__name__ = name
        setattr(DynamoDBBackend, name, locked)
    _rollback_only_touched_items(DynamoDBBackend)
    _query_only_the_partition(DynamoDBBackend)
    _PATCHED = True


def _rollback_only_touched_items(backend: Any) -> None:
    """moto snapshots a transaction's tables by deep-copying each of them whole, once per item,
    which makes every transaction cost O(table size). Under the lock above no other request can
    interleave, so it is enough to snapshot the items the transaction touches and put them back
    if it is cancelled. The DynamoDB semantics are unchanged; only the cost is."""
    import copy  # noqa: PLC0415

    from moto.dynamodb.models.dynamo_type import DynamoType  # noqa: PLC0415
    from moto.dynamodb.models.table import Table  # noqa: PLC0415

    whole_table_copy = backend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        with _DDB_LOCK:  # snapshot, apply and restore as one step
            return _transact(self, transact_items)

    def _transact(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        saved = []
        for entry in transact_items:
            op = next(iter(entry.values()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            key = op.get("Key") or op.get("Item") or {}
            if table.hash_key_attr not in key or (table.range_key_attr and table.range_key_attr not in key):
                continue  # moto refuses it itself
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            saved.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
        Table.__deepcopy__ = lambda table, memo: table  # type: ignore[attr-defined]
        try:
            return whole_table_copy(self, transact_items)
        except Exception:
            for table, hash_value, range_value, before in reversed(saved):
                if before is None:
                    table.delete_item(hash_value, range_value)
                elif range_value is None:
                    table.items[hash_value] = before
                else:
                    table.items[hash_value][range_value] = before
                _reindex(table, hash_value, range_value)
            raise
        finally:
            del Table.__deepcopy__  # type: ignore[attr-defined]

    backend.transact_write_items = transact_write_items


def _gsi_hash_attributes(table: Any) -> dict[str, str]:
    """Each global secondary index's name and its (single) hash key attribute."""
    answer = {}
    for index in table.global_indexes:
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        if len(hashes) == 1:
            answer[index.name] = hashes[0]
    return answer


def _reindex(table: Any, hash_value: Any, range_value: Any) -> None:
    """Bring the item's entries in the table's GSI partitions up to date (after any write)."""
    partitions = getattr(table, "_gsi_partitions", None)
    if partitions is None:
        return  # not built yet: the first GSI query builds it from the whole table
    key = (hash_value, range_value)
    for name, old in table._gsi_of.pop(key, {}).items():
        partitions[name].get(old, {}).pop(key, None)
    try:
        item = table.get_item(hash_value, range_value)
    except Exception:  # moto refuses a malformed key itself: nothing is stored under it
        item = None
    if item is None:
        return
    mine = {}
    for name, attribute in _gsi_hash_attributes(table).items():
        value = item.attrs.get(attribute)
        if value is not None:
            partitions[name].setdefault(value, {})[key] = None
            mine[name] = value
    if mine:
        table._gsi_of[key] = mine


def _gsi_partition(table: Any, index_name: str, value: Any) -> list[Any]:
    if getattr(table, "_gsi_partitions", None) is None:
        table._gsi_partitions = {name: {} for name in _gsi_hash_attributes(table)}
        table._gsi_of = {}
        for item in table.all_items():
            _reindex(table, item.hash_key, item.range_key)
    keys = list(table._gsi_partitions.get(index_name, {}).get(value, {}))
    found = (table.get_item(h, r) for h, r in keys)
    return [item for item in found if item is not None]


def _query_only_the_partition(backend: Any) -> None:
    """moto answers every Query, of the table or of a GSI, by going through every item of the
    table, so a query costs O(table size) and a long-running local stack slows down as it
    fills (real DynamoDB reads only the partition). Here the candidates are the partition's
    items: the table's own dict for a base-table query, and an index of GSI partitions kept
    up to date on every write for a GSI query. moto still applies every condition, the order,
    the paging and the projection to them, so the answers are unchanged; only the cost is.
    ``LOCAL_STACK_CHECK_QUERIES=1`` answers every query both ways and fails on a difference."""
    import os  # noqa: PLC0415

    from moto.dynamodb.models.table import Table  # noqa: PLC0415

    check = os.environ.get("LOCAL_STACK_CHECK_QUERIES") == "1"
    whole_table_query = Table.query
    table_put, table_delete, backend_update = Table.put_item, Table.delete_item, backend.update_item

    def candidates(table: Any, hash_key: Any, index_name: str | None, conditions: Any) -> list[Any] | None:
        if not index_name:
            if hash_key is None:
                return None
            held = table.items.get(hash_key)
            if held is None:
                return []
            return list(held.values()) if table.range_key_attr else [held]
        attribute = _gsi_hash_attributes(table).get(index_name)
        values = [v for a, v in conditions or () if a == attribute]
        return _gsi_partition(table, index_name, values[0]) if attribute and len(values) == 1 else None

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")  # moto passes it 8th
        with _DDB_LOCK:
            found = candidates(self, hash_key, index_name, kwargs.get("hash_key_conditions"))
            if found is None:
                return whole_table_query(self, hash_key, *args, **kwargs)
            self.all_items = lambda: found
            try:
                answer = whole_table_query(self, hash_key, *args, **kwargs)
            finally:
                del self.all_items
            if check:
                expected = whole_table_query(self, hash_key, *args, **kwargs)
                assert [i.to_json() for i in answer[0]] == [i.to_json() for i in expected[0]], kwargs
                assert answer[2] == expected[2], kwargs
            return answer

    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = table_put(self, *args, **kwargs)
        _reindex(self, item.hash_key, item.range_key)
        return item

    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        item = table_delete(self, hash_key, range_key)
        _reindex(self, hash_key, range_key)
        return item

    def update_item(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        item = backend_update(self, table_name, *args, **kwargs)
        _reindex(self.get_table(table_name), item.hash_key, item.range_key)
        return item

    Table.query = query  # type: ignore[method-assign]
    Table.put_item = put_item  # type: ignore[method-assign]
    Table.delete_item = delete_item  # type: ignore[method-assign]
    backend.update_item = update_item


_POWERTOOLS_ISOLATED = False


def _isolate_powertools_requests() -> None:
    """Make Powertools' per-request class attributes thread-local.

    ``BaseRouter.current_event`` and ``BaseRouter.lambda_context`` are class attributes: one
    request per process, as in Lambda. The local stack serves many requests at once from one
    process, so each thread gets its own values: a data descriptor on the metaclass catches
    the class-level writes, and one on the class serves the instances' reads.
    """
    global _POWERTOOLS_ISOLATED  # noqa: PLW0603
    if _POWERTOOLS_ISOLATED:
        return
    from aws_lambda_powertools.event_handler.api_gateway import BaseRouter  # noqa: PLC0415

    state = threading.local()

    class PerThread:
        def __init__(self, name: str):
            self.name = name

        def __get__(self, obj: Any, owner: Any = None) -> Any:
            try:
                return getattr(state, self.name)
            except AttributeError:
                raise AttributeError(self.name) from None

        def __set__(self, obj: Any, value: Any) -> None:
            setattr(state, self.name, value)

    names = ("current_event", "lambda_context")
    meta = type(BaseRouter)
    per_thread_meta = type(f"PerThread{meta.__name__}", (meta,), {n: PerThread(n) for n in names})
    for name in names:  # first the class's own descriptors (instance reads) ...
        setattr(BaseRouter, name, PerThread(name))
    BaseRouter.__class__ = per_thread_meta  # type: ignore[method-assign]  # ... then the metaclass's (class-level writes)
    _POWERTOOLS_ISOLATED = True


class LocalStack:
    """Everything ``template.yaml`` declares, emulated in this process."""

    def __init__(self, *, template_path: Path = tpl.TEMPLATE, public_base_url: str = "http://127.0.0.1:3000"):
        self.doc = tpl.load(template_path)
        self.params = {**tpl.parameter_defaults(self.doc), "Stage": LOCAL_STAGE}
        self.functions = {f.logical_id: f for f in tpl.functions(self.doc)}
        self.public_base_url = public_base_url
        self.physical: dict[str, str] = {}  # logical id -> name (Ref)
        self.arns: dict[str, str] = {}  # logical id -> ARN (GetAtt .Arn)
        self._idle: dict[str, list[ModuleType]] = {}  # execution environments not serving a request
        self._idle_lock = threading.Lock()
        self.cold_starts: dict[str, int] = {}
        self._by_function_name: dict[str, str] = {}
        self._replaced: dict[str, Handler] = {}
        self._mock: Any = None
        self.state_machine_arn = ""

    # ------------------------------------------------------------ lifecycle
    def start(self) -> LocalStack:
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        os.environ["AWS_DEFAULT_REGION"] = REGION
        os.environ["AWS_REGION"] = REGION
        os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CasinoPlatform")
        os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # no EMF lines on the console
        _quiet_emulator_logs()
        from moto import mock_aws  # noqa: PLC0415

        _serialise_dynamodb()
        _isolate_powertools_requests()
        self._mock = mock_aws(config=MOTO_CONFIG)  # type: ignore[call-overload]
        self._mock.start()
        self._patch_lambda_backend()
        import boto3  # noqa: PLC0415

        self._boto3 = boto3
        self._create_tables()
        self._create_secrets()
        self._create_functions()
        self._create_state_machines()
        self._export_environment()
        from casino import aws  # noqa: PLC0415

        aws.reset_clients()
        return self

    def stop(self) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock = None

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ intrinsics
    def resolve(self, value: Any) -> Any:
        """Resolve Ref, Fn::Sub and Fn::GetAtt against the local resources."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            name = value["Ref"]
            if name in self.params:
                return self.params[name]
            if name == "AWS::Region":
                return REGION
            if name == "AWS::AccountId":
                return ACCOUNT
            if name in self.physical:
                return self.physical[name]
            raise KeyError(f"local stack cannot resolve Ref {name}")
        if "Fn::GetAtt" in value:
            logical, attribute = value["Fn::GetAtt"]
            if attribute == "Arn" and logical in self.arns:
                return self.arns[logical]
            raise KeyError(f"local stack cannot resolve GetAtt {logical}.{attribute}")
        if "Fn::Sub" in value:
            spec = value["Fn::Sub"]
            text, extra = (spec, {}) if isinstance(spec, str) else (spec[0], spec[1])

            def sub(match: re.Match[str]) -> str:
                key = match.group(1)
                if key in extra:
                    return str(self.resolve(extra[key]))
                if "." in key:
                    logical, attribute = key.split(".", 1)
                    return str(self.resolve({"Fn::GetAtt": [logical, attribute]}))
                return str(self.resolve({"Ref": key}))

            return re.sub(r"\$\{([^}!]+)\}", sub, text)
        return {k: self.resolve(v) for k, v in value.items()}

    # ------------------------------------------------------------ resources
    def _create_tables(self) -> None:
        client = self._boto3.client("dynamodb")
        for logical, resource in tpl.resources_of_type(self.doc, "AWS::DynamoDB::Table").items():
            props = resource["Properties"]
            name = f"casino-{LOCAL_STAGE}-{logical}"
            kwargs: dict[str, Any] = {
                "TableName": name,
                "AttributeDefinitions": props["AttributeDefinitions"],
                "KeySchema": props["KeySchema"],
                "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
            }
            if props.get("GlobalSecondaryIndexes"):
                kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
            answer = client.create_table(**kwargs)
            self.physical[logical] = name
            self.arns[logical] = answer["TableDescription"]["TableArn"]

    def _create_secrets(self) -> None:
        client = self._boto3.client("secretsmanager")
        for logical in tpl.resources_of_type(self.doc, "AWS::SecretsManager::Secret"):
            answer = client.create_secret(Name=f"casino-{LOCAL_STAGE}-{logical}", SecretString=uuid.uuid4().hex)
            self.physical[logical] = answer["ARN"]
            self.arns[logical] = answer["ARN"]

    def put_secret(self, logical: str, value: str) -> None:
        self._boto3.client("secretsmanager").put_secret_value(SecretId=self.physical[logical], SecretString=value)

    def _create_functions(self) -> None:
        client = self._boto3.client("lambda")
        iam = self._boto3.client("iam")
        role = iam.create_role(RoleName="casino-local-lambda", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("app.py", "# the local stack dispatches to the project's handler\n")
        for fn in self.functions.values():
            name = f"casino-{LOCAL_STAGE}-{fn.logical_id}"
            answer = client.create_function(
                FunctionName=name,
                Runtime="python3.13",
                Role=role,
                Handler=fn.handler,
                Code={"ZipFile": buffer.getvalue()},
                Timeout=int(self.resolve(fn.timeout_s)),
            )
            self.physical[fn.logical_id] = name
            self.arns[fn.logical_id] = answer["FunctionArn"]
            self._by_function_name[name] = fn.logical_id

    def _create_state_machines(self) -> None:
        client = self._boto3.client("stepfunctions")
        for logical, resource in tpl.resources_of_type(self.doc, "AWS::Serverless::StateMachine").items():
            definition = self.state_machine_definition(logical)
            answer = client.create_state_machine(
                name=f"casino-{LOCAL_STAGE}-{logical}",
                definition=definition,
                roleArn=f"arn:aws:iam::{ACCOUNT}:role/casino-local-states",
                type=resource["Properties"].get("Type", "STANDARD"),
            )
            self.physical[logical] = answer["stateMachineArn"]
            self.arns[logical] = answer["stateMachineArn"]
            self.state_machine_arn = answer["stateMachineArn"]

    def state_machine_definition(self, logical: str) -> str:
        """The ASL file of a state machine with its ``DefinitionSubstitutions`` applied."""
        props = self.doc["Resources"][logical]["Properties"]
        text = (tpl.ROOT / props["DefinitionUri"]).read_text(encoding="utf-8")
        substitutions = {k: str(self.resolve(v)) for k, v in props.get("DefinitionSubstitutions", {}).items()}

        def sub(match: re.Match[str]) -> str:
            key = match.group(1)
            if key not in substitutions:
                raise KeyError(f"{logical}: ${{{key}}} has no DefinitionSubstitution")
            return substitutions[key]

        return re.sub(r"\$\{(\w+)\}", sub, text)

    def environment(self) -> dict[str, str]:
        """The union of every function's resolved environment (they must agree: one process)."""
        merged: dict[str, str] = {}
        for fn in self.functions.values():
            for key, raw in fn.environment.items():
                value = str(self.resolve(raw))
                if merged.get(key, value) != value:
                    raise ValueError(f"functions disagree on {key}: {merged[key]!r} vs {value!r}")
                merged[key] = value
        merged["CONTRACT_STATE_MACHINE_ARN"] = self.state_machine_arn
        merged["PUBLIC_BASE_URL"] = self.public_base_url
        return merged

    def _export_environment(self) -> None:
        os.environ.update(self.environment())
        from casino.settings import settings  # noqa: PLC0415

        settings.cache_clear()

    # ------------------------------------------------------------ handlers
    def _load(self, logical_id: str) -> ModuleType:
        """A new execution environment: the function's module imported afresh (a cold start)."""
        fn = self.functions[logical_id]
        count = self.cold_starts.get(logical_id, 0) + 1
        self.cold_starts[logical_id] = count
        spec = importlib.util.spec_from_file_location(f"casino_fn_{logical_id}_{count}", fn.handler_file)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {fn.handler_file}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    @contextmanager
    def environment_for(self, logical_id: str) -> Iterator[ModuleType]:
        """As Lambda does: an idle execution environment of the function serves one request at a
        time; with none idle, a new one starts."""
        with self._idle_lock:
            idle = self._idle.setdefault(logical_id, [])
            module = idle.pop() if idle else None
        if module is None:
            module = self._load(logical_id)
        try:
            yield module
        finally:
            with self._idle_lock:
                self._idle[logical_id].append(module)

    @contextmanager
    def replaced(self, logical_id: str, handler: Handler) -> Iterator[None]:
        """Run ``handler`` in place of a function's own (tests driving a state machine's paths)."""
        self._replaced[logical_id] = handler
        try:
            yield
        finally:
            self._replaced.pop(logical_id, None)

    def handler(self, logical_id: str) -> Handler:
        """The function's handler in an execution environment of its own (for inspection)."""
        if logical_id in self._replaced:
            return self._replaced[logical_id]
        handler: Handler = getattr(self._load(logical_id), self.functions[logical_id].handler_name)
        return handler

    def context(self, logical_id: str) -> LambdaContext:
        fn = self.functions[logical_id]
        return LambdaContext(
            function_name=self.physical.get(logical_id, logical_id),
            memory_limit_in_mb=int(self.resolve(fn.memory_mb)),
            timeout_s=int(self.resolve(fn.timeout_s)),
            invoked_function_arn=self.arns.get(logical_id, ""),
            aws_request_id=str(uuid.uuid4()),
            started=time.monotonic(),
        )

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Call a function's handler as Lambda would."""
        replaced = self._replaced.get(logical_id)
        if replaced is not None:
            return replaced(event, self.context(logical_id))
        with self.environment_for(logical_id) as module:
            handler: Handler = getattr(module, self.functions[logical_id].handler_name)
            return handler(event, self.context(logical_id))

    def _patch_lambda_backend(self) -> None:
        from moto.awslambda_simple.models import LambdaSimpleBackend  # noqa: PLC0415

        stack = self

        def invoke(
            backend: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any
        ) -> bytes:
            return stack._dispatch_lambda(function_name, body, response_headers)

        LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign,assignment]

    def _dispatch_lambda(self, function_name: str, body: Any, response_headers: dict[str, str]) -> bytes:
        name = function_name.rsplit(":", 1)[-1] if function_name.startswith("arn:") else function_name
        logical = self._by_function_name.get(name)
        if logical is None:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorMessage": f"no local function {name}", "errorType": "ResourceNotFound"}).encode()
        event = json.loads(body) if body else {}
        try:
            result = self.invoke(logical, event)
        except Exception as exc:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(
                {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "stackTrace": traceback.format_exception(exc)[-5:],
                }
            ).encode()
        return json.dumps(result).encode()
