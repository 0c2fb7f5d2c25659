"""The maintenance rules on their own (casino.ops.maintenance)."""

from __future__ import annotations

import pytest

from casino.errors import InMaintenance, NotFound, ValidationFailed
from casino.ops.maintenance import (
    BRIDGE_PLAY,
    HUB_PLAY,
    PROVIDER_BET,
    SERVICES,
    ServiceState,
    change,
    known,
    require_open,
)


def test_every_face_is_closed_by_its_own_service_and_by_nothing_else() -> None:
    assert set(PROVIDER_BET) == {"wallet", "provider_callbacks"}
    assert set(BRIDGE_PLAY) == {"wallet", "bridge"}
    assert set(HUB_PLAY) == {"hub", "contract_flow"}  # the hub moves the operator's money, not our wallet's
    assert set(PROVIDER_BET + BRIDGE_PLAY + HUB_PLAY) <= set(SERVICES)


def test_setting_maintenance_needs_a_reason_and_keeps_who_and_when() -> None:
    up = ServiceState("hub")
    with pytest.raises(ValidationFailed) as refused:
        change(up, True, None, "key_1", 5)
    assert refused.value.field == "reason"
    with pytest.raises(ValidationFailed):
        change(up, True, "  ", "key_1", 5)
    with pytest.raises(ValidationFailed):
        change(up, True, "x" * 501, "key_1", 5)
    closed = change(up, True, " upgrade ", "key_1", 5)
    assert closed == ServiceState("hub", True, "upgrade", "key_1", 5, 1)


def test_the_same_state_again_changes_nothing_and_a_new_reason_does() -> None:
    closed = ServiceState("hub", True, "upgrade", "key_1", 5, 1)
    assert change(closed, True, "upgrade", "key_2", 9) is None
    assert change(ServiceState("hub"), False, None, "key_2", 9) is None
    reworded = change(closed, True, "longer upgrade", "key_2", 9)  # since: when it closed
    assert reworded is not None and (reworded.set_by, reworded.since, reworded.version) == ("key_2", 5, 2)
    opened = change(closed, False, None, "key_2", 9)
    assert opened == ServiceState("hub", False, None, "key_2", 9, 2)
    said_why = change(closed, False, " fixed ", "key_2", 9)
    assert said_why == ServiceState("hub", False, "fixed", "key_2", 9, 2)


@pytest.mark.parametrize("reason", ["\u0000", "\u200b", "\u0000\n\t", "up\u0000grade", "two\nlines"])
def test_a_reason_must_show_and_hold_no_control_character(reason: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        change(ServiceState("hub"), True, reason, "key_1", 5)
    assert refused.value.field == "reason"


def test_a_closed_service_refuses_naming_itself_and_its_reason() -> None:
    require_open([ServiceState("wallet"), ServiceState("provider_callbacks")])
    with pytest.raises(InMaintenance) as refused:
        require_open([ServiceState("wallet"), ServiceState("provider_callbacks", True, "db upgrade")])
    assert "provider_callbacks" in refused.value.message and "db upgrade" in refused.value.message


def test_a_state_reads_back_from_its_item_and_unknown_services_are_not_found() -> None:
    assert ServiceState.of("hub", None) == ServiceState("hub")
    item = {"maintenance": True, "reason": "r", "set_by": "k", "since": 7, "version": 3}
    assert ServiceState.of("hub", item) == ServiceState("hub", True, "r", "k", 7, 3)
    assert known("bridge") == "bridge"
    with pytest.raises(NotFound):
        known("Hub")
