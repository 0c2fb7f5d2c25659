"""HubTable, password login's own items: owns their keys and conditions (docs/data-model.md).

Keys (pk / sk):
- ``CREDENTIAL#<operator>#<username>`` / ``CREDENTIAL``   a credential by (operator, case-folded
  username): the user id, the player id and the argon2id hash; unique by ``attribute_not_exists``
- ``OPERATOR#<operator>#PASSWORD_USER#<player id>`` / ``USER``   a password user (its hub user),
  by the casino player it plays as. Apart from cross-login users (``OPERATOR#<op>#USER#<their
  id>``, ``casino.hub.store``): an operator's ``create_session`` can never name one.
- ``LOGIN_ATTEMPTS#<account|ip>#<subject>`` / ``LOGIN_ATTEMPTS``   counted password checks of an
  account (``<operator>#<username>``, whether or not it exists) or an address: ``failures``,
  ``window_start``, ``last_at``; TTL ``ttl`` once it no longer matters.

A password user's accounts and sessions are the hub's (``casino.hub.store``).
"""

from __future__ import annotations

from typing import Any, Literal

from casino import aws
from casino.accounts.policy import Limit
from casino.settings import settings

TTL_GRACE_S = 86_400  # DynamoDB deletes expired items lazily: the dates inside decide first
Registered = Literal["registered", "username_taken", "player_taken"]


def _table() -> str:
    return settings().hub_table


def _key(pk: str, sk: str) -> dict[str, Any]:
    return aws.to_item({"pk": pk, "sk": sk})


def _get(pk: str, sk: str) -> dict[str, Any] | None:
    answer = aws.dynamodb().get_item(TableName=_table(), Key=_key(pk, sk), ConsistentRead=True)
    return aws.from_item(answer["Item"]) if "Item" in answer else None


def _credential_key(operator: str, username: str) -> tuple[str, str]:
    return f"CREDENTIAL#{operator}#{username}", "CREDENTIAL"


def _user_key(operator: str, player_id: str) -> tuple[str, str]:
    return f"OPERATOR#{operator}#PASSWORD_USER#{player_id}", "USER"


def _cancelled(error: Exception) -> list[bool]:
    """Which items of a cancelled transaction failed their condition."""
    reasons = getattr(error, "response", {}).get("CancellationReasons", [])
    return [r.get("Code") == "ConditionalCheckFailed" for r in reasons]


# ---------------------------------------------------------------- reads
def credential(operator: str, username: str) -> dict[str, Any] | None:
    return _get(*_credential_key(operator, username))


def password_user(operator: str, player_id: str) -> dict[str, Any] | None:
    return _get(*_user_key(operator, player_id))


