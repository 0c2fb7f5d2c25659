"""The local stack serialises moto's DynamoDB, as real DynamoDB is atomic per request."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from casino import aws
from local.stack import LocalStack


def test_concurrent_conditional_debits_never_overdraw(stack: LocalStack) -> None:
    table = stack.physical["RegistryTable"]
    client = aws.dynamodb()
    key = aws.to_item({"pk": "TEST#atomicity", "sk": "COUNTER"})
    client.put_item(TableName=table, Item={**key, **aws.to_item({"left": 10})})

    def debit(_: int) -> bool:
        try:
            client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": table,
                            "Key": key,
                            "UpdateExpression": "SET #left = #left - :one",
                            "ConditionExpression": "#left >= :one",
                            "ExpressionAttributeNames": {"#left": "left"},
                            "ExpressionAttributeValues": aws.to_item({":one": 1}),
                        }
                    }
                ]
            )
        except client.exceptions.TransactionCanceledException:
            return False
        return True

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(debit, range(50)))
    assert outcomes.count(True) == 10
    left = aws.from_item(client.get_item(TableName=table, Key=key)["Item"])["left"]
    assert left == 0


def test_a_cancelled_transaction_leaves_every_item_as_it_was(stack: LocalStack) -> None:
    table = stack.physical["RegistryTable"]
    client = aws.dynamodb()
    existing = aws.to_item({"pk": "TEST#rollback", "sk": "EXISTING"})
    client.put_item(TableName=table, Item={**existing, **aws.to_item({"n": 1})})
    new = aws.to_item({"pk": "TEST#rollback", "sk": "NEW"})
    guard = aws.to_item({"pk": "TEST#rollback", "sk": "GUARD"})
    client.put_item(TableName=table, Item=guard)
    try:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {**new, **aws.to_item({"n": 1})}}},
                {
                    "Update": {
                        "TableName": table,
                        "Key": existing,
                        "UpdateExpression": "SET n = :two",
                        "ExpressionAttributeValues": aws.to_item({":two": 2}),
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": guard,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    except client.exceptions.TransactionCanceledException as cancelled:
        codes = [r["Code"] for r in cancelled.response["CancellationReasons"]]
        assert codes == ["None", "None", "ConditionalCheckFailed"]
    else:
        raise AssertionError("the transaction should have been cancelled")
    assert "Item" not in client.get_item(TableName=table, Key=new)
    assert aws.from_item(client.get_item(TableName=table, Key=existing)["Item"])["n"] == 1
