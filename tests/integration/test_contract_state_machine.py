"""The contract state machine of template.yaml, its real ASL executed by moto.

Lambda tasks run in-process. The first test runs the project's own step handlers; the
others put stand-in step handlers in place to walk each path of the definition (the ASL,
its Retry/Catch names, the task token and the view timeout are the real ones).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

import boto3
import pytest

from casino import aws
from casino.contract.steps import WalletOutcomeUnknown
from local.stack import LocalStack


def _input(**changes: Any) -> dict[str, Any]:
    data = {
        "contract_id": f"con_{uuid.uuid4().hex}",
        "session_id": "ses_test",
        "operator": "demo",
        "game_id": "lucky-7",
        "kind": "instant_win",
        "stake": "1.00",
        "currency": "EUR",
        "view_timeout_s": 60,
    }
    data.update(changes)
    return data


def _run(stack: LocalStack, data: dict[str, Any], timeout_s: float = 20) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions")
    arn = sfn.start_execution(
        stateMachineArn=stack.state_machine_arn, name=data["contract_id"], input=json.dumps(data)
    )["executionArn"]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.05)
    raise AssertionError("execution did not finish in time")


def _history(arn: str) -> list[dict[str, Any]]:
    return list(boto3.client("stepfunctions").get_execution_history(executionArn=arn)["events"])


def _entered(arn: str) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in _history(arn) if "stateEnteredEventDetails" in e]


def _contract_item(stack: LocalStack, contract_id: str) -> dict[str, Any] | None:
    item = (
        aws.dynamodb()
        .get_item(
            TableName=stack.physical["HubTable"],
            Key=aws.to_item({"pk": f"CONTRACT#{contract_id}", "sk": "CONTRACT"}),
        )
        .get("Item")
    )
    return aws.from_item(item) if item else None


def test_with_the_steps_not_built_a_contract_is_flagged_errored_never_lost(stack: LocalStack) -> None:
    data = _input()
    done = _run(stack, data)
    assert done["status"] == "FAILED"
    assert done["error"] == "ContractErrored"
    failures = [e["taskFailedEventDetails"] for e in _history(done["executionArn"]) if "taskFailedEventDetails" in e]
    assert failures[0]["error"] == "ContractFlowNotBuilt"
    item = _contract_item(stack, data["contract_id"])
    assert item is not None
    assert item["status"] == "errored" and item["gsi3pk"] == "CONTRACTS_NEEDING_ATTENTION"


class Steps:
    """Stand-in step handlers that record their calls."""

    def __init__(self, stack: LocalStack, place_bet: Any, view: str = "send") -> None:
        self.stack = stack
        self.calls: list[str] = []
        self.place_bet_answers = place_bet
        self.view = view

    def _record(self, name: str, answer: Any) -> Any:
        def handler(event: dict[str, Any], context: Any) -> Any:
            self.calls.append(name)
            return answer(event) if callable(answer) else answer

        return handler

    def _await_view(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.calls.append("await_view")
        token = event["task_token"]
        if self.view == "send":

            def send() -> None:
                time.sleep(0.1)
                boto3.client("stepfunctions").send_task_success(taskToken=token, output=json.dumps({"viewed": True}))

            threading.Thread(target=send, daemon=True).start()
        return {"stored": True}

    def install(self) -> Any:
        from contextlib import ExitStack

        stack = ExitStack()
        for logical, name, answer in (
            ("ContractPlaceBetFunction", "place_bet", self.place_bet_answers),
            ("ContractSettleFunction", "settle", {"outcome": "won"}),
            ("ContractFinalizeFunction", "finalize", {"outcome": "finalized"}),
            ("ContractRefundBetFunction", "refund_bet", {"outcome": "refunded"}),
            ("ContractCancelFunction", "cancel_contract", {"outcome": "cancelled"}),
        ):
            stack.enter_context(self.stack.replaced(logical, self._record(name, answer)))
        stack.enter_context(self.stack.replaced("ContractAwaitViewFunction", self._await_view))
        return stack


def test_happy_path_bet_view_settle_finalize(stack: LocalStack) -> None:
    steps = Steps(stack, {"outcome": "placed", "balance": "99.00"})
    with steps.install():
        done = _run(stack, _input())
    assert done["status"] == "SUCCEEDED", done
    assert steps.calls == ["place_bet", "await_view", "settle", "finalize"]
    output = json.loads(done["output"])
    assert output["bet"] == {"outcome": "placed", "balance": "99.00"}
    assert output["view"] == {"viewed": True}
    assert output["settlement"] == {"outcome": "won"}


def test_the_view_timeout_settles_anyway(stack: LocalStack) -> None:
    steps = Steps(stack, {"outcome": "placed", "balance": "99.00"}, view="never")
    started = time.monotonic()
    with steps.install():
        done = _run(stack, _input(view_timeout_s=1))
    assert done["status"] == "SUCCEEDED", done
    assert steps.calls == ["place_bet", "await_view", "settle", "finalize"]
    assert time.monotonic() - started >= 1.0
    assert json.loads(done["output"])["view"]["Error"] == "States.Timeout"


def test_a_refused_bet_cancels_the_contract(stack: LocalStack) -> None:
    steps = Steps(stack, {"outcome": "refused", "balance": "0.50"})
    with steps.install():
        done = _run(stack, _input())
    assert done["status"] == "SUCCEEDED"
    assert steps.calls == ["place_bet", "cancel_contract"]
    assert "Settle" not in _entered(done["executionArn"])


def test_an_unknown_bet_outcome_is_retried_then_refunded(stack: LocalStack) -> None:
    def always_unknown(event: dict[str, Any]) -> Any:
        raise WalletOutcomeUnknown("operator timed out")

    steps = Steps(stack, always_unknown)
    with steps.install():
        done = _run(stack, _input())
    assert done["status"] == "SUCCEEDED"
    assert steps.calls == ["place_bet", "place_bet", "place_bet", "refund_bet"]
    assert json.loads(done["output"])["error"]["Error"] == "WalletOutcomeUnknown"


def test_an_unknown_outcome_that_lands_on_retry_goes_on(stack: LocalStack) -> None:
    answers = iter([WalletOutcomeUnknown("lost answer"), {"outcome": "placed", "balance": "9.00"}])

    def flaky(event: dict[str, Any]) -> Any:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    steps = Steps(stack, flaky)
    with steps.install():
        done = _run(stack, _input())
    assert done["status"] == "SUCCEEDED"
    assert steps.calls == ["place_bet", "place_bet", "await_view", "settle", "finalize"]


@pytest.mark.parametrize("name", ["a", "b"])
def test_one_execution_per_contract_id(stack: LocalStack, name: str) -> None:
    data = _input(contract_id=f"con_same_{name}_{uuid.uuid4().hex[:8]}")
    first = _run(stack, data)
    sfn = boto3.client("stepfunctions")
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=stack.state_machine_arn, name=data["contract_id"], input="{}")
    assert first["name"] == data["contract_id"]
