"""DynamoDB requests and capacity per operation, without touching the code under test.

``metering()`` registers botocore event hooks on the shared client (and on every client created
while it is open, such as the ones the emulator's Step Functions makes for its direct DynamoDB
tasks):

- ``before-parameter-build``: adds ``ReturnConsumedCapacity: TOTAL`` to every request that takes
  it (so the code asks for nothing itself), and notes the item images before each write;
- ``before-call``: counts the request by operation;
- ``after-call``: keeps the capacity the emulator **reports**, and **models** the capacity
  DynamoDB would charge from the items' sizes.

moto's reported capacity is a constant per call (0.5 for a ``GetItem``, 1.0 for a ``PutItem``,
one per key for a ``BatchGetItem``, nothing for a ``TransactWriteItems``): it is kept for
comparison, but the cost is computed from the model, which follows DynamoDB's published rules:

- item size: attribute names plus values (strings and binaries by their bytes, numbers about one
  byte per two significant digits plus one, booleans and nulls one byte, lists and maps three
  bytes plus one per element plus their contents);
- a read: one read unit per 4 KB of each item, rounded up (a missing item costs the minimum),
  half for an eventually consistent read; a ``Query``/``Scan`` rounds the sum of the items it
  returns; a transactional read costs two;
- a write: one write unit per 1 KB of the larger of the item's before and after images, rounded
  up; a transactional write costs two; a write that fails its condition still costs its units;
- each global secondary index whose entry a write adds, changes or removes: one more write of the
  entry's size (two when its key changes); index writes are counted at the standard rate;
- a ``ConditionCheck`` in a transaction: counted as a transactional read of its item (assumed).
"""

from __future__ import annotations

import base64
import math
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import local  # noqa: F401 - the shared layer on sys.path

READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
TAKES_CAPACITY = READS | WRITES


# ---------------------------------------------------------------- item size (DynamoDB's rules)
def value_size(value: dict[str, Any]) -> int:
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(str(inner).encode("utf-8"))
    if kind == "N":
        digits = str(inner).lstrip("-").replace(".", "").lstrip("0").rstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(inner) if isinstance(inner, bytes | bytearray) else len(base64.b64decode(inner))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in inner.items())
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: v}) for v in inner)
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def read_units(size: int, *, consistent: bool = True, transactional: bool = False) -> float:
    units = max(1, math.ceil(size / 4096))
    return units * (2.0 if transactional else 1.0 if consistent else 0.5)


def write_units(size: int, *, transactional: bool = False) -> float:
    return max(1, math.ceil(size / 1024)) * (2.0 if transactional else 1.0)


# ---------------------------------------------------------------- the tables' indexes
@dataclass
class Index:
    name: str
    keys: tuple[str, ...]
    projection: str  # ALL, KEYS_ONLY, INCLUDE
    included: tuple[str, ...] = ()
    table_keys: tuple[str, ...] = ()

    def entry(self, item: dict[str, Any] | None) -> dict[str, Any] | None:
        if not item or any(k not in item for k in self.keys):
            return None
        if self.projection == "ALL":
            return item
        names = set(self.keys) | set(self.table_keys) | set(self.included if self.projection == "INCLUDE" else ())
        return {k: v for k, v in item.items() if k in names}

    def writes(self, before: dict[str, Any] | None, after: dict[str, Any] | None) -> float:
        old, new = self.entry(before), self.entry(after)
        if old is None and new is None:
            return 0.0
        if old is None:
            return write_units(item_size(new))
        if new is None:
            return write_units(item_size(old))
        if any(old.get(k) != new.get(k) for k in self.keys):
            return write_units(item_size(old)) + write_units(item_size(new))
        return write_units(item_size(new)) if old != new else 0.0