# ---------------------------------------------------------------- registration
def register(wallet_puts: list[dict[str, Any]], user: dict[str, Any], credential: dict[str, Any]) -> Registered:
    """The casino player's wallet (``wallet_puts``, from ``casino.wallet.store``: the wallet and its
    directory entry), the password user and its credential, in ONE transaction across WalletTable
    and HubTable: all or none."""
    operator, player_id = user["operator"], user["ref_id"]
    user_pk, user_sk = _user_key(operator, player_id)
    cred_pk, cred_sk = _credential_key(operator, credential["username"])
    client = aws.dynamodb()
    try:
        client.transact_write_items(
            TransactItems=[
                *wallet_puts,  # type: ignore[list-item]
                {
                    "Put": {
                        "TableName": _table(),
                        "Item": aws.to_item({**user, "pk": user_pk, "sk": user_sk}),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {
                    "Put": {
                        "TableName": _table(),
                        "Item": aws.to_item({**credential, "pk": cred_pk, "sk": cred_sk}),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    except client.exceptions.TransactionCanceledException as cancelled:
        failed = _cancelled(cancelled)
        if len(failed) == len(wallet_puts) + 2 and failed[-1]:
            return "username_taken"
        if len(failed) == len(wallet_puts) + 2 and any(failed[:-1]):
            return "player_taken"
        raise
    return "registered"


# ---------------------------------------------------------------- passwords
def replace_hash(operator: str, username: str, user_id: str, old_hash: str, new_hash: str, now: int) -> bool:
    """The credential's hash becomes ``new_hash`` if it is still ``old_hash`` (a rehash at login,
    a change of password): of two changes made from the same old password, one wins."""
    pk, sk = _credential_key(operator, username)
    return (
        aws.conditional_update(
            _table(),
            {"pk": pk, "sk": sk},
            "SET password_hash = :new, updated_at = :now",
            "user_id = :user AND password_hash = :old",
            {":new": new_hash, ":now": now, ":user": user_id, ":old": old_hash},
        )
        is not None
    )


def set_credentials(user: dict[str, Any], username: str, new_hash: str, now: int) -> bool:
    """A password user's credential set by ops: the same username gets the new hash; another
    username moves the credential there (the old one deleted, the user renamed), in one
    transaction. False if the new username is taken by someone else."""
    operator, old = user["operator"], user["username"]
    if username == old:
        pk, sk = _credential_key(operator, old)
        updated = aws.conditional_update(
            _table(),
            {"pk": pk, "sk": sk},
            "SET password_hash = :new, updated_at = :now",
            "user_id = :user",
            {":new": new_hash, ":now": now, ":user": user["id"]},
        )
        if updated is None:
            raise RuntimeError(f"the credential of password user {user['id']} is missing")
        return True
    old_pk, old_sk = _credential_key(operator, old)
    new_pk, new_sk = _credential_key(operator, username)
    user_pk, user_sk = _user_key(operator, user["ref_id"])
    credential = {
        "operator": operator,
        "username": username,
        "user_id": user["id"],
        "player_id": user["ref_id"],
        "password_hash": new_hash,
        "created_at": now,
        "updated_at": now,
    }
    client = aws.dynamodb()
    try:
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": _table(),
                        "Key": _key(user_pk, user_sk),
                        "UpdateExpression": "SET username = :new",
                        "ConditionExpression": "username = :old",
                        "ExpressionAttributeValues": aws.to_item({":new": username, ":old": old}),
                    }
                },
                {
                    "Delete": {
                        "TableName": _table(),
                        "Key": _key(old_pk, old_sk),
                        "ConditionExpression": "user_id = :user",
                        "ExpressionAttributeValues": aws.to_item({":user": user["id"]}),
                    }
                },
                {
                    "Put": {
                        "TableName": _table(),
                        "Item": aws.to_item({**credential, "pk": new_pk, "sk": new_sk}),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    except client.exceptions.TransactionCanceledException as cancelled:
        failed = _cancelled(cancelled)
        if len(failed) == 3 and failed[2] and not (failed[0] or failed[1]):
            return False
        raise
    return True


# ---------------------------------------------------------------- counted attempts
def _attempts_key(limit: Limit, subject: str) -> dict[str, Any]:
    return _key(f"LOGIN_ATTEMPTS#{limit.scope}#{subject}", "LOGIN_ATTEMPTS")


def _counted(
    limit: Limit, subject: str, expression: str, condition: str, values: dict[str, Any]
) -> dict[str, Any] | None:
    client = aws.dynamodb()
    names = {"ExpressionAttributeNames": {"#ttl": "ttl"}} if "#ttl" in expression else {}
    try:
        answer = client.update_item(
            TableName=_table(),
            Key=_attempts_key(limit, subject),
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeValues=aws.to_item(values),
            ReturnValues="ALL_NEW",
            **names,  # type: ignore[arg-type]
        )
    except client.exceptions.ConditionalCheckFailedException:
        return None
    return aws.from_item(answer["Attributes"])


def take_attempt(limit: Limit, subject: str, now: int) -> tuple[bool, dict[str, Any] | None]:
    """Count one password check of ``subject`` before it is made: (True, the counter) if the
    limit allows it, (False, the counter) if it is locked. One conditional write decides, so
    concurrent checks never exceed ``limit.max_failures`` in a window."""
    values = {
        ":one": 1,
        ":now": now,
        ":max": limit.max_failures,
        ":window_ago": now - limit.window_ms,
        ":lock_ago": now - limit.lock_ms,
        ":ttl": (now + max(limit.window_ms, limit.lock_ms)) // 1000 + TTL_GRACE_S,
    }
    for _ in range(3):  # a concurrent opening of a fresh window can make either write the right one
        within = _counted(
            limit,
            subject,
            "SET failures = failures + :one, last_at = :now, #ttl = :ttl",
            "window_start > :window_ago AND failures < :max",
            {k: values[k] for k in (":one", ":now", ":ttl", ":window_ago", ":max")},
        )
        if within is not None:
            return True, within
        fresh = _counted(
            limit,
            subject,
            "SET failures = :one, window_start = :now, last_at = :now, #ttl = :ttl",
            "attribute_not_exists(pk) OR (window_start <= :window_ago AND (failures < :max OR last_at <= :lock_ago))",
            values,
        )
        if fresh is not None:
            return True, fresh
    return False, _get(f"LOGIN_ATTEMPTS#{limit.scope}#{subject}", "LOGIN_ATTEMPTS")


def give_back_attempt(limit: Limit, subject: str, window_start: int) -> None:
    """A counted check that succeeded (or was not made) is given back, in its own window only."""
    _counted(
        limit,
        subject,
        "SET failures = failures - :one",
        "window_start = :start AND failures > :zero",
        {":one": 1, ":start": window_start, ":zero": 0},
    )


def clear_attempts(limit: Limit, subject: str) -> None:
    """The account proved its password: its failures are forgotten."""
    aws.dynamodb().delete_item(TableName=_table(), Key=_attempts_key(limit, subject))
