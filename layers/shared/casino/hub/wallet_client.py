"""The hub's calls to an operator's wallet (operator-wallet.md), over httpx, signed with the
operator's wallet secret (dynamic app auth: ``casino.hub.app_auth``).

Every call has a deadline (default 5 s) kept inside the calling Lambda's remaining time.
An answer is classified:
- ``WalletRefused``: a final error of the protocol (``insufficient_funds``, ``user_blocked``,
  ``session_expired``, ``limit_exceeded``, ``duplicate_mismatch``, ``invalid_request``,
  ``unauthorized``), or ``initialize_session``'s and ``finalize_session``'s own refusal, a 2xx
  ``{success: false, error}`` (its code when it is one of those, else ``forbidden``): never retried;
- ``WalletOutcomeUnknown``: a timeout, a connection error, an HTTP 3xx or 5xx, or an answer that
  cannot be read (not a JSON object, a 2xx carrying an ``error``, a create_transaction answer
  without its ``transaction_id`` and ``accounts``): the call may or may not have been applied, so
  it is retried with the same body (and so the same ``transaction_id``), with capped, jittered
  backoff, while time allows.

Every call carries the work's correlation id (``casino.telemetry``) as ``X-Correlation-Id``: an
extra header, outside the signature, which an operator may log and need not check.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from typing import Any

from casino import clock, outbound, telemetry
from casino.errors import DomainError
from casino.hub import app_auth
from casino.registry import credential_store, operators
from casino.registry.operators import Operator

FINAL_CODES = frozenset(
    {
        "insufficient_funds",
        "user_blocked",
        "session_expired",
        "limit_exceeded",
        "duplicate_mismatch",
        "invalid_request",
        "unauthorized",
    }
)
SAFETY_MARGIN_MS = 500  # left for the Lambda to record the outcome after the last attempt
SUCCESS_ANSWERS = frozenset({"initialize_session", "finalize_session"})  # answered {success: true|false, error?}
DECLINED = "forbidden"  # a {success: false} whose code is none of FINAL_CODES


class WalletRefused(DomainError):
    """A final answer of the operator's wallet: ``code`` is the operator's code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class WalletOutcomeUnknown(DomainError):
    code = "upstream_unavailable"


def deadline_s() -> float:
    return float(os.environ.get("OPERATOR_WALLET_DEADLINE_S", "5"))


def _declined(body: dict[str, Any]) -> WalletRefused:
    """``{success: false, error}``: the operator's refusal of a session call; ``error`` is
    ``{code, message}`` or a bare code."""
    error = body.get("error")
    code = error.get("code") if isinstance(error, dict) else error
    message = error.get("message") if isinstance(error, dict) else None
    known = code if _final(code) else DECLINED
    return WalletRefused(str(known), str(message or f"the operator declined ({str(code)[:64]})")[:500])


def _final(code: object) -> bool:
    """One of the protocol's final codes (an operator's code may be any JSON: a list or an
    object is no code, and never reaches a set's hash)."""
    return isinstance(code, str) and code in FINAL_CODES


def _classify(status: int, text: str, path: str = "") -> dict[str, Any]:
    try:
        body = json.loads(text)
    except ValueError:
        raise WalletOutcomeUnknown(f"unreadable answer (HTTP {status})") from None
    if status >= 500 or 300 <= status < 400:
        raise WalletOutcomeUnknown(f"HTTP {status}")
    if status >= 400:
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        if _final(code):
            raise WalletRefused(str(code), str(error.get("message", code))[:500])  # type: ignore[union-attr]
        raise WalletOutcomeUnknown(f"HTTP {status} without a known error code")
    if isinstance(body, dict) and path in SUCCESS_ANSWERS and body.get("success") is False:
        raise _declined(body)
    if not isinstance(body, dict) or "error" in body:
        raise WalletOutcomeUnknown("the answer is not a JSON object, or a success that carries an error")
    return body


def _applied(path: str, body: dict[str, Any]) -> dict[str, Any]:
    """A create_transaction is applied only by an answer that names it (``transaction_id``) and
    gives the balances (``accounts``); any other 2xx leaves its outcome unknown: retried with the
    same id, the operator's idempotent answer tells."""
    if path == "create_transaction" and not (
        isinstance(body.get("transaction_id"), str)
        and body["transaction_id"]
        and isinstance(body.get("accounts"), list)
    ):
        raise WalletOutcomeUnknown("a create_transaction answer without its transaction_id and accounts")
    return body


def call_once(operator: Operator, path: str, body: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    import httpx  # noqa: PLC0415 - only functions that call an operator pay for it

    raw = json.dumps(body, separators=(",", ":"), default=str)
    headers = {  # signed afresh for every attempt: a new timestamp and nonce
        "Content-Type": "application/json",
        **app_auth.headers(operator.app_id, operators.signing_wallet_secret(operator), "POST", path, raw),
    }
    correlation = telemetry.correlation_id()
    if correlation:  # which request (or contract execution, or schedule run) this call is for; not signed
        headers[telemetry.HEADER] = correlation
    try:  # the whole exchange within timeout_s, not each read (casino.outbound)
        answer = outbound.fetch(
            "POST", f"{operator.wallet_base_url}/{path}", content=raw.encode(), headers=headers, timeout_s=timeout_s
        )
    except httpx.HTTPError as failed:
        raise WalletOutcomeUnknown(f"{type(failed).__name__}: {failed}") from None
    return _applied(path, _classify(answer.status_code, answer.content.decode("utf-8", "replace"), path))


def call(
    operator: Operator,
    path: str,
    body: dict[str, Any],
    *,
    remaining_ms: Callable[[], int] | None = None,
    attempts: int = 4,
    base_s: float = 0.1,
    cap_s: float = 1.0,
) -> dict[str, Any]:
    """Call with retries of unknown outcomes (same body), within the Lambda's remaining time."""
    last: WalletOutcomeUnknown | None = None
    for attempt in range(attempts):
        left_ms = remaining_ms() - SAFETY_MARGIN_MS if remaining_ms else deadline_s() * 1000
        timeout_s = min(deadline_s(), left_ms / 1000)
        if timeout_s <= 0.05:
            break
        try:
            answer = call_once(operator, path, body, timeout_s)
        except WalletRefused as refused:
            _record(operator, path, f"refused:{refused.code}")
            _finalized(path, "refused")
            raise
        except WalletOutcomeUnknown as unknown:
            last = unknown
            _record(operator, path, "unknown")
            time.sleep(random.uniform(0, min(cap_s, base_s * 2**attempt)))  # noqa: S311 - jitter
            continue
        _record(operator, path, "ok")
        _finalized(path, "ok")
        return answer
    _finalized(path, "unknown")
    raise last or WalletOutcomeUnknown("no time left to call the operator's wallet")


def _finalized(path: str, outcome: str) -> None:
    """A finalize_session call's outcome, past its retries: ``FinalizeOutcomes`` (service ``hub``)
    by ``ok``, ``refused`` or ``unknown``."""
    if path == "finalize_session":
        telemetry.emit(telemetry.HUB, {"FinalizeOutcomes": 1}, dimensions={"outcome": outcome})


def _record(operator: Operator, path: str, outcome: str) -> None:
    """The last wallet call per operator and its outcome, for the admin status."""
    credential_store.record_wallet_call(operator.code, path, outcome, clock.now_ms())
