"""The contract flow's Lambda tasks.

The state machine (statemachines/contract.asl.json) and its wiring are in place; the steps
themselves need the hub's contracts, prize pool and operator-wallet client, which land with
the game hub work. Until then every step refuses loudly with ``ContractFlowNotBuilt``, which
the state machine catches: the contract is flagged ``errored`` for ops (never silently lost).
"""

from __future__ import annotations

from typing import Any


class ContractFlowNotBuilt(Exception):
    """Raised by every contract step until the hub's contract flow is built."""


class WalletOutcomeUnknown(Exception):
    """The operator wallet's answer was lost (timeout, connection error, 5xx): retry the same id."""


def _not_built(step: str, event: dict[str, Any]) -> dict[str, Any]:
    raise ContractFlowNotBuilt(f"{step} for contract {event.get('contract_id')!r}: the contract flow is not built yet")


def place_bet(event: dict[str, Any]) -> dict[str, Any]:
    return _not_built("place_bet", event)


def await_view(event: dict[str, Any]) -> dict[str, Any]:
    return _not_built("await_view", event)


def settle(event: dict[str, Any]) -> dict[str, Any]:
    return _not_built("settle", event)


def refund_bet(event: dict[str, Any]) -> dict[str, Any]:
    return _not_built("refund_bet", event)


def finalize(event: dict[str, Any]) -> dict[str, Any]:
    return _not_built("finalize", event)


def cancel_contract(event: dict[str, Any]) -> dict[str, Any]:
    return _not_built("cancel_contract", event)
