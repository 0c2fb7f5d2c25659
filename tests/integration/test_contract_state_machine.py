"""The contract state machine's definition (statemachines/contract.asl.json, as template.yaml
wires it), checked for what moto's parser does not check, and its executions named by contract.
The paths themselves run with the project's handlers in tests/integration/test_contract_flow.py."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest

from local.stack import LocalStack


def _definition(stack: LocalStack) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(stack.state_machine_definition("ContractStateMachine"))
    return loaded


def _targets(state: dict[str, Any]) -> list[str]:
    found = [state.get("Next"), state.get("Default")]
    found += [c.get("Next") for c in state.get("Choices", [])]
    found += [c.get("Next") for c in state.get("Catch", [])]
    return [t for t in found if t]


def test_every_transition_names_a_state_and_every_state_is_reachable(stack: LocalStack) -> None:
    states = _definition(stack)["States"]
    seen, todo = set(), [_definition(stack)["StartAt"]]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        assert name in states, f"{name} is named but not defined"
        seen.add(name)
        todo += _targets(states[name])
    assert seen == set(states)


def test_no_state_loops_back_inside_an_execution(stack: LocalStack) -> None:
    """Retrying past a budget is the sweep's job, in fresh executions: no cycle, so no execution
    nears the 25,000-event history limit."""
    states = _definition(stack)["States"]

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"cycle {' -> '.join((*path, name))}"
        for target in _targets(states[name]):
            visit(target, (*path, name))

    visit(_definition(stack)["StartAt"], ())


def test_the_view_waits_for_a_token_with_the_timeout_of_the_input_and_catches_both_timeouts(stack: LocalStack) -> None:
    view = _definition(stack)["States"]["AwaitView"]
    assert view["Resource"].endswith(":lambda:invoke.waitForTaskToken")
    assert view["TimeoutSecondsPath"] == "$.view_timeout_s"
    assert view["Catch"][0]["ErrorEquals"] == ["States.ALL"] and view["Catch"][0]["Next"] == "Settle"


def test_steps_that_only_update_records_use_the_direct_dynamodb_integration(stack: LocalStack) -> None:
    states = _definition(stack)["States"]
    for name in ("Finalize", "FlagErrored"):
        assert states[name]["Resource"] == "arn:aws:states:::dynamodb:updateItem"


def test_retry_budgets_are_capped_and_jittered(stack: LocalStack) -> None:
    for name, state in _definition(stack)["States"].items():
        for retrier in state.get("Retry", []):
            if retrier.get("MaxAttempts", 3) == 0:
                continue
            assert retrier.get("JitterStrategy") == "FULL", name
            assert retrier["MaxAttempts"] <= 10, name


@pytest.mark.parametrize("name", ["a", "b"])
def test_one_execution_per_contract_id(stack: LocalStack, name: str) -> None:
    contract_id = f"con_same_{name}_{uuid.uuid4().hex[:8]}"
    sfn = boto3.client("stepfunctions")
    data = json.dumps({"contract_id": contract_id, "session_id": "ses_none", "view_timeout_s": 5})
    sfn.start_execution(stateMachineArn=stack.state_machine_arn, name=contract_id, input=data)
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=stack.state_machine_arn, name=contract_id, input="{}")