def indexes_of(stack: Any) -> dict[str, list[Index]]:
    """Each table's (physical name) global secondary indexes, from the template."""
    from local import template as tpl

    out: dict[str, list[Index]] = {}
    for logical, resource in tpl.resources_of_type(stack.doc, "AWS::DynamoDB::Table").items():
        props = resource["Properties"]
        table_keys = tuple(k["AttributeName"] for k in props["KeySchema"])
        out[stack.physical[logical]] = [
            Index(
                gsi["IndexName"],
                tuple(k["AttributeName"] for k in gsi["KeySchema"]),
                gsi.get("Projection", {}).get("ProjectionType", "ALL"),
                tuple(gsi.get("Projection", {}).get("NonKeyAttributes", ())),
                table_keys,
            )
            for gsi in props.get("GlobalSecondaryIndexes", [])
        ]
    return out


# ---------------------------------------------------------------- the meter
@dataclass
class Meter:
    requests: Counter[str] = field(default_factory=Counter)
    reported: Counter[str] = field(default_factory=Counter)  # what the emulator says, by operation
    read_units: Counter[str] = field(default_factory=Counter)  # modelled, by operation
    write_units: Counter[str] = field(default_factory=Counter)
    index_write_units: Counter[str] = field(default_factory=Counter)
    keys_read: Counter[str] = field(default_factory=Counter)  # the kinds of item read (their key's prefix)

    def figures(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "items_read_by_kind": dict(self.keys_read),
            "requests_total": sum(self.requests.values()),
            "reported_capacity_units": {k: round(v, 2) for k, v in self.reported.items()},
            "reported_total": round(sum(self.reported.values()), 2),
            "read_units": round(sum(self.read_units.values()), 2),
            "write_units": round(sum(self.write_units.values()) + sum(self.index_write_units.values()), 2),
            "index_write_units": round(sum(self.index_write_units.values()), 2),
            "read_units_by_operation": {k: round(v, 2) for k, v in self.read_units.items()},
            "write_units_by_operation": {k: round(v, 2) for k, v in self.write_units.items()},
        }


def _backend() -> Any:
    from moto.dynamodb.models import dynamodb_backends

    from local.stack import ACCOUNT, REGION

    return dynamodb_backends[ACCOUNT][REGION]


def current(table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    """The item as the emulator holds it now, in DynamoDB's JSON (no request made)."""
    try:
        item = _backend().get_item(table, key)
    except Exception:
        return None
    if item is None:
        return None
    found: dict[str, Any] = item.to_json()["Attributes"]
    return found


def _key_of(table: str, item: dict[str, Any]) -> dict[str, Any]:
    found = _backend().get_table(table)
    names = [found.hash_key_attr] + ([found.range_key_attr] if found.range_key_attr else [])
    return {k: item[k] for k in names if k in item}


def _writes_of(operation: str, params: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], dict[str, Any] | None]]:
    """(kind, table, key, item put) of each write (or ConditionCheck) a request makes."""
    out: list[tuple[str, str, dict[str, Any], dict[str, Any] | None]] = []
    if operation == "PutItem":
        out.append(("Put", params["TableName"], _key_of(params["TableName"], params["Item"]), params["Item"]))
    elif operation in ("UpdateItem", "DeleteItem"):
        out.append((operation[:-4], params["TableName"], params["Key"], None))
    elif operation == "TransactWriteItems":
        for action in params.get("TransactItems", []):
            kind, body = next(iter(action.items()))
            if kind == "Put":
                out.append((kind, body["TableName"], _key_of(body["TableName"], body["Item"]), body["Item"]))
            else:
                out.append((kind, body["TableName"], body["Key"], None))
    elif operation == "BatchWriteItem":
        for table, requests in params.get("RequestItems", {}).items():
            for request in requests:
                if "PutRequest" in request:
                    item = request["PutRequest"]["Item"]
                    out.append(("Put", table, _key_of(table, item), item))
                else:
                    out.append(("Delete", table, request["DeleteRequest"]["Key"], None))
    return out


