"""Domain errors. Each carries a stable code; ``casino.api`` maps codes to HTTP answers."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the caller can act on. ``code`` is one of the contract's stable codes."""

    code = "internal"

    def __init__(self, message: str, *, field: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}


class ValidationFailed(DomainError):
    code = "validation_error"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class InsufficientFunds(DomainError):
    code = "insufficient_funds"


class SessionClosed(DomainError):
    code = "session_closed"


class GameUnavailable(DomainError):
    code = "game_unavailable"


class UpstreamUnavailable(DomainError):
    code = "upstream_unavailable"


class InMaintenance(DomainError):
    code = "maintenance"


def errors_by_code() -> dict[str, type[DomainError]]:
    """Every DomainError subclass by its code (for replaying a stored refusal)."""
    found: dict[str, type[DomainError]] = {}
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        kind = pending.pop()
        found.setdefault(kind.code, kind)
        pending.extend(kind.__subclasses__())
    return found


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class Refused(DomainError):
    """A final refusal by a party we called (an operator's wallet): not ours to retry."""

    code = "refused"
