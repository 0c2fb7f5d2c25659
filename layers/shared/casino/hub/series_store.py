"""HubTable: a committed prize series, its prizes and their reservation (docs/decisions.md,
"Reserving prizes"). Owns every key and condition of these items; no other module builds one.

Keys (pk / sk):
- ``SERIES#<series id>`` / ``META``                  the commitment: game, root, tickets, shards,
  configuration, committed_at (written last: a series without it was never published)
- ``SERIES#<series id>#S#<k>`` / ``CURSOR``          shard ``k``'s cursor: ``next`` (the next
  unsold index in the shard), ``size``, ``returned`` (a number set of returned positions, absent
  when empty), ``held`` (prizes reserved whose bet is not placed yet: they may come back)
- ``SERIES#<series id>#S#<k>`` / ``POS#<position:07d>``  a prize: amount (minor units), salt,
  Merkle path, status ``available`` -> ``reserved`` (with ``contract_id``) -> ``in_progress``
  (its bet placed) -> ``return_pending`` (being settled) -> ``finished``; a reserved prize whose
  bet was refused or refunded goes back to ``available`` (``release``)

Position ``p`` is in shard ``p mod S`` at index ``p // S``. A reservation picks a random live
shard, reads its cursor and, in one transaction, advances it (``next = :i`` under ``next = :i-1``)
or takes a returned position (``DELETE returned`` under ``contains``), and moves the prize from
``available`` to ``reserved``. A lost race re-decides from the cancellation reasons (``ALL_OLD``),
then probes another shard. No item is written by every play: a shard's cursor sees 1/S of them.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from casino import aws, clock
from casino.errors import Conflict
from casino.hub.prizes import Reveal, Series, Step, packed_path, unpacked_path
from casino.settings import settings

MAX_SHARDS = 256
TICKETS_PER_SHARD = 4_000  # 1M tickets -> 250 shards; 10k -> the floor of 16
MIN_SHARDS = 16
BATCH = 25
TRIES_PER_SHARD = 3  # transactions on one shard before probing another
MAX_TRANSACTIONS = 48  # per reservation, across shards
_RNG = secrets.SystemRandom()
_shape_of: dict[str, tuple[int, int]] = {}  # a series' (shards, tickets) never change once committed


class SeriesBusy(Conflict):
    """Every attempt of a reservation lost its race (the caller may try again: its answer says
    ``retryable``)."""

    def __init__(self, message: str):
        super().__init__(message, details={"retryable": True})


class SeriesHeld(SeriesBusy):
    """Nothing is left to offer, but prizes held by contracts whose bets are not placed yet may
    come back: the series is not sold out (yet)."""


class CompanionRefused(Exception):
    """One of the items written with a reservation (``reserve(companions=...)``) failed its
    condition: nothing was reserved or written. ``index`` is its place among them."""

    def __init__(self, index: int):
        super().__init__(f"item {index} written with the reservation failed its condition")
        self.index = index


PRIZE_FLOW: dict[str, tuple[str, ...]] = {  # a prize's next status -> the statuses it may come from
    "in_progress": ("reserved",),
    "return_pending": ("in_progress",),
    "finished": ("in_progress", "return_pending"),
}


def shard_count(tickets: int) -> int:
    """How many shards a series of ``tickets`` is split into: about 16 for 10k tickets, 250 for 1M,
    never more than one per 8 tickets."""
    return max(1, min(MAX_SHARDS, tickets // 8, max(MIN_SHARDS, -(-tickets // TICKETS_PER_SHARD))))


def _table() -> str:
    return settings().hub_table


def _meta_key(series_id: str) -> dict[str, str]:
    return {"pk": f"SERIES#{series_id}", "sk": "META"}


def _shard_pk(series_id: str, shard: int) -> str:
    return f"SERIES#{series_id}#S#{shard}"


def _cursor_key(series_id: str, shard: int) -> dict[str, str]:
    return {"pk": _shard_pk(series_id, shard), "sk": "CURSOR"}


def _prize_key(series_id: str, shards: int, position: int) -> dict[str, str]:
    return {"pk": _shard_pk(series_id, position % shards), "sk": f"POS#{position:07d}"}


@dataclass(frozen=True)
class Reservation:
    """A prize reserved for a contract, with what its reveal needs."""

    series_id: str
    tickets: int
    position: int
    amount_minor: int
    salt: str
    path: tuple[Step, ...]

    def reveal(self, root: str) -> Reveal:
        return Reveal(self.series_id, self.tickets, self.position, self.amount_minor, self.salt, self.path, root)


# -- writing a series -------------------------------------------------------------------------


def _prize_item(series: Series, shards: int, position: int) -> dict[str, Any]:
    proof = series.proof(position)
    siblings, sides = packed_path(proof.path)
    return {
        **_prize_key(series.series_id, shards, position),
        "position": position,
        "amount": proof.amount_minor,
        "salt": proof.salt,
        "path": siblings,
        "sides": sides,
        "status": "available",
    }


def _batch_put(items: Iterator[dict[str, Any]]) -> None:
    """BatchWriteItem, 25 at a time, retrying what DynamoDB leaves unprocessed."""
    client = aws.dynamodb()
    chunk: list[dict[str, Any]] = []

    def flush() -> None:
        pending: dict[str, Any] = {_table(): [{"PutRequest": {"Item": aws.to_item(i)}} for i in chunk]}
        for attempt in range(10):
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                return
            time.sleep(min(0.05 * 2**attempt, 1.0))
        raise RuntimeError("series write: DynamoDB left items unprocessed")

    for item in items:
        chunk.append(item)
        if len(chunk) == BATCH:
            flush()
            chunk = []
    if chunk:
        flush()


def write_series(series: Series, game: str) -> dict[str, Any]:
    """Store ``series`` for ``game``: its prizes (all ``available``) and shard cursors, then its
    META, the commitment, written once (``attribute_not_exists``). Returns the commitment
    ``{series_id, root, tickets, shards, committed_at}``. Writing the same series again
    rewrites identical prizes and cursors and keeps the first META (a retry after a failure
    half-way completes it)."""
    shards = shard_count(series.tickets)
    sid = series.series_id

    def items() -> Iterator[dict[str, Any]]:
        for shard in range(min(shards, series.tickets)):
            size = (series.tickets - shard + shards - 1) // shards
            yield {**_cursor_key(sid, shard), "next": 0, "size": size}
        for position in range(series.tickets):
            yield _prize_item(series, shards, position)

    meta = aws.dynamodb().get_item(TableName=_table(), Key=aws.to_item(_meta_key(sid)), ConsistentRead=True)
    if "Item" in meta:
        return _commitment(aws.from_item(meta["Item"]))
    _batch_put(items())
    commitment = {
        "game": game,
        "series_id": sid,
        "root": series.root,
        "tickets": series.tickets,
        "shards": shards,
        "configuration": series.config.to_json(),
        "committed_at": clock.now_ms(),
    }
    client = aws.dynamodb()
    try:
        client.put_item(
            TableName=_table(),
            Item=aws.to_item({**_meta_key(sid), **commitment}),
            ConditionExpression="attribute_not_exists(pk)",
        )
    except client.exceptions.ConditionalCheckFailedException:
        return _commitment(meta_of(sid) or commitment)
    _shape_of[sid] = (shards, series.tickets)
    return _commitment(commitment)


def _commitment(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: meta[k] for k in ("series_id", "root", "tickets", "shards", "committed_at")}


def meta_of(series_id: str) -> dict[str, Any] | None:
    """A series' META (its commitment), or None if it was never committed."""
    answer = aws.dynamodb().get_item(TableName=_table(), Key=aws.to_item(_meta_key(series_id)), ConsistentRead=True)
    return aws.from_item(answer["Item"]) if "Item" in answer else None


