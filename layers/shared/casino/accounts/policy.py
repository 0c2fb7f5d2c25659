"""The rules of password login that are not about the password itself (player-accounts.md):
usernames, and how many failed attempts lock an account or slow an address. Pure.

Lockout: every password check first takes one of a limited number of attempts, per account
and per address, in a window that starts at the first attempt counted; a check that succeeds
gives its attempt back (the account's counter is cleared), one that fails keeps it. Taking an
attempt is one conditional write (``casino.accounts.store``), so concurrent attempts can never
check more passwords than the limit allows. Once the limit is reached the account (or address)
is refused with ``rate_limited`` until ``lock_ms`` after its last counted attempt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from casino.errors import DomainError, ValidationFailed

USERNAME = re.compile(r"[A-Za-z0-9._-]{3,32}")
MINUTE_MS = 60_000
UNAUTHORIZED_MESSAGE = "wrong username or password"


class TooManyAttempts(DomainError):
    """Too many failed password checks of one account, or from one address: wait."""

    code = "rate_limited"


@dataclass(frozen=True)
class Limit:
    """At most ``max_failures`` failed checks within ``window_ms`` of the first; past them,
    refused until ``lock_ms`` after the last one."""

    scope: str  # what is counted: "account" or "ip"
    max_failures: int
    window_ms: int
    lock_ms: int


ACCOUNT = Limit("account", max_failures=5, window_ms=15 * MINUTE_MS, lock_ms=15 * MINUTE_MS)
ADDRESS = Limit("ip", max_failures=20, window_ms=15 * MINUTE_MS, lock_ms=15 * MINUTE_MS)


def username(value: object, field: str = "username") -> str:
    """A username as it is stored and compared: 3 to 32 of ``[a-z0-9._-]``, case-folded (so
    ``Ana`` and ``ana`` are the same user). Only ASCII is taken: Unicode case folding maps a few
    other letters onto ASCII ones (the Kelvin sign folds to ``k``)."""
    if not isinstance(value, str) or not USERNAME.fullmatch(value):
        raise ValidationFailed(f"{field}: 3 to 32 characters of a-z, 0-9, '.', '_' or '-'", field=field)
    return value.casefold()


def retry_after_ms(counter: dict[str, Any] | None, limit: Limit, now: int) -> int:
    """How long a refused attempt should wait, from the counter that refused it."""
    if not counter:
        return 0
    last = int(counter.get("last_at", 0))
    return max(0, last + limit.lock_ms - now)


def too_many(limit: Limit, counter: dict[str, Any] | None, now: int) -> TooManyAttempts:
    wait_s = -(-retry_after_ms(counter, limit, now) // 1000)
    what = "this account" if limit.scope == ACCOUNT.scope else "this address"
    return TooManyAttempts(
        f"too many failed sign-ins for {what}; try again in {max(1, -(-wait_s // 60))} minute(s)",
        details={"retry_after_s": wait_s, "retryable": True},
    )
