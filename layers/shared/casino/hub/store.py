"""HubTable: owns every key, index key and condition of the hub's items (docs/data-model.md).

Keys (pk / sk):
- ``SESSION#<id>`` / ``SESSION``                          a session; GSI1 ``SESSIONS#<op>`` / ``<start:015d>#<id>``,
  GSI2 ``SESSIONS#<op>#USER#<their user id>`` (same sort key), or for a session opened by password
  login (``login = password``) ``SESSIONS#<op>#PASSWORD_USER#<our user id>``; GSI3 (sparse, one list at a time):
  ``ACTIVE_SESSIONS`` / heartbeat deadline while active, then ``FINALIZE_DUE`` / when the
  operator's finalize_session is next due (a retry, or a claim's lease running out), then
  ``FINALIZE_REFUSED`` / when, if the operator refused it (kept for ops); none once finalized
- ``OPERATOR#<op>#SESSION_REF#<their id>`` / ``SESSION_REF`` their session id, unique per operator
- ``OPERATOR#<op>#USER#<their id>`` / ``USER``            a user, created on first sight
- ``USER#<id>`` / ``USER``                                 a guest user
- ``USER#<id>`` / ``ACCOUNT#<their account id>``          a user's account, as the operator lists it
- ``CLIENT_TOKEN#<sha256>`` / ``CLIENT_TOKEN``            the one-time token of a client_url (TTL)
- ``AUTH_TOKEN#<sha256>`` / ``AUTH_TOKEN``                a client's auth token, for one session
- ``TRANSACTION#<id>`` / ``TRANSACTION``; GSI1 ``OPTRX#<op>#<ref_id>``   a wallet transaction
- ``NONCE#<audience>#<app id>#<nonce>`` / ``NONCE``       a signed request's nonce, seen once (TTL)
- contracts and play records live in their session's partition: ``casino.contract.store``
"""

from __future__ import annotations

from typing import Any

from casino import aws
from casino.settings import settings

ACTIVE_SESSIONS = "ACTIVE_SESSIONS"
FINALIZE_DUE = "FINALIZE_DUE"
FINALIZE_REFUSED = "FINALIZE_REFUSED"
TTL_GRACE_S = 86_400  # DynamoDB deletes expired items lazily; they are refused by their own dates first


def _table() -> str:
    return settings().hub_table


def _at(ms: int) -> str:
    return f"{ms:015d}"


def _key(pk: str, sk: str) -> dict[str, Any]:
    return aws.to_item({"pk": pk, "sk": sk})


def _get(pk: str, sk: str) -> dict[str, Any] | None:
    answer = aws.dynamodb().get_item(TableName=_table(), Key=_key(pk, sk), ConsistentRead=True)
    return aws.from_item(answer["Item"]) if "Item" in answer else None


def _update(pk: str, sk: str, expression: str, condition: str, values: dict[str, Any]) -> dict[str, Any] | None:
    """A conditional update; the item as it now is, or None if the condition failed."""
    return aws.conditional_update(_table(), {"pk": pk, "sk": sk}, expression, condition, values)


def _gsi3(list_name: str, limit: int, *, before: int | None = None) -> list[dict[str, Any]]:
    return aws.sparse_list(_table(), list_name, limit, upto=None if before is None else _at(before))