_root_of: dict[str, str] = {}


def root_of(series_id: str) -> str | None:
    """A committed series' root (its commitment never changes: read once per environment)."""
    if series_id not in _root_of:
        meta = meta_of(series_id)
        if meta is None:
            return None
        _root_of[series_id] = str(meta["root"])
    return _root_of[series_id]


def _shape(series_id: str) -> tuple[int, int]:
    """A committed series' (shards, tickets), read once per execution environment."""
    if series_id not in _shape_of:
        meta = meta_of(series_id)
        if meta is None:
            raise Conflict(f"series {series_id!r} is not committed", field="series_id")
        _shape_of[series_id] = (int(meta["shards"]), int(meta["tickets"]))
    return _shape_of[series_id]


def _shards(series_id: str) -> int:
    return _shape(series_id)[0]


# -- reserving, releasing, selling -------------------------------------------------------------


def _cursor(series_id: str, shard: int) -> dict[str, Any]:
    answer = aws.dynamodb().get_item(
        TableName=_table(), Key=aws.to_item(_cursor_key(series_id, shard)), ConsistentRead=True
    )
    return _plain_cursor(answer.get("Item"))


def _plain_cursor(item: Mapping[str, Any] | None) -> dict[str, Any]:
    if not item:
        return {"next": 0, "size": 0, "returned": []}
    cursor = aws.from_item({k: v for k, v in item.items() if k != "returned"})
    cursor["returned"] = sorted(int(n) for n in item.get("returned", {}).get("NS", []))
    return cursor


