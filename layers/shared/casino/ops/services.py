"""Setting and reading the services' maintenance flags (the rules: ``casino.ops.maintenance``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from casino import clock
from casino.errors import Conflict
from casino.ops.maintenance import ServiceState, change, known, require_open
from casino.registry import store

ATTEMPTS = 5


def state(service: str) -> ServiceState:
    return ServiceState.of(service, store.service_status(service))


def states(names: Iterable[str]) -> list[ServiceState]:
    """The flags of ``names``, read together (one request)."""
    return [ServiceState.of(name, item) for name, item in store.services(names).items()]


def of_snapshot(snap: Mapping[str, Mapping[str, Any] | None], names: Iterable[str]) -> list[ServiceState]:
    """The flags of ``names`` from a batch read that took ``store.service_slots(names)``."""
    return [ServiceState.of(name, snap.get(f"service:{name}")) for name in names]


def require_open_now(names: Iterable[str]) -> None:
    """Raises ``InMaintenance`` when one of ``names`` is closed to new bets."""
    require_open(states(names))


def set_maintenance(service: str, maintenance: bool, reason: str | None, by: str) -> dict[str, Any]:
    """Set or clear a service's maintenance; the same state again changes nothing. Each change
    is kept with its reason, who set it and when (``history``)."""
    known(service)
    for _ in range(ATTEMPTS):
        current = state(service)
        new = change(current, maintenance, reason, by, clock.now_ms())
        if new is None:
            return _answer(current)
        values = {k: v for k, v in new.view().items() if k != "service" and v is not None}
        if store.set_service_status(service, {**values, "version": new.version}, current.version):
            return _answer(new)
    raise Conflict(f"service: {service} is being changed by someone else; retry", field="service")


def _answer(current: ServiceState) -> dict[str, Any]:
    status = "maintenance" if current.maintenance else "up"
    fields = ("maintenance", "reason", "set_by", "since")
    history = [{k: c.get(k) for k in fields} for c in store.service_changes(current.service)]
    return {**current.view(), "status": status, "history": history}
