"""WalletTable: owns every key and condition of the casino wallet.

Keys (pk / sk), see docs/data-model.md:
- ``PLAYER#<id>`` / ``WALLET``                       the wallet (balances, bonus, wagering, version); no index key
- ``PLAYER#<id>`` / ``DIRECTORY``                    its directory entry, written with the wallet; GSI1 ``PLAYERS``
- ``PLAYER#<id>`` / ``LEDGER#<version:012d>#<n:02d>`` a ledger entry; GSI2 ``FEED#<source>#<day>`` (reconciliation)
- ``BONUS#<id>`` / ``BONUS``                         a bonus record; GSI1 ``PLAYER_BONUSES#<player>``
- ``IDEMPOTENCY#<scope>#<key>`` / ``IDEMPOTENCY``    the first answer to a request

A money movement is one ``TransactWriteItems``: the wallet (conditional on the version read),
its ledger entries, the bonus records it touches, the idempotency record
(``attribute_not_exists``) and whatever else the caller adds (a provider transaction, a round).
"""

from __future__ import annotations

import json
import re
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from casino import aws
from casino.idempotency import Record
from casino.settings import settings
from casino.wallet import responsible
from casino.wallet.domain import Bonus, LedgerEntry, Limits, Movement, Wallet
from casino.wallet.responsible import Change

PAGE_LIMIT = 100


class VersionConflict(Exception):
    """A condition failed (the wallet changed since it was read): read again and decide again.
    ``failed`` lists the indexes of the transaction items whose condition failed."""

    def __init__(self, failed: list[int] | None = None, reasons: list[dict[str, Any]] | None = None):
        super().__init__(failed)
        self.failed = failed or []
        self.reasons = reasons or []


def _table() -> str:
    return settings().wallet_table


def wallet_key(player_id: str) -> dict[str, Any]:
    return {"pk": f"PLAYER#{player_id}", "sk": "WALLET"}


def idempotency_key(scope: str, key: str) -> dict[str, Any]:
    return {"pk": f"IDEMPOTENCY#{scope}#{key}", "sk": "IDEMPOTENCY"}


# ------------------------------------------------------------------ (de)serialisation
_LEAVES = (str, int, bool, Decimal, type(None))
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # a dataclass's field names (none: not a dataclass)


def record_fields(value: Any) -> Any:
    """``dataclasses.asdict`` for the records of money movements (the wallet, its entries, a bet's
    or a refund's split), about five times faster: it copies the
    containers (dataclasses, dicts, lists, tuples) and shares the leaves, which are immutable
    here (str, int, Decimal, bool, None), where ``asdict`` deep-copies every leaf; a money
    movement writes the wallet and its entries on every call."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is dict:
        return {k: record_fields(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return kind(record_fields(v) for v in value)
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value)) if is_dataclass(value) else ()
    return {name: record_fields(getattr(value, name)) for name in names} if names else value


def directory_key(player_id: str) -> dict[str, Any]:
    """The player's entry in the directory of every player (GSI1 ``PLAYERS``): an item of its own,
    written once with the wallet, so that a wallet's writes (every money movement) carry no index
    key and write no index entry."""
    return {"pk": f"PLAYER#{player_id}", "sk": "DIRECTORY"}


def _wallet_item(wallet: Wallet) -> dict[str, Any]:
    values = record_fields(wallet)
    values["limits"] = {k: v for k, v in values["limits"].items() if v is not None}
    return {**wallet_key(wallet.player_id), **values}


def _directory_item(wallet: Wallet) -> dict[str, Any]:
    return {
        **directory_key(wallet.player_id),
        "gsi1pk": "PLAYERS",
        "gsi1sk": wallet.player_id,
        "player_id": wallet.player_id,
        "created_at": wallet.created_at,
    }


def _bonus(values: dict[str, Any]) -> Bonus:
    return Bonus(**{k: v for k, v in values.items() if k in Bonus.__dataclass_fields__})


def wallet_from_item(item: dict[str, Any]) -> Wallet:
    values = {k: v for k, v in item.items() if k in Wallet.__dataclass_fields__}
    values["limits"] = Limits(**item.get("limits", {}))
    values["responsible"] = responsible.from_json(item.get("responsible"))
    values["active_bonus"] = _bonus(item["active_bonus"]) if item.get("active_bonus") else None
    return Wallet(**values)


def _entry_item(entry: LedgerEntry, version: int, index: int, currency: str) -> dict[str, Any]:
    source = str(entry.reference.get("source", "admin"))
    day = datetime.fromtimestamp(entry.created_at / 1000, tz=UTC).strftime("%Y-%m-%d")
    return {
        "pk": f"PLAYER#{entry.player_id}",
        "sk": f"LEDGER#{version:012d}#{index:02d}",
        "gsi2pk": f"FEED#{source}#{day}",
        "gsi2sk": feed_position(entry),
        **record_fields(entry),
        "currency": currency,
        "version": version,
    }


def feed_position(entry: LedgerEntry) -> str:
    """An entry's position in its day's reconciliation feed: its GSI2 sort key, which
    ``feed_page``'s ``after`` continues from."""
    return f"{entry.created_at:015d}#{entry.id}"