# ---------------------------------------------------------------- nonces
def record_nonce(audience: str, app_id: str, nonce: str, remember_until_ms: int) -> bool:
    """Remember a signed request's nonce; False if it was seen before (a replay)."""
    client = aws.dynamodb()
    try:
        client.put_item(
            TableName=_table(),
            Item=aws.to_item(
                {
                    "pk": f"NONCE#{audience}#{app_id}#{nonce}",
                    "sk": "NONCE",
                    "ttl": remember_until_ms // 1000 + TTL_GRACE_S,
                }
            ),
            ConditionExpression="attribute_not_exists(pk)",
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


# ---------------------------------------------------------------- users
def add_guest(operator: str, user: dict[str, Any]) -> None:
    aws.dynamodb().put_item(
        TableName=_table(),
        Item=aws.to_item({**user, "pk": f"USER#{user['id']}", "sk": "USER", "operator": operator, "guest": True}),
    )


def add_user(operator: str, their_id: str, candidate: dict[str, Any]) -> dict[str, Any]:
    """The operator's user, created from ``candidate`` on first sight; the stored one after."""
    key = {"pk": f"OPERATOR#{operator}#USER#{their_id}", "sk": "USER"}
    client = aws.dynamodb()
    try:
        client.put_item(
            TableName=_table(),
            Item=aws.to_item({**candidate, **key, "operator": operator}),
            ConditionExpression="attribute_not_exists(pk)",
        )
        return candidate
    except client.exceptions.ConditionalCheckFailedException:
        existing = _get(key["pk"], key["sk"])
        assert existing is not None
        return existing


# ---------------------------------------------------------------- sessions
def session(session_id: str) -> dict[str, Any] | None:
    return _get(f"SESSION#{session_id}", "SESSION")


def session_ref(operator: str, their_id: str) -> dict[str, Any] | None:
    return _get(f"OPERATOR#{operator}#SESSION_REF#{their_id}", "SESSION_REF")


def _client_token_item(token_hash: str, session_id: str, expires_at: int) -> dict[str, Any]:
    return {
        "pk": f"CLIENT_TOKEN#{token_hash}",
        "sk": "CLIENT_TOKEN",
        "session_id": session_id,
        "expires_at": expires_at,
        "used": False,
        "ttl": expires_at // 1000 + TTL_GRACE_S,
    }


LOGIN_BY_CREDENTIALS = "password"  # a session's ``login`` when the hub opened it for a password user


def _session_item(session: dict[str, Any], heartbeat_deadline: int) -> dict[str, Any]:
    """A new active session with its index keys. A password session is listed by its user apart
    from the operator's users (GSI2 ``...#PASSWORD_USER#<our id>``), so an operator's search by
    its user id never meets one and a password user's own sessions are one query."""
    session_id, operator, start = session["id"], session["operator"], session["start_date"]
    item = {
        **session,
        "pk": f"SESSION#{session_id}",
        "sk": "SESSION",
        "gsi1pk": f"SESSIONS#{operator}",
        "gsi1sk": f"{_at(start)}#{session_id}",
        "gsi3pk": ACTIVE_SESSIONS,
        "gsi3sk": _at(heartbeat_deadline),
    }
    if session.get("login") == LOGIN_BY_CREDENTIALS:
        item["gsi2pk"] = f"SESSIONS#{operator}#PASSWORD_USER#{session['user']['id']}"
        item["gsi2sk"] = item["gsi1sk"]
    elif session["user"].get("ref_id") is not None:
        item["gsi2pk"] = f"SESSIONS#{operator}#USER#{session['user']['ref_id']}"
        item["gsi2sk"] = item["gsi1sk"]
    return item


def add_password_session(session: dict[str, Any], *, heartbeat_deadline: int) -> None:
    """A new active session the hub opens itself for a password user (no client token, no
    session id of the operator's)."""
    assert session.get("login") == LOGIN_BY_CREDENTIALS
    aws.dynamodb().put_item(
        TableName=_table(),
        Item=aws.to_item(_session_item(session, heartbeat_deadline)),
        ConditionExpression="attribute_not_exists(pk)",
    )


def active_sessions_of_user(operator: str, their_user_id: str) -> list[dict[str, Any]]:
    """Every active session an operator opened for one of its users (GSI2, status filtered)."""
    return _active_in_gsi2(f"SESSIONS#{operator}#USER#{their_user_id}")


def active_password_sessions(operator: str, user_id: str) -> list[dict[str, Any]]:
    """Every active session of a password user (its own GSI2 partition, status filtered)."""
    return _active_in_gsi2(f"SESSIONS#{operator}#PASSWORD_USER#{user_id}")


def _active_in_gsi2(partition: str) -> list[dict[str, Any]]:
    return aws.query_all(
        TableName=_table(),
        IndexName="GSI2",
        KeyConditionExpression="gsi2pk = :pk",
        FilterExpression="#status = :active",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues=aws.to_item({":pk": partition, ":active": "active"}),
    )


def add_session(
    session: dict[str, Any], *, heartbeat_deadline: int, token_hash: str, token_expires_at: int
) -> dict[str, Any] | None:
    """A new active session, its client token and (with their session id) its reference, in one
    transaction. None when written; the reference already stored when their session id is taken."""
    session_id, operator = session["id"], session["operator"]
    item = _session_item(session, heartbeat_deadline)
    writes: list[dict[str, Any]] = [
        {"Put": {"TableName": _table(), "Item": aws.to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}},
        {
            "Put": {
                "TableName": _table(),
                "Item": aws.to_item(_client_token_item(token_hash, session_id, token_expires_at)),
            }
        },
    ]
    if session.get("ref_id") is not None:
        ref = {
            "pk": f"OPERATOR#{operator}#SESSION_REF#{session['ref_id']}",
            "sk": "SESSION_REF",
            "session_id": session_id,
            "fingerprint": session["fingerprint"],
        }
        writes.append(
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
        client.transact_write_items(TransactItems=writes)  # type: ignore[arg-type]
    except client.exceptions.TransactionCanceledException as cancelled:
        reasons = cancelled.response.get("CancellationReasons", [])
        if len(reasons) == 3 and reasons[2].get("Item"):
            return aws.from_item(reasons[2]["Item"])
        raise
    return None


def add_client_token(token_hash: str, session_id: str, expires_at: int) -> None:
    aws.dynamodb().put_item(
        TableName=_table(), Item=aws.to_item(_client_token_item(token_hash, session_id, expires_at))
    )


Position = tuple[int, str]  # (start date, session id): where a page of a search ends


def sessions_of(
    operator: str,
    *,
    user_id: str | None,
    from_ms: int,
    to_ms: int,
    status: str | None,
    limit: int,
    after: Position | None,
) -> tuple[list[dict[str, Any]], Position | None]:
    """An operator's sessions (of one of their users) started in [from, to], newest first,
    one index partition (never a scan); ``after`` continues a search where a page ended."""
    index, pk = ("GSI2", f"SESSIONS#{operator}#USER#{user_id}") if user_id else ("GSI1", f"SESSIONS#{operator}")
    n = index[-1]
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "IndexName": index,
        "ScanIndexForward": False,
        "Limit": limit,
        "KeyConditionExpression": f"gsi{n}pk = :pk AND gsi{n}sk BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": aws.to_item({":pk": pk, ":lo": _at(from_ms), ":hi": f"{_at(to_ms)}~"}),
    }
    if status is not None:
        kwargs["FilterExpression"] = "#status = :status"
        kwargs["ExpressionAttributeNames"] = {"#status": "status"}
        kwargs["ExpressionAttributeValues"].update(aws.to_item({":status": status}))
    if after is not None:
        start, session_id = after
        kwargs["ExclusiveStartKey"] = aws.to_item(
            {
                "pk": f"SESSION#{session_id}",
                "sk": "SESSION",
                f"gsi{n}pk": pk,
                f"gsi{n}sk": f"{_at(start)}#{session_id}",
            }
        )
    answer = aws.dynamodb().query(**kwargs)
    last = answer.get("LastEvaluatedKey")
    position: Position | None = None
    if last:
        start_text, _, session_id = str(aws.from_item(last)[f"gsi{n}sk"]).partition("#")
        position = (int(start_text), session_id)
    return [aws.from_item(i) for i in answer.get("Items", [])], position


def position_of(session: dict[str, Any]) -> Position:
    """Where a search page that ends with ``session`` continues (its index sort key's parts)."""
    return int(session["start_date"]), str(session["id"])


def end_session(session_id: str, status: str, reason: str, now: int, *, finalize: bool) -> dict[str, Any] | None:
    """An active session ends, in ONE write: its status, why, its end date, out of the active list,
    and (``finalize``) its operator's finalize_session due and listed for the schedule, so a
    Lambda that dies after this write loses nothing. None if it had already ended."""
    if finalize:
        expression = (
            "SET #status = :ended, end_reason = :why, end_date = :now, finalize_state = :due, gsi3pk = :list, "
            "gsi3sk = :at"
        )
        values = {":ended": status, ":why": reason, ":now": now, ":due": "due", ":list": FINALIZE_DUE, ":at": _at(now)}
    else:
        expression = "SET #status = :ended, end_reason = :why, end_date = :now REMOVE gsi3pk, gsi3sk"
        values = {":ended": status, ":why": reason, ":now": now}
    return _update(f"SESSION#{session_id}", "SESSION", expression, "#status = :active", {**values, ":active": "active"})


def claim_finalize(session_id: str, claim: str, now: int, lease_until: int) -> dict[str, Any] | None:
    """Claim the call of a due finalize_session (or one whose last claim's lease ran out) until
    ``lease_until``; the session as it now is, or None if someone else holds it or it is settled."""
    return _update(
        f"SESSION#{session_id}",
        "SESSION",
        "SET finalize_state = :calling, finalize_claim = :claim, finalize_lease_until = :lease, gsi3sk = :lease_at, "
        "finalize_attempts = if_not_exists(finalize_attempts, :zero) + :one",
        "finalize_state = :due OR (finalize_state = :calling AND finalize_lease_until < :now)",
        {
            ":calling": "calling",
            ":due": "due",
            ":claim": claim,
            ":lease": lease_until,
            ":lease_at": _at(lease_until),
            ":now": now,
            ":zero": 0,
            ":one": 1,
        },
    )


def _settle_finalize(session_id: str, claim: str, expression: str, values: dict[str, Any]) -> bool:
    """Record a claimed call's outcome, only while the claim is still ours (a claimer whose lease
    ran out, and whose call was taken over, records nothing)."""
    claimed = {**values, ":claim": claim}
    return _update(f"SESSION#{session_id}", "SESSION", expression, "finalize_claim = :claim", claimed) is not None


def finalize_done(session_id: str, claim: str, now: int) -> bool:
    """The operator acknowledged it: out of every list."""
    return _settle_finalize(
        session_id,
        claim,
        "SET finalize_state = :done, finalized_at = :now REMOVE finalize_claim, finalize_lease_until, gsi3pk, gsi3sk",
        {":done": "done", ":now": now},
    )


def finalize_refused(session_id: str, claim: str, code: str, now: int) -> bool:
    """The operator refused it for good: recorded with its code and listed for ops, never retried."""
    return _settle_finalize(
        session_id,
        claim,
        "SET finalize_state = :refused, finalize_error = :code, finalize_refused_at = :now, "
        "gsi3pk = :list, gsi3sk = :at REMOVE finalize_claim, finalize_lease_until",
        {":refused": "refused", ":code": code, ":now": now, ":list": FINALIZE_REFUSED, ":at": _at(now)},
    )


def finalize_again(session_id: str, claim: str, retry_at: int) -> bool:
    """Its outcome is unknown: due again at ``retry_at`` (the schedule takes it then)."""
    return _settle_finalize(
        session_id,
        claim,
        "SET finalize_state = :due, gsi3sk = :at REMOVE finalize_claim, finalize_lease_until",
        {":due": "due", ":at": _at(retry_at)},
    )


def finalize_due(now: int, limit: int) -> list[dict[str, Any]]:
    """Ended sessions whose finalize_session is due now, or whose claim's lease has run out."""
    return _gsi3(FINALIZE_DUE, limit, before=now)


def finalize_refusals(limit: int) -> list[dict[str, Any]]:
    return _gsi3(FINALIZE_REFUSED, limit)


def overdue_sessions(now: int, limit: int) -> list[dict[str, Any]]:
    """Active sessions whose heartbeat deadline has passed."""
    return _gsi3(ACTIVE_SESSIONS, limit, before=now - 1)


def active_session_count(up_to: int) -> tuple[int, bool]:
    """How many sessions are active, counted up to ``up_to`` (GSI3 ``ACTIVE_SESSIONS``, ``Select:
    COUNT``): ``(count, exact)``; past ``up_to`` the count stops there and ``exact`` is False.
    Bounded: at most ``up_to + 1`` index items read, whatever the number of sessions."""
    total = 0
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "IndexName": "GSI3",
        "Select": "COUNT",
        "KeyConditionExpression": "gsi3pk = :pk",
        "ExpressionAttributeValues": aws.to_item({":pk": ACTIVE_SESSIONS}),
    }
    while True:
        kwargs["Limit"] = up_to + 1 - total
        answer = aws.dynamodb().query(**kwargs)
        total += int(answer.get("Count", 0))
        if total > up_to:
            return up_to, False
        if "LastEvaluatedKey" not in answer:
            return total, True
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


