"""The player's side of a session (client-api.md): login with the one-time client token,
heartbeat, exit; and the operator's ``finalize_session``, called once per session.

Login (the seed's app_user_tools): the operator's ``initialize_session``, then
``get_user_data``; the hub creates the accounts it lacks (ref_id = the operator's account id),
updates every balance, closes the accounts the operator no longer lists, and answers an auth
token (256 bits, stored as a hash, valid for this session alone while it is active).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from casino import aws, clock, ids
from casino.errors import SessionClosed, Unauthorized, UpstreamUnavailable
from casino.hub import operators, sessions, wallet_client
from casino.hub.sessions import HEARTBEAT_TIMEOUT_MS, _get, _table
from casino.registry import games

Remaining = Callable[[], int]
FINALIZE_DUE = "FINALIZE_DUE"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def account_view(item: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "ref_id", "currency", "amount", "status", "start_date", "end_date")
    return {k: item[k] for k in keep if k in item}


def _accounts(user_id: str) -> list[dict[str, Any]]:
    answer = aws.dynamodb().query(
        TableName=_table(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :a)",
        ConsistentRead=True,
        ExpressionAttributeValues=aws.to_item({":pk": f"USER#{user_id}", ":a": "ACCOUNT#"}),
    )
    return [aws.from_item(i) for i in answer.get("Items", [])]


def sync_accounts(user_id: str, listed: list[dict[str, Any]], now: int) -> list[dict[str, Any]]:
    """Create the accounts the hub lacks, update every balance, close those no longer listed."""
    held = {a["ref_id"]: a for a in _accounts(user_id)}
    seen = set()
    writes = []
    for account in listed:
        ref = str(account.get("id"))
        seen.add(ref)
        current = held.get(ref) or {
            "pk": f"USER#{user_id}",
            "sk": f"ACCOUNT#{ref}",
            "id": ids.new_id("acc", now),
            "ref_id": ref,
            "start_date": now,
        }
        updated = {
            **current,
            "currency": str(account.get("currency", "")),
            "amount": str(account.get("amount")),
            "status": "active",
        }
        updated.pop("end_date", None)
        writes.append(updated)
    for ref, account in held.items():
        if ref not in seen and account.get("status") == "active":
            writes.append({**account, "status": "closed", "end_date": now})
    for item in writes:
        aws.dynamodb().put_item(TableName=_table(), Item=aws.to_item(item))
    return [account_view(a) for a in writes if a["status"] == "active"]


def login(client_token: str, remaining_ms: Remaining | None = None) -> dict[str, Any]:
    now = clock.now_ms()
    token_item = _get(f"CLIENT_TOKEN#{_hash(client_token)}", "CLIENT_TOKEN")
    if token_item is None or token_item.get("used") or int(token_item["expires_at"]) <= now:
        raise Unauthorized("this link has expired or was already used; ask the casino for a new one")
    session = _get(f"SESSION#{token_item['session_id']}", "SESSION")
    if session is None or session["status"] != "active":
        raise SessionClosed("this session is closed")
    operator = operators.require(session["operator"])
    user = session["user"]
    try:
        wallet_client.call(operator, "initialize_session", sessions.view(session), remaining_ms=remaining_ms)
        data = wallet_client.call(
            operator, "get_user_data", {"user_id": user.get("ref_id") or user["id"]}, remaining_ms=remaining_ms
        )
    except (wallet_client.WalletRefused, wallet_client.WalletOutcomeUnknown) as failed:
        raise UpstreamUnavailable(f"the casino's wallet did not answer: {failed.message}") from None
    listed = data.get("accounts")
    if not isinstance(listed, list):
        raise UpstreamUnavailable("the casino's wallet answered without accounts")
    accounts = sync_accounts(user["id"], listed, now)
    auth_token = secrets.token_urlsafe(32)
    client = aws.dynamodb()
    table = _table()
    try:
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": aws.to_item({"pk": token_item["pk"], "sk": "CLIENT_TOKEN"}),
                        "UpdateExpression": "SET used = :yes",
                        "ConditionExpression": "used = :no",
                        "ExpressionAttributeValues": aws.to_item({":yes": True, ":no": False}),
                    }
                },
                {
                    "Put": {
                        "TableName": table,
                        "Item": aws.to_item(
                            {
                                "pk": f"AUTH_TOKEN#{_hash(auth_token)}",
                                "sk": "AUTH_TOKEN",
                                "session_id": session["id"],
                                "created_at": now,
                            }
                        ),
                    }
                },
                {
                    "Update": {
                        "TableName": table,
                        "Key": aws.to_item({"pk": session["pk"], "sk": "SESSION"}),
                        "UpdateExpression": "SET accounts = :accounts, gsi3sk = :deadline",
                        "ConditionExpression": "#status = :active",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": aws.to_item(
                            {
                                ":accounts": accounts,
                                ":active": "active",
                                ":deadline": f"{now + HEARTBEAT_TIMEOUT_MS:015d}",
                            }
                        ),
                    }
                },
            ]
        )
    except client.exceptions.TransactionCanceledException:
        raise Unauthorized("this link was used meanwhile, or the session closed") from None
    session = {**session, "accounts": accounts}
    playable = [g for g in games.listing(provider="hub", status="active", kind=None)]
    return {"auth_token": auth_token, "session": sessions.view(session), "accounts": accounts, "games": playable}


def session_of(auth_token: str) -> dict[str, Any]:
    """The session an auth token belongs to; the token is dead once the session has ended."""
    link = _get(f"AUTH_TOKEN#{_hash(auth_token)}", "AUTH_TOKEN")
    if link is None:
        raise Unauthorized("sign in again from the casino")
    session = _get(f"SESSION#{link['session_id']}", "SESSION")
    if session is None or session["status"] != "active":
        raise SessionClosed("this session is closed")
    return session


def heartbeat(session: dict[str, Any]) -> dict[str, Any]:
    now = clock.now_ms()
    client = aws.dynamodb()
    try:
        client.update_item(
            TableName=_table(),
            Key=aws.to_item({"pk": session["pk"], "sk": "SESSION"}),
            UpdateExpression="SET gsi3sk = :deadline, last_heartbeat = :now",
            ConditionExpression="#status = :active",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=aws.to_item(
                {":deadline": f"{now + HEARTBEAT_TIMEOUT_MS:015d}", ":now": now, ":active": "active"}
            ),
        )
    except client.exceptions.ConditionalCheckFailedException:
        raise SessionClosed("this session is closed") from None
    return {"status": "active", "accounts": session.get("accounts", [])}


def exit_session(session: dict[str, Any], remaining_ms: Remaining | None = None) -> dict[str, Any]:
    """The player leaves: the session is finished and the operator's finalize_session called."""
    ended = sessions.end(session, "finished")
    if ended is None:
        raise SessionClosed("this session is closed")
    finalize(ended, remaining_ms)
    return sessions.view(ended)


