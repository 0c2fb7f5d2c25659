"""Idempotency records: the first answer to a request, kept under its key with a fingerprint
of the payload that decides the money. Pure: the stores write the records."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from casino.errors import Conflict, DomainError, errors_by_code


def fingerprint(payload: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the fields that decide the money."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Record:
    scope: str  # e.g. "admin#<player_id>", "provider#<code>"
    key: str
    fingerprint: str
    outcome: str  # "ok" | "error"
    answer: dict[str, Any]
    created_at: int

    @staticmethod
    def ok(scope: str, key: str, fp: str, answer: dict[str, Any], now: int) -> Record:
        return Record(scope, key, fp, "ok", answer, now)

    @staticmethod
    def error(scope: str, key: str, fp: str, error: DomainError, now: int) -> Record:
        answer = {"code": error.code, "message": error.message, "field": error.field}
        return Record(scope, key, fp, "error", answer, now)


def replay(record: Record, fp: str, *, key_field: str = "idempotency_key") -> dict[str, Any]:
    """The first answer again (an error raised again), or ``Conflict`` for a changed payload."""
    if record.fingerprint != fp:
        raise Conflict(f"{key_field}: already used with a different payload", field=key_field)
    if record.outcome == "error":
        kind = errors_by_code().get(str(record.answer["code"]), DomainError)
        error = kind(str(record.answer["message"]), field=record.answer.get("field"))
        error.code = str(record.answer["code"])
        raise error
    return record.answer
