"""Provider-side items of WalletTable (and the game item of RegistryTable): owns their keys
and conditions.

- ``GAME_SESSION#<sha256(token)>`` / ``GAME_SESSION``   a provider game-session token (TTL)
- ``PTX#<provider>#<transaction_id>`` / ``PTX``         a provider transaction: the idempotency
  record (fingerprint, first outcome), the status, the split needed to refund or cancel it,
  or a cancel tombstone
- ``ROUND#<provider>#<round_id>`` / ``ROUND``           a round: the bet split and its status

One ``BatchGetItem`` reads what a callback needs (token, wallet, round, transaction, game,
seal); one ``TransactWriteItems`` writes what it changes (through ``casino.wallet.engine``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from casino import aws
from casino.provider import seals
from casino.provider.rounds import Parts, Round
from casino.provider.seals import Seal
from casino.registry import store as registry_store
from casino.settings import settings
from casino.wallet import store as wallet_store
from casino.wallet.domain import Bonus, Wallet


def token_key(token: str) -> dict[str, str]:
    return {"pk": f"GAME_SESSION#{hashlib.sha256(token.encode('utf-8')).hexdigest()}", "sk": "GAME_SESSION"}


def ptx_key(provider: str, transaction_id: int) -> dict[str, str]:
    return {"pk": f"PTX#{provider}#{transaction_id}", "sk": "PTX"}


def round_key(provider: str, round_id: int) -> dict[str, str]:
    return {"pk": f"ROUND#{provider}#{round_id}", "sk": "ROUND"}


def round_slot(provider: str, round_id: int) -> tuple[str, dict[str, str]]:
    return settings().wallet_table, round_key(provider, round_id)


def game_key(provider: str, game_id: int) -> dict[str, str]:
    return registry_store.game_key(provider, game_id)


@dataclass
class Snapshot:
    """What one batch read found (None where an item does not exist)."""

    session: dict[str, Any] | None = None
    wallet: Wallet | None = None
    round: Round | None = None
    transaction: dict[str, Any] | None = None
    game: dict[str, Any] | None = None
    seal: dict[str, Any] | None = None
    ended_bonus: Bonus | None = None  # a bet's bonus that is no longer the wallet's active one


def slots(
    *,
    provider: str,
    token: str | None = None,
    player_id: str | None = None,
    round_id: int | None = None,
    transaction_id: int | None = None,
    game_id: int | None = None,
    seal: Seal | None = None,
    services: tuple[str, ...] = (),
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Where a callback's items are, by slot (for one ``BatchGetItem``); ``services``: the
    maintenance flags a BET reads with them (``service:<name>``)."""
    wallet_table, registry_table = settings().wallet_table, settings().registry_table
    wanted: dict[str, tuple[str, dict[str, Any]]] = {}
    if token:
        wanted["session"] = (wallet_table, token_key(token))
    if player_id:
        wanted["wallet"] = wallet_store.wallet_slot(player_id)
    if round_id is not None:
        wanted["round"] = (wallet_table, round_key(provider, round_id))
    if transaction_id is not None:
        wanted["transaction"] = (wallet_table, ptx_key(provider, transaction_id))
    if game_id is not None:
        wanted["game"] = (registry_table, game_key(provider, game_id))
    if seal is not None:
        wanted["seal"] = (wallet_table, seals.key(seal))
    wanted.update(registry_store.service_slots(services))
    return wanted


def view(items: dict[str, dict[str, Any] | None]) -> Snapshot:
    """The typed view of a batch read (or of the engine's snapshot)."""
    wallet = items.get("wallet")
    found = items.get("round")
    return Snapshot(
        session=items.get("session"),
        wallet=wallet_store.wallet_from_item(wallet) if wallet else None,
        round=round_from_item(found) if found else None,
        transaction=items.get("transaction"),
        game=items.get("game"),
        seal=items.get("seal"),
        ended_bonus=wallet_store.ended_bonus(items),
    )


def read(**where: Any) -> Snapshot:
    """Everything a callback needs, in one strongly consistent ``BatchGetItem``."""
    wanted = slots(**where)
    return view(aws.batch_get(wanted)) if wanted else Snapshot()


# ------------------------------------------------------------------ rounds
def round_from_item(item: dict[str, Any]) -> Round:
    return Round(
        provider=item["provider"],
        round_id=int(item["round_id"]),
        user_id=item["user_id"],
        game_id=int(item["game_id"]),
        status=item["status"],
        bonus_id=item.get("bonus_id"),
        staked=Parts(int(item["staked_real"]), int(item["staked_bonus"])),
        returned=Parts(int(item["returned_real"]), int(item["returned_bonus"])),
        won=Parts(int(item["won_real"]), int(item["won_bonus"])),
        deposit_wagering=int(item["deposit_wagering"]),
        bonus_wagering=int(item["bonus_wagering"]),
        bets=int(item["bets"]),
        cancelled=int(item.get("cancelled", 0)),
        free_round=bool(item.get("free_round", False)),
        version=int(item["rversion"]),
        created_at=int(item["created_at"]),
        updated_at=int(item.get("updated_at", item["created_at"])),
    )


def round_put(rnd: Round) -> dict[str, Any]:
    """The round's write, conditional on the version it was decided from (or on its absence);
    a lost race returns the current round."""
    values = {
        **round_key(rnd.provider, rnd.round_id),
        "provider": rnd.provider,
        "round_id": rnd.round_id,
        "user_id": rnd.user_id,
        "game_id": rnd.game_id,
        "status": rnd.status,
        "bonus_id": rnd.bonus_id,
        "staked_real": rnd.staked.real,
        "staked_bonus": rnd.staked.bonus,
        "returned_real": rnd.returned.real,
        "returned_bonus": rnd.returned.bonus,
        "won_real": rnd.won.real,
        "won_bonus": rnd.won.bonus,
        "deposit_wagering": rnd.deposit_wagering,
        "bonus_wagering": rnd.bonus_wagering,
        "bets": rnd.bets,
        "cancelled": rnd.cancelled,
        "free_round": rnd.free_round,
        "rversion": rnd.version,
        "created_at": rnd.created_at,
        "updated_at": rnd.updated_at,
    }
    return wallet_store.versioned_put(values, "rversion")


def put_game_session(token: str, values: dict[str, Any]) -> None:
    aws.dynamodb().put_item(
        TableName=settings().wallet_table,
        Item=aws.to_item({**token_key(token), **values, "ttl": int(values["expires_at"]) // 1000 + 86_400}),
        ConditionExpression="attribute_not_exists(pk)",
    )


def ptx_item(provider: str, transaction_id: int, **fields: Any) -> dict[str, Any]:
    """A provider transaction record: the idempotency record of its transaction id, its
    status, and the split needed to refund or cancel it (or a cancel tombstone)."""
    return {**ptx_key(provider, transaction_id), "provider": provider, "transaction_id": transaction_id, **fields}


def ptx_put(item: dict[str, Any], *, expect_status: str | None = None) -> dict[str, Any]:
    """The provider transaction's write: new (``attribute_not_exists``, returning the old item
    when taken) or a status change conditional on the status read."""
    put: dict[str, Any] = {"TableName": settings().wallet_table, "Item": aws.to_item(item)}
    if expect_status is not None:
        put["ConditionExpression"] = "#status = :expected"
        put["ExpressionAttributeNames"] = {"#status": "status"}
        put["ExpressionAttributeValues"] = aws.to_item({":expected": expect_status})
    else:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    put["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {"Put": put}