def finalize(session: dict[str, Any], remaining_ms: Remaining | None = None) -> bool:
    """Call the operator's finalize_session once per session: the call is claimed with a
    conditional write, so concurrent ends call it once; if the operator cannot be reached the
    claim is released, to be taken again later. True when the operator acknowledged it."""
    client = aws.dynamodb()
    key = aws.to_item({"pk": session["pk"], "sk": "SESSION"})
    try:
        client.update_item(
            TableName=_table(),
            Key=key,
            UpdateExpression="SET finalize_state = :calling",
            ConditionExpression="attribute_not_exists(finalize_state) OR finalize_state = :due",
            ExpressionAttributeValues=aws.to_item({":calling": "calling", ":due": "due"}),
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    operator = operators.require(session["operator"])
    try:
        wallet_client.call(operator, "finalize_session", sessions.view(session), remaining_ms=remaining_ms)
    except (wallet_client.WalletRefused, wallet_client.WalletOutcomeUnknown):
        # released, and listed for the session-expiry schedule to try again
        client.update_item(
            TableName=_table(),
            Key=key,
            UpdateExpression="SET finalize_state = :due, gsi3pk = :list, gsi3sk = :at",
            ExpressionAttributeValues=aws.to_item(
                {":due": "due", ":list": FINALIZE_DUE, ":at": f"{clock.now_ms():015d}"}
            ),
        )
        return False
    client.update_item(
        TableName=_table(),
        Key=key,
        UpdateExpression="SET finalize_state = :done REMOVE gsi3pk, gsi3sk",
        ExpressionAttributeValues=aws.to_item({":done": "done"}),
    )
    return True


def finalize_due(limit: int = 50) -> list[dict[str, Any]]:
    """Ended sessions whose finalize_session has not reached the operator yet (GSI3, sparse)."""
    answer = aws.dynamodb().query(
        TableName=_table(),
        IndexName="GSI3",
        KeyConditionExpression="gsi3pk = :pk",
        ExpressionAttributeValues=aws.to_item({":pk": FINALIZE_DUE}),
        Limit=limit,
    )
    return [aws.from_item(i) for i in answer.get("Items", [])]
