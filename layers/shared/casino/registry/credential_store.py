"""RegistryTable items of the platform's callers: operators and admin keys. Owns their keys,
index keys and conditions (the rest of the registry is ``casino.registry.store``).

Keys (pk / sk):
- ``OPERATOR#<code>`` / ``OPERATOR``            an operator; GSI1 ``OPERATORS`` / code. Its secret
  versions are listed here, their values are in SSM (never in the table)
- ``APP#<app_id>`` / ``APP``                    the operator of an app id (unique)
- ``OPERATOR#<code>`` / ``LAST_WALLET_CALL``    the hub's last call to the operator's wallet
- ``ADMIN_KEY#<sha256>`` / ``ADMIN_KEY``        an admin key's hash and status; GSI1 ``ADMIN_KEYS`` / key id
- ``ADMIN_KEY_ID#<key id>`` / ``ADMIN_KEY_ID``  the hash of a key, by its id (revoke)
- ``ADMIN_KEYS`` / ``ACTIVE``                   how many admin keys are active, the deploy's bootstrap
  key included (absent: 1, the bootstrap key alone)
"""

from __future__ import annotations

from typing import Any

from casino import aws
from casino.settings import settings


def _table() -> str:
    return settings().registry_table


def _get(pk: str, sk: str) -> dict[str, Any] | None:
    answer = aws.dynamodb().get_item(TableName=_table(), Key=aws.to_item({"pk": pk, "sk": sk}), ConsistentRead=True)
    item = answer.get("Item")
    return aws.from_item(item) if item else None


# ---------------------------------------------------------------- operators
def operator(code: str) -> dict[str, Any] | None:
    return _get(f"OPERATOR#{code}", "OPERATOR")


def operators() -> list[dict[str, Any]]:
    """Every operator (GSI1 ``OPERATORS``: a handful of items, one partition)."""
    return aws.query_all(
        TableName=_table(),
        IndexName="GSI1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues=aws.to_item({":pk": "OPERATORS"}),
    )


def operator_code_of_app(app_id: str) -> str | None:
    link = _get(f"APP#{app_id}", "APP")
    return str(link["operator"]) if link else None


def add_operator(fields: dict[str, Any]) -> bool:
    """The operator's record and its app-id link, in one transaction; False (nothing written)
    when the code or the app id is already taken."""
    code, app_id = fields["code"], fields["app_id"]
    record = {**fields, "pk": f"OPERATOR#{code}", "sk": "OPERATOR", "gsi1pk": "OPERATORS", "gsi1sk": code}
    client = aws.dynamodb()
    try:
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": _table(),
                        "Item": aws.to_item(record),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {
                    "Put": {
                        "TableName": _table(),
                        "Item": aws.to_item({"pk": f"APP#{app_id}", "sk": "APP", "operator": code}),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    except client.exceptions.TransactionCanceledException:
        return False
    return True


def replace_secret_versions(code: str, which: str, old: list[Any], new: list[Any]) -> bool:
    """The live versions of one secret, replaced only if they are still ``old``."""
    client = aws.dynamodb()
    try:
        client.update_item(
            TableName=_table(),
            Key=aws.to_item({"pk": f"OPERATOR#{code}", "sk": "OPERATOR"}),
            UpdateExpression="SET #versions = :new",
            ConditionExpression="#versions = :old",
            ExpressionAttributeNames={"#versions": f"{which}_versions"},
            ExpressionAttributeValues=aws.to_item({":new": new, ":old": old}),
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def last_wallet_call(code: str) -> dict[str, Any] | None:
    return _get(f"OPERATOR#{code}", "LAST_WALLET_CALL")


def record_wallet_call(code: str, path: str, outcome: str, at: int) -> None:
    aws.dynamodb().put_item(
        TableName=_table(),
        Item=aws.to_item(
            {
                "pk": f"OPERATOR#{code}",
                "sk": "LAST_WALLET_CALL",
                "operator": code,
                "path": path,
                "outcome": outcome,
                "at": at,
            }
        ),
    )


# ---------------------------------------------------------------- admin keys
ADMIN_KEY_FIELDS = ("key_id", "label", "status", "created_at", "revoked_at")


def admin_key(key_hash: str) -> dict[str, Any] | None:
    return _get(f"ADMIN_KEY#{key_hash}", "ADMIN_KEY")


def admin_key_hash(key_id: str) -> str | None:
    link = _get(f"ADMIN_KEY_ID#{key_id}", "ADMIN_KEY_ID")
    return str(link["key_hash"]) if link else None


def _one_more_active() -> dict[str, Any]:
    return {
        "Update": {
            "TableName": _table(),
            "Key": aws.to_item({"pk": "ADMIN_KEYS", "sk": "ACTIVE"}),
            "UpdateExpression": "SET active = if_not_exists(active, :bootstrap_alone) + :one",
            "ExpressionAttributeValues": aws.to_item({":bootstrap_alone": 1, ":one": 1}),
        }
    }


def _one_less_active() -> dict[str, Any]:
    """Fails unless another key stays active (absent: the bootstrap key alone, so it fails)."""
    return {
        "Update": {
            "TableName": _table(),
            "Key": aws.to_item({"pk": "ADMIN_KEYS", "sk": "ACTIVE"}),
            "UpdateExpression": "SET active = active - :one",
            "ConditionExpression": "active > :one",
            "ExpressionAttributeValues": aws.to_item({":one": 1}),
        }
    }


def add_admin_key(key_hash: str, record: dict[str, Any]) -> None:
    """A new active key: its record, its id link, and one more active key, in one transaction."""
    aws.dynamodb().transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": _table(),
                    "Item": aws.to_item(
                        {
                            **record,
                            "pk": f"ADMIN_KEY#{key_hash}",
                            "sk": "ADMIN_KEY",
                            "gsi1pk": "ADMIN_KEYS",
                            "gsi1sk": record["key_id"],
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": _table(),
                    "Item": aws.to_item(
                        {"pk": f"ADMIN_KEY_ID#{record['key_id']}", "sk": "ADMIN_KEY_ID", "key_hash": key_hash}
                    ),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            _one_more_active(),  # type: ignore[list-item]
        ]
    )


def revoke_admin_key(key_hash: str, record: dict[str, Any], *, first_record: bool) -> str:
    """Revoke a key and count one active key less, in one transaction. ``first_record``: the key
    has no record yet (the deploy's bootstrap key), so ``record`` is written whole. Answers
    ``revoked``, ``already_revoked`` or ``last_active`` (refused: no other key is active)."""
    key = {"pk": f"ADMIN_KEY#{key_hash}", "sk": "ADMIN_KEY"}
    if first_record:
        change: dict[str, Any] = {
            "Put": {
                "TableName": _table(),
                "Item": aws.to_item({**record, **key, "gsi1pk": "ADMIN_KEYS", "gsi1sk": record["key_id"]}),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
    else:
        change = {
            "Update": {
                "TableName": _table(),
                "Key": aws.to_item(key),
                "UpdateExpression": "SET #status = :revoked, revoked_at = :at",
                "ConditionExpression": "#status = :active",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": aws.to_item(
                    {":revoked": "revoked", ":active": "active", ":at": record["revoked_at"]}
                ),
            }
        }
    client = aws.dynamodb()
    try:
        client.transact_write_items(TransactItems=[change, _one_less_active()])  # type: ignore[list-item]
    except client.exceptions.TransactionCanceledException as cancelled:
        reasons = cancelled.response.get("CancellationReasons", [])
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return "already_revoked"
        return "last_active"
    return "revoked"