# ---------------------------------------------------------------- the player's side
def heartbeat(session_id: str, deadline: int, now: int) -> bool:
    """An active session's heartbeat deadline moves on; False if it is no longer active."""
    beat = _update(
        f"SESSION#{session_id}",
        "SESSION",
        "SET gsi3sk = :deadline, last_heartbeat = :now",
        "#status = :active",
        {":deadline": _at(deadline), ":now": now, ":active": "active"},
    )
    return beat is not None


def acknowledge_reality_check(session_id: str, now: int) -> dict[str, Any] | None:
    """The player has seen the reality check: the next one is due a period from now. The session
    as it now is, or None if it is no longer active."""
    return _update(
        f"SESSION#{session_id}",
        "SESSION",
        "SET reality_check_ack_at = :now",
        "#status = :active",
        {":now": now, ":active": "active"},
    )


def claim_client_token(token_hash: str, claim: str, now: int, lease_until: int) -> dict[str, Any] | None:
    """Claim an unused, unexpired client token for one login until ``lease_until`` (a login
    whose Lambda died frees it then); None if it is unknown, used, expired or claimed."""
    return _update(
        f"CLIENT_TOKEN#{token_hash}",
        "CLIENT_TOKEN",
        "SET login_claim = :claim, login_lease_until = :lease",
        "attribute_exists(pk) AND used = :no AND expires_at > :now "
        "AND (attribute_not_exists(login_lease_until) OR login_lease_until < :now)",
        {":claim": claim, ":lease": lease_until, ":no": False, ":now": now},
    )