def entry_from_item(item: dict[str, Any]) -> LedgerEntry:
    return LedgerEntry(**{k: v for k, v in item.items() if k in LedgerEntry.__dataclass_fields__})


def _bonus_item(bonus: Bonus) -> dict[str, Any]:
    return {
        **bonus_key(bonus.id),
        "gsi1pk": f"PLAYER_BONUSES#{bonus.player_id}",
        "gsi1sk": f"{bonus.granted_at:015d}#{bonus.id}",
        **record_fields(bonus),
    }


def _record_item(record: Record) -> dict[str, Any]:
    return {
        **idempotency_key(record.scope, record.key),
        "fingerprint": record.fingerprint,
        "outcome": record.outcome,
        "answer": json.dumps(record.answer, separators=(",", ":"), default=str),
        "created_at": record.created_at,
    }


def record_from_item(item: dict[str, Any], scope: str, key: str) -> Record:
    return Record(
        scope=scope,
        key=key,
        fingerprint=item["fingerprint"],
        outcome=item["outcome"],
        answer=json.loads(item["answer"]),
        created_at=item["created_at"],
    )


# ------------------------------------------------------------------ reads
def get_wallet(player_id: str) -> Wallet | None:
    answer = aws.dynamodb().get_item(TableName=_table(), Key=aws.to_item(wallet_key(player_id)), ConsistentRead=True)
    item = answer.get("Item")
    return wallet_from_item(aws.from_item(item)) if item else None


def bonus_key(bonus_id: str) -> dict[str, Any]:
    return {"pk": f"BONUS#{bonus_id}", "sk": "BONUS"}


def get_bonus(bonus_id: str) -> Bonus | None:
    answer = aws.dynamodb().get_item(TableName=_table(), Key=aws.to_item(bonus_key(bonus_id)), ConsistentRead=True)
    item = answer.get("Item")
    return _bonus(aws.from_item(item)) if item else None


def wallet_slot(player_id: str) -> tuple[str, dict[str, Any]]:
    """Where a batch read finds the wallet."""
    return _table(), wallet_key(player_id)


def with_ended_bonus(snap: dict[str, dict[str, Any] | None], bonus_id: object) -> dict[str, dict[str, Any] | None]:
    """The snapshot with slot ``bonus``: the record of a bet's bonus that is no longer the
    wallet's active one (a reversal may have to undo its conversion). One GetItem, only then."""
    wallet = snap.get("wallet") or {}
    active = (wallet.get("active_bonus") or {}).get("id")
    if not isinstance(bonus_id, str) or not bonus_id or bonus_id == active:
        return snap
    answer = aws.dynamodb().get_item(TableName=_table(), Key=aws.to_item(bonus_key(bonus_id)), ConsistentRead=True)
    item = answer.get("Item")
    return {**snap, "bonus": aws.from_item(item) if item else None}


def ended_bonus(snap: dict[str, dict[str, Any] | None]) -> Bonus | None:
    item = snap.get("bonus")
    return _bonus(item) if item else None


def record_slot(scope: str, key: str) -> tuple[str, dict[str, Any]]:
    """Where a batch read finds an idempotency record."""
    return _table(), idempotency_key(scope, key)


