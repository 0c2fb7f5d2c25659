"""Operator sessions (hub-operator-api.md): create, search, get, terminate; transactions by id.

HubTable keys (docs/data-model.md):
- ``SESSION#<id>`` / ``SESSION``                          the session; GSI1 ``SESSIONS#<op>`` by start date,
  GSI2 ``SESSIONS#<op>#USER#<their user id>``, GSI3 ``ACTIVE_SESSIONS`` by heartbeat deadline
- ``OPERATOR#<op>#SESSION_REF#<their id>`` / ``SESSION_REF`` their session id, unique per operator
- ``OPERATOR#<op>#USER#<their id>`` / ``USER``            a user, created on first sight
- ``CLIENT_TOKEN#<sha256>`` / ``CLIENT_TOKEN``            the one-time token of a client_url (10 min)
- ``TRANSACTION#<id>`` / ``TRANSACTION``; GSI1 ``OPTRX#<op>#<ref_id>``   a wallet transaction

An operator only ever sees its own: another operator's id is ``not_found``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from casino import aws, clock, ids
from casino.errors import Conflict, GameUnavailable, NotFound, ValidationFailed
from casino.hub.operators import Operator
from casino.idempotency import fingerprint
from casino.registry import store as registry
from casino.settings import settings

CLIENT_TOKEN_TTL_MS = 10 * 60_000
HEARTBEAT_TIMEOUT_MS = 120_000
STATUSES = ("active", "finished", "terminated", "errored")
MAX_EVENTS = 100


def _table() -> str:
    return settings().hub_table


def _get(pk: str, sk: str) -> dict[str, Any] | None:
    item = aws.dynamodb().get_item(TableName=_table(), Key=aws.to_item({"pk": pk, "sk": sk}), ConsistentRead=True)
    return aws.from_item(item["Item"]) if "Item" in item else None


def _text(body: dict[str, Any], name: str, max_len: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise ValidationFailed(f"{name}: a string of 1 to {max_len} characters", field=name)
    return value


def view(session: dict[str, Any]) -> dict[str, Any]:
    """A Session, the same in every endpoint that returns one."""
    answer: dict[str, Any] = {
        "id": session["id"],
        "user": session["user"],
        "accounts": session.get("accounts", []),
        "events": session.get("events", [])[:MAX_EVENTS],
        "status": session["status"],
        "start_date": session["start_date"],
    }
    if session.get("ref_id"):
        answer["ref_id"] = session["ref_id"]
    if session.get("end_date"):
        answer["end_date"] = session["end_date"]
    return answer


def _user(operator: Operator, their_id: str | None, now: int) -> dict[str, Any]:
    """The operator's user, created on first sight (or a guest when no id is given)."""
    client = aws.dynamodb()
    if their_id is None:
        user = {"id": ids.new_id("usr", now), "status": "active"}
        client.put_item(
            TableName=_table(),
            Item=aws.to_item(
                {"pk": f"USER#{user['id']}", "sk": "USER", "operator": operator.code, **user, "guest": True}
            ),
        )
        return user
    key = {"pk": f"OPERATOR#{operator.code}#USER#{their_id}", "sk": "USER"}
    candidate = {"id": ids.new_id("usr", now), "ref_id": their_id, "status": "active"}
    try:
        client.put_item(
            TableName=_table(),
            Item=aws.to_item({**key, **candidate, "operator": operator.code}),
            ConditionExpression="attribute_not_exists(pk)",
        )
        return candidate
    except client.exceptions.ConditionalCheckFailedException:
        existing = _get(key["pk"], key["sk"])
        assert existing is not None
        return {"id": existing["id"], "ref_id": their_id, "status": existing["status"]}


def _client_url(session_id: str, now: int, base_url: str) -> tuple[str, dict[str, Any]]:
    token = secrets.token_urlsafe(32)  # 256 bits
    item = {
        "pk": f"CLIENT_TOKEN#{hashlib.sha256(token.encode()).hexdigest()}",
        "sk": "CLIENT_TOKEN",
        "session_id": session_id,
        "expires_at": now + CLIENT_TOKEN_TTL_MS,
        "used": False,
        "ttl": (now + CLIENT_TOKEN_TTL_MS) // 1000 + 86_400,
    }
    return f"{base_url.rstrip('/')}/play?{urlencode({'token': token})}", item


