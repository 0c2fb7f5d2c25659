"""The contract's executions of the state machine: started by a play (named by the contract id:
a second start is a no-op) and by the sweep's re-drives (the contract id and the attempt, with
where to resume). Only these two callers hold ``states:StartExecution``."""

from __future__ import annotations

import json
from typing import Any

from casino import aws, telemetry
from casino.contract.domain import Contract
from casino.settings import settings

RESUME = {"placing": "place", "refunding": "refund", "viewing": "settle", "settling": "settle", "settled": "settle"}


def name_of(contract: Contract, attempt: int) -> str:
    return contract.id if attempt == 0 else f"{contract.id}-r{attempt}"


def execution_input(
    contract: Contract, resume: str | None = None, correlation_id: str = "", origin_correlation_id: str | None = None
) -> dict[str, Any]:
    """The execution's input. ``correlation_id`` and ``origin_correlation_id`` are always there
    (every Lambda step is passed both; a path missing from the input would fail the step):
    the work that started this execution (a play's request id, a sweep run's ``sweep-<request
    id>``), else one made of the contract id; and the one that began the contract (the play's:
    the same for the first execution; for a re-drive, the first execution's, or "" if unknown)."""
    correlation = correlation_id or telemetry.correlation_id() or f"contract-{contract.id}"[:64]
    data: dict[str, Any] = {
        "contract_id": contract.id,
        "session_id": contract.session_id,
        "view_timeout_s": contract.view_timeout_s,
        "correlation_id": correlation,
        "origin_correlation_id": origin_correlation_id or ("" if resume is not None else correlation),
    }
    if resume is not None:
        data["resume"] = resume
        data["view"] = {"resumed": True}  # a re-drive never waits for the view again
    return data


def start(contract: Contract, attempt: int = 0) -> bool:
    """Start the contract's execution number ``attempt`` (0: the play's); False if it exists.
    A re-drive of a contract the state machine flagged ``errored`` counts ``ContractsErrored``
    (``FlagErrored`` is a direct DynamoDB task: no code of ours runs there; each flagging is
    re-driven once, after the sweep's backoff)."""
    client = aws.stepfunctions()
    resume = RESUME.get(contract.phase) if attempt else None
    origin = _origin_correlation_id(contract) if attempt else None
    try:
        client.start_execution(
            stateMachineArn=settings().contract_state_machine_arn,
            name=name_of(contract, attempt),
            input=json.dumps(execution_input(contract, resume, origin_correlation_id=origin)),
        )
    except client.exceptions.ExecutionAlreadyExists:
        return False
    if attempt and contract.status == "errored":
        telemetry.emit(telemetry.CONTRACT_FLOW, {"ContractsErrored": 1})
    return True


def _origin_correlation_id(contract: Contract) -> str | None:
    """The correlation id of the contract's first execution (the play's request), from that
    execution's input; None if it is gone or unreadable (never fails a re-drive)."""
    try:
        machine = settings().contract_state_machine_arn
        arn = machine.replace(":stateMachine:", ":execution:") + ":" + name_of(contract, 0)
        first = json.loads(aws.stepfunctions().describe_execution(executionArn=arn).get("input") or "{}")
        found = first.get("origin_correlation_id") or first.get("correlation_id")
        return telemetry.safe_token(found)
    except Exception:  # a missing origin is only a missing log field
        return None


def running(contract: Contract, attempt: int) -> bool:
    """Whether the contract's execution number ``attempt`` is still running."""
    machine = settings().contract_state_machine_arn
    arn = machine.replace(":stateMachine:", ":execution:") + ":" + name_of(contract, attempt)
    client = aws.stepfunctions()
    try:
        return client.describe_execution(executionArn=arn)["status"] == "RUNNING"
    except client.exceptions.ExecutionDoesNotExist:
        return False
