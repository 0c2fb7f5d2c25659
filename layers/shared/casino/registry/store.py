"""RegistryTable: owns every key and condition of the registry's items.

Keys (pk / sk):
- ``ADMIN_KEY#<sha256>`` / ``ADMIN_KEY``            an admin key's hash and status
- ``PROVIDER#<code>`` / ``PROVIDER``                a provider; GSI1 ``PROVIDERS`` / code
- ``PROVIDER#<code>`` / ``SYNC#<ulid>``             the provider's game-list sync history, newest last
- ``SERVICE#<name>`` / ``STATUS``                   a service's maintenance flag (``version``ed)
- ``SERVICE#<name>`` / ``CHANGE#<at:015d>#<version:06d>`` each change of it: reason, who, when
- ``GAME#<provider or hub>#<id>`` / ``GAME``         a game; GSI1 ``GAMES#<provider or hub>`` / id or code;
  a hub game carries its published ``commitment`` (series id, root, tickets)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from casino import aws
from casino.settings import settings


def _table() -> str:
    return settings().registry_table


def get(pk: str, sk: str) -> dict[str, Any] | None:
    answer = aws.dynamodb().get_item(TableName=_table(), Key=aws.to_item({"pk": pk, "sk": sk}))
    item = answer.get("Item")
    return aws.from_item(item) if item else None


def put_new(values: dict[str, Any]) -> bool:
    """Put an item that must not exist yet; False when it already does."""
    client = aws.dynamodb()
    try:
        client.put_item(TableName=_table(), Item=aws.to_item(values), ConditionExpression="attribute_not_exists(pk)")
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def put(values: dict[str, Any]) -> None:
    aws.dynamodb().put_item(TableName=_table(), Item=aws.to_item(values))


def query_index(index: str, pk_value: str, *, newest_first: bool = False, limit: int = 100) -> list[dict[str, Any]]:
    pk_name = f"{index.lower()}pk"
    answer = aws.dynamodb().query(
        TableName=_table(),
        IndexName=index,
        KeyConditionExpression="#pk = :pk",
        ExpressionAttributeNames={"#pk": pk_name},
        ExpressionAttributeValues=aws.to_item({":pk": pk_value}),
        ScanIndexForward=not newest_first,
        Limit=limit,
    )
    return [aws.from_item(i) for i in answer.get("Items", [])]


def query_prefix(pk: str, sk_prefix: str, *, newest_first: bool = False, limit: int = 100) -> list[dict[str, Any]]:
    answer = aws.dynamodb().query(
        TableName=_table(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues=aws.to_item({":pk": pk, ":prefix": sk_prefix}),
        ScanIndexForward=not newest_first,
        Limit=limit,
    )
    return [aws.from_item(i) for i in answer.get("Items", [])]


def games_of(source: str) -> list[dict[str, Any]]:
    """Every game of a provider (or ``hub``), through GSI1 ``GAMES#<source>``; paginated, never a scan."""
    return aws.query_all(
        TableName=_table(),
        IndexName="GSI1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues=aws.to_item({":pk": f"GAMES#{source}"}),
    )


def provider_keys(code: str) -> dict[str, str]:
    """A provider's record, and its place in the list of providers (GSI1 ``PROVIDERS``)."""
    return {"pk": f"PROVIDER#{code}", "sk": "PROVIDER", "gsi1pk": "PROVIDERS", "gsi1sk": code}


def provider(code: str) -> dict[str, Any] | None:
    return get(f"PROVIDER#{code}", "PROVIDER")


def sync_history(code: str, limit: int) -> list[dict[str, Any]]:
    """A provider's game-list sync records, newest first."""
    return query_prefix(f"PROVIDER#{code}", "SYNC#", newest_first=True, limit=limit)


def service_key(name: str) -> dict[str, str]:
    return {"pk": f"SERVICE#{name}", "sk": "STATUS"}


def service_status(name: str) -> dict[str, Any] | None:
    """A service's maintenance flag."""
    return get(f"SERVICE#{name}", "STATUS")


