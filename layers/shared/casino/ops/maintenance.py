"""Maintenance: which services are closed to new bets, and what each face checks
(admin-api.md "Ops"; provider-callbacks.md ``OP_37``).

A service in maintenance refuses NEW bets and still settles what is under way: wins, refunds,
cancels, contract steps and the sweeps that finish them all still run. Which services close
which kind of bet:

- a provider ``BET`` (changebalance): ``wallet`` or ``provider_callbacks`` -> ``OP_37``;
- an account-bridge ``<kind>.play``: ``wallet`` or ``bridge`` -> 503 ``maintenance`` (not
  recorded: the hub's retry of the same transaction after maintenance is a new attempt);
- a hub ``play`` (the player's page): ``hub`` or ``contract_flow`` -> 503 ``maintenance``;
- ``schedules``: the game-list sync is skipped (it moves no money); the contract sweep and the
  session expiry, which settle what is under way, never are.

Pure Python: the flags are read by the stores (``casino.registry.store.services``), in the
same read as the rest of the request where there is one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from casino.errors import InMaintenance, NotFound, ValidationFailed

SERVICES = ("wallet", "provider_callbacks", "hub", "contract_flow", "schedules", "sports", "bridge")

PROVIDER_BET = ("wallet", "provider_callbacks")
BRIDGE_PLAY = ("wallet", "bridge")
HUB_PLAY = ("hub", "contract_flow")
GAME_LIST_SYNC = ("schedules",)

MAX_REASON = 500


@dataclass(frozen=True)
class ServiceState:
    """A service's maintenance flag as last set (``version`` 0: never set)."""

    service: str
    maintenance: bool = False
    reason: str | None = None
    set_by: str | None = None
    since: int | None = None
    version: int = 0

    @classmethod
    def of(cls, service: str, item: Mapping[str, Any] | None) -> ServiceState:
        if not item:
            return cls(service)
        return cls(
            service=service,
            maintenance=bool(item.get("maintenance")),
            reason=item.get("reason"),
            set_by=item.get("set_by"),
            since=int(item["since"]) if item.get("since") is not None else None,
            version=int(item.get("version", 0)),
        )

    def view(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "maintenance": self.maintenance,
            "reason": self.reason,
            "set_by": self.set_by,
            "since": self.since,
        }


def known(service: str) -> str:
    if service not in SERVICES:
        raise NotFound(f"service: unknown service {service!r}; one of {', '.join(SERVICES)}", field="service")
    return service


def _visible(text: str) -> bool:
    """At least one character that shows, and no control character (NUL, newline...)."""
    controls = any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text)
    return not controls and any(ch.isprintable() and not ch.isspace() for ch in text)


def change(current: ServiceState, maintenance: bool, reason: str | None, by: str, now: int) -> ServiceState | None:
    """The new state, or None when nothing changes (the same state again). Setting maintenance
    needs a reason; clearing it may give one (kept in the change record). A new reason for a
    service already in maintenance keeps ``since``: the time it closed."""
    reason = reason.strip() if reason is not None else None
    if reason is not None and len(reason) > MAX_REASON:
        raise ValidationFailed(f"reason: at most {MAX_REASON} characters", field="reason")
    if reason is not None and (reason or maintenance) and not _visible(reason):
        raise ValidationFailed("reason: text without control characters, not blank", field="reason")
    if maintenance and not reason:
        raise ValidationFailed("reason: required when maintenance is set", field="reason")
    if current.maintenance == maintenance and (not maintenance or current.reason == reason):
        return None
    return ServiceState(
        service=current.service,
        maintenance=maintenance,
        reason=reason or None,
        set_by=by,
        since=current.since if (maintenance and current.maintenance) else now,
        version=current.version + 1,
    )


def hub_play_closed_by(states: Iterable[ServiceState], bridge_session: bool) -> list[ServiceState]:
    """What closes a hub play: ``hub`` or ``contract_flow``, and for a session of one of our own
    brands (its wallet is the account bridge) also ``wallet`` or ``bridge``, which would refuse
    the play's bet anyway."""
    faces = HUB_PLAY + (BRIDGE_PLAY if bridge_session else ())
    return [s for s in states if s.service in faces and s.maintenance]


def require_open(states: Iterable[ServiceState]) -> None:
    """Raises ``InMaintenance`` naming the first closed service and its reason."""
    for state in states:
        if state.maintenance:
            why = f": {state.reason}" if state.reason else ""
            raise InMaintenance(f"{state.service} is in maintenance: no new bets are taken{why}")