def ledger_page(
    player_id: str, *, after: str | None = None, limit: int = PAGE_LIMIT, oldest_first: bool = False
) -> tuple[list[LedgerEntry], str | None]:
    """A page of a player's ledger (newest first unless asked); ``after`` is the last sort key seen."""
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": aws.to_item({":pk": f"PLAYER#{player_id}", ":prefix": "LEDGER#"}),
        "ScanIndexForward": oldest_first,
        "Limit": limit,
        "ConsistentRead": True,
    }
    if after:
        kwargs["ExclusiveStartKey"] = aws.to_item({"pk": f"PLAYER#{player_id}", "sk": after})
    answer = aws.dynamodb().query(**kwargs)
    entries = [entry_from_item(aws.from_item(i)) for i in answer.get("Items", [])]
    last = answer.get("LastEvaluatedKey")
    return entries, (aws.from_item(last)["sk"] if last else None)


def all_ledger(player_id: str) -> list[LedgerEntry]:
    entries: list[LedgerEntry] = []
    after: str | None = None
    while True:
        page, after = ledger_page(player_id, after=after, limit=500, oldest_first=True)
        entries.extend(page)
        if after is None:
            return entries


def player_ids_page(after: str | None = None, limit: int = PAGE_LIMIT) -> tuple[list[str], str | None]:
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "IndexName": "GSI1",
        "KeyConditionExpression": "gsi1pk = :pk",
        "ExpressionAttributeValues": aws.to_item({":pk": "PLAYERS"}),
        "Limit": limit,
    }
    if after:
        kwargs["ExclusiveStartKey"] = aws.to_item({"gsi1pk": "PLAYERS", "gsi1sk": after, **directory_key(after)})
    answer = aws.dynamodb().query(**kwargs)
    found = [aws.from_item(i)["player_id"] for i in answer.get("Items", [])]
    last = answer.get("LastEvaluatedKey")
    return found, (aws.from_item(last)["gsi1sk"] if last else None)