def create_session(operator: Operator, body: dict[str, Any], base_url: str) -> dict[str, Any]:
    their_user = _text(body, "user_id", 70)
    their_session = _text(body, "session_id", 128)
    fields = {
        name: _text(body, name, limit)
        for name, limit in (
            ("session_token", 512),
            ("game_id", 64),
            ("currency", 4),
            ("language", 16),
            ("return_url", 2000),
        )
    }
    if fields["currency"] is not None and fields["currency"] not in operator.currencies:
        raise ValidationFailed(
            f"currency: not one of the operator's ({', '.join(operator.currencies)})", field="currency"
        )
    if fields["game_id"] is not None:
        game = registry.get(f"GAME#hub#{fields['game_id']}", "GAME")
        if game is None or game.get("admin_status", "active") != "active":
            raise GameUnavailable(f"game {fields['game_id']!r} is not available", field="game_id")
    fp = fingerprint({"user_id": their_user, **fields})
    now = clock.now_ms()
    if their_session is not None:
        earlier = _get(f"OPERATOR#{operator.code}#SESSION_REF#{their_session}", "SESSION_REF")
        if earlier is not None:
            return _retry(operator, earlier, fp, base_url, now)
    user = _user(operator, their_user, now)
    session_id = ids.new_id("ses", now)
    session = {
        "pk": f"SESSION#{session_id}",
        "sk": "SESSION",
        "id": session_id,
        "operator": operator.code,
        "ref_id": their_session,
        "user": user,
        "status": "active",
        "start_date": now,
        "fingerprint": fp,
        **{k: v for k, v in fields.items() if v is not None},
        "gsi1pk": f"SESSIONS#{operator.code}",
        "gsi1sk": f"{now:015d}#{session_id}",
        "gsi3pk": "ACTIVE_SESSIONS",
        "gsi3sk": f"{now + CLIENT_TOKEN_TTL_MS + HEARTBEAT_TIMEOUT_MS:015d}",
    }
    if their_user is not None:
        session["gsi2pk"] = f"SESSIONS#{operator.code}#USER#{their_user}"
        session["gsi2sk"] = session["gsi1sk"]
    client_url, token_item = _client_url(session_id, now, base_url)
    items: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": _table(),
                "Item": aws.to_item(session),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {"Put": {"TableName": _table(), "Item": aws.to_item(token_item)}},
    ]
    if their_session is not None:
        ref = {
            "pk": f"OPERATOR#{operator.code}#SESSION_REF#{their_session}",
            "sk": "SESSION_REF",
            "session_id": session_id,
            "fingerprint": fp,
        }
        items.append(
            {
                "Put": {
                    "TableName": _table(),
                    "Item": aws.to_item(ref),
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        )
    client = aws.dynamodb()
    try:
        client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
    except client.exceptions.TransactionCanceledException as cancelled:
        reasons = cancelled.response.get("CancellationReasons", [])
        if their_session is not None and len(reasons) == 3 and reasons[2].get("Item"):
            return _retry(operator, aws.from_item(reasons[2]["Item"]), fp, base_url, now)
        raise
    return {"session": view(session), "client_url": client_url}


def _retry(operator: Operator, ref: dict[str, Any], fp: str, base_url: str, now: int) -> dict[str, Any]:
    """The same session id again: the first session (with a fresh one-time client_url, since
    the first answer may have been lost); with another payload, a conflict."""
    if ref["fingerprint"] != fp:
        raise Conflict("session_id: already used with a different payload", field="session_id")
    session = _get(f"SESSION#{ref['session_id']}", "SESSION")
    assert session is not None
    client_url, token_item = _client_url(session["id"], now, base_url)
    aws.dynamodb().put_item(TableName=_table(), Item=aws.to_item(token_item))
    return {"session": view(session), "client_url": client_url}


def find(operator: Operator, session_id: str, is_our_id: bool) -> dict[str, Any]:
    if is_our_id:
        session = _get(f"SESSION#{session_id}", "SESSION")
    else:
        ref = _get(f"OPERATOR#{operator.code}#SESSION_REF#{session_id}", "SESSION_REF")
        session = _get(f"SESSION#{ref['session_id']}", "SESSION") if ref else None
    if session is None or session.get("operator") != operator.code:
        raise NotFound(f"session {session_id!r} not found", field="session_id")
    return session


def terminate(
    operator: Operator, session_id: str, is_our_id: bool, remaining_ms: Callable[[], int] | None = None
) -> dict[str, Any]:
    """New plays are refused at once; contracts under way still settle. Idempotent. The
    operator's finalize_session is called once."""
    session = find(operator, session_id, is_our_id)
    if session["status"] != "active":
        return view(session)
    ended = end(session, "terminated")
    if ended is None:
        return view(find(operator, session_id, is_our_id))
    from casino.hub.client_sessions import finalize  # noqa: PLC0415 - the client side imports this module

    finalize(ended, remaining_ms)
    return view(ended)


def end(session: dict[str, Any], status: str) -> dict[str, Any] | None:
    """An active session ends (terminated, finished): it leaves the active-sessions index.
    Conditional on it being active; None if it had already ended."""
    client = aws.dynamodb()
    try:
        answer = client.update_item(
            TableName=_table(),
            Key=aws.to_item({"pk": session["pk"], "sk": "SESSION"}),
            UpdateExpression="SET #status = :ended, end_date = :now REMOVE gsi3pk, gsi3sk",
            ConditionExpression="#status = :active",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=aws.to_item({":ended": status, ":active": "active", ":now": clock.now_ms()}),
            ReturnValues="ALL_NEW",
        )
    except client.exceptions.ConditionalCheckFailedException:
        return None
    return aws.from_item(answer["Attributes"])


def _cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(aws.from_item(key), default=str).encode()).decode()


def _uncursor(cursor: str, operator: Operator) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("cursor: not a cursor this endpoint gave", field="cursor") from None
    if not isinstance(key, dict) or not str(key.get("gsi1pk", key.get("gsi2pk", ""))).startswith(
        f"SESSIONS#{operator.code}"
    ):
        raise ValidationFailed("cursor: not a cursor this endpoint gave", field="cursor")
    return aws.to_item(key)


def search(
    operator: Operator,
    *,
    from_date: int,
    to_date: int | None,
    user_id: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """Newest first, by start date, one index partition of this operator (never a scan)."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed(f"status: one of {', '.join(STATUSES)}", field="status")
    upper = to_date if to_date is not None else clock.now_ms() + 1
    if upper < from_date:
        raise ValidationFailed("to_date: must not be before from_date", field="to_date")
    index, pk = (
        ("GSI2", f"SESSIONS#{operator.code}#USER#{user_id}") if user_id else ("GSI1", f"SESSIONS#{operator.code}")
    )
    n = index[-1]
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "IndexName": index,
        "ScanIndexForward": False,
        "Limit": limit,
        "KeyConditionExpression": f"gsi{n}pk = :pk AND gsi{n}sk BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": aws.to_item({":pk": pk, ":lo": f"{from_date:015d}", ":hi": f"{upper:015d}~"}),
    }
    if status is not None:
        kwargs["FilterExpression"] = "#status = :status"
        kwargs["ExpressionAttributeNames"] = {"#status": "status"}
        kwargs["ExpressionAttributeValues"].update(aws.to_item({":status": status}))
    if cursor:
        kwargs["ExclusiveStartKey"] = _uncursor(cursor, operator)
    answer = aws.dynamodb().query(**kwargs)
    return {
        "sessions": [view(aws.from_item(i)) for i in answer.get("Items", [])],
        "next_cursor": _cursor(answer.get("LastEvaluatedKey")),
    }


def transaction(operator: Operator, transaction_id: str, is_our_id: bool) -> dict[str, Any]:
    """A wallet transaction of this operator's contracts, by our id or theirs (the ref_id)."""
    if is_our_id:
        found = _get(f"TRANSACTION#{transaction_id}", "TRANSACTION")
    else:
        answer = aws.dynamodb().query(
            TableName=_table(),
            IndexName="GSI1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues=aws.to_item({":pk": f"OPTRX#{operator.code}#{transaction_id}"}),
            Limit=1,
        )
        items = answer.get("Items", [])
        found = aws.from_item(items[0]) if items else None
    if found is None or found.get("operator") != operator.code:
        raise NotFound(f"transaction {transaction_id!r} not found", field="transaction_id")
    keep = (
        "id",
        "ref_id",
        "contract_step_id",
        "account_id",
        "amount",
        "balance_before",
        "balance_after",
        "create_date",
    )
    return {k: found[k] for k in keep if k in found}