def service_slots(names: Iterable[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Where the maintenance flags of ``names`` are, as ``service:<name>`` slots of a batch read
    (a request reads them in the read it makes anyway)."""
    return {f"service:{name}": (_table(), service_key(name)) for name in names}


def services(names: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    """The maintenance flags of ``names`` in one strongly consistent read: name -> item or None."""
    found = aws.batch_get(service_slots(names))
    return {slot.removeprefix("service:"): item for slot, item in found.items()}


def set_service_status(name: str, values: dict[str, Any], version_before: int) -> bool:
    """The flag and its change record in one transaction, conditional on the version read (two
    ops changing it at once: one wins, the other reads again). False when the version moved."""
    client = aws.dynamodb()
    version = int(values["version"])
    flag = {**values, **service_key(name)}
    change = {**values, "pk": f"SERVICE#{name}", "sk": f"CHANGE#{int(values['since']):015d}#{version:06d}"}
    condition = "attribute_not_exists(pk)" if version_before == 0 else "version = :v"
    put: dict[str, Any] = {"TableName": _table(), "Item": aws.to_item(flag), "ConditionExpression": condition}
    if version_before:
        put["ExpressionAttributeValues"] = aws.to_item({":v": version_before})
    record = {"TableName": _table(), "Item": aws.to_item(change), "ConditionExpression": "attribute_not_exists(pk)"}
    items: list[Any] = [{"Put": put}, {"Put": record}]
    try:
        client.transact_write_items(TransactItems=items)
    except client.exceptions.TransactionCanceledException:
        return False
    return True


def service_changes(name: str, limit: int = 20) -> list[dict[str, Any]]:
    """A service's maintenance changes, newest first."""
    return query_prefix(f"SERVICE#{name}", "CHANGE#", newest_first=True, limit=limit)


def game_key(source: str, game_id: object) -> dict[str, str]:
    """A game of a provider (``source`` = its code) or of the hub (``source`` = ``hub``)."""
    return {"pk": f"GAME#{source}#{game_id}", "sk": "GAME"}


def game(source: str, game_id: object) -> dict[str, Any] | None:
    key = game_key(source, game_id)
    return get(key["pk"], key["sk"])


def _game_item(game: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in game.items() if k not in ("pk", "sk", "gsi1pk", "gsi1sk")}
    return {
        **fields,
        **game_key(str(game["source"]), game["game_id"]),
        "gsi1pk": f"GAMES#{game['source']}",
        "gsi1sk": f"{int(game['game_id']):06d}" if str(game["game_id"]).isdigit() else str(game["game_id"]),
    }


def apply_game_sync(source: str, games: list[dict[str, Any]], categories: set[str]) -> None:
    """Upsert games and categories in batches of 25 (BatchWriteItem), retrying unprocessed items."""
    import time  # noqa: PLC0415

    requests = [{"PutRequest": {"Item": aws.to_item(_game_item(g))}} for g in games]
    requests += [
        {"PutRequest": {"Item": aws.to_item({"pk": f"PROVIDER#{source}", "sk": f"CATEGORY#{c}", "name": c})}}
        for c in sorted(categories)
    ]
    client = aws.dynamodb()
    for start in range(0, len(requests), 25):
        pending: dict[str, Any] = {_table(): requests[start : start + 25]}
        for attempt in range(8):
            answer = client.batch_write_item(RequestItems=pending)
            pending = answer.get("UnprocessedItems") or {}
            if not pending:
                break
            time.sleep(min(0.05 * 2**attempt, 1.0))
        if pending:
            raise RuntimeError("game sync: DynamoDB left items unprocessed")


def put_sync_record(source: str, record: dict[str, Any]) -> None:
    put({**record, "pk": f"PROVIDER#{source}", "sk": f"SYNC#{record['id']}"})


# -- hub games (GAME#hub#<code>, GSI1 GAMES#hub / <code>) -------------------------------------


def _hub_game_item(record: dict[str, Any]) -> dict[str, Any]:
    code = str(record["game_id"])
    return {**record, **game_key("hub", code), "source": "hub", "gsi1pk": "GAMES#hub", "gsi1sk": code}


def add_hub_game(record: dict[str, Any]) -> dict[str, Any] | None:
    """Create a hub game's record once (its code unique); the record already there, or None if
    this call created it."""
    if put_new(_hub_game_item(record)):
        return None
    return game("hub", record["game_id"])


def _update_game(key: dict[str, str], expression: str, condition: str, values: dict[str, Any]) -> dict[str, Any] | None:
    return aws.conditional_update(_table(), key, expression, condition, values)


def publish_commitment(code: str, commitment: dict[str, Any], admin_status: str) -> dict[str, Any] | None:
    """Publish a hub game's first series' commitment and open it (``admin_status``), once: None
    if the game is missing or already has a commitment."""
    return _update_game(
        game_key("hub", code),
        "SET commitment = :commitment, admin_status = :status",
        "attribute_exists(pk) AND attribute_not_exists(commitment)",
        {":commitment": commitment, ":status": admin_status},
    )


def set_game_status(source: str, game_id: object, admin_status: str) -> dict[str, Any] | None:
    """An admin enables or disables a game; None if there is no such game. A hub game opens only
    once its commitment is published."""
    condition = "attribute_exists(pk)"
    if source == "hub" and admin_status == "active":
        condition += " AND attribute_exists(commitment)"
    return _update_game(game_key(source, game_id), "SET admin_status = :status", condition, {":status": admin_status})


def claim_rollover(code: str, series_id: str, claim: str, now: int, lease_until: int) -> dict[str, Any] | None:
    """Claim the next series of a hub game whose series ``series_id`` sold out (one claimer; a
    claim whose lease ran out is taken again). The game, or None if another holds it or the
    game has moved on."""
    return _update_game(
        game_key("hub", code),
        "SET rollover_claim = :claim, rollover_lease_until = :lease",
        "commitment.series_id = :sold AND (attribute_not_exists(rollover_claim) OR rollover_lease_until < :now)",
        {":claim": claim, ":lease": lease_until, ":sold": series_id, ":now": now},
    )


def publish_next_commitment(code: str, sold_out: str, claim: str, commitment: dict[str, Any]) -> dict[str, Any] | None:
    """Publish the next series' commitment in place of the one that ran out, by the claim's
    holder; the one that ran out joins the game's ``closing_series`` (its held prizes, if they
    come back, are sold before the new series' until it is sold out for good)."""
    return _update_game(
        game_key("hub", code),
        "SET commitment = :commitment, series_count = if_not_exists(series_count, :one) + :one "
        "ADD closing_series :closing REMOVE rollover_claim, rollover_lease_until",
        "commitment.series_id = :sold AND rollover_claim = :claim",
        {":commitment": commitment, ":sold": sold_out, ":claim": claim, ":one": 1, ":closing": {sold_out}},
    )


def series_closed(code: str, series_id: str) -> None:
    """A closing series of a hub game (rolled over with prizes still held) is sold out for good."""
    _update_game(
        game_key("hub", code),
        "DELETE closing_series :series",
        "attribute_exists(pk)",
        {":series": {series_id}},
    )
