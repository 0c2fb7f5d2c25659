"""AWS clients (botocore's, from one session), created once per container and only when first
used (lean cold starts); DynamoDB's item format to and from Python values."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
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
def session() -> Any:
    """The one botocore session every client comes from (credentials and configuration read
    once), with ``_ServiceLoader`` as its data loader. botocore's, not boto3's: importing boto3
    also imports s3transfer (its S3 transfer manager, multiprocessing and all) and boto3's
    resource layer, none of which a client uses; a client made here is the very object
    ``boto3.client`` makes (``boto3.client`` is ``botocore.session.create_client`` on boto3's
    default session, whose only client hooks are S3's)."""
    import botocore.session  # noqa: PLC0415 - lazy: only functions that call AWS pay for it

    made = botocore.session.get_session()
    loader = _service_loader(made.get_config_variable("data_path"))
    made.register_component("data_loader", loader)
    components = getattr(made, "_internal_components", None)  # botocore's registry of its resolver
    if components is not None:
        components.lazy_register_component("endpoint_resolver", lambda: _endpoint_resolver(loader))
    return made


# The services of the clients below, as botocore's endpoints.json names them (Step Functions is
# ``states``), and the cut of that file that holds only them (``aws_endpoints.json``).
ENDPOINT_SERVICES = ("dynamodb", "secretsmanager", "ssm", "states")
ENDPOINTS_CUT = "aws_endpoints.json"


def cut_endpoints(endpoints: Mapping[str, Any], version: str) -> dict[str, Any]:
    """botocore's ``endpoints.json`` with every partition whole but its services only those of
    ``ENDPOINT_SERVICES``, and the botocore version it was cut from."""
    partitions = [
        {**partition, "services": {k: v for k, v in partition["services"].items() if k in ENDPOINT_SERVICES}}
        for partition in endpoints["partitions"]
    ]
    return {"botocore": version, "endpoints": {**endpoints, "partitions": partitions}}


def write_endpoints_cut() -> None:
    """Write ``aws_endpoints.json`` from the installed botocore (after the lock moves botocore:
    ``python -c "from casino import aws; aws.write_endpoints_cut()"`` with the layer on the path)."""
    import json  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    import botocore  # noqa: PLC0415
    from botocore.loaders import Loader  # noqa: PLC0415

    endpoints = Loader().load_data("endpoints")
    text = json.dumps(cut_endpoints(endpoints, botocore.__version__), indent=1, sort_keys=True)
    Path(__file__).with_name(ENDPOINTS_CUT).write_text(text + "\n", encoding="utf-8")


def _endpoint_resolver(loader: Any) -> Any:
    """botocore's endpoint resolver (region, partition and signing data of a client), made from
    ``aws_endpoints.json`` rather than botocore's ``endpoints.json``: that file names every
    service of every partition (1.2 MB of JSON, 15-50 ms of CPU to parse on a cold start) where a
    client here needs its own service's entry and the partitions'. The cut answers exactly as the
    whole file for the services it holds and the partitions; asked about any other service, it
    answers from the whole file (parsed then). The whole file is used from the start when the
    cut is of another botocore version or the endpoints botocore would read are not its own
    (``AWS_DATA_PATH``, ``~/.aws/models``)."""
    import json  # noqa: PLC0415
    import os  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    import botocore  # noqa: PLC0415
    from botocore.regions import EndpointResolver  # noqa: PLC0415

    def whole() -> Any:  # botocore.session's own resolver
        endpoints, path = loader.load_data_with_path("endpoints")
        return EndpointResolver(endpoints, uses_builtin_data=loader.is_builtin_path(path))

    candidates = [os.path.join(p, "endpoints") for p in loader.search_paths]
    first = next((c for c in candidates if loader.file_loader.exists(c)), None)
    cut_file = Path(__file__).with_name(ENDPOINTS_CUT)
    if first is None or not loader.is_builtin_path(first) or not cut_file.exists():
        return whole()
    cut = json.loads(cut_file.read_bytes())
    if cut.get("botocore") != botocore.__version__:
        return whole()

    class _CutEndpoints(EndpointResolver):
        def __init__(self) -> None:
            super().__init__(cut["endpoints"], uses_builtin_data=True)
            self._whole: Any = None

        def _for(self, service_name: str) -> Any:
            if service_name in ENDPOINT_SERVICES:
                return super()
            if self._whole is None:
                self._whole = whole()
            return self._whole

        def get_service_endpoints_data(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
            return self._for(service_name).get_service_endpoints_data(service_name, *args, **kwargs)

        def get_available_endpoints(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
            return self._for(service_name).get_available_endpoints(service_name, *args, **kwargs)

        def construct_endpoint(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
            return self._for(service_name).construct_endpoint(service_name, *args, **kwargs)

    return _CutEndpoints()


def _service_loader(data_path: str | None) -> Any:
    """botocore's data loader, except that asked for a service's model it looks in that service's
    folder only. botocore's own first lists every service it has data for (some 440 folders, one
    ``listdir`` each and a ``stat`` per API version: 35-40 ms of CPU in a cold start, once per
    model type) only to check that the one asked for is among them; here that listing is made
    only when the service has no such model, for botocore's own error (which names them)."""
    import os  # noqa: PLC0415

    from botocore.exceptions import DataNotFoundError  # noqa: PLC0415
    from botocore.loaders import Loader, instance_cache  # noqa: PLC0415

    class _ServiceLoader(Loader):
        @instance_cache
        def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
            if api_version is not None:  # a version asked for: botocore's own way
                return super().load_service_model(service_name, type_name, api_version)
            try:
                api_version = self.determine_latest_version(service_name, type_name)
            except DataNotFoundError:  # not a service (or no such model): botocore's own answer
                return super().load_service_model(service_name, type_name)
            model = self.load_data(os.path.join(service_name, api_version, type_name))
            extras = self._find_extras(service_name, type_name, api_version)  # type: ignore[attr-defined]
            self._extras_processor.process(model, extras)  # type: ignore[attr-defined]
            return model

    if data_path is None:  # as botocore.loaders.create_loader reads AWS_DATA_PATH
        return _ServiceLoader()
    paths = [os.path.expanduser(os.path.expandvars(path)) for path in data_path.split(os.pathsep)]
    return _ServiceLoader(extra_search_paths=paths)


@lru_cache(maxsize=1)
def dynamodb() -> DynamoDBClient:
    return session().create_client("dynamodb", config=_config())  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def stepfunctions() -> SFNClient:
    return session().create_client("stepfunctions", config=_config())  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def ssm() -> SSMClient:
    """SSM Parameter Store (``casino.secret_store``): from the same session as every other
    client, so the first secret read costs a client, not a second session."""
    return session().create_client("ssm", config=_config())  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def secretsmanager() -> Any:  # no stubs for Secrets Manager in the dev tools
    return session().create_client("secretsmanager", config=_config())


def reset_clients() -> None:
    """Forget cached clients and every per-environment cache (tests that switch between
    emulators)."""
    for factory in (dynamodb, stepfunctions, ssm, secretsmanager, session):
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
        serialised = to_item(dict(key))
        if serialised not in entry["Keys"]:
            entry["Keys"].append(serialised)
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


# DynamoDB's number context (boto3.dynamodb.types.DYNAMODB_CONTEXT): 38 digits, nothing rounded.
_DYNAMODB_CONTEXT = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])
# Whole numbers of fewer digits than the context's precision are written and read as their digits
# (the context would give the same), without building a Decimal: most numbers of an item are.
_INT_DIGITS = 38
_INT_LIMIT = 10**_INT_DIGITS


def _serialize(value: Any) -> dict[str, Any]:
    """boto3's ``TypeSerializer().serialize`` for what the stores write (None, bool, int, Decimal,
    str, dicts and lists of them), the same values and errors; anything else (sets, bytes,
    floats...) is handed to boto3's own serializer. Not imported from boto3: importing
    ``boto3.dynamodb.types`` imports boto3 whole (``casino.aws.session`` says why that is avoided)."""
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is int and -_INT_LIMIT < value < _INT_LIMIT:  # what the context would write: its digits
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, Decimal)):
        number = str(_DYNAMODB_CONTEXT.create_decimal(value))
        if number in ("Infinity", "NaN"):
            raise TypeError("Infinity and NaN not supported")
        return {"N": number}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, Mapping):
        return {"M": {k: _serialize(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [_serialize(v) for v in value]}
    from boto3.dynamodb.types import TypeSerializer  # noqa: PLC0415 - a rare type: boto3's own rules

    answer: Any = TypeSerializer().serialize(value)
    return dict(answer)


def _deserialize(value: Mapping[str, Any]) -> Any:
    """boto3's ``TypeDeserializer().deserialize``, except that a whole number comes back as an
    ``int`` (what ``from_item`` answers), other numbers as ``Decimal`` in DynamoDB's context, in
    one pass; binary values and sets are handed to boto3's own (and whole numbers among them made
    ``int`` the same way)."""
    if len(value) == 1:
        ((kind, inner),) = value.items()
        if kind == "S":
            return inner
        if kind == "N":
            if inner.isascii() and inner.isdigit() and len(inner) < _INT_DIGITS:  # a whole number, as stored
                return int(inner)
            number = _DYNAMODB_CONTEXT.create_decimal(inner)
            return int(number) if number == number.to_integral_value() else number
        if kind == "M":
            return {k: _deserialize(v) for k, v in inner.items()}
        if kind == "L":
            return [_deserialize(v) for v in inner]
        if kind == "BOOL":
            return inner
        if kind == "NULL":
            return None
    from boto3.dynamodb.types import TypeDeserializer  # noqa: PLC0415 - binary, sets, or malformed

    return _plain(TypeDeserializer().deserialize(dict(value)))  # type: ignore[arg-type]


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Python values -> DynamoDB attribute values (ints stay exact; None values are dropped)."""
    return {k: _serialize(v) for k, v in values.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values -> Python values; whole numbers come back as ``int``."""
    return {k: _deserialize(v) for k, v in item.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
