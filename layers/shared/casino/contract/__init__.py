"""The contract flow (contract-flow.md): the Lambda tasks of the contract state machine."""
