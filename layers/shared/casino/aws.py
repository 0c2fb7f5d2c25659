"""boto3 clients, created once per container and only when first used (lean cold starts)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_ssm import SSMClient
    from mypy_boto3_stepfunctions import SFNClient


# An AWS call that hangs gives up well inside a Lambda's time (botocore's defaults are 60 s each),
# so the function can still answer "retry" and record what it knows; 3 attempts, standard mode.
CONNECT_TIMEOUT_S = 2
READ_TIMEOUT_S = 5


def _config() -> Any:
    from botocore.config import Config  # noqa: PLC0415

    return Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"mode": "standard", "max_attempts": 3},
        tcp_keepalive=True,
    )


@lru_cache(maxsize=1)
def dynamodb() -> DynamoDBClient:
    import boto3  # noqa: PLC0415 - lazy: only functions that touch a table pay for it

    return boto3.client("dynamodb", config=_config())


@lru_cache(maxsize=1)
def stepfunctions() -> SFNClient:
    import boto3  # noqa: PLC0415

    return boto3.client("stepfunctions", config=_config())


@lru_cache(maxsize=1)
def ssm() -> SSMClient:
    """SSM Parameter Store (``casino.secret_store``): from the same default session as every
    other client, so the first secret read costs a client, not a second boto3 session."""
    import boto3  # noqa: PLC0415

    return boto3.client("ssm", config=_config())


@lru_cache(maxsize=1)
def secretsmanager() -> Any:  # no stubs for Secrets Manager in the dev tools
    import boto3  # noqa: PLC0415

    return boto3.client("secretsmanager", config=_config())


def reset_clients() -> None:
    """Forget cached clients and every per-environment cache (tests that switch between
    emulators)."""
    for factory in (dynamodb, stepfunctions, ssm, secretsmanager):
        factory.cache_clear()
    from casino import cache  # noqa: PLC0415

    cache.clear_all()


def batch_get(wanted: Mapping[str, tuple[str, Mapping[str, Any]]]) -> dict[str, dict[str, Any] | None]:
    """Several items in one strongly consistent ``BatchGetItem``: ``{slot: (table, key)}`` ->
    ``{slot: item or None}``. The keys come from the stores that own them."""
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    request: dict[str, Any] = {}
    for table, key in wanted.values():
        entry = request.setdefault(table, {"Keys": [], "ConsistentRead": True})
        if to_item(dict(key)) not in entry["Keys"]:
            entry["Keys"].append(to_item(dict(key)))
    pending = request
    for _ in range(5):
        if not pending:
            break
        answer = dynamodb().batch_get_item(RequestItems=pending)
        for table, items in answer.get("Responses", {}).items():
            for raw in items:
                item = from_item(raw)
                found[(table, item["pk"], item["sk"])] = item
        pending = dict(answer.get("UnprocessedKeys") or {})
    if pending:
        raise RuntimeError("BatchGetItem left keys unprocessed")
    return {slot: found.get((table, key["pk"], key["sk"])) for slot, (table, key) in wanted.items()}


def conditional_update(
    table: str, key: Mapping[str, Any], expression: str, condition: str, values: dict[str, Any]
) -> dict[str, Any] | None:
    """One conditional ``UpdateItem`` (key, expressions and values built by a store): the item
    as it now is, or None when the condition failed. ``#status`` names the attribute ``status``."""
    client = dynamodb()
    names = {"ExpressionAttributeNames": {"#status": "status"}} if "#status" in expression + condition else {}
    try:
        answer = client.update_item(
            TableName=table,
            Key=to_item(dict(key)),
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeValues=to_item(values),
            ReturnValues="ALL_NEW",
            **names,  # type: ignore[arg-type]
        )
    except client.exceptions.ConditionalCheckFailedException:
        return None
    return from_item(answer["Attributes"])


def query_all(**query: Any) -> list[dict[str, Any]]:
    """Every item of a ``Query`` (built by a store), following ``LastEvaluatedKey``."""
    items: list[dict[str, Any]] = []
    while True:
        answer = dynamodb().query(**query)
        items.extend(from_item(i) for i in answer.get("Items", []))
        if "LastEvaluatedKey" not in answer:
            return items
        query["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def sparse_list(table: str, name: str, limit: int, *, upto: str | None = None) -> list[dict[str, Any]]:
    """The items of one list of a table's sparse ``GSI3`` (``gsi3pk = name``), oldest first,
    those sorted at or before ``upto`` if given (the list and its keys are a store's)."""
    condition = "gsi3pk = :pk" + (" AND gsi3sk <= :upto" if upto is not None else "")
    values = {":pk": {"S": name}, **({":upto": {"S": upto}} if upto is not None else {})}
    answer = dynamodb().query(
        TableName=table,
        IndexName="GSI3",
        KeyConditionExpression=condition,
        ExpressionAttributeValues=values,
        Limit=limit,
    )
    return [from_item(i) for i in answer.get("Items", [])]


_SERIALIZER: Any = None
_DESERIALIZER: Any = None


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Python values -> DynamoDB attribute values (ints stay exact; None values are dropped)."""
    global _SERIALIZER  # noqa: PLW0603
    if _SERIALIZER is None:
        from boto3.dynamodb.types import TypeSerializer  # noqa: PLC0415

        _SERIALIZER = TypeSerializer()
    return {k: _SERIALIZER.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values -> Python values; whole numbers come back as ``int``."""
    global _DESERIALIZER  # noqa: PLW0603
    if _DESERIALIZER is None:
        from boto3.dynamodb.types import TypeDeserializer  # noqa: PLC0415

        _DESERIALIZER = TypeDeserializer()
    return {k: _plain(_DESERIALIZER.deserialize(v)) for k, v in item.items()}


def _plain(value: Any) -> Any:
    from decimal import Decimal  # noqa: PLC0415

    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
