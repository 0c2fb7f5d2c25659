"""The one mapping from domain errors to answers: an HTTP status (hub, client, admin, bridge)
and a provider code (the provider protocol's catalogue), by class.

A class is answered by the nearest class of its MRO found here; ``DomainError`` itself is the
fallback (500 / OP_90: "our fault, retry"), which no refusal may reach:
tests/unit/test_error_map.py checks that every DomainError subclass of the code base has its
own entry or a refusal ancestor. The table is built on first use, so that importing this
module imports nothing else (no cycles).
"""

from __future__ import annotations

from functools import lru_cache

from casino import errors
from casino.errors import DomainError


@lru_cache(maxsize=1)
def table() -> dict[type[DomainError], tuple[int, str]]:
    from casino.accounts import policy as accounts  # noqa: PLC0415
    from casino.bridge import plays  # noqa: PLC0415
    from casino.contract import domain as contract_domain  # noqa: PLC0415
    from casino.contract import steps  # noqa: PLC0415
    from casino.hub import reality_check, wallet_client  # noqa: PLC0415
    from casino.provider import rounds  # noqa: PLC0415
    from casino.sports import rules as sports_rules  # noqa: PLC0415
    from casino.wallet import domain, engine, responsible  # noqa: PLC0415

    return {
        DomainError: (500, "OP_90"),
        errors.ValidationFailed: (400, "OP_10"),
        errors.PayloadTooLarge: (413, "OP_10"),
        errors.Unauthorized: (401, "OP_20"),
        errors.Forbidden: (403, "OP_20"),
        errors.NotFound: (404, "OP_41"),
        errors.Conflict: (409, "OP_40"),
        errors.InsufficientFunds: (409, "OP_50"),
        errors.SessionClosed: (409, "OP_30"),
        errors.GameUnavailable: (409, "OP_33"),
        errors.InMaintenance: (503, "OP_37"),
        errors.UpstreamUnavailable: (503, "OP_90"),
        errors.Refused: (409, "OP_90"),
        engine.WalletBusy: (429, "OP_90"),
        accounts.TooManyAttempts: (429, "OP_90"),
        domain.PlayerBlocked: (403, "OP_31"),
        responsible.LimitExceeded: (409, "OP_36"),
        sports_rules.PointRefused: (409, "OP_40"),
        reality_check.RealityCheckDue: (409, "OP_36"),
        responsible.SelfExcluded: (403, "OP_36"),
        responsible.ExclusionKept: (409, "OP_40"),
        domain.BuyFeatureWithBonus: (409, "OP_35"),
        domain.RefundTooLarge: (409, "OP_43"),
        rounds.RoundClosed: (409, "OP_43"),
        rounds.RoundNotOwned: (409, "OP_43"),
        rounds.RoundUnknown: (409, "OP_43"),
        plays.UserBlocked: (403, "OP_31"),
        plays.DuplicateMismatch: (409, "OP_40"),
        wallet_client.WalletRefused: (409, "OP_90"),
        contract_domain.WrongPhase: (409, "OP_90"),  # contract steps: raised to the state machine, never over HTTP
        steps.SettlementRefused: (409, "OP_90"),
        wallet_client.WalletOutcomeUnknown: (503, "OP_90"),
    }


def _entry(error: DomainError | type[DomainError]) -> tuple[int, str]:
    kind = error if isinstance(error, type) else type(error)
    found = table()
    for cls in kind.__mro__:
        if cls in found:
            return found[cls]
    return found[DomainError]


def http_status(error: DomainError | type[DomainError]) -> int:
    return _entry(error)[0]


def provider_code(error: DomainError | type[DomainError]) -> str:
    return _entry(error)[1]
