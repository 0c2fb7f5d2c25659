"""The contract's executions of the state machine: started by a play (named by the contract id:
a second start is a no-op) and by the sweep's re-drives (the contract id and the attempt, with
where to resume). Only these two callers hold ``states:StartExecution``."""

from __future__ import annotations

import json
from typing import Any

from casino import aws
from casino.contract.domain import Contract
from casino.settings import settings

RESUME = {"placing": "place", "refunding": "refund", "viewing": "settle", "settling": "settle", "settled": "settle"}


def name_of(contract: Contract, attempt: int) -> str:
    return contract.id if attempt == 0 else f"{contract.id}-r{attempt}"


def execution_input(contract: Contract, resume: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "contract_id": contract.id,
        "session_id": contract.session_id,
        "view_timeout_s": contract.view_timeout_s,
    }
    if resume is not None:
        data["resume"] = resume
        data["view"] = {"resumed": True}  # a re-drive never waits for the view again
    return data


def start(contract: Contract, attempt: int = 0) -> bool:
    """Start the contract's execution number ``attempt`` (0: the play's); False if it exists."""
    client = aws.stepfunctions()
    resume = RESUME.get(contract.phase) if attempt else None
    try:
        client.start_execution(
            stateMachineArn=settings().contract_state_machine_arn,
            name=name_of(contract, attempt),
            input=json.dumps(execution_input(contract, resume)),
        )
    except client.exceptions.ExecutionAlreadyExists:
        return False
    return True


def running(contract: Contract, attempt: int) -> bool:
    """Whether the contract's execution number ``attempt`` is still running."""
    machine = settings().contract_state_machine_arn
    arn = machine.replace(":stateMachine:", ":execution:") + ":" + name_of(contract, attempt)
    client = aws.stepfunctions()
    try:
        return client.describe_execution(executionArn=arn)["status"] == "RUNNING"
    except client.exceptions.ExecutionDoesNotExist:
        return False
