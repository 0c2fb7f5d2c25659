"""Seals: a ``seed-sha1`` provider's request ``hash`` bound to the first body seen with it.

The seed's hash covers only the command and the timestamp, so a captured hash could carry
any ``data`` for as long as its timestamp is in the window. A seal binds the hash to a digest
of the first ``data`` it came with (provider-callbacks.md, "Envelope and signing"): the same
hash with another body is refused ``OP_20``; the same hash with the same body (an honest
retry) passes.

WalletTable: ``SEAL#<provider>#<hash>`` / ``SEAL`` with the digest and a TTL past the window.
For changebalance and cancel the seal is one more item of the money's own transaction
(``transaction_item``); the other commands write it alone (``bind``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from casino import aws
from casino.provider.errors import auth_failed
from casino.settings import settings

KEEP_MS = 2 * 300_000 + 60_000  # past the window either way of the request timestamp


@dataclass(frozen=True)
class Seal:
    provider: str
    hash: str
    digest: str
    expires_at: int  # unix ms


def digest_of(data: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the request's ``data``."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def seal_of(provider: str, request_hash: str, data: dict[str, Any], now_ms: int) -> Seal:
    return Seal(provider, request_hash.strip().lower(), digest_of(data), now_ms + KEEP_MS)


def key(seal: Seal) -> dict[str, str]:
    return {"pk": f"SEAL#{seal.provider}#{seal.hash}", "sk": "SEAL"}


def transaction_item(seal: Seal) -> dict[str, Any]:
    """The seal as an item of a ``TransactWriteItems``: new, or the same digest again."""
    return {
        "Put": {
            "TableName": settings().wallet_table,
            "Item": aws.to_item(
                {**key(seal), "digest": seal.digest, "expires_at": seal.expires_at, "ttl": seal.expires_at // 1000}
            ),
            "ConditionExpression": "attribute_not_exists(pk) OR digest = :digest",
            "ExpressionAttributeValues": aws.to_item({":digest": seal.digest}),
        }
    }


def bind(seal: Seal) -> None:
    """Bind the hash to this body (alone, for commands that move no money); OP_20 if the hash
    came with another body before."""
    item = transaction_item(seal)["Put"]
    client = aws.dynamodb()
    try:
        client.put_item(**item)
    except client.exceptions.ConditionalCheckFailedException:
        raise auth_failed("hash (already used with another body)") from None
