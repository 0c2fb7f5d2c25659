"""Every domain error has an answer by class (an HTTP status and a provider code), so none can
fall through to a 500 / OP_90, which would tell the caller "our fault, retry"."""

from __future__ import annotations

import importlib
import pkgutil

import casino
from casino import error_map
from casino.errors import DomainError


def all_domain_errors() -> list[type[DomainError]]:
    for module in pkgutil.walk_packages(casino.__path__, "casino."):
        importlib.import_module(module.name)
    found: list[type[DomainError]] = []
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        kind = pending.pop()
        found.append(kind)
        pending.extend(kind.__subclasses__())
    return [k for k in found if k is not DomainError]


def test_every_domain_error_maps_to_a_status_and_a_provider_code() -> None:
    errors = all_domain_errors()
    assert len(errors) > 15
    unmapped = [
        f"{k.__module__}.{k.__qualname__}"
        for k in errors
        if not any(cls in error_map.table() for cls in k.__mro__ if cls is not DomainError)
    ]
    assert unmapped == []
    for kind in errors:
        status = error_map.http_status(kind)
        assert 400 <= status < 600
        assert error_map.provider_code(kind).startswith("OP_")


def test_refusals_are_4xx_and_only_our_faults_are_5xx() -> None:
    ours = {"UpstreamUnavailable", "InMaintenance", "WalletOutcomeUnknown"}
    for kind in all_domain_errors():
        status = error_map.http_status(kind)
        if kind.__name__ in ours:
            assert status >= 500, kind
        else:
            assert status < 500, kind
