"""Provider-side items of WalletTable (and the game item of RegistryTable): owns their keys
and conditions.

- ``GAME_SESSION#<sha256(token)>`` / ``GAME_SESSION``   a provider game-session token (TTL)
- ``PTX#<provider>#<transaction_id>`` / ``PTX``         a provider transaction: the idempotency
  record (fingerprint, first outcome), the status, the split needed to refund or cancel it,
  or a cancel tombstone
- ``ROUND#<provider>#<round_id>`` / ``ROUND``           a round: the bet split and its status

One ``BatchGetItem`` reads what a callback needs (token, wallet, round, transaction, game);
one ``TransactWriteItems`` writes what it changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from casino import aws
from casino.settings import settings
from casino.wallet import store as wallet_store
from casino.wallet.domain import Wallet


def token_key(token: str) -> dict[str, str]:
    return {"pk": f"GAME_SESSION#{hashlib.sha256(token.encode('utf-8')).hexdigest()}", "sk": "GAME_SESSION"}


def ptx_key(provider: str, transaction_id: int) -> dict[str, str]:
    return {"pk": f"PTX#{provider}#{transaction_id}", "sk": "PTX"}


def round_key(provider: str, round_id: int) -> dict[str, str]:
    return {"pk": f"ROUND#{provider}#{round_id}", "sk": "ROUND"}


def game_key(provider: str, game_id: int) -> dict[str, str]:
    return {"pk": f"GAME#{provider}#{game_id}", "sk": "GAME"}


@dataclass
class Snapshot:
    """What one batch read found (None where an item does not exist)."""

    session: dict[str, Any] | None = None
    wallet: Wallet | None = None
    round: dict[str, Any] | None = None
    transaction: dict[str, Any] | None = None
    game: dict[str, Any] | None = None


def read(
    *,
    provider: str,
    token: str | None = None,
    player_id: str | None = None,
    round_id: int | None = None,
    transaction_id: int | None = None,
    game_id: int | None = None,
) -> Snapshot:
    """Everything a callback needs, in one strongly consistent ``BatchGetItem``."""
    wallet_table, registry_table = settings().wallet_table, settings().registry_table
    wanted: dict[str, tuple[str, dict[str, str]]] = {}
    if token:
        wanted["session"] = (wallet_table, token_key(token))
    if player_id:
        wanted["wallet"] = (wallet_table, wallet_store.wallet_key(player_id))
    if round_id is not None:
        wanted["round"] = (wallet_table, round_key(provider, round_id))
    if transaction_id is not None:
        wanted["transaction"] = (wallet_table, ptx_key(provider, transaction_id))
    if game_id is not None:
        wanted["game"] = (registry_table, game_key(provider, game_id))
    snapshot = Snapshot()
    if not wanted:
        return snapshot
    request: dict[str, Any] = {}
    for table, key in wanted.values():
        entry = request.setdefault(table, {"Keys": [], "ConsistentRead": True})
        if aws.to_item(key) not in entry["Keys"]:
            entry["Keys"].append(aws.to_item(key))
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    pending = request
    client = aws.dynamodb()
    for _ in range(5):
        answer = client.batch_get_item(RequestItems=pending)
        for table, items in answer.get("Responses", {}).items():
            for raw in items:
                item = aws.from_item(raw)
                found[(table, item["pk"], item["sk"])] = item
        pending = dict(answer.get("UnprocessedKeys") or {})
        if not pending:
            break
    for name, (table, key) in wanted.items():
        hit = found.get((table, key["pk"], key["sk"]))
        if name == "wallet":
            snapshot.wallet = wallet_store.wallet_from_item(hit) if hit else None
        else:
            setattr(snapshot, name, hit)
    return snapshot


def put_game_session(token: str, values: dict[str, Any]) -> None:
    aws.dynamodb().put_item(
        TableName=settings().wallet_table,
        Item=aws.to_item({**token_key(token), **values, "ttl": int(values["expires_at"]) // 1000 + 86_400}),
        ConditionExpression="attribute_not_exists(pk)",
    )


def ptx_put(item: dict[str, Any], *, expect_absent: bool = True, expect_status: str | None = None) -> dict[str, Any]:
    """The provider transaction's write: new (``attribute_not_exists``, returning the old item
    when taken) or a status change conditional on the status read."""
    put: dict[str, Any] = {"TableName": settings().wallet_table, "Item": aws.to_item(item)}
    if expect_status is not None:
        put["ConditionExpression"] = "#status = :expected"
        put["ExpressionAttributeNames"] = {"#status": "status"}
        put["ExpressionAttributeValues"] = aws.to_item({":expected": expect_status})
    elif expect_absent:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    put["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {"Put": put}


def round_put(item: dict[str, Any], read_version: int | None) -> dict[str, Any]:
    """The round's write, conditional on the version read (or on its absence)."""
    put: dict[str, Any] = {"TableName": settings().wallet_table, "Item": aws.to_item(item)}
    if read_version is None:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "rversion = :v"
        put["ExpressionAttributeValues"] = aws.to_item({":v": read_version})
    return {"Put": put}


def transact(items: list[dict[str, Any]]) -> None:
    wallet_store.transact(items)