def _take(
    series_id: str, shards: int, shard: int, cursor: dict[str, Any], contract_id: str
) -> tuple[int, dict[str, Any]]:
    """The position this cursor offers (a returned one first) and the cursor's update for it."""
    cursor_key = aws.to_item(_cursor_key(series_id, shard))
    if cursor["returned"]:
        position = _RNG.choice(cursor["returned"])
        update = {
            "TableName": _table(),
            "Key": cursor_key,
            "UpdateExpression": "DELETE returned :p ADD held :one",
            "ConditionExpression": "contains(returned, :n)",
            "ExpressionAttributeValues": {
                ":p": {"NS": [str(position)]},
                ":n": {"N": str(position)},
                ":one": {"N": "1"},
            },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    else:
        index = int(cursor["next"])
        position = shard + index * shards
        update = {
            "TableName": _table(),
            "Key": cursor_key,
            "UpdateExpression": "SET #next = :after ADD held :one",
            "ConditionExpression": "#next = :at AND #next < #size",
            "ExpressionAttributeNames": {"#next": "next", "#size": "size"},
            "ExpressionAttributeValues": aws.to_item({":at": index, ":after": index + 1, ":one": 1}),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    prize = {
        "TableName": _table(),
        "Key": aws.to_item(_prize_key(series_id, shards, position)),
        "UpdateExpression": "SET #status = :reserved, contract_id = :contract, reserved_at = :now",
        "ConditionExpression": "#status = :available",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": aws.to_item(
            {":reserved": "reserved", ":available": "available", ":contract": contract_id, ":now": clock.now_ms()}
        ),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    return position, {"TransactItems": [{"Update": update}, {"Update": prize}]}


def _live(cursor: dict[str, Any]) -> bool:
    return bool(cursor["returned"]) or int(cursor["next"]) < int(cursor["size"])


def reserve(
    series_id: str,
    contract_id: str,
    companions: Callable[[Reservation], Sequence[Mapping[str, Any]]] | None = None,
) -> Reservation | None:
    """Reserve one available prize of the series for ``contract_id``; None when the series is
    sold out (a whole pass over the shards found none with a prize left: a lost race never
    counts as sold out). O(1): a cursor read, the offered prize's read and one transaction, a
    few more on a lost race; raises ``SeriesBusy`` after ``MAX_TRANSACTIONS`` lost races.
    ``companions`` gives, for the prize offered, the items its caller's store writes in the same
    transaction (the contract, its play record); if one fails its condition, nothing is written
    and ``CompanionRefused`` names it."""
    shards = _shards(series_id)
    client = aws.dynamodb()
    transactions = 0
    while True:  # passes over the shards until a prize is taken, or a whole pass finds none left
        left = in_play = False
        for shard in _RNG.sample(range(shards), shards):
            cursor = _cursor(series_id, shard)
            in_play = in_play or int(cursor.get("held", 0)) > 0
            for _ in range(TRIES_PER_SHARD):
                if not _live(cursor):
                    break
                left = True  # a lost race is not a sold-out series
                if transactions == MAX_TRANSACTIONS:
                    raise SeriesBusy(f"series {series_id!r}: every reservation attempt lost its race; try again")
                transactions += 1
                position, request = _take(series_id, shards, shard, cursor, contract_id)
                offered = _reservation(series_id, shards, position)
                request["TransactItems"] += list(companions(offered)) if companions else []
                try:
                    client.transact_write_items(**request)
                except ClientError as error:
                    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                        raise
                    reasons = error.response.get("CancellationReasons") or []
                    for index, reason in enumerate(reasons[2:]):
                        if reason.get("Code") == "ConditionalCheckFailed":
                            raise CompanionRefused(index) from None
                    lost_cursor = reasons[0] if reasons else {}
                    if lost_cursor.get("Code") == "ConditionalCheckFailed" and "Item" in lost_cursor:
                        cursor = _plain_cursor(lost_cursor["Item"])  # re-decide from what won
                    else:
                        cursor = _cursor(series_id, shard)
                    continue
                return offered
        if in_play and not left:
            raise SeriesHeld(f"series {series_id!r}: its last prizes are in play; try again in a moment")
        if not left:
            return None


def _reservation(series_id: str, shards: int, position: int) -> Reservation:
    answer = aws.dynamodb().get_item(
        TableName=_table(), Key=aws.to_item(_prize_key(series_id, shards, position)), ConsistentRead=True
    )
    prize = aws.from_item(answer["Item"])
    steps = unpacked_path(str(prize.get("path", "")), str(prize.get("sides", "")))
    return Reservation(series_id, _shape(series_id)[1], position, int(prize["amount"]), str(prize["salt"]), steps)


def prize(series_id: str, position: int) -> dict[str, Any] | None:
    """A prize as stored (status, contract_id, amount), or None."""
    answer = aws.dynamodb().get_item(
        TableName=_table(), Key=aws.to_item(_prize_key(series_id, _shards(series_id), position)), ConsistentRead=True
    )
    return aws.from_item(answer["Item"]) if "Item" in answer else None


def release_writes(series_id: str, position: int, contract_id: str) -> list[dict[str, Any]]:
    """The transact items that put a prize reserved by ``contract_id`` back on sale: ``available``
    again and its position in its shard's returned set (a caller's store adds its own items)."""
    shards = _shards(series_id)
    return [
        {
            "Update": {
                "TableName": _table(),
                "Key": aws.to_item(_prize_key(series_id, shards, position)),
                "UpdateExpression": "SET #status = :available REMOVE contract_id, reserved_at",
                "ConditionExpression": "#status = :reserved AND contract_id = :contract",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": aws.to_item(
                    {":available": "available", ":reserved": "reserved", ":contract": contract_id}
                ),
            }
        },
        {
            "Update": {
                "TableName": _table(),
                "Key": aws.to_item(_cursor_key(series_id, position % shards)),
                "UpdateExpression": "ADD returned :p, held :minus",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": {":p": {"NS": [str(position)]}, ":minus": {"N": "-1"}},
            }
        },
    ]


def release(series_id: str, position: int, contract_id: str) -> bool:
    """Put a prize reserved by ``contract_id`` back on sale, alone; False (nothing changed) if it
    is not reserved by that contract: released before, sold, or another's."""
    return _written(release_writes(series_id, position, contract_id))


def _written(items: list[dict[str, Any]]) -> bool:
    """One transaction of these items; False (nothing written) if a condition refused it."""
    try:
        aws.dynamodb().transact_write_items(TransactItems=items)  # type: ignore[arg-type]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "TransactionCanceledException":
            return False
        raise
    return True


def placed_writes(series_id: str, position: int, contract_id: str) -> list[dict[str, Any]]:
    """The transact items of a prize whose bet is placed: ``in_progress``, and no longer held by
    its shard (a series is sold out only when nothing is left to offer and nothing is held: a
    held prize may yet come back). Written with the contract's own change, once."""
    cursor = {
        "Update": {
            "TableName": _table(),
            "Key": aws.to_item(_cursor_key(series_id, position % _shards(series_id))),
            "UpdateExpression": "ADD held :minus",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": {":minus": {"N": "-1"}},
        }
    }
    return [prize_move(series_id, position, contract_id, "in_progress"), cursor]


def prize_move(series_id: str, position: int, contract_id: str, to: str) -> dict[str, Any]:
    """The transact item moving a prize of ``contract_id`` on to ``to`` (``PRIZE_FLOW``); already
    there passes too, so a retried step's transaction is refused only by its own contract's
    conditions."""
    allowed = (*PRIZE_FLOW[to], to)
    values = {":to": to, ":contract": contract_id, **{f":s{i}": s for i, s in enumerate(allowed)}}
    return {
        "Update": {
            "TableName": _table(),
            "Key": aws.to_item(_prize_key(series_id, _shards(series_id), position)),
            "UpdateExpression": "SET #status = :to",
            "ConditionExpression": f"#status IN ({', '.join(f':s{i}' for i in range(len(allowed)))}) "
            "AND contract_id = :contract",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": aws.to_item(values),
        }
    }


def advance(series_id: str, position: int, contract_id: str, to: str) -> bool:
    """A prize of ``contract_id`` moves on to ``to``, alone; True also when it was there before
    (a retry), False if it is not that contract's or not in a status ``to`` follows."""
    return _written([prize_move(series_id, position, contract_id, to)])


def sold_out(series_id: str) -> bool:
    """No shard of the series has a prize left to offer or held (S cursor reads)."""
    cursors = [_cursor(series_id, shard) for shard in range(_shards(series_id))]
    return not any(_live(c) or int(c.get("held", 0)) > 0 for c in cursors)