def release_client_token(token_hash: str, claim: str) -> None:
    """The login failed with its outcome unknown: the token may be used again."""
    _update(
        f"CLIENT_TOKEN#{token_hash}",
        "CLIENT_TOKEN",
        "REMOVE login_claim, login_lease_until",
        "login_claim = :claim",
        {":claim": claim},
    )


def burn_client_token(token_hash: str, claim: str, now: int) -> None:
    """The login was refused for good: the token is used up."""
    _update(
        f"CLIENT_TOKEN#{token_hash}",
        "CLIENT_TOKEN",
        "SET used = :yes, burnt_at = :now REMOVE login_claim, login_lease_until",
        "login_claim = :claim",
        {":yes": True, ":now": now, ":claim": claim},
    )


def accounts_of(user_id: str) -> list[dict[str, Any]]:
    answer = aws.dynamodb().query(
        TableName=_table(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :a)",
        ConsistentRead=True,
        ExpressionAttributeValues=aws.to_item({":pk": f"USER#{user_id}", ":a": "ACCOUNT#"}),
    )
    return [aws.from_item(i) for i in answer.get("Items", [])]


def save_accounts(user_id: str, accounts: list[dict[str, Any]]) -> None:
    """Each account keyed by the operator's account id (its ``ref_id``)."""
    for account in accounts:
        fields = {k: v for k, v in account.items() if k not in ("pk", "sk")}
        aws.dynamodb().put_item(
            TableName=_table(),
            Item=aws.to_item({**fields, "pk": f"USER#{user_id}", "sk": f"ACCOUNT#{account['ref_id']}"}),
        )


