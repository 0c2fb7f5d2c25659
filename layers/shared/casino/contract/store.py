"""HubTable: the contracts, their play records and their lists (docs/data-model.md). Owns every
key, index key and condition of these items; nothing outside builds one.

Keys (pk / sk), in the session's partition, so a session, its contracts and its plays are one
query away:
- ``SESSION#<session id>`` / ``CONTRACT#<contract id>``   a contract (ids are time-ordered ULIDs,
  so the partition lists a session's contracts newest first); ``version`` guards every change
- ``SESSION#<session id>`` / ``PLAY#<play id>``           the client's play id, once per session:
  the contract it made and the fingerprint of the play (game, stake)

GSI3 (sparse, one list at a time):
- ``CONTRACTS_OPEN`` / the time by which the contract should be done: written with the contract,
  removed when it ends; the sweep re-drives what is past it and not running
- ``CONTRACTS_NEEDING_ATTENTION`` / since: set by the state machine's ``FlagErrored`` (the ASL
  builds that one key itself: ``SESSION#`` and ``CONTRACT#`` of its input); re-driven by the sweep
- ``CONTRACTS_FOR_OPS`` / since: errored past the re-drive window (7 days), for a person
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from botocore.exceptions import ClientError

from casino import aws
from casino.clock import iso
from casino.contract.domain import Contract, ContractStep, Line
from casino.settings import settings

OPEN = "CONTRACTS_OPEN"
ATTENTION = "CONTRACTS_NEEDING_ATTENTION"
FOR_OPS = "CONTRACTS_FOR_OPS"
_FIELDS = tuple(f for f in Contract.__dataclass_fields__ if f not in ("version", "extra"))
_OPTIONAL = ("session_token", "view", "end_date")


def _table() -> str:
    return settings().hub_table


def _at(ms: int) -> str:
    return f"{ms:015d}"


def _key(session_id: str, contract_id: str) -> dict[str, str]:
    return {"pk": f"SESSION#{session_id}", "sk": f"CONTRACT#{contract_id}"}


def _play_key(session_id: str, play_id: str) -> dict[str, str]:
    return {"pk": f"SESSION#{session_id}", "sk": f"PLAY#{play_id}"}


def _fields(contract: Contract) -> dict[str, Any]:
    values = {name: getattr(contract, name) for name in _FIELDS}
    values["bet_lines"] = [asdict(line) for line in contract.bet_lines]
    values["steps"] = {
        kind: {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(step).items() if v not in (None, ())}
        for kind, step in contract.steps.items()
    }
    return values


def from_item(item: dict[str, Any]) -> Contract:
    values: dict[str, Any] = {name: item.get(name) for name in _FIELDS}  # a None is not stored: it reads back None
    values = {k: v for k, v in values.items() if v is not None or k in _OPTIONAL}
    values["bet_lines"] = tuple(Line(str(line["account_id"]), int(line["amount"])) for line in item["bet_lines"])
    values["steps"] = {
        kind: ContractStep(**{**step, "transactions": tuple(step.get("transactions", ()))})
        for kind, step in item["steps"].items()
    }
    extra: dict[str, Any] = {
        k: item[k] for k in ("viewed", "view_token", "view_sent", "attempt", "errored_since", "last_error") if k in item
    }
    if item.get("gsi3pk") == ATTENTION:
        extra["flagged_at"] = item.get("gsi3sk")
    return Contract(**values, version=int(item.get("version", 0)), extra=extra)


# ---------------------------------------------------------------- reading
def load(session_id: str, contract_id: str) -> Contract | None:
    answer = aws.dynamodb().get_item(
        TableName=_table(), Key=aws.to_item(_key(session_id, contract_id)), ConsistentRead=True
    )
    return from_item(aws.from_item(answer["Item"])) if "Item" in answer else None


def play_record(session_id: str, play_id: str) -> dict[str, Any] | None:
    answer = aws.dynamodb().get_item(
        TableName=_table(), Key=aws.to_item(_play_key(session_id, play_id)), ConsistentRead=True
    )
    return aws.from_item(answer["Item"]) if "Item" in answer else None


def of_session(session_id: str, limit: int, after: str | None = None) -> tuple[list[Contract], str | None]:
    """A session's contracts newest first; ``after`` (a contract id) continues where a page ended.
    Returns the page and the id to continue after, if there may be more."""
    query: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :c)",
        "ExpressionAttributeValues": aws.to_item({":pk": f"SESSION#{session_id}", ":c": "CONTRACT#"}),
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if after is not None:
        query["ExclusiveStartKey"] = aws.to_item(_key(session_id, after))
    answer = aws.dynamodb().query(**query)
    found = [from_item(aws.from_item(i)) for i in answer.get("Items", [])]
    last = answer.get("LastEvaluatedKey")
    return found, (str(aws.from_item(last)["sk"]).split("#", 1)[1] if last else None)


SESSIONS_AT_ONCE = 8  # the queries of a page of sessions in flight together


def latest_of_sessions(session_ids: list[str], limit: int) -> dict[str, list[Contract]]:
    """Each session's latest ``limit`` contracts, newest first: one query a session, a few at
    once (a page of a session search shows each session's events)."""
    if len(session_ids) <= 1:
        return {sid: of_session(sid, limit)[0] for sid in session_ids}
    import contextvars  # noqa: PLC0415 - a search's alone
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    def latest(session_id: str) -> list[Contract]:
        return of_session(session_id, limit)[0]

    with ThreadPoolExecutor(max_workers=min(SESSIONS_AT_ONCE, len(session_ids))) as pool:
        # each read in a copy of this context: the request's correlation id goes with it
        futures = [pool.submit(contextvars.copy_context().run, latest, sid) for sid in session_ids]
        return {sid: future.result() for sid, future in zip(session_ids, futures, strict=True)}


def under_way(session_id: str, recent: int = 20) -> bool:
    """Whether one of the session's latest contracts is still under way (not ended, not flagged)."""
    answer = aws.dynamodb().query(
        TableName=_table(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :c)",
        FilterExpression="phase <> :done AND #status <> :errored",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues=aws.to_item(
            {":pk": f"SESSION#{session_id}", ":c": "CONTRACT#", ":done": "done", ":errored": "errored"}
        ),
        ScanIndexForward=False,
        Limit=recent,
        ConsistentRead=True,
    )
    return int(answer.get("Count", 0)) > 0


# ---------------------------------------------------------------- writing
def creation_items(contract: Contract, play_fingerprint: str, deadline: int) -> list[dict[str, Any]]:
    """Written with the prize's reservation, in one transaction: the contract (new), its play
    record (the play id unused in this session: ``ALL_OLD`` names the contract that has it),
    and a check that the session is still active (a terminate refuses plays at once)."""
    item = {
        **_fields(contract),
        **_key(contract.session_id, contract.id),
        "version": 1,
        "attempt": 0,
        "gsi3pk": OPEN,
        "gsi3sk": _at(deadline),
    }
    play = {
        **_play_key(contract.session_id, contract.play_id),
        "contract_id": contract.id,
        "fingerprint": play_fingerprint,
    }
    return [
        {"Put": {"TableName": _table(), "Item": aws.to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}},
        {
            "Put": {
                "TableName": _table(),
                "Item": aws.to_item(play),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "ConditionCheck": {
                "TableName": _table(),
                "Key": aws.to_item({"pk": f"SESSION#{contract.session_id}", "sk": "SESSION"}),
                "ConditionExpression": "#status = :active",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": aws.to_item({":active": "active"}),
            }
        },
    ]


class StaleContract(Exception):
    """The contract changed since it was read (another run of the same step won): read again."""


def save(before: Contract, after: Contract, companions: Sequence[dict[str, Any]] = ()) -> None:
    """``after`` replaces ``before`` (conditioned on its version) with the caller's companion
    items (prize moves, transactions, balances) in one transaction. A contract that has ended
    leaves the open list. Raises ``StaleContract`` if the contract changed meanwhile."""
    fields = _fields(after)
    values = {name: value for name, value in fields.items() if value is not None}
    cleared = [name for name, value in fields.items() if value is None]
    names = {f"#f{i}": name for i, name in enumerate([*values, *cleared])}
    sets = [f"#f{i} = :f{i}" for i in range(len(values))] + ["version = :next"]
    removes = [f"#f{len(values) + i}" for i in range(len(cleared))]
    if after.phase == "done":
        removes += ["gsi3pk", "gsi3sk"]
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    update = {
        "Update": {
            "TableName": _table(),
            "Key": aws.to_item(_key(after.session_id, after.id)),
            "UpdateExpression": expression,
            "ConditionExpression": "version = :version",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": aws.to_item(
                {
                    **{f":f{i}": value for i, value in enumerate(values.values())},
                    ":version": before.version,
                    ":next": before.version + 1,
                }
            ),
        }
    }
    client = aws.dynamodb()
    try:
        client.transact_write_items(TransactItems=[update, *companions])  # type: ignore[list-item]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        reasons = error.response.get("CancellationReasons") or []
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            raise StaleContract(after.id) from None
        raise


def set_view_token(session_id: str, contract_id: str, token: str) -> dict[str, Any] | None:
    """The AwaitView task's token, kept on the contract for ``view_done``; the item as it is."""
    return aws.conditional_update(
        _table(), _key(session_id, contract_id), "SET view_token = :token", "attribute_exists(pk)", {":token": token}
    )


def mark_viewed(session_id: str, contract_id: str) -> str | None:
    """The player has seen the prize. Returns the task token to send, to ONE caller: the first
    to mark it viewed once the token is stored (twice, or before the token: None)."""
    updated = aws.conditional_update(
        _table(),
        _key(session_id, contract_id),
        "SET viewed = :yes, view_sent = :yes",
        "attribute_exists(view_token) AND attribute_not_exists(view_sent)",
        {":yes": True},
    )
    if updated is None:
        aws.conditional_update(
            _table(), _key(session_id, contract_id), "SET viewed = :yes", "attribute_exists(pk)", {":yes": True}
        )
        return None
    return str(updated["view_token"])


# ---------------------------------------------------------------- the sweep's lists
def _list(name: str, limit: int, before: str | None = None) -> list[dict[str, Any]]:
    return aws.sparse_list(_table(), name, limit, upto=before)


def overdue(now: int, limit: int) -> list[Contract]:
    """Open contracts past the time they should have been done by."""
    return [from_item(i) for i in _list(OPEN, limit, before=_at(now))]


def errored(limit: int) -> list[Contract]:
    return [from_item(i) for i in _list(ATTENTION, limit)]


def needing_attention(limit: int, now: int) -> list[dict[str, Any]]:
    """For the admin status: errored contracts (being re-driven, or left for a person) and open
    contracts past the time they should have been done by."""
    lists = {ATTENTION: "re-driven", FOR_OPS: "for a person", OPEN: "past its deadline"}
    return [
        {
            "contract_id": str(i["sk"]).split("#", 1)[1],
            "session_id": str(i["pk"]).split("#", 1)[1],
            "status": i.get("status"),
            "phase": i.get("phase"),
            "since": i.get("errored_since") or i.get("gsi3sk"),
            "redriven": i.get("attempt", 0),
            "list": label,
        }
        for name, label in lists.items()
        for i in _list(name, limit, before=_at(now) if name == OPEN else None)
    ]


def claim_redrive(contract: Contract, attempt: int, now: int, next_due: int, *, same: bool = False) -> bool:
    """Take re-drive number ``attempt`` of a contract (once, however many sweeps run). An errored
    contract stays on the attention list (the admin status keeps showing it), re-flagged ``now``
    so the sweep's backoff counts from this re-drive; an open one is looked at again at
    ``next_due``. ``same``: no new attempt, only look again later."""
    before = attempt if same else attempt - 1
    errored = contract.extra.get("flagged_at") is not None
    listed = (ATTENTION, iso(now)) if errored else (OPEN, _at(next_due))
    return (
        aws.conditional_update(
            _table(),
            _key(contract.session_id, contract.id),
            "SET attempt = :attempt, gsi3pk = :list, gsi3sk = :sort",
            "attribute_exists(pk) AND (attribute_not_exists(attempt) OR attempt = :before) AND phase <> :done",
            {":attempt": attempt, ":before": before, ":list": listed[0], ":sort": listed[1], ":done": "done"},
        )
        is not None
    )


def hand_to_ops(contract: Contract) -> None:
    """Past its re-drive window: listed for a person, never dropped."""
    aws.conditional_update(
        _table(),
        _key(contract.session_id, contract.id),
        "SET gsi3pk = :ops",
        "attribute_exists(pk) AND gsi3pk = :attention",
        {":ops": FOR_OPS, ":attention": ATTENTION},
    )
