"""The account bridge (operator-wallet.md): our casino wallet speaking the operator-wallet API.

The hub's ``create_transaction`` lands on the same wallet core as the provider callbacks: a
play is a bet split real first then bonus, with wagering; a win is split in the play's
proportion; a refund returns the play's parts; a cancel_win takes a win back if the balance
allows. Each is one transaction with the bridge transaction record ``BTX#<operator>#<id>``
(the idempotency record: same id and body, same answer; another body, ``duplicate_mismatch``).
A refund of a play never applied is accepted, moves nothing, and leaves a tombstone so the
play arriving later is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import Any

from casino import aws, clock, ids
from casino.errors import DomainError, InsufficientFunds, ValidationFailed
from casino.idempotency import fingerprint
from casino.money import currency, to_decimal_string, to_minor
from casino.settings import settings
from casino.wallet import domain
from casino.wallet import store as wallet_store
from casino.wallet.domain import Movement, Wallet
from casino.wallet.service import MAX_ATTEMPTS, WalletBusy, backoff

KINDS = ("instant_win", "single_player", "multiplayer_pvh", "multiplayer_pvp")
ACTIONS = ("play", "win", "lose", "refund", "cancel_win")
TYPE = re.compile(rf"^({'|'.join(KINDS)})\.({'|'.join(ACTIONS)})$")
ACCOUNTS = ("real", "bonus")


class UserBlocked(DomainError):
    code = "user_blocked"


class DuplicateMismatch(DomainError):
    code = "duplicate_mismatch"


class InvalidRequest(ValidationFailed):
    """A well-formed request the wallet cannot take (e.g. a play already refunded)."""


def btx_key(operator: str, transaction_id: str) -> dict[str, str]:
    return {"pk": f"BTX#{operator}#{transaction_id}", "sk": "BTX"}


def accounts(wallet: Wallet, now: int) -> list[dict[str, str]]:
    cur = currency(wallet.currency)
    return [
        {"id": "real", "currency": wallet.currency, "amount": to_decimal_string(wallet.real, cur)},
        {"id": "bonus", "currency": wallet.currency, "amount": to_decimal_string(wallet.playable_bonus(now), cur)},
    ]


def user_data(user_id: str) -> dict[str, Any]:
    wallet = wallet_store.get_wallet(user_id)
    if wallet is None:
        raise InvalidRequest(f"user_id: unknown user {user_id!r}", field="user_id")
    if wallet.status != "active":
        raise UserBlocked(f"user {user_id!r} is blocked", field="user_id")
    return {"accounts": accounts(wallet, clock.now_ms())}


def _read(operator: str, user_id: str, transaction_ids: list[str]) -> tuple[Wallet | None, dict[str, dict[str, Any]]]:
    """The wallet and the named bridge transactions, in one strongly consistent batch read."""
    table = settings().wallet_table
    keys = [wallet_store.wallet_key(user_id), *(btx_key(operator, t) for t in dict.fromkeys(transaction_ids))]
    answer = aws.dynamodb().batch_get_item(
        RequestItems={table: {"Keys": [aws.to_item(k) for k in keys], "ConsistentRead": True}}
    )
    wallet = None
    found: dict[str, dict[str, Any]] = {}
    for raw in answer.get("Responses", {}).get(table, []):
        item = aws.from_item(raw)
        if item["sk"] == "WALLET":
            wallet = wallet_store.wallet_from_item(item)
        else:
            found[item["transaction_id"]] = item
    return wallet, found


def _put(item: dict[str, Any], *, expect_status: str | None = None) -> dict[str, Any]:
    put: dict[str, Any] = {
        "TableName": settings().wallet_table,
        "Item": aws.to_item(item),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    if expect_status is None:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "#status = :s"
        put["ExpressionAttributeNames"] = {"#status": "status"}
        put["ExpressionAttributeValues"] = aws.to_item({":s": expect_status})
    return {"Put": put}


def _parse(body: dict[str, Any]) -> tuple[str, str, str, str, list[str], int]:
    tid, user = body.get("transaction_id"), body.get("user_id")
    if not isinstance(tid, str) or not 0 < len(tid) <= 128:
        raise ValidationFailed("transaction_id: a string of 1 to 128 characters", field="transaction_id")
    if not isinstance(user, str) or not 0 < len(user) <= 70:
        raise ValidationFailed("user_id: a string of 1 to 70 characters", field="user_id")
    match = TYPE.match(str(body.get("type", "")))
    if not match:
        raise ValidationFailed(f"type: <kind>.<action>, kinds {KINDS}, actions {ACTIONS}", field="type")
    prev = body.get("prev_transactions") or []
    if not isinstance(prev, list) or not all(isinstance(p, str) for p in prev):
        raise ValidationFailed("prev_transactions: a list of transaction ids", field="prev_transactions")
    lines = body.get("transactions")
    if not isinstance(lines, list):
        raise ValidationFailed("transactions: a list of {id, account_id, amount}", field="transactions")
    return tid, user, match.group(1), match.group(2), prev, len(lines)


def _total(lines: list[dict[str, Any]], cur_code: str) -> int:
    """The signed sum of the lines, exact (negative = debit). Each line names an account."""
    cur = currency(cur_code)
    total = 0
    for i, line in enumerate(lines):
        if not isinstance(line, dict) or line.get("account_id") not in ACCOUNTS:
            raise ValidationFailed(
                f"transactions[{i}].account_id: real or bonus", field=f"transactions[{i}].account_id"
            )
        amount = line.get("amount")
        if not isinstance(amount, str):
            raise ValidationFailed(f"transactions[{i}].amount: a decimal string", field=f"transactions[{i}].amount")
        total += to_minor(amount, cur, field=f"transactions[{i}].amount")
    return total


def _answer_of(record: dict[str, Any], fp: str) -> dict[str, Any]:
    if record.get("tombstone"):
        raise InvalidRequest("transaction_id: this play was refunded before it arrived", field="transaction_id")
    if record.get("fingerprint") != fp:
        raise DuplicateMismatch("transaction_id already used with a different body", field="transaction_id")
    if record["status"] == "ERROR":
        kinds: dict[str, type[DomainError]] = {"insufficient_funds": InsufficientFunds, "user_blocked": UserBlocked}
        raise kinds.get(record["error_code"], InvalidRequest)(record["error_message"], field=record.get("error_field"))
    answer: dict[str, Any] = json.loads(record["answer"])
    return answer


def create_transaction(operator: str, body: dict[str, Any]) -> dict[str, Any]:
    tid, user, kind, action, prev, _ = _parse(body)
    fp = fingerprint({k: v for k, v in body.items() if k != "session_token"})
    for attempt in range(MAX_ATTEMPTS):
        now = clock.now_ms()
        wallet, known = _read(operator, user, [tid, *prev])
        if tid in known:
            return _answer_of(known[tid], fp)
        if wallet is None:
            raise InvalidRequest(f"user_id: unknown user {user!r}", field="user_id")
        try:
            movement, extra, split = _decide(operator, wallet, kind, action, body, prev, known, now)
        except (InsufficientFunds, UserBlocked) as refused:
            record = {
                **btx_key(operator, tid),
                "transaction_id": tid,
                "operator": operator,
                "user_id": user,
                "type": body["type"],
                "fingerprint": fp,
                "status": "ERROR",
                "error_code": refused.code,
                "error_message": refused.message,
                "error_field": refused.field,
                "created_at": now,
            }
            try:
                wallet_store.transact([_put(record)])
            except wallet_store.VersionConflict as duplicate:
                first = duplicate.old_item(0)
                if first is not None:
                    return _answer_of(first, fp)
                raise
            raise
        answer = {"transaction_id": ids.new_id("btx", now), "accounts": accounts(movement.wallet, now)}
        record = {
            **btx_key(operator, tid),
            "transaction_id": tid,
            "operator": operator,
            "user_id": user,
            "type": body["type"],
            "action": action,
            "fingerprint": fp,
            "status": "OK",
            "split": split,
            "answer": json.dumps(answer),
            "ref_id": answer["transaction_id"],
            "created_at": now,
        }
        items = wallet_store.movement_items(movement) if movement.changed else []
        first_write = len(items)
        try:
            wallet_store.transact([*items, _put(record), *extra])
        except wallet_store.VersionConflict as lost:
            earlier = lost.old_item(first_write)
            if earlier is not None:
                return _answer_of(earlier, fp)
            backoff(attempt)
            continue
        return answer
    raise WalletBusy("the wallet is busy; retry the same transaction_id")


def _named(prev: list[str], known: dict[str, dict[str, Any]], action: str) -> dict[str, Any] | None:
    """The earlier transaction of this contract that an action refers to (the last of its kind)."""
    for tid in reversed(prev):
        record = known.get(tid)
        if record is not None and record.get("action") == action:
            return record
    return None


def _decide(
    operator: str,
    wallet: Wallet,
    kind: str,
    action: str,
    body: dict[str, Any],
    prev: list[str],
    known: dict[str, dict[str, Any]],
    now: int,
) -> tuple[Movement, list[dict[str, Any]], dict[str, Any]]:
    total = _total(body["transactions"], wallet.currency)
    reference = {"source": f"bridge:{operator}", "transaction_id": body["transaction_id"], "type": body["type"]}
    if action == "play":
        if total >= 0:
            raise ValidationFailed("transactions: a play debits (negative amounts)", field="transactions")
        if wallet.status != "active":
            raise UserBlocked(f"user {wallet.player_id!r} is blocked", field="user_id")
        try:
            movement, bet = domain.bet(wallet, -total, now=now, reference=reference, category=kind)
        except domain.PlayerBlocked as blocked:
            raise UserBlocked(blocked.message, field="user_id") from None
        return movement, [], asdict(bet)
    if action in ("win", "lose"):
        if total < 0 or (action == "lose" and total != 0):
            raise ValidationFailed(f"transactions: a {action} credits (zero or more)", field="transactions")
        play = _named(prev, known, "play")
        split = (play or {}).get("split") or {}
        movement, won = domain.win(
            wallet,
            total,
            now=now,
            reference=reference,
            round_real=int(split.get("real", 0)),
            round_bonus=int(split.get("bonus", 0)),
            round_bonus_id=split.get("bonus_id"),
        )
        return movement, [], {"real": won.real, "bonus": won.bonus, "bonus_id": split.get("bonus_id")}
    if action == "refund":
        return _refund(operator, wallet, prev, known, now, reference)
    win = _named(prev, known, "win")
    if win is None or win["status"] != "OK":
        return domain.begin(wallet, now, reference), [], {}
    split = win.get("split") or {}
    try:
        movement = domain.reverse_win(
            wallet,
            real=int(split["real"]),
            bonus=int(split["bonus"]),
            bonus_id=split.get("bonus_id"),
            now=now,
            reference=reference,
        )
    except InsufficientFunds:
        raise InsufficientFunds("the balance no longer covers the win", field="transactions") from None
    return movement, [_put({**win, "status": "CANCELLED"}, expect_status="OK")], {}


def _refund(
    operator: str,
    wallet: Wallet,
    prev: list[str],
    known: dict[str, dict[str, Any]],
    now: int,
    reference: dict[str, Any],
) -> tuple[Movement, list[dict[str, Any]], dict[str, Any]]:
    """Refund the play named last in prev_transactions: its parts back, once; a play never
    applied gets a tombstone and nothing moves."""
    if not prev:
        raise ValidationFailed("prev_transactions: a refund names the play it refunds", field="prev_transactions")
    play_id = prev[-1]
    play = known.get(play_id)
    if play is None:
        tombstone = {
            **btx_key(operator, play_id),
            "transaction_id": play_id,
            "operator": operator,
            "user_id": wallet.player_id,
            "status": "TOMBSTONE",
            "tombstone": True,
            "created_at": now,
        }
        return domain.begin(wallet, now, reference), [_put(tombstone)], {"refunded": play_id, "applied": False}
    if play.get("status") != "OK" or play.get("action") != "play":
        return domain.begin(wallet, now, reference), [], {"refunded": play_id, "applied": False}
    split = play["split"]
    movement, refund = domain.reverse_bet(
        wallet,
        real=int(split["real"]),
        bonus=int(split["bonus"]),
        bonus_id=split.get("bonus_id"),
        deposit_wagering=int(split["deposit_wagering"]),
        bonus_wagering=int(split["bonus_wagering"]),
        now=now,
        reference=reference,
        entry_type="REFUND",
    )
    refunded = _put({**play, "status": "REFUNDED"}, expect_status="OK")
    return movement, [refunded], {"refunded": play_id, "applied": True, **asdict(refund)}