def _login_writes(
    auth_hash: str, session_id: str, accounts: list[dict[str, Any]], heartbeat_deadline: int, now: int
) -> list[dict[str, Any]]:
    """The auth token stored, and the still-active session given its accounts and heartbeat deadline."""
    return [
        {
            "Put": {
                "TableName": _table(),
                "Item": aws.to_item(
                    {"pk": f"AUTH_TOKEN#{auth_hash}", "sk": "AUTH_TOKEN", "session_id": session_id, "created_at": now}
                ),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Update": {
                "TableName": _table(),
                "Key": _key(f"SESSION#{session_id}", "SESSION"),
                "UpdateExpression": "SET accounts = :accounts, gsi3sk = :deadline",
                "ConditionExpression": "#status = :active",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": aws.to_item(
                    {":accounts": accounts, ":active": "active", ":deadline": _at(heartbeat_deadline)}
                ),
            }
        },
    ]


def _transact(writes: list[dict[str, Any]]) -> bool:
    client = aws.dynamodb()
    try:
        client.transact_write_items(TransactItems=writes)  # type: ignore[arg-type]
    except client.exceptions.TransactionCanceledException:
        return False
    return True


def complete_login(
    *,
    token_hash: str,
    claim: str,
    auth_hash: str,
    session_id: str,
    accounts: list[dict[str, Any]],
    heartbeat_deadline: int,
    now: int,
) -> bool:
    """In one transaction: the claimed client token is used up, the auth token is stored, and the
    still-active session gets its accounts and heartbeat deadline. False if any condition failed."""
    token = {
        "Update": {
            "TableName": _table(),
            "Key": _key(f"CLIENT_TOKEN#{token_hash}", "CLIENT_TOKEN"),
            "UpdateExpression": "SET used = :yes REMOVE login_claim, login_lease_until",
            "ConditionExpression": "used = :no AND login_claim = :claim",
            "ExpressionAttributeValues": aws.to_item({":yes": True, ":no": False, ":claim": claim}),
        }
    }
    return _transact([token, *_login_writes(auth_hash, session_id, accounts, heartbeat_deadline, now)])


