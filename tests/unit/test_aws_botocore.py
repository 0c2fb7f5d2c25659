"""``casino.aws`` makes its clients from one botocore session (not boto3's) with a data loader
that looks in the asked service's folder only, and converts items itself: all of it must be
exactly what boto3 and botocore's own loader give."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import UnknownServiceError
from botocore.loaders import create_loader

from casino import aws

VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -7,
    10**37,
    10**38 - 1,
    -(10**37),
    Decimal("100"),
    {"n": 10**37, "m": [-1, Decimal("-2.5"), 0]},
    Decimal("12.50"),
    Decimal("-0.0001"),
    Decimal("1E+5"),
    "",
    "text é ✓",
    {"a": 1, "b": [Decimal("1.10"), "x", None, {"c": False}], "d": {}},
    [],
    (1, "two"),
    {"nested": {"deeper": {"deepest": [1, [2, [3]]]}}},
    {1, 2, 3},
    frozenset({"a"}),
    b"\x00\xff",
    bytearray(b"ab"),
]


@pytest.mark.parametrize("value", VALUES, ids=[repr(v)[:30] for v in VALUES])
def test_items_convert_as_boto3_converts_them(value: Any) -> None:
    expected = TypeSerializer().serialize(value)
    assert aws._serialize(value) == expected
    # as ``from_item`` reads it: boto3's value with whole numbers as ``int`` (``_plain``)
    ours, theirs = aws._plain(aws._deserialize(expected)), aws._plain(TypeDeserializer().deserialize(expected))
    assert ours == theirs
    assert type(ours) is type(theirs)
    if isinstance(theirs, (dict, list)):
        assert repr(ours) == repr(theirs)  # the same types inside


@pytest.mark.parametrize(
    "value", [1.5, Decimal("Infinity"), Decimal("NaN"), Decimal("1." + "1" * 40), 10**38, -(10**40), object()]
)
def test_what_boto3_refuses_is_refused_the_same(value: Any) -> None:
    with pytest.raises(Exception) as boto3_error:
        TypeSerializer().serialize(value)
    with pytest.raises(type(boto3_error.value)) as ours:
        aws._serialize(value)
    assert str(ours.value) == str(boto3_error.value)


def test_an_item_round_trips_with_whole_numbers_as_int() -> None:
    item = {"pk": "P#1", "n": 3, "amount": Decimal("2.50"), "gone": None, "tags": ["a", 2]}
    stored = aws.to_item(item)
    assert stored == {k: TypeSerializer().serialize(v) for k, v in item.items() if v is not None}
    back = aws.from_item(stored)
    assert back == {"pk": "P#1", "n": 3, "amount": Decimal("2.50"), "tags": ["a", 2]}
    assert type(back["n"]) is int and type(back["tags"][1]) is int


@pytest.mark.parametrize("service", ["dynamodb", "ssm", "secretsmanager", "stepfunctions", "sts"])
@pytest.mark.parametrize("type_name", ["service-2", "endpoint-rule-set-1", "paginators-1"])
def test_the_service_loader_loads_what_botocore_loads(service: str, type_name: str) -> None:
    ours = aws._service_loader(None)
    assert ours.load_service_model(service, type_name) == create_loader().load_service_model(service, type_name)
    assert ours._cache.get(("list_available_services", type_name)) is None  # no listing of every service


def test_an_unknown_service_is_botocores_own_error() -> None:
    with pytest.raises(UnknownServiceError) as ours:
        aws._service_loader(None).load_service_model("no-such-service", "service-2")
    with pytest.raises(UnknownServiceError) as botocores:
        create_loader().load_service_model("no-such-service", "service-2")
    assert str(ours.value) == str(botocores.value)


def test_clients_come_from_one_botocore_session_without_boto3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    aws.reset_clients()
    try:
        client = aws.dynamodb()
        assert client.meta.service_model.service_name == "dynamodb"
        assert aws.ssm().meta.events is not client.meta.events
        assert aws.session().get_component("data_loader").__class__.__name__ == "_ServiceLoader"
        import boto3

        theirs = boto3.client("dynamodb", config=aws._config())
        assert getattr(client.meta.config, "retries") == getattr(theirs.meta.config, "retries")  # noqa: B009
        assert client.meta.endpoint_url == theirs.meta.endpoint_url
        assert client.meta.region_name == theirs.meta.region_name
    finally:
        aws.reset_clients()


def test_a_client_and_an_item_import_neither_boto3_nor_s3transfer() -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    layer = Path(__file__).resolve().parents[2] / "layers" / "shared"
    code = (
        f"import sys, json; sys.path.insert(0, {str(layer)!r})\n"
        "from casino import aws\n"
        "aws.dynamodb(); aws.ssm(); aws.from_item(aws.to_item({'pk': 'a', 'n': 1}))\n"
        "print(json.dumps(sorted(m for m in ('boto3', 's3transfer') if m in sys.modules)))"
    )
    answer = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={"PYTHONDONTWRITEBYTECODE": "1", "AWS_DEFAULT_REGION": "eu-west-1", "PATH": "/usr/bin:/bin"},
    )
    assert json.loads(answer.stdout.strip().splitlines()[-1]) == []


def _resolvers() -> tuple[Any, Any]:
    from botocore.regions import EndpointResolver

    loader = aws._service_loader(None)
    ours = aws._endpoint_resolver(loader)
    return ours, EndpointResolver(create_loader().load_data("endpoints"), uses_builtin_data=True)


def test_the_endpoints_cut_is_the_cut_of_the_installed_botocore() -> None:
    """Fails when the lock moves botocore: write it again (``aws.write_endpoints_cut()``)."""
    import json
    from pathlib import Path

    import botocore

    shipped = json.loads((Path(aws.__file__).with_name(aws.ENDPOINTS_CUT)).read_text(encoding="utf-8"))
    assert shipped == aws.cut_endpoints(create_loader().load_data("endpoints"), botocore.__version__)
    ours, _ = _resolvers()
    assert type(ours).__name__ == "_CutEndpoints"  # this botocore: the cut is used


def test_the_cut_resolves_every_endpoint_as_botocores_whole_file() -> None:
    ours, whole = _resolvers()
    assert ours.get_available_partitions() == whole.get_available_partitions()
    partitions = whole.get_available_partitions()
    for service in (*aws.ENDPOINT_SERVICES, "sts", "iam", "s3", "lambda", "no-such-service"):
        for partition in partitions:
            assert ours.get_service_endpoints_data(service, partition) == whole.get_service_endpoints_data(
                service, partition
            )
            for non_regional in (False, True):
                assert ours.get_available_endpoints(service, partition, non_regional) == whole.get_available_endpoints(
                    service, partition, non_regional
                )
            regions = whole._endpoint_data["partitions"][partitions.index(partition)]["regions"]
            for region in [*regions, "eu-west-9", None]:
                if region is not None:
                    assert ours.get_partition_for_region(region) == whole.get_partition_for_region(region)
                for fips in (False, True):
                    for dualstack in (False, True):
                        kwargs = {"use_fips_endpoint": fips, "use_dualstack_endpoint": dualstack}
                        try:
                            expected = whole.construct_endpoint(service, region, partition, **kwargs)
                        except Exception as error:  # the same refusal
                            with pytest.raises(type(error)):
                                ours.construct_endpoint(service, region, partition, **kwargs)
                            continue
                        assert ours.construct_endpoint(service, region, partition, **kwargs) == expected


def test_a_session_uses_the_cut_and_clients_resolve_as_boto3s(monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    aws.reset_clients()
    try:
        assert type(aws.session()._get_internal_component("endpoint_resolver")).__name__ == "_CutEndpoints"
        pairs: list[tuple[Any, Any]] = [
            (aws.dynamodb(), boto3.client("dynamodb", config=aws._config())),
            (aws.ssm(), boto3.client("ssm", config=aws._config())),
            (aws.stepfunctions(), boto3.client("stepfunctions", config=aws._config())),
        ]
        for ours, theirs in pairs:
            assert ours.meta.endpoint_url == theirs.meta.endpoint_url
            assert ours.meta.region_name == theirs.meta.region_name
            assert ours.meta.partition == theirs.meta.partition
            assert getattr(ours, "_request_signer")._signing_name == getattr(theirs, "_request_signer")._signing_name  # noqa: B009
    finally:
        aws.reset_clients()