@contextmanager
def metering(stack: Any) -> Iterator[Meter]:
    """Count and cost every DynamoDB request made while open (any thread)."""
    import boto3

    from casino import aws

    meter = Meter()
    lock = threading.Lock()
    indexes = indexes_of(stack)

    def before_build(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if model.name in TAKES_CAPACITY and "ReturnConsumedCapacity" in model.input_shape.members:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")
        if model.name in WRITES:
            try:
                writes = [(k, t, key, put, current(t, key)) for k, t, key, put in _writes_of(model.name, params)]
            except Exception:
                writes = []
            context["bench_writes"] = writes

    def before_call(model: Any, **_: Any) -> None:
        with lock:
            meter.requests[model.name] += 1

    def after_call(http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        op = model.name
        failed = "Error" in parsed or getattr(http_response, "status_code", 200) >= 300
        reported = parsed.get("ConsumedCapacity")
        reported_units = sum(
            float(c.get("CapacityUnits", 0)) for c in (reported if isinstance(reported, list) else [reported or {}])
        )
        reads = writes = index_writes = 0.0
        if op == "GetItem":
            reads = read_units(item_size(parsed.get("Item")), consistent=bool(context.get("bench_consistent", True)))
        elif op == "BatchGetItem":
            for items in (parsed.get("Responses") or {}).values():
                reads += sum(read_units(item_size(i)) for i in items)
            found = sum(len(v) for v in (parsed.get("Responses") or {}).values())
            asked = context.get("bench_keys", found)
            reads += read_units(0) * max(0, asked - found)  # a key not found costs the minimum
        elif op in ("Query", "Scan"):
            total = sum(item_size(i) for i in parsed.get("Items", []))
            reads = read_units(total, consistent=bool(context.get("bench_consistent", False)))
        elif op == "TransactGetItems":
            reads = sum(read_units(item_size(r.get("Item")), transactional=True) for r in parsed.get("Responses", []))
        for kind, table, key, put, before in context.get("bench_writes", []):
            transactional = op == "TransactWriteItems"
            if kind == "ConditionCheck":
                reads += read_units(item_size(before), transactional=True)
                continue
            after = (
                before if failed else (put if kind == "Put" else (None if kind == "Delete" else current(table, key)))
            )
            writes += write_units(max(item_size(before), item_size(after)), transactional=transactional)
            if not failed:
                index_writes += sum(ix.writes(before, after) for ix in indexes.get(table, []))
        with lock:
            meter.reported[op] += reported_units
            if reads:
                meter.read_units[op] += reads
            if writes:
                meter.write_units[op] += writes
            if index_writes:
                meter.index_write_units[op] += index_writes

    def kind(key: dict[str, Any]) -> str:
        return str(key.get("pk", {}).get("S", "?")).split("#", 1)[0]

    def note_read(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if model.name == "GetItem":
            context["bench_consistent"] = bool(params.get("ConsistentRead"))
            with lock:
                meter.keys_read[kind(params.get("Key", {}))] += 1
        elif model.name == "BatchGetItem":
            keys = [k for v in params.get("RequestItems", {}).values() for k in v.get("Keys", [])]
            context["bench_keys"] = len(keys)
            with lock:
                meter.keys_read.update(kind(k) for k in keys)
        elif model.name in ("Query", "Scan"):
            context["bench_consistent"] = bool(params.get("ConsistentRead")) and not params.get("IndexName")

    hooks = [
        ("before-parameter-build.dynamodb", before_build),
        ("before-parameter-build.dynamodb", note_read),
        ("before-call.dynamodb", before_call),
        ("after-call.dynamodb", after_call),
    ]
    registries = [aws.dynamodb().meta.events, boto3._get_default_session().events]
    for events in registries:
        for name, hook in hooks:
            events.register(name, hook)
    try:
        yield meter
    finally:
        for events in registries:
            for name, hook in hooks:
                events.unregister(name, hook)