def complete_password_login(
    *, auth_hash: str, session_id: str, accounts: list[dict[str, Any]], heartbeat_deadline: int, now: int
) -> bool:
    """A password session's login, in one transaction: its auth token, its accounts and heartbeat
    deadline. False if the session ended meanwhile."""
    return _transact(_login_writes(auth_hash, session_id, accounts, heartbeat_deadline, now))


def auth_token(auth_hash: str) -> dict[str, Any] | None:
    return _get(f"AUTH_TOKEN#{auth_hash}", "AUTH_TOKEN")


# ---------------------------------------------------------------- transactions
def transaction(transaction_id: str) -> dict[str, Any] | None:
    return _get(f"TRANSACTION#{transaction_id}", "TRANSACTION")


def transaction_by_ref(operator: str, ref_id: str) -> dict[str, Any] | None:
    answer = aws.dynamodb().query(
        TableName=_table(),
        IndexName="GSI1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues=aws.to_item({":pk": f"OPTRX#{operator}#{ref_id}"}),
        Limit=1,
    )
    items = answer.get("Items", [])
    return aws.from_item(items[0]) if items else None


def transaction_put(transaction: dict[str, Any]) -> dict[str, Any]:
    """The transact item recording one line of a wallet answer (a contract step's transaction),
    found by our id and, through GSI1, by the operator's ``ref_id``."""
    item = {**transaction, "pk": f"TRANSACTION#{transaction['id']}", "sk": "TRANSACTION"}
    if transaction.get("ref_id"):
        item["gsi1pk"] = f"OPTRX#{transaction['operator']}#{transaction['ref_id']}"
        item["gsi1sk"] = transaction["id"]
    return {
        "Put": {"TableName": _table(), "Item": aws.to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}
    }


def accounts_update(session_id: str, accounts: list[dict[str, Any]]) -> dict[str, Any]:
    """The transact item refreshing a session's balances from a wallet answer."""
    return {
        "Update": {
            "TableName": _table(),
            "Key": _key(f"SESSION#{session_id}", "SESSION"),
            "UpdateExpression": "SET accounts = :accounts",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": aws.to_item({":accounts": accounts}),
        }
    }