# ------------------------------------------------------------------ writes
def new_wallet_puts(wallet: Wallet) -> list[dict[str, Any]]:
    """The transaction items that create a new player's wallet and its directory entry (the
    wallet refused if the id is taken), for a transaction that may write them with items of
    other stores (registration)."""
    table = _table()
    return [
        {
            "Put": {
                "TableName": table,
                "Item": aws.to_item(_wallet_item(wallet)),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Put": {
                "TableName": table,
                "Item": aws.to_item(_directory_item(wallet)),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
    ]


def create_wallet(wallet: Wallet) -> bool:
    """A new player's wallet and its directory entry, in one transaction; False when the player
    id is taken."""
    client = aws.dynamodb()
    try:
        client.transact_write_items(TransactItems=new_wallet_puts(wallet))  # type: ignore[arg-type]
    except client.exceptions.TransactionCanceledException as cancelled:
        reasons = cancelled.response.get("CancellationReasons", [])
        if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
            return False
        raise
    return True


def movement_items(movement: Movement) -> list[dict[str, Any]]:
    """The transaction items of a movement: the wallet (conditional on the version read),
    its ledger entries and its bonus records."""
    table = _table()
    before = movement.before
    after = movement.wallet
    after.version = before.version + 1
    items: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": table,
                "Item": aws.to_item(_wallet_item(after)),
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": aws.to_item({":expected": before.version}),
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
    ]
    for index, entry in enumerate(movement.entries):
        items.append(
            {
                "Put": {
                    "TableName": table,
                    "Item": aws.to_item(_entry_item(entry, after.version, index, after.currency)),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )
    items.extend(
        {"Put": {"TableName": table, "Item": aws.to_item(_bonus_item(bonus))}} for bonus in movement.bonus_records
    )
    items.extend(
        {"Put": {"TableName": table, "Item": aws.to_item(_change_item(after.player_id, change, after.version, index))}}
        for index, change in enumerate(movement.changes)
    )
    return items


def _change_item(player_id: str, change: Change, version: int, index: int) -> dict[str, Any]:
    """A responsible-gaming audit record, beside the wallet it changed (and in its transaction)."""
    return {
        "pk": f"PLAYER#{player_id}",
        "sk": f"RG#{change.at:015d}#{version:012d}#{index:02d}",
        **record_fields(change),
    }


def rg_changes(player_id: str, limit: int, before: str | None = None) -> tuple[list[Change], str | None]:
    """The player's responsible-gaming audit records, newest first, a page at a time."""
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :rg)",
        "ExpressionAttributeValues": aws.to_item({":pk": f"PLAYER#{player_id}", ":rg": "RG#"}),
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if before is not None:
        kwargs["ExclusiveStartKey"] = aws.to_item({"pk": f"PLAYER#{player_id}", "sk": before})
    answer = aws.dynamodb().query(**kwargs)
    found = [aws.from_item(i) for i in answer.get("Items", [])]
    changes = [
        Change(
            at=int(i["at"]),
            by=str(i["by"]),
            subject=str(i["subject"]),
            old=i.get("old"),
            new=i.get("new"),
            effective_at=int(i["effective_at"]),
            reason=i.get("reason"),
        )
        for i in found
    ]
    last = answer.get("LastEvaluatedKey")
    return changes, (aws.from_item(last)["sk"] if last else None)


def versioned_put(values: dict[str, Any], version_attribute: str) -> dict[str, Any]:
    """A Put of a versioned WalletTable item (a round, a bridge step): new when its version is
    1, else conditional on the version it was decided from; a lost race returns the current
    item (``ALL_OLD``)."""
    version = int(values[version_attribute])
    put: dict[str, Any] = {
        "TableName": _table(),
        "Item": aws.to_item(values),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    if version <= 1:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = f"{version_attribute} = :v"
        put["ExpressionAttributeValues"] = aws.to_item({":v": version - 1})
    return {"Put": put}


def record_put(record: Record) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": _table(),
            "Item": aws.to_item(_record_item(record)),
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def transact(items: list[dict[str, Any]]) -> None:
    """One ``TransactWriteItems``. A failed condition raises ``VersionConflict`` with the
    failed indexes and the cancellation reasons (each conditional item's current value)."""
    client = aws.dynamodb()
    try:
        client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
    except client.exceptions.TransactionCanceledException as cancelled:
        reasons = cancelled.response.get("CancellationReasons", [])
        failed = [i for i, r in enumerate(reasons) if r.get("Code") == "ConditionalCheckFailed"]
        if failed:
            raise VersionConflict(failed, [dict(r) for r in reasons]) from None
        raise


# ------------------------------------------------------------------ reconciliation feed (GSI2)
# A position in one day's feed of a source: the sort key of the last entry read (GSI2
# ``<created_at:015d>#<entry id>``). Every entry id is ``led_`` and a 26-character ULID, so all
# positions have one length and the next page starts at the first key above the last one read.
_FEED_POSITION = re.compile(r"^([0-9]{15})#led_[0-9A-HJKMNP-TV-Z]{26}$")


def feed_position_ok(after: str, day: date, from_ms: int, to_ms: int) -> bool:
    """``after`` is a position this store gave for ``day``'s feed, inside [from_ms, to_ms)."""
    found = _FEED_POSITION.fullmatch(after)
    if found is None:
        return False
    at = int(found.group(1))
    start = (day - date(1970, 1, 1)).days * 86_400_000
    return max(from_ms, start) <= at < min(to_ms, start + 86_400_000)


def feed_page(
    source: str, day: date, *, from_ms: int, to_ms: int, after: str | None = None, limit: int = PAGE_LIMIT
) -> tuple[list[tuple[LedgerEntry, str]], str | None]:
    """A page of one source's ledger entries of one UTC day (GSI2 ``FEED#<source>#<day>``) created
    in [from_ms, to_ms), oldest first, each with its currency; one Query, never a scan. ``after``
    continues after a position this function answered (checked with ``feed_position_ok``); the
    position answered is None when the day has no more."""
    low = f"{from_ms:015d}" if after is None else f"{after}!"  # "!": just above ``after`` (one length)
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "IndexName": "GSI2",
        "KeyConditionExpression": "gsi2pk = :pk AND gsi2sk BETWEEN :low AND :high",
        # the upper bound is exclusive: every key at to_ms is "<to_ms:015d>#...", above ":high"
        "ExpressionAttributeValues": aws.to_item(
            {":pk": f"FEED#{source}#{day.isoformat()}", ":low": low, ":high": f"{to_ms:015d}"}
        ),
        "ScanIndexForward": True,
        "Limit": limit,
    }
    answer = aws.dynamodb().query(**kwargs)
    found = [aws.from_item(i) for i in answer.get("Items", [])]
    entries = [(entry_from_item(i), str(i["currency"])) for i in found]
    last = answer.get("LastEvaluatedKey")
    return entries, (str(aws.from_item(last)["gsi2sk"]) if last else None)
