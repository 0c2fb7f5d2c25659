"""OpenAPI 3.1 documents of every API, generated from the code (``python -m local.openapi``).

One document per audience, in ``docs/openapi/``: ``provider``, ``hub``, ``client``, ``bridge``,
``admin`` and ``sports`` (the folders of ``functions/``; ``contract`` and ``schedules`` have no
HTTP routes: state-machine tasks and EventBridge schedules are no API). Nothing is written twice:

- the routes are ``template.yaml``'s (``local.template``): every API route of the template is
  in exactly one document, and nothing else is;
- each function's module is imported; a Powertools resolver (``casino.api.rest.rest_app``)
  gives its own OpenAPI (its pydantic request models, parameters and bounds), whose paths are
  checked against the template's and merged;
- what Powertools cannot know is corrected here: our code answers a validation failure with 400
  and ``{"error": {code, message, field}}``, never 422; each route's error statuses (``ROUTES``)
  carry the codes ``casino.error_map`` maps to them; a body the handler parses itself, the provider
  protocol and the player's page are described from the code that reads them, with their bounds
  checked against that code while the documents are built (``_probe_provider_bounds``);
- each signing scheme is documented with a worked example computed, with fixed inputs, by the
  code's own signing functions (and checked by its own verifier), so an example cannot drift.

``python -m local.openapi --check`` fails when a committed document differs from what the code
gives now (``tests/template/test_openapi.py`` runs the same check).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import importlib.util
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from pydantic import TypeAdapter

from casino import error_map, money
from casino.api import admin_auth, admin_models, jsonio
from casino.bridge import http as bridge_http
from casino.bridge import plays as bridge_plays
from casino.errors import DomainError, ValidationFailed
from casino.hub import app_auth, client_http, client_page, wallet_client
from casino.hub import sessions as hub_sessions
from casino.hub import views as hub_views
from casino.ops import reconciliation
from casino.provider import signing
from casino.provider import validation as pv
from casino.provider.errors import ProviderError
from casino.sports import competitions as sports_competitions
from casino.sports import domain as sports_domain
from casino.sports import feeds as sports_feeds
from casino.sports import points as sports_points
from casino.sports import rules as sports_rules
from casino.wallet import admin as wallet_admin
from casino.wallet import limits as wallet_limits
from casino.wallet import responsible
from local import seed as local_seed
from local import sports_feeds as local_feeds
from local import template as tpl

Json = dict[str, Any]

OPENAPI_VERSION = "3.1.0"
OUT_DIR = tpl.ROOT / "docs" / "openapi"
FUNCTIONS = tpl.ROOT / "functions"

# The functions' folders that are HTTP APIs, in the order the documents are listed.
AUDIENCES: dict[str, tuple[str, str]] = {
    "provider": (
        "Provider callbacks",
        "An external game provider moves money in our casino wallet (contract: provider-callbacks.md). "
        "The protocol has its own envelope and its own error codes (`OP_nn`).",
    ),
    "hub": (
        "Game hub: operator API",
        "An operator (a casino) opens and inspects its players' sessions (contract: hub-operator-api.md).",
    ),
    "client": (
        "Client API and the player's page",
        "The player's browser, opened at `client_url`, plays the hub's games (contract: client-api.md, "
        "player-accounts.md). `GET /play` serves the page itself.",
    ),
    "bridge": (
        "Account bridge: the operator-wallet protocol on our casino wallet",
        "The game hub calls an operator's wallet (contract: operator-wallet.md); the account bridge is the "
        "platform's own implementation of that protocol, for our own casino brands (bridge operators). A "
        "third-party operator implements the same four endpoints under its wallet base URL, and checks "
        "the same signature.",
    ),
    "admin": (
        "Admin API",
        "Ops and the casino back office: players, money, bonuses, limits, operators, providers, games, "
        "sports feeds, status and reconciliation (contract: admin-api.md, sports.md, player-accounts.md).",
    ),
    "sports": (
        "Sports data API",
        "Operators read canonical fixtures and their points; sports feeds push their events (contract: sports.md).",
    ),
}
NOT_HTTP = {"contract": "Step Functions tasks of the contract flow", "schedules": "EventBridge schedules"}

POWERTOOLS_ONLY_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")
CORRELATION = "X-Correlation-Id"


# ---------------------------------------------------------------- what each route answers
@dataclass(frozen=True)
class Facts:
    """What the code of a route answers beyond its audience's common statuses (``_base_errors``):
    the error statuses its domain raises (by class, ``casino.error_map``), its success statuses,
    and, where the handler reads the body itself, the name of the body's description here."""

    errors: tuple[int, ...] = ()
    success: tuple[int, ...] = (200,)
    body: str | None = None
    security: str | None = None  # overrides the scheme the route's authoriser implies
    csv: bool = False  # answers text/csv too (Accept: text/csv)
    object_answer: bool = False  # the handler writes the JSON itself (Response[str]): an object
    answer: str | None = None  # the name of its success answer's description here (ANSWERS)


# Keyed by (METHOD, template path). Every API route of the template must be here (and nothing
# else): a new route is a decision about what it answers.
ROUTES: dict[tuple[str, str], Facts] = {
    # provider callbacks: statuses are the protocol's (_provider_operation)
    ("GET", "/api/v1/provider/{provider}/ping"): Facts(),
    ("POST", "/api/v1/provider/{provider}/authenticate"): Facts(),
    ("POST", "/api/v1/provider/{provider}/balance"): Facts(),
    ("POST", "/api/v1/provider/{provider}/changebalance"): Facts(),
    ("POST", "/api/v1/provider/{provider}/status"): Facts(),
    ("POST", "/api/v1/provider/{provider}/cancel"): Facts(),
    ("POST", "/api/v1/provider/{provider}/finishround"): Facts(),
    # hub (operator API)
    ("POST", "/api/v1/hub/create_session"): Facts(errors=(409,), body="hub_create_session", answer="hub_created"),
    ("POST", "/api/v1/hub/search_sessions"): Facts(answer="hub_sessions"),
    ("POST", "/api/v1/hub/get_session"): Facts(errors=(404,), answer="hub_session"),
    ("POST", "/api/v1/hub/terminate_session"): Facts(errors=(404,), answer="hub_session"),
    ("POST", "/api/v1/hub/get_transaction"): Facts(errors=(404,), answer="hub_transaction"),
    # client API (every authenticated route: 409 session_closed)
    ("POST", "/api/v1/client/login"): Facts(errors=(401, 409, 503)),
    ("POST", "/api/v1/client/register"): Facts(errors=(404, 409), success=(201,)),
    ("POST", "/api/v1/client/password_login"): Facts(errors=(401, 404, 409, 429, 503)),
    ("POST", "/api/v1/client/password"): Facts(errors=(403, 429)),
    ("POST", "/api/v1/client/heartbeat"): Facts(),
    ("POST", "/api/v1/client/exit"): Facts(),
    ("GET", "/api/v1/client/games"): Facts(),
    ("POST", "/api/v1/client/play"): Facts(errors=(404, 503)),
    ("GET", "/api/v1/client/contracts/{id}"): Facts(errors=(404,)),
    ("GET", "/api/v1/client/contracts/{id}/proof"): Facts(errors=(404,)),
    ("POST", "/api/v1/client/view_done"): Facts(errors=(404,)),
    ("GET", "/api/v1/client/history"): Facts(),
    ("GET", "/api/v1/client/limits"): Facts(errors=(404,)),
    ("PUT", "/api/v1/client/limits"): Facts(errors=(404, 429), body="client_limits"),
    ("POST", "/api/v1/client/self_exclusion"): Facts(errors=(404, 429)),
    ("GET", "/api/v1/client/reality_check"): Facts(errors=(404,)),
    ("POST", "/api/v1/client/reality_check"): Facts(errors=(404,)),
    ("GET", "/play"): Facts(),
    ("GET", "/play/{asset}"): Facts(),
    # account bridge (the operator-wallet protocol's codes)
    ("POST", "/api/v1/bridge/{operator}/initialize_session"): Facts(
        body="bridge_session", answer="bridge_acknowledged"
    ),
    ("POST", "/api/v1/bridge/{operator}/get_user_data"): Facts(errors=(403,), answer="bridge_accounts"),
    ("POST", "/api/v1/bridge/{operator}/create_transaction"): Facts(
        errors=(403, 409, 429, 503), body="bridge_create_transaction", answer="bridge_transaction"
    ),
    ("POST", "/api/v1/bridge/{operator}/finalize_session"): Facts(body="bridge_session", answer="bridge_acknowledged"),
    # admin
    ("GET", "/api/v1/admin/status"): Facts(),
    ("POST", "/api/v1/admin/status/{service}"): Facts(errors=(404, 409)),
    ("GET", "/api/v1/admin/transactions"): Facts(errors=(404,), csv=True),
    ("GET", "/api/v1/admin/transactions/summary"): Facts(errors=(404,)),
    ("POST", "/api/v1/admin/players"): Facts(errors=(409,), success=(201,)),
    ("GET", "/api/v1/admin/players/{player_id}"): Facts(errors=(404,)),
    ("POST", "/api/v1/admin/players/{player_id}/limits"): Facts(errors=(404, 429), body="admin_limits"),
    ("POST", "/api/v1/admin/players/{player_id}/self_exclusion"): Facts(errors=(404, 409, 429)),
    ("GET", "/api/v1/admin/players/{player_id}/limits/history"): Facts(errors=(404,)),
    ("POST", "/api/v1/admin/players/{player_id}/status"): Facts(errors=(404, 429)),
    ("POST", "/api/v1/admin/players/{player_id}/credentials"): Facts(errors=(404, 409)),
    ("POST", "/api/v1/admin/players/{player_id}/transactions"): Facts(errors=(403, 404, 409, 429)),
    ("POST", "/api/v1/admin/players/{player_id}/bonuses"): Facts(errors=(404, 409, 429)),
    ("POST", "/api/v1/admin/bonuses/{bonus_id}/forfeit"): Facts(errors=(404, 409, 429)),
    ("GET", "/api/v1/admin/players/{player_id}/ledger"): Facts(errors=(404,)),
    ("GET", "/api/v1/admin/ledger/verify"): Facts(errors=(404,)),
    ("POST", "/api/v1/admin/admin-keys"): Facts(success=(201,)),
    ("POST", "/api/v1/admin/admin-keys/{key_id}/revoke"): Facts(errors=(404, 409)),
    ("POST", "/api/v1/admin/providers"): Facts(errors=(409, 503), success=(201, 200)),
    ("POST", "/api/v1/admin/game-sessions"): Facts(errors=(404, 409), success=(201,)),
    ("POST", "/api/v1/admin/providers/{code}/sync"): Facts(errors=(404,)),
    ("GET", "/api/v1/admin/providers/{code}/sync-history"): Facts(errors=(404,)),
    ("GET", "/api/v1/admin/games"): Facts(),
    ("POST", "/api/v1/admin/games"): Facts(errors=(409,), success=(201,)),
    ("POST", "/api/v1/admin/games/{game_id}/status"): Facts(errors=(404, 409)),
    ("POST", "/api/v1/admin/operators"): Facts(errors=(409,), success=(201, 200)),
    ("POST", "/api/v1/admin/operators/{code}/rotate"): Facts(errors=(404, 409)),
    ("POST", "/api/v1/admin/operators/{code}/retire"): Facts(errors=(404, 409)),
    ("POST", "/api/v1/admin/sports/feeds"): Facts(
        errors=(409,), success=(201, 200), body="sports_feed", object_answer=True
    ),
    ("GET", "/api/v1/admin/sports/feeds"): Facts(),
    ("POST", "/api/v1/admin/sports/feeds/{code}/maintenance"): Facts(errors=(404,)),
    ("GET", "/api/v1/admin/sports/link-candidates"): Facts(),
    ("POST", "/api/v1/admin/sports/fixtures/{id}/link"): Facts(errors=(404, 409)),
    ("POST", "/api/v1/admin/sports/fixtures/{id}/unlink"): Facts(errors=(404, 409)),
    ("GET", "/api/v1/admin/sports/fixtures/{id}/history"): Facts(errors=(404,)),
    # sports
    ("GET", "/api/v1/sports/fixtures"): Facts(),
    ("GET", "/api/v1/sports/fixtures/{id}"): Facts(errors=(404,)),
    ("GET", "/api/v1/sports/fixtures/{id}/points"): Facts(errors=(404,)),
    ("POST", "/api/v1/sports/feeds/{code}/events"): Facts(
        errors=(409,), body="sports_feed_events", security="SportsFeed"
    ),
}

STATUS_TEXT = {
    400: "Refused: a field is missing, ill-typed or out of bounds (`error.field` names it), or the body is not "
    "JSON this API accepts (at most 32 levels deep, numbers of at most 40 digits). Nothing changed.",
    401: "Refused: the request's credentials are missing, malformed, wrong, expired or replayed. Nothing changed.",
    403: "Refused: the caller or the player may not do this (blocked, self-excluded). Nothing changed.",
    404: "Refused: what the request names does not exist (or is not the caller's). Nothing changed.",
    409: "Refused: the request conflicts with the state it found (an id used with another payload, a closed "
    "session, funds, a limit, a game not available...). `retryable` says when sending it again may succeed.",
    413: "Refused: the body is larger than 64 KiB. Nothing changed.",
    429: "Refused for now: too many attempts, or the wallet is busy; retry later (the same idempotency key or "
    "transaction id is safe). Nothing changed.",
    500: "Our fault, safe to retry (the same idempotency key or transaction id applies at most once).",
    503: "In maintenance (no new bets) or an upstream (an operator's wallet, the secret store) did not answer; "
    "safe to retry.",
}


# ---------------------------------------------------------------- loading the code
@dataclass
class Endpoint:
    audience: str
    fn: tpl.Function
    route: tpl.Route
    module: ModuleType

    @property
    def key(self) -> tuple[str, str]:
        return (self.route.method, self.route.path)


def _audience(fn: tpl.Function) -> str:
    return fn.code_dir.resolve().relative_to(FUNCTIONS.resolve()).parts[0]


def _import(fn: tpl.Function) -> ModuleType:
    """The function's module, imported under a name of its own (every handler file is ``app.py``)."""
    name = f"casino_openapi_{fn.logical_id}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, fn.handler_file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {fn.handler_file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def endpoints(doc: dict[str, Any] | None = None) -> list[Endpoint]:
    """Every API route of the template, with the module that serves it."""
    found: list[Endpoint] = []
    for fn in tpl.functions(doc if doc is not None else tpl.load()):
        audience = _audience(fn)
        if not fn.routes:
            continue
        if audience not in AUDIENCES:
            raise SystemExit(f"{fn.logical_id}: routes in functions/{audience}, which no document covers")
        module = _import(fn)
        found.extend(Endpoint(audience, fn, route, module) for route in fn.routes)
    return found


def resolver_of(module: ModuleType) -> APIGatewayRestResolver | None:
    app = getattr(module, "app", None)
    return app if isinstance(app, APIGatewayRestResolver) else None


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _path_params(path: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", path)


# ---------------------------------------------------------------- JSON helpers
def _walk(node: Any, visit: Callable[[Any], Any]) -> Any:
    node = visit(node)
    if isinstance(node, dict):
        return {k: _walk(v, visit) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk(v, visit) for v in node]
    return node


def _whole_numbers(node: Any) -> Any:
    """Powertools writes bounds as floats (``100.0``): integers where they are whole."""
    return int(node) if isinstance(node, float) and node.is_integer() else node


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _renamed_refs(node: Any, renames: dict[str, str]) -> Any:
    def visit(item: Any) -> Any:
        if isinstance(item, dict) and isinstance(item.get("$ref"), str):
            name = item["$ref"].removeprefix("#/components/schemas/")
            if name in renames:
                return {**item, "$ref": f"#/components/schemas/{renames[name]}"}
        return item

    return _walk(node, visit)


def _not_null(schema: Json) -> Json:
    """``anyOf [X, null]`` as X: a query, path or header parameter is absent, never JSON null."""
    options = schema.get("anyOf")
    if isinstance(options, list):
        kept = [o for o in options if o != {"type": "null"}]
        if len(kept) == 1:
            rest = {k: v for k, v in schema.items() if k != "anyOf"}
            return {**kept[0], **rest}
    return schema


# ---------------------------------------------------------------- error bodies, from the code
# The contract flow's refusals are raised to the state machine, the provider's rounds' are answered
# in the provider protocol: neither reaches a REST answer.
NEVER_OVER_REST = ("casino.contract.", "casino.provider.")


def _domain_errors() -> list[type[DomainError]]:
    error_map.table()  # imports every module that defines a refusal
    found: list[type[DomainError]] = []
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        # ours only (a test's own subclass is not the API's)
        if kind.__module__.startswith("casino.") and not kind.__module__.startswith(NEVER_OVER_REST):
            found.append(kind)
    return found


def rest_codes(rename: dict[str, str] | None = None) -> dict[int, list[str]]:
    """Each HTTP status with the error codes the code answers with it (``casino.error_map``, by
    class; an operator's final refusal relayed by the hub is one of ``wallet_client.FINAL_CODES``)."""
    by_status: dict[int, set[str]] = {}
    for kind in _domain_errors():
        codes = set(wallet_client.FINAL_CODES) if kind is wallet_client.WalletRefused else {kind.code}
        by_status.setdefault(error_map.http_status(kind), set()).update(codes)
    # rest.py's own answers: Powertools' validation (400) and an unknown route (404)
    by_status.setdefault(400, set()).add(ValidationFailed.code)
    by_status.setdefault(404, set()).add("not_found")
    renamed = {s: sorted({(rename or {}).get(c, c) for c in codes}) for s, codes in by_status.items()}
    return dict(sorted(renamed.items()))


DETAILS: Json = {
    "retryable": {"type": "boolean", "description": "whether sending the same request again may succeed"},
    "retry_after_s": {"type": "integer", "minimum": 0, "description": "seconds before a locked sign-in may retry"},
    "session_status": {"type": "string", "description": "a closed session's status"},
    "end_reason": {"type": "string", "description": "why the session ended (operator, player_exit, ...)"},
    "limit_minor": {"type": "integer", "description": "the limit that would be exceeded, in minor units"},
    "left_minor": {"type": "integer", "minimum": 0, "description": "what is left of it, in minor units"},
}


def _error_schema(codes: list[str], status: int) -> Json:
    return {
        "type": "object",
        "title": f"Error{status}",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "enum": codes},
                    "message": {"type": "string"},
                    "field": {"type": "string", "description": "the field the refusal names"},
                    **DETAILS,
                },
            }
        },
    }


def _error_responses(codes: dict[int, list[str]]) -> Json:
    return {
        f"Error{status}": {
            "description": STATUS_TEXT.get(status, "Refused."),
            "headers": {CORRELATION: _ref(CORRELATION, "headers")},
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/Error{status}"}}},
        }
        for status, _ in codes.items()
    }


# ---------------------------------------------------------------- bodies the handlers read themselves
def _amount_schema() -> Json:
    """The admin models' amount (a decimal string), as pydantic gives it."""
    schema: Json = TypeAdapter(admin_models.Amount).json_schema()
    return schema


def _text(max_len: int, min_len: int = 1, **more: Any) -> Json:
    return {"type": "string", "minLength": min_len, "maxLength": max_len, **more}


def _limits_body(*, ops: bool) -> Json:
    """``casino.wallet.limits.change``: money limits per kind and period (decimal strings or
    numbers, ``null`` removes), minute limits, the windows' time zone, and a reason (ops: required)."""
    amount = _amount_schema()
    money = {"anyOf": [amount, {"type": "number", "exclusiveMinimum": 0}, {"type": "null"}]}
    per_period = {
        "type": "object",
        "properties": {period: money for period in responsible.PERIODS},
        "additionalProperties": False,
    }
    minutes = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": responsible.MAX_MINUTES}, {"type": "null"}]}
    reason = _text(wallet_limits.MAX_REASON)
    body: Json = {
        "type": "object",
        "description": "Lower a limit at once; raise or remove one (null) after the 24 h cooling-off. Fields not "
        "listed here are refused.",
        "properties": {
            **{kind: per_period for kind in responsible.KINDS},
            **{f"{key}_minutes": minutes for key in responsible.MINUTE_LIMITS},
            "timezone": {"type": "string", "description": "an IANA time zone (the windows' days, weeks, months)"},
            "reason": reason,
        },
        "additionalProperties": False,
    }
    if ops:
        body["required"] = ["reason"]
    return body


def _or_null(schema: Json) -> Json:
    """An optional field the code reads null as absent."""
    described: Json = {k: schema.pop(k) for k in ("description", "default") if k in schema}
    return {"anyOf": [schema, {"type": "null"}], **described}


def _hub_create_session() -> Json:
    """``casino.hub.sessions.create_session``: every field optional (null is absent), each a string of
    bounded length."""
    fields = {
        "user_id": _text(70, description="the operator's user id (created on first sight; none: a guest)"),
        "session_id": _text(128, description="the operator's session id: a retry with it is safe"),
        "session_token": _text(512, description="sent back on every wallet call"),
        "game_id": _text(64, description="an active hub game the client opens first"),
        "currency": _text(4, description="one of the operator's currencies"),
        "language": _text(16),
        "return_url": _text(2000, pattern="^https?://", description="an absolute http(s) address"),
    }
    return {"type": "object", "properties": {name: _or_null(schema) for name, schema in fields.items()}}


def _bridge_session() -> Json:
    """``casino.bridge.http.acknowledge_session``: a Session (hub-operator-api.md) with its id."""
    return {
        "type": "object",
        "description": "A Session, as the hub serialises it; the bridge keeps none and acknowledges it.",
        "required": ["id"],
        "properties": {"id": {"type": "string"}},
    }


def _bridge_create_transaction() -> Json:
    """``casino.bridge.plays.parse``."""
    ids = {"type": "string", "pattern": bridge_plays.ID.pattern}
    line = {
        "type": "object",
        "required": ["account_id", "amount"],
        "properties": {
            "id": {"type": "string"},
            "account_id": {"type": "string", "enum": list(bridge_plays.ACCOUNTS)},
            "amount": {**_amount_schema(), "description": "signed decimal string: negative is a debit"},
            "data": {"type": "object"},
        },
    }
    return {
        "type": "object",
        "required": ["transaction_id", "user_id", "type", "data", "transactions"],
        "properties": {
            "transaction_id": {**ids, "description": "the hub's contract step id: the idempotency key"},
            "user_id": _text(70, description="the operator's (here: the casino's) player id"),
            "session_token": {"type": "string"},
            "type": {"type": "string", "pattern": bridge_plays.TYPE.pattern, "examples": ["instant_win.play"]},
            "data": {
                "type": "object",
                "required": ["contract_id"],
                "properties": {"contract_id": ids},
                "description": "session_id, game_id, contract_id, contract_step_id, prize id, round details",
            },
            "prev_transactions": {
                "anyOf": [{"type": "array", "maxItems": bridge_plays.MAX_PREV, "items": ids}, {"type": "null"}],
                "description": "this contract's earlier steps; a win, lose, refund or cancel_win names its step",
            },
            "transactions": {"type": "array", "maxItems": bridge_plays.MAX_LINES, "items": line},
        },
    }


# ---------------------------------------------------------------- the answers (hub-operator-api.md "Models")
def _obj(required: list[str], properties: Json, description: str = "") -> Json:
    """An object with these fields (those in ``required`` always there); more may come."""
    schema: Json = {"type": "object", "required": required, "properties": properties}
    return {**schema, "description": description} if description else schema


def _ms(description: str = "unix ms") -> Json:
    return {"type": "integer", "description": description}


def _hub_account() -> Json:
    return _obj(
        ["id", "currency", "amount"],
        {
            "id": {"type": "string", "description": "ours (acc_...)"},
            "ref_id": {"type": "string", "description": "the operator wallet's account id (real, bonus...)"},
            "currency": {"type": "string"},
            "amount": {"type": "string", "description": "the balance the operator's wallet last gave"},
            "status": {"type": "string", "enum": ["active", "closed"]},
            "start_date": _ms(),
            "end_date": _ms(),
        },
        "Account",
    )


def _hub_transaction() -> Json:
    return _obj(
        ["id", "contract_step_id", "account_id", "amount", "create_date"],
        {
            "id": {"type": "string", "description": "ours (trx_...)"},
            "ref_id": {"type": "string", "description": "the operator wallet's transaction id"},
            "contract_step_id": {"type": "string"},
            "account_id": {"type": "string"},
            "amount": {**_amount_schema(), "description": "signed: negative is a debit"},
            "balance_before": _amount_schema(),
            "balance_after": _amount_schema(),
            "create_date": _ms(),
        },
        "Transaction",
    )


def _hub_contract() -> Json:
    step = _obj(
        ["id", "type", "status", "transactions"],
        {
            "id": {"type": "string"},
            "ref_id": {"type": "string"},
            "type": {"type": "string", "enum": ["place_bet", "pay_winnings", "cancel_winning", "refund_bet"]},
            "status": {"type": "string", "enum": ["pending", "finalized", "failed"]},
            "error": {"type": "object"},
            "transactions": {"type": "array", "items": _hub_transaction()},
            "start_date": _ms(),
            "end_date": _ms(),
        },
        "ContractStep",
    )
    return _obj(
        ["id", "type", "status", "steps", "start_date"],
        {
            "id": {"type": "string", "description": "ours (con_...)"},
            "type": {"type": "string", "examples": ["instant_win"]},
            "status": {"type": "string"},
            "steps": {"type": "array", "items": step},
            "start_date": _ms(),
            "end_date": _ms(),
        },
        "Contract",
    )


def _hub_session() -> Json:
    event = _obj(
        ["id", "type", "status", "start_date"],
        {
            "id": {"type": "string"},
            "game": {"type": "string"},
            "type": {"type": "string"},
            "contract": _hub_contract(),
            "status": {"type": "string", "enum": ["pending", "finished", "cancelled", "errored"]},
            "start_date": _ms(),
            "end_date": _ms(),
        },
        "SessionEvent",
    )
    return _obj(
        ["id", "user", "accounts", "events", "status", "start_date"],
        {
            "id": {"type": "string", "description": "ours (ses_...)"},
            "ref_id": {"type": "string", "description": "the operator's session id"},
            "user": _obj(
                ["id"],
                {"id": {"type": "string"}, "ref_id": {"type": "string"}, "status": {"type": "string"}},
                "User",
            ),
            "accounts": {"type": "array", "items": _hub_account()},
            "events": {
                "type": "array",
                "maxItems": hub_views.MAX_EVENTS,
                "items": event,
                "description": "its contracts' events, newest first (at most the last 100)",
            },
            "status": {"type": "string", "enum": list(hub_sessions.STATUSES)},
            "start_date": _ms(),
            "end_date": _ms(),
        },
        "Session",
    )


def _bridge_accounts() -> Json:
    return {
        "type": "array",
        "items": _obj(
            ["id", "currency", "amount"],
            {
                "id": {"type": "string", "enum": list(bridge_plays.ACCOUNTS)},
                "currency": {"type": "string"},
                "amount": _amount_schema(),
            },
        ),
    }


ANSWERS: dict[str, Callable[[], Json]] = {
    "hub_created": lambda: _obj(
        ["session", "client_url"], {"session": _hub_session(), "client_url": {"type": "string"}}
    ),
    "hub_sessions": lambda: _obj(
        ["sessions", "next_cursor"],
        {
            "sessions": {"type": "array", "items": _hub_session()},
            "next_cursor": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
    ),
    "hub_session": _hub_session,
    "hub_transaction": _hub_transaction,
    "bridge_acknowledged": lambda: _obj(["success"], {"success": {"type": "boolean", "const": True}}),
    "bridge_accounts": lambda: _obj(["accounts"], {"accounts": _bridge_accounts()}),
    "bridge_transaction": lambda: _obj(
        ["transaction_id", "accounts"],
        {"transaction_id": {"type": "string", "description": "ours (btx_...)"}, "accounts": _bridge_accounts()},
    ),
}


def _sports_ref() -> Json:
    return {
        "anyOf": [
            {"type": "string", "minLength": 1, "maxLength": sports_domain.MAX_REF, "pattern": "^[^#]+$"},
            {"type": "integer", "minimum": 0},
        ]
    }


def _sports_event() -> Json:
    sides = list(sports_rules.SIDES)
    name = _text(sports_domain.MAX_NAME)
    fixture = {
        "type": "object",
        "title": "FeedFixture",
        "required": ["ref_id", "sport", "home", "away", "start_time"],
        "properties": {
            "ref_id": _sports_ref(),
            "sport": {"type": "string", "enum": list(sports_competitions.SPORTS)},
            "competition": _or_null(_text(sports_domain.MAX_NAME)),
            "home": name,
            "away": name,
            "start_time": {"type": "integer", "minimum": 1, "maximum": 10**13 - 1, "description": "unix ms"},
            "status": {"type": "string", "enum": list(sports_domain.FEED_STATUSES), "default": "not_started"},
            "best_of": _or_null({"type": "integer", "enum": [3, 5]}),
            "final_set": _or_null({"type": "string", "enum": list(sports_rules.FINAL_SET_RULES)}),
        },
    }
    point = {
        "type": "object",
        "title": "FeedPoint",
        "required": ["fixture_ref", "seq", "winner"],
        "properties": {
            "fixture_ref": _sports_ref(),
            "seq": {"type": "integer", "minimum": 1, "maximum": sports_points.MAX_SEQ},
            "winner": {"type": "string", "enum": sides},
            "server": _or_null({"type": "string", "enum": sides}),
            "ts": {"type": "integer", "minimum": 0, "description": "unix ms; required unless a correction"},
            "kind": _or_null({"type": "string", "maxLength": 32}),
            "correction": {"type": "boolean", "default": False},
        },
    }
    return {"anyOf": [point, fixture]}


def _sports_feed_events() -> Json:
    """``casino.sports.feeds.read_message``: one event, a list, or ``{fixtures, points, events}``."""
    event = _sports_event()
    many = {"type": "array", "maxItems": sports_feeds.MAX_EVENTS, "items": event}
    return {
        "description": f"An event, a list of events, or an object listing them (at most {sports_feeds.MAX_EVENTS}); "
        "the whole message is checked before any of it is applied.",
        "anyOf": [
            many,
            {
                "type": "object",
                "properties": {"fixtures": many, "points": many, "events": many},
                "anyOf": [{"required": [key]} for key in ("fixtures", "points", "events")],
            },
            event,
        ],
    }


def _sports_feed() -> Json:
    """``casino.sports.feeds.register``."""
    return {
        "type": "object",
        "required": ["code", "name", "base_url", "secret", "sports"],
        "properties": {
            "code": {"type": "string", "pattern": f"^{sports_feeds.CODE.pattern}$"},
            "name": _text(120),
            "base_url": _text(500, pattern="^https?://", description="absolute, no query"),
            "secret": _text(256, 16, description="kept in SSM, never shown again"),
            "sports": {
                "type": "array",
                "minItems": 1,
                "uniqueItems": True,
                "items": {"type": "string", "enum": list(sports_competitions.SPORTS)},
            },
            "poll_seconds": {"type": "integer", "minimum": 1, "maximum": 3600, "default": 30},
            "alive_seconds": {"type": "integer", "minimum": 5, "maximum": 86_400, "default": 60},
        },
        "additionalProperties": False,
    }


BODIES: dict[str, Callable[[], Json]] = {
    "hub_create_session": _hub_create_session,
    "client_limits": lambda: _limits_body(ops=False),
    "admin_limits": lambda: _limits_body(ops=True),
    "bridge_session": _bridge_session,
    "bridge_create_transaction": _bridge_create_transaction,
    "sports_feed_events": _sports_feed_events,
    "sports_feed": _sports_feed,
}


# ---------------------------------------------------------------- the provider protocol
USER_ID_MAX, TOKEN_MAX, CURRENCY_MAX, TIMESTAMP_MAX, GAME_ID_MAX = 70, 50, 4, 64, 999_999
ID_MAX = 10**pv.MAX_ID_DIGITS - 1


def _refused(check: Callable[[], object]) -> bool:
    try:
        check()
    except ProviderError as error:
        return error.code == "OP_10"
    return False


def _probe_provider_bounds() -> None:
    """The bounds documented below are the validators' own: each is accepted at its limit and
    refused past it (so a change of the code fails the generator, not an integrator)."""
    probes: list[tuple[Callable[[Any], object], str, object, object]] = [
        (pv.user_id, "user_id", "u" * USER_ID_MAX, "u" * (USER_ID_MAX + 1)),
        (lambda d: pv.token(d, required=True), "token", "t" * TOKEN_MAX, "t" * (TOKEN_MAX + 1)),
        (pv.currency_code, "currency_code", "E" * CURRENCY_MAX, "E" * (CURRENCY_MAX + 1)),
        (lambda d: pv.timestamp(d, "ts"), "ts", "1" * TIMESTAMP_MAX, "1" * (TIMESTAMP_MAX + 1)),
        (pv.game_id, "game_id", GAME_ID_MAX, GAME_ID_MAX + 1),
        (pv.transaction_id, "transaction_id", ID_MAX, ID_MAX + 1),
        (pv.round_id, "round_id", 1, 0),
    ]
    for check, name, good, bad in probes:
        if _refused(_call(check, {name: good})) or not _refused(_call(check, {name: bad})):
            raise SystemExit(
                f"provider field {name}: the documented bound is not the code's (casino.provider.validation)"
            )


def _call(check: Callable[[Any], object], data: Json) -> Callable[[], object]:
    return lambda: check(data)


def _provider_fields() -> dict[str, Json]:
    ident = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
    return {
        "token": _text(TOKEN_MAX),
        "auth_token": {"type": "string", "pattern": pv.TOKEN_AUTH.pattern},
        "user_id": _text(USER_ID_MAX),
        "currency_code": _text(CURRENCY_MAX),
        "transaction_type": {"type": "string", "enum": list(pv.TRANSACTION_TYPES)},
        "transaction_id": ident,
        "round_id": ident,
        "game_id": {"type": "integer", "minimum": 1, "maximum": GAME_ID_MAX},
        # optional fields the validators read null as absent (casino.provider.validation)
        "round_finished": {"anyOf": [{"type": "boolean"}, {"type": "null"}], "default": False},
        "amount": {
            "type": "number",
            "minimum": 0,
            "description": "no more decimal places than the currency's precision, at most its max_amount",
        },
        "timestamp": _text(TIMESTAMP_MAX),
        "context": {
            "anyOf": [
                {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string", "examples": ["PROMO-FREESPIN"]},
                        "buy_feature": {"type": "boolean"},
                    },
                },
                {"type": "null"},
            ]
        },
        "balance": {"type": "number", "minimum": 0, "description": "real + playable bonus, the currency's precision"},
    }


def _provider_data(command: str) -> tuple[Json, Json]:
    """The request's ``data`` and the answer's ``data`` of a command (``casino.provider.callbacks``)."""
    f = _provider_fields()

    def obj(required: list[str], props: dict[str, Json], title: str) -> Json:
        return {"type": "object", "title": title, "required": required, "properties": props}

    status = {"type": "string", "enum": ["OK", "ERROR", "CANCELED"]}
    name = command.capitalize()
    if command == "authenticate":
        data = obj(["token"], {"token": f["auth_token"]}, f"{name}Data")
        answer = obj(
            ["user_id", "user_name", "user_country", "currency_code", "balance"],
            {
                "user_id": {"type": "string"},
                "user_name": {"type": "string"},
                "user_country": {"type": "string"},
                "display_name": {"type": "string"},
                "group": {"type": "string"},
                "currency_code": {"type": "string"},
                "balance": f["balance"],
            },
            f"{name}Result",
        )
    elif command == "balance":
        data = obj(
            ["token", "currency_code", "user_id"],
            {"token": f["token"], "currency_code": f["currency_code"], "user_id": f["user_id"]},
            f"{name}Data",
        )
        answer = obj(["balance", "currency_code"], {"balance": f["balance"], "currency_code": {"type": "string"}}, "")
    elif command == "changebalance":
        data = obj(
            [
                "user_id",
                "transaction_type",
                "transaction_id",
                "round_id",
                "game_id",
                "currency_code",
                "amount",
                "transaction_timestamp",
            ],
            {
                "token": {
                    "anyOf": [f["token"], {"type": "null"}],
                    "description": "required for a BET, unless context.type is PROMO-FREESPIN",
                },
                "user_id": f["user_id"],
                "transaction_type": f["transaction_type"],
                "transaction_id": f["transaction_id"],
                "round_id": f["round_id"],
                "round_finished": f["round_finished"],
                "game_id": f["game_id"],
                "currency_code": f["currency_code"],
                "amount": f["amount"],
                "transaction_timestamp": f["timestamp"],
                "context": f["context"],
            },
            f"{name}Data",
        )
        data["if"] = {
            "required": ["transaction_type"],
            "properties": {
                "transaction_type": {"const": "BET"},
                "context": {"not": {"required": ["type"], "properties": {"type": {"const": "PROMO-FREESPIN"}}}},
            },
        }
        data["then"] = {"required": ["token"]}
        answer = obj(["balance", "currency_code"], {"balance": f["balance"], "currency_code": {"type": "string"}}, "")
    elif command == "status":
        data = obj(
            ["user_id", "transaction_id", "transaction_type", "transaction_date", "transaction_ts", "round_id"],
            {
                "user_id": f["user_id"],
                "transaction_id": f["transaction_id"],
                "transaction_type": f["transaction_type"],
                "transaction_date": f["timestamp"],
                "transaction_ts": f["timestamp"],
                "round_id": f["round_id"],
            },
            f"{name}Data",
        )
        answer = obj(
            ["user_id", "transaction_id", "transaction_status"],
            {"user_id": {"type": "string"}, "transaction_id": {"type": "integer"}, "transaction_status": status},
            "",
        )
    elif command == "cancel":
        data = obj(
            ["user_id", "transaction_id", "round_id", "game_id"],
            {
                "user_id": f["user_id"],
                "transaction_id": {**f["transaction_id"], "description": "the transaction to reverse"},
                "round_id": f["round_id"],
                "round_finished": f["round_finished"],
                "game_id": f["game_id"],
            },
            f"{name}Data",
        )
        answer = obj(
            ["user_id", "transaction_id", "transaction_status"],
            {
                "user_id": {"type": "string"},
                "transaction_id": {"type": "integer"},
                "transaction_status": {"type": "string", "const": "CANCELED"},
            },
            "",
        )
    elif command == "finishround":
        data = obj(
            ["round_id", "user_id", "game_id", "round_date", "round_ts"],
            {
                "round_id": f["round_id"],
                "user_id": f["user_id"],
                "game_id": f["game_id"],
                "round_date": f["timestamp"],
                "round_ts": f["timestamp"],
            },
            f"{name}Data",
        )
        answer = obj(
            ["round_id", "user_id", "game_id"],
            {"round_id": {"type": "integer"}, "user_id": {"type": "string"}, "game_id": {"type": "integer"}},
            "",
        )
    else:  # ping
        data, answer = {}, {"type": "object", "maxProperties": 0}
    answer["title"] = f"{name}Result"
    return data, answer


def provider_codes() -> dict[int, list[str]]:
    """The protocol's codes by HTTP status (``casino.provider.http``: a malformed envelope 400,
    authentication 401, an unknown provider 404, our fault 500; every other answer 200)."""
    source = "".join(
        p.read_text(encoding="utf-8") for p in sorted((tpl.ROOT / "layers/shared/casino/provider").glob("*.py"))
    )
    every = set(re.findall(r"\bOP_\d\d\b", source)) | {code for _, code in error_map.table().values()}
    fixed = {400: ["OP_10"], 401: ["OP_20", "OP_21"], 404: ["OP_12"], 500: ["OP_90"]}
    ok = sorted(every - {"OP_12", "OP_21", "OP_90"})
    return {200: ok, **fixed}


def _provider_envelope(status: str | None, data: Json, title: str) -> Json:
    return {
        "type": "object",
        "title": title,
        "required": ["status", "response_timestamp", "hash", "data"],
        "properties": {
            "status": {"type": "string", "enum": [status] if status else ["OK", "ERROR"]},
            "response_timestamp": {"type": "string", "pattern": "^[0-9]{13}$", "description": "epoch ms"},
            "hash": {
                "type": "string",
                "pattern": "^([0-9a-f]{40})?$",
                "description": "sha1_hex(status + response_timestamp + secret); empty for an unknown provider",
            },
            "data": data,
        },
    }


def _provider_error_data(codes: list[str], title: str) -> Json:
    return {
        "type": "object",
        "title": title,
        "required": ["error_code", "error_message"],
        "properties": {"error_code": {"type": "string", "enum": codes}, "error_message": {"type": "string"}},
    }


# What each command does (provider-callbacks.md, "Surface").
PROVIDER_SUMMARY = {
    "authenticate": "the player of a game-session token, with the balance",
    "balance": "the player's balance: real + playable bonus",
    "changebalance": "BET, WIN or REFUND: money moves exactly once per transaction_id",
    "status": "the stored outcome of a transaction: OK, ERROR or CANCELED",
    "cancel": "reverse a transaction of this player (an unknown id leaves a tombstone)",
    "finishround": "the round is completed (idempotent)",
    "ping": "a signed, empty OK envelope for an authenticated provider",
}
PROVIDER_STATUS_TEXT = {
    400: "The body is not a well-formed envelope (OP_10), or a timestamp is unreadable.",
    401: "Authentication failed (OP_20), or the timestamp is more than 300 s off (OP_21).",
    404: "Unknown or inactive provider (OP_12).",
    500: "Our fault (OP_90): safe to retry.",
}


def _ref(name: str, kind: str = "schemas") -> Json:
    return {"$ref": f"#/components/{kind}/{name}"}


def _provider_components(codes: dict[int, list[str]]) -> tuple[Json, Json]:
    """The protocol's shared schemas and error answers (``components.schemas``, ``.responses``)."""
    schemas: Json = {"ProviderErrorData": _provider_error_data(codes[200], "ProviderErrorData")}
    responses: Json = {}
    for status, text in PROVIDER_STATUS_TEXT.items():
        schemas[f"ProviderErrorData{status}"] = _provider_error_data(codes[status], f"ProviderErrorData{status}")
        schemas[f"ProviderError{status}"] = _provider_envelope(
            "ERROR", _ref(f"ProviderErrorData{status}"), f"ProviderError{status}"
        )
        responses[f"ProviderError{status}"] = {
            "description": text,
            "headers": PROVIDER_RESPONSE_HEADERS,
            "content": {"application/json": {"schema": _ref(f"ProviderError{status}")}},
        }
    return schemas, responses


PROVIDER_RESPONSE_HEADERS: Json = {
    CORRELATION: _ref(CORRELATION, "headers"),
    "X-Signature": _ref("X-Signature", "headers"),
}


def _provider_operation(endpoint: Endpoint, schemas: Json) -> Json:
    command = endpoint.route.path.rsplit("/", 1)[-1]
    name = command.capitalize()
    data, answer = _provider_data(command)
    op = _operation_head(endpoint, tags=["callbacks"])
    op["summary"] = PROVIDER_SUMMARY[command]
    op["parameters"] = [
        {
            "name": "provider",
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
            "description": "the provider's code (tlt is seeded locally)",
        }
    ]
    op["security"] = [{"ProviderOperatorId": [], "ProviderAuthorization": []}]
    if endpoint.route.method == "GET":
        op["parameters"].append(
            {
                "name": "X-Timestamp",
                "in": "header",
                "required": False,
                # no bound here: a seed-sha1 provider's ping never reads it (its signature has no time)
                "schema": {"type": "string"},
                "description": "hmac-sha256 providers: epoch ms (or ISO-8601 with offset, at most 40 characters), "
                "within 300 s of server time; a seed-sha1 provider's ping does not read it",
            }
        )
    else:
        schemas[f"{name}Data"] = data
        schemas[f"{name}Request"] = {
            "type": "object",
            "title": f"{name}Request",
            "required": ["command", "request_timestamp", "hash", "data"],
            "properties": {
                "command": {"type": "string", "const": command},
                "request_timestamp": {
                    "type": "string",
                    "maxLength": 40,
                    "description": "13-digit epoch ms, or ISO-8601 with an offset; within 300 s of server time",
                    "examples": ["1767225600000"],
                },
                "hash": {
                    "type": "string",
                    "pattern": "^[0-9a-fA-F]{40}$",
                    "description": "sha1_hex(command + request_timestamp + secret)",
                },
                "data": _ref(f"{name}Data"),
            },
        }
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(f"{name}Request")}}}
    schemas[f"{name}Result"] = answer
    schemas[f"{name}Answer"] = _provider_envelope(
        None, {"anyOf": [_ref(f"{name}Result"), _ref("ProviderErrorData")]}, f"{name}Answer"
    )
    op["responses"] = {
        "200": {
            "description": "Well-formed and authenticated: `status` OK with the command's answer, or ERROR with "
            "the protocol's code (an invalid data field is OP_10, with HTTP 200).",
            "headers": PROVIDER_RESPONSE_HEADERS,
            "content": {"application/json": {"schema": _ref(f"{name}Answer")}},
        },
        **{str(status): _ref(f"ProviderError{status}", "responses") for status in PROVIDER_STATUS_TEXT},
    }
    return op


def _headers(audience: str, page: bool) -> Json:
    """The response headers the documents name (``components.headers``)."""
    headers: Json = {
        CORRELATION: {
            "description": "the request's correlation id (API Gateway's request id): quote it to ops",
            "required": True,
            "schema": {"type": "string"},
        }
    }
    if audience == "provider":
        headers["X-Signature"] = {
            "description": 'hmac-sha256 providers: HMAC-SHA256(secret, response_timestamp + "\\n" + raw body)',
            "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        }
    if page:
        headers.update(
            {
                name: {"required": True, "schema": {"type": "string", "const": value}}
                for name, value in client_page.SECURITY_HEADERS.items()
            }
        )
        headers["ETag"] = {"description": "the file's version", "required": True, "schema": {"type": "string"}}
    return headers


# ---------------------------------------------------------------- the player's page
def _page_operation(endpoint: Endpoint) -> Json:
    assets: dict[str, client_page.Asset] = endpoint.module.ASSETS
    security_headers = {name: _ref(name, "headers") for name in client_page.SECURITY_HEADERS}
    op = _operation_head(endpoint, tags=["page"])
    op["security"] = []
    if "{asset}" in endpoint.route.path:
        files = sorted(name for name in assets if name != client_page.INDEX)
        op["summary"] = "a file of the player's page (revalidated by ETag)"
        op["parameters"] = [
            {"name": "asset", "in": "path", "required": True, "schema": {"type": "string", "enum": files}},
            {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"}},
        ]
        kinds = sorted({assets[name].content_type for name in files})
        op["responses"] = {
            "200": {
                "description": "the file",
                "headers": {**security_headers, "ETag": _ref("ETag", "headers")},
                "content": {kind: {"schema": {"type": "string"}} for kind in kinds},
            },
            "304": {"description": "not modified (If-None-Match is the file's ETag)"},
            "404": {
                "description": "no such file",
                "content": {"text/plain; charset=utf-8": {"schema": {"type": "string"}}},
            },
        }
    else:
        op["summary"] = "the player's page: logs in with the one-time client token, plays, reveals, keeps alive"
        op["parameters"] = [
            {
                "name": "token",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "the one-time client_token of client_url: read by the page's script, never by the "
                "server",
            }
        ]
        op["responses"] = {
            "200": {
                "description": "the page (never cached)",
                "headers": security_headers,
                "content": {assets[client_page.INDEX].content_type: {"schema": {"type": "string"}}},
            }
        }
    return op


# ---------------------------------------------------------------- REST operations (Powertools)
def _operation_head(endpoint: Endpoint, tags: list[str]) -> Json:
    """Tags, summary and description (the module's docstring: ``METHOD path: what it does``),
    an operation id from the function's logical id."""
    doc = (endpoint.module.__doc__ or "").strip().replace("``", "`")
    paragraphs = [" ".join(p.split()) for p in doc.split("\n\n") if p.strip()]
    first = paragraphs[0] if paragraphs else ""
    summary = first.split(": ", 1)[1] if re.match(r"^[A-Z]+ /\S*: ", first) else first
    words = re.sub(r"Function$", "", endpoint.fn.logical_id)
    operation_id = words[0].lower() + words[1:]
    if len(endpoint.fn.routes) > 1:
        operation_id += "".join(p.strip("{}").capitalize() for p in endpoint.route.path.split("/")[2:])
    head: Json = {"tags": tags, "summary": summary.rstrip(".")}
    if len(paragraphs) > 1:
        head["description"] = "\n\n".join(paragraphs[1:])
    head["operationId"] = operation_id
    head["x-function"] = endpoint.fn.logical_id
    return head


def _tags(endpoint: Endpoint) -> list[str]:
    parts = endpoint.route.path.split("/")
    if endpoint.audience == "admin" and len(parts) > 4:
        return [parts[4]]
    return [endpoint.audience]


def _security(endpoint: Endpoint, app: APIGatewayRestResolver, facts: Facts) -> tuple[str | None, bool]:
    """The route's security scheme, from its resolver's authoriser, and whether it has one."""
    authorize = getattr(app, "_authorize", None)
    if authorize is None:
        return None, False
    if facts.security:
        return facts.security, True
    if authorize is admin_auth.require_admin:
        return "AdminKey", True
    if authorize is client_http.authorize:
        return "ClientSession", True
    # signed_app's authoriser (a closure): the audience's signed scheme
    return {"hub": "HubApp", "sports": "HubApp", "bridge": "OperatorWallet"}[endpoint.audience], True


SECURITY_REQUIREMENTS: dict[str, list[str]] = {
    "AdminKey": ["AdminKey"],
    "ClientSession": ["ClientSession"],
    "HubApp": ["AppId", "AppTimestamp", "AppNonce", "AppSignature"],
    "OperatorWallet": ["AppId", "AppTimestamp", "AppNonce", "AppSignature"],
    "SportsFeed": ["AppId", "AppTimestamp", "AppNonce", "AppSignature"],
}


def _base_errors(endpoint: Endpoint, authenticated: bool) -> set[int]:
    """What every route of a resolver may answer: 400 (any body is read as JSON first), 413, 500;
    401 when it authenticates; a client route's closed session is 409."""
    statuses = {400, 413, 500}
    if authenticated:
        statuses.add(401)
        if endpoint.audience == "client":
            statuses.add(409)
    return statuses


def _rest_operation(endpoint: Endpoint, app: APIGatewayRestResolver, facts: Facts) -> tuple[Json, Json]:
    """The route's operation as Powertools gives it, told the truth; and its component schemas."""
    emitted = json.loads(app.get_openapi_json_schema(openapi_version=OPENAPI_VERSION))
    ours = {(m.upper(), _shape(p)): (p, op) for p, ops in emitted.get("paths", {}).items() for m, op in ops.items()}
    shape = (endpoint.route.method, _shape(endpoint.route.path))
    served = {(r.method, _shape(r.path)) for r in endpoint.fn.routes}
    if set(ours) != served:
        raise SystemExit(
            f"{endpoint.fn.logical_id}: the resolver serves {sorted(ours)}, the template routes {sorted(served)}"
        )
    their_path, raw = ours[shape]
    names = dict(zip(_path_params(their_path), _path_params(endpoint.route.path), strict=True))
    op = _operation_head(endpoint, _tags(endpoint))
    params = []
    for given in raw.get("parameters", []):
        if given["in"] == "header" and given["name"].lower() in ("accept", "content-type", "authorization"):
            continue  # not a parameter in OpenAPI: the content types and security say it
        param = {**given, "schema": _not_null(given["schema"])}
        if param["in"] == "path":
            param["name"] = names[param["name"]]
        narrower = _domain_parameters().get((endpoint.route.path, param["name"]))
        if narrower:
            param["schema"] = _narrowed(param["schema"], narrower)
        params.append(param)
    for name in _path_params(endpoint.route.path):  # a path parameter the handler does not read
        if not any(p["in"] == "path" and p["name"] == name for p in params):
            params.append({"name": name, "in": "path", "required": True, "schema": {"type": "string"}})
    if params:
        op["parameters"] = params
    if "requestBody" in raw:
        op["requestBody"] = raw["requestBody"]
    elif facts.body:
        op["requestBody"] = {
            "required": True,
            "description": "read by the handler itself (its checks are the domain's; described from that code)",
            "content": {"application/json": {"schema": _refined(BODIES[facts.body]())}},
        }
    success = raw["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if facts.answer is not None:
        success = ANSWERS[facts.answer]()  # the code's views, described here (hub-operator-api.md "Models")
    elif facts.object_answer or not ({"type", "$ref", "anyOf"} & set(success)):
        success = {"type": "object"}  # written by the handler itself, or typed Any: a JSON object
    content: Json = {"application/json": {"schema": success}}
    if facts.csv:
        content["text/csv; charset=utf-8"] = {"schema": {"type": "string"}}
    scheme, authenticated = _security(endpoint, app, facts)
    op["security"] = [{name: [] for name in SECURITY_REQUIREMENTS[scheme]}] if scheme else []
    responses: Json = {}
    for status in facts.success:
        what = {201: "Created.", 200: "OK." if len(facts.success) == 1 else "The same request again: as it stands."}
        responses[str(status)] = {
            "description": what[status],
            "headers": {CORRELATION: _ref(CORRELATION, "headers")},
            "content": content,
        }
    for status in sorted(_base_errors(endpoint, authenticated) | set(facts.errors)):
        responses[str(status)] = {"$ref": f"#/components/responses/Error{status}"}
    op["responses"] = responses
    schemas = emitted.get("components", {}).get("schemas", {})
    return op, {k: _numbers_too(_refined(v)) for k, v in schemas.items() if k not in POWERTOOLS_ONLY_SCHEMAS}


def _numbers_too(node: Any) -> Any:
    """The admin models' amounts and factors (``casino.api.admin_models``) are read from a decimal
    string or a JSON number (exactly, as a Decimal); their own JSON schema names the string only."""
    amount, factor = _amount_schema(), TypeAdapter(admin_models.Factor).json_schema()
    numbers: list[tuple[Json, Json]] = [
        (amount, {"type": "number"}),
        (factor, {"type": "number", "minimum": 0, "maximum": int(admin_models.MAX_FACTOR)}),
    ]

    def visit(item: Any) -> Any:
        if isinstance(item, list):
            return [visit(v) for v in item]
        if not isinstance(item, dict):
            return item
        bare = {k: v for k, v in item.items() if k not in ("title", "description")}
        for string, number in numbers:
            if bare == string:
                named = {k: item[k] for k in ("title", "description") if k in item}
                return {"anyOf": [string, number], **named, "description": "a decimal string, or a JSON number"}
        return {k: visit(v) for k, v in item.items()}

    return visit(node)


# ---------------------------------------------------------------- signing schemes, worked examples
EXAMPLE_TS = "1767225600000"  # 2026-01-01T00:00:00Z
HMAC_PROVIDER_SECRET = "acme-provider-secret-0001"  # noqa: S105 - an example's, documented
SEEDED: Json = local_seed.load()  # the local stack's fixed demo credentials (local-stack.md)
EXAMPLE_NONCE = "Zk3p9QvX2mT7wLr4"


def _http(method: str, path: str, headers: dict[str, str], body: str) -> str:
    lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
    return "\n".join(lines) + ("\n\n" + body if body else "")


def app_signing_example(*, app_id: str, secret: str, method: str, path: str, body: str, secret_name: str) -> Json:
    """A request signed by ``casino.hub.app_auth``, its string to sign, and the check by its verifier."""
    endpoint = app_auth.endpoint_of(path)
    to_sign = f"{EXAMPLE_TS}\n{EXAMPLE_NONCE}\n{method}\n{endpoint}\n{body}"
    signature = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    headers = app_auth.headers(app_id, secret, method, endpoint, body, now_ms=int(EXAMPLE_TS), nonce=EXAMPLE_NONCE)
    parsed = app_auth.parse({k.lower(): v for k, v in headers.items()})
    if (
        headers["X-Signature"] != signature
        or parsed is None
        or not app_auth.valid([secret], parsed, method, endpoint, body)
    ):
        raise SystemExit("the documented app signature is not the one casino.hub.app_auth computes")
    return {
        "secret": {"name": secret_name, "value": secret},
        "request": {
            "method": method,
            "path": path,
            "headers": {"Content-Type": "application/json", **headers},
            "body": body,
        },
        "string_to_sign": to_sign,
        "signature": signature,
    }


def provider_signing_examples() -> list[Json]:
    """Both provider schemes, computed by ``casino.provider.signing``."""
    examples: list[Json] = []
    # seed-sha1: the provider seeded locally (local/seed.json)
    tlt = SEEDED["providers"][0]
    code, secret, operator = tlt["code"], tlt["secret"], tlt["operator_id"]
    body = jsonio.dumps(
        {
            "command": "balance",
            "request_timestamp": EXAMPLE_TS,
            "hash": signing.request_hash("balance", EXAMPLE_TS, secret),
            "data": {"token": "tok0123456789abcdefXYZ", "currency_code": "EUR", "user_id": "player-1"},
        }
    )
    authorization = signing.authorization("balance", secret)
    if authorization != hashlib.sha1(("balance" + secret).encode(), usedforsecurity=False).hexdigest():
        raise SystemExit("the documented seed-sha1 X-Authorization is not casino.provider.signing's")
    examples.append(
        {
            "scheme": signing.SEED_SHA1,
            "secret": {"name": f"the secret of provider {code}, seeded locally", "value": secret},
            "request": {
                "method": "POST",
                "path": f"/api/v1/provider/{code}/balance",
                "headers": {
                    "Content-Type": "application/json",
                    "X-Operator-Id": operator,
                    "X-Authorization": authorization,
                },
                "body": body,
            },
            "strings_to_sign": {
                "X-Authorization": "balance" + secret,
                "hash": "balance" + EXAMPLE_TS + secret,
            },
            "signatures": {
                "X-Authorization": authorization,
                "hash": signing.request_hash("balance", EXAMPLE_TS, secret),
            },
        }
    )
    # hmac-sha256: a provider registered with the default scheme
    secret, operator = HMAC_PROVIDER_SECRET, "acme-casino"
    data = {
        "token": "tok0123456789abcdefXYZ",
        "user_id": "player-1",
        "transaction_type": "BET",
        "transaction_id": 1001,
        "round_id": 501,
        "round_finished": False,
        "game_id": 1001,
        "currency_code": "EUR",
        "amount": 1.5,
        "transaction_timestamp": "2026-01-01T00:00:00Z",
    }
    body = json.dumps(
        {
            "command": "changebalance",
            "request_timestamp": EXAMPLE_TS,
            "hash": signing.request_hash("changebalance", EXAMPLE_TS, secret),
            "data": data,
        },
        separators=(",", ":"),
    )
    to_sign = f"changebalance\n{EXAMPLE_TS}\n{body}"
    authorization = signing.request_authorization("changebalance", EXAMPLE_TS, body.encode(), secret)
    if authorization != hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest():
        raise SystemExit("the documented hmac-sha256 X-Authorization is not casino.provider.signing's")
    answer_ts = "1767225600042"
    answer = jsonio.dumps_numbers(
        {
            "status": "OK",
            "response_timestamp": answer_ts,
            "hash": signing.response_hash("OK", answer_ts, secret),
            "data": {"balance": jsonio.loads("118.5"), "currency_code": "EUR"},
        }
    )
    ping_to_sign = f"ping\n{EXAMPLE_TS}\n"
    examples.append(
        {
            "scheme": signing.HMAC_SHA256,
            "secret": {"name": "the secret of a provider acme, registered with hmac-sha256", "value": secret},
            "request": {
                "method": "POST",
                "path": "/api/v1/provider/acme/changebalance",
                "headers": {
                    "Content-Type": "application/json",
                    "X-Operator-Id": operator,
                    "X-Authorization": authorization,
                },
                "body": body,
            },
            "strings_to_sign": {
                "X-Authorization": to_sign,
                "hash": "changebalance" + EXAMPLE_TS + secret,
                "answer X-Signature": f"{answer_ts}\n{answer}",
                "ping X-Authorization": ping_to_sign,
            },
            "signatures": {
                "X-Authorization": authorization,
                "hash": signing.request_hash("changebalance", EXAMPLE_TS, secret),
                "answer X-Signature": signing.response_signature(answer_ts, answer.encode(), secret),
                "ping X-Authorization": signing.request_authorization("ping", EXAMPLE_TS, b"", secret),
            },
            "answer": {"body": answer},
        }
    )
    return examples


def _fence(text: str, lang: str = "") -> str:
    return f"```{lang}\n{text}\n```"


def _app_example_text(example: Json) -> str:
    request = example["request"]
    return "\n\n".join(
        [
            "**Worked example**, computed by the platform's own signing code (its timestamp is fixed, so this "
            "exact request is refused as stale: sign yours with the time of sending and a fresh nonce).",
            f"Secret: `{example['secret']['value']}` ({example['secret']['name']})",
            _fence(_http(request["method"], request["path"], request["headers"], request["body"]), "http"),
            "String to sign, as a JSON string (the lines are joined by `\\n`; the raw body follows the last one):",
            _fence(json.dumps(example["string_to_sign"], ensure_ascii=False), "json"),
            f"`X-Signature` = lowercase hex HMAC-SHA256(secret, string to sign) = `{example['signature']}`",
        ]
    )


APP_SCHEME_TEXT = (
    "Every request carries `X-App-Id`, `X-Timestamp` (unix ms, ASCII digits, within 300 s of server time), "
    "`X-Nonce` (16 to 64 of `[A-Za-z0-9_-]`, fresh for every request: a retry is signed afresh) and "
    '`X-Signature` = lowercase hex `HMAC-SHA256(secret, X-Timestamp + "\\n" + X-Nonce + "\\n" + METHOD + '
    '"\\n" + endpoint + "\\n" + raw_body)`, where `endpoint` is the last segment of the path, '
    "percent-decoded (`/fixtures/a%20b` signs `a b`). Missing, "
    "malformed, wrong or replayed: 401 `unauthorized`, checked before the body is read."
)


def _security_schemes(audience: str) -> Json:
    app_headers = {
        "AppId": ("X-App-Id", "the caller's app id"),
        "AppTimestamp": ("X-Timestamp", "unix ms, within 300 s of server time"),
        "AppNonce": ("X-Nonce", "16 to 64 of [A-Za-z0-9_-], never used before"),
        "AppSignature": ("X-Signature", "lowercase hex HMAC-SHA256 (see the document's description)"),
    }
    schemes: dict[str, Json] = {
        "provider": {
            "ProviderOperatorId": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Operator-Id",
                "description": "the provider's configured operator id",
            },
            "ProviderAuthorization": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Authorization",
                "description": "seed-sha1: sha1_hex(command + secret); hmac-sha256: HMAC-SHA256(secret, command + "
                '"\\n" + request_timestamp + "\\n" + raw_body)',
            },
        },
        "client": {
            "ClientSession": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "auth_token",
                "description": "the auth_token of login or password_login; valid for its session alone",
            }
        },
        "admin": {
            "AdminKey": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "admin key",
                "description": "an admin key (stored as a hash; local-admin-key locally)",
            }
        },
    }
    if audience in ("hub", "bridge", "sports"):
        return {
            name: {"type": "apiKey", "in": "header", "name": header, "description": text}
            for name, (header, text) in app_headers.items()
        }
    return schemes[audience]


def _signing(audience: str) -> tuple[str, list[Json]]:
    """The document's authentication section (markdown) and its structured examples."""
    demo = SEEDED["operators"][0]
    op_code, app_id = demo["code"], demo["app_id"]
    if audience == "hub":
        example = app_signing_example(
            app_id=app_id,
            secret=demo["app_secret"],
            method="POST",
            path="/api/v1/hub/create_session",
            body='{"user_id":"player-1","currency":"EUR","game_id":"lucky-7"}',
            secret_name=f"the app_secret of operator {op_code}, seeded locally",
        )
        text = "## Authentication: dynamic app auth (the operator's app secret)\n\n" + APP_SCHEME_TEXT
        text += " An operator only ever sees its own users, sessions and transactions.\n\n" + _app_example_text(example)
        return text, [{"scheme": "app auth (app_secret)", **example}]
    if audience == "bridge":
        example = app_signing_example(
            app_id=app_id,
            secret=demo["wallet_secret"],
            method="POST",
            path=f"/api/v1/bridge/{op_code}/get_user_data",
            body='{"user_id":"player-1"}',
            secret_name=f"the wallet_secret of operator {op_code}: fixed locally, generated and never shown in AWS",
        )
        text = "## Authentication: operator-wallet signing (the operator's wallet secret)\n\n"
        text += (
            "The hub signs every call to an operator's wallet with the operator's **wallet secret**, in the hub's "
            "scheme; `X-App-Id` is the operator's app id. A third-party operator's wallet checks it the same way. "
            "The bridge answers only bridge operators (the path's `{operator}`), and any other operator, however "
            "validly signed, is 401. " + APP_SCHEME_TEXT + "\n\n" + _app_example_text(example)
        )
        return text, [{"scheme": "operator-wallet signing (wallet_secret)", **example}]
    if audience == "sports":
        hub = app_signing_example(
            app_id=app_id,
            secret=demo["app_secret"],
            method="GET",
            path="/api/v1/sports/fixtures",
            body="",
            secret_name=f"the app_secret of operator {op_code}, seeded locally",
        )
        alpha = local_feeds.FEEDS[0]
        feed_body = '{"fixture_ref":"w2008-final","seq":1,"ts":1767225600000,"winner":"home","server":"home"}'
        feed = app_signing_example(
            app_id=alpha["code"],
            secret=alpha["secret"],
            method="POST",
            path=f"/api/v1/sports/feeds/{alpha['code']}/events",
            body=feed_body,
            secret_name=f"the secret of the stub feed {alpha['code']}, seeded locally",
        )
        text = "## Authentication\n\n### Operators: dynamic app auth (the operator's app secret)\n\n" + APP_SCHEME_TEXT
        text += " The query string is not signed (the endpoint is the last path segment); a GET's body is empty.\n\n"
        text += _app_example_text(hub)
        text += "\n\n### Feed push: the hub's scheme with the feed's secret\n\n"
        text += (
            "`POST /api/v1/sports/feeds/{code}/events` is signed as the operators' calls are, with the feed's "
            "secret; `X-App-Id` is the feed's code by convention (the secret is what counts).\n\n"
        ) + _app_example_text(feed)
        return text, [{"scheme": "app auth (app_secret)", **hub}, {"scheme": "feed push (feed secret)", **feed}]
    if audience == "provider":
        seed, mac = provider_signing_examples()
        text = "## Authentication and signing\n\n" + (
            "`X-Operator-Id` must equal the provider's configured operator id. The envelope's `hash` is "
            "`sha1_hex(command + request_timestamp + secret)`; an answer's is `sha1_hex(status + "
            "response_timestamp + secret)`. `request_timestamp` must be within 300 s of server time (OP_21). "
            "Each provider is registered with a `signature` scheme:\n\n"
            "- `hmac-sha256` (the default): `X-Authorization` = lowercase hex `HMAC-SHA256(secret, command + "
            '"\\n" + request_timestamp + "\\n" + raw_body)`; answers carry `X-Signature` = '
            '`HMAC-SHA256(secret, response_timestamp + "\\n" + raw_response_body)`. `GET /ping` has no body: '
            'its timestamp travels in `X-Timestamp` and `X-Authorization` = `HMAC-SHA256(secret, "ping\\n" + '
            'X-Timestamp + "\\n")`.\n'
            "- `seed-sha1` (the seed's scheme, kept for providers that cannot change): `X-Authorization` = "
            "`sha1_hex(command + secret)`; a request `hash` is bound to the first body seen with it for the window "
            "(the same hash with another body: OP_20).\n\n"
        )
        for example in (mac, seed):
            request = example["request"]
            text += f"### Worked example: `{example['scheme']}`\n\n"
            text += f"Secret: `{example['secret']['value']}` ({example['secret']['name']})\n\n"
            text += _fence(_http(request["method"], request["path"], request["headers"], request["body"]), "http")
            text += "\n\n| value | string to sign (as a JSON string) | signature |\n| --- | --- | --- |\n"
            for name, to_sign in example["strings_to_sign"].items():
                shown = json.dumps(to_sign, ensure_ascii=False).replace("|", "\\|")
                text += f"| {name} | `{shown}` | `{example['signatures'][name]}` |\n"
            if "answer" in example:
                text += "\nThe answer (its `X-Signature` above):\n\n" + _fence(example["answer"]["body"], "json")
            text += "\n\n"
        return text.rstrip() + "\n", [seed, mac]
    if audience == "client":
        text = "## Authentication: the session's auth token\n\n" + (
            "`POST /login` (cross-login, with the one-time `client_token` of `client_url`) or "
            "`POST /password_login` answers an `auth_token` (random, at least 128 bits, stored only as a hash, "
            "valid for its session alone, dead when the session ends). Every other call carries it:\n\n"
        )
        text += _fence(_http("POST", "/api/v1/client/heartbeat", {"Authorization": "Bearer <auth_token>"}, ""), "http")
        text += "\n\nNo signature: the token is the credential (send it over TLS only). A missing or unknown token is "
        text += "401 `unauthorized`; a session that has ended is 409 `session_closed` (with `session_status` and "
        text += "`end_reason`).\n"
        return text, [{"scheme": "bearer auth_token", "request": {"headers": {"Authorization": "Bearer <auth_token>"}}}]
    text = "## Authentication: admin keys\n\n" + (
        "`Authorization: Bearer <admin key>`. Keys are stored as SHA-256 hashes; there may be several, and "
        "each can be revoked (never the last active one). The deploy generates the first one into a Secrets "
        "Manager secret; locally it is `local-admin-key`:\n\n"
    )
    key = SEEDED["admin_key"]
    text += _fence(_http("GET", "/api/v1/admin/status", {"Authorization": f"Bearer {key}"}, ""), "http")
    text += "\n\nNo signature: the key is the credential (TLS only). Missing, unknown or revoked: 401 `unauthorized`.\n"
    return text, [{"scheme": "bearer admin key", "request": {"headers": {"Authorization": f"Bearer {key}"}}}]


ERRORS_TEXT = (
    "## Errors\n\n"
    'Every refusal is an HTTP 4xx or 5xx with `{"error": {"code", "message", "field"?, ...}}`; the codes '
    "of each status are listed in `components.schemas.Error<status>` (from `casino.error_map`). A validation "
    'failure is **400** `validation_error` naming the field (never 422). A 5xx means "our fault, safe to '
    'retry": bad input never reaches one. Every answer carries `X-Correlation-Id`.'
)
BRIDGE_ERRORS_TEXT = (
    "## Errors\n\n"
    '`{"error": {"code", "message"}}` with HTTP 4xx, in the protocol\'s codes: `invalid_request` (a bad '
    "field, an unknown user, a step that names what it may not), `duplicate_mismatch` (a transaction id used "
    "with another body), `insufficient_funds`, `user_blocked`, `limit_exceeded`, `unauthorized`; these are final. "
    "A 5xx (or a 503 `maintenance`) leaves the outcome unknown: the hub retries the same `transaction_id`."
)
PROVIDER_ERRORS_TEXT = (
    "## Answers\n\n"
    "Request `{command, request_timestamp, hash, data}`; answer `{status: OK|ERROR, response_timestamp, hash, "
    "data}`, an error's data `{error_code, error_message}`. A malformed envelope is HTTP 400 (OP_10); an "
    "authentication failure 401 (OP_20, OP_21); an unknown provider 404 (OP_12); every well-formed, "
    "authenticated call HTTP 200 with `status` OK or ERROR (an invalid data field is OP_10 with HTTP 200); our "
    "fault 500 (OP_90, safe to retry)."
)


# ---------------------------------------------------------------- the documents
# ---------------------------------------------------------------- what the domain checks beyond the models
def _narrowed(schema: Json, extra: Json) -> Json:
    """``extra`` applied to the string member(s) of a schema (``anyOf [string, null]`` too)."""
    if schema.get("type") == "string":
        return {**schema, **extra}
    if isinstance(schema.get("anyOf"), list):
        return {**schema, "anyOf": [_narrowed(member, extra) for member in schema["anyOf"]]}
    return schema


def _domain_properties() -> dict[str, Callable[[Json], Json]]:
    """Fields a model types loosely and the domain checks against a table or a pattern of the code:
    a currency is one of ``casino.money.CURRENCIES``, a country ``casino.wallet.admin.COUNTRY``."""
    codes = {"enum": sorted(money.CURRENCIES)}
    return {
        "currency": lambda schema: _narrowed(schema, codes),
        "currencies": lambda schema: {**schema, "items": _narrowed(schema.get("items", {}), codes)},
        "country": lambda schema: _narrowed(schema, {"pattern": wallet_admin.COUNTRY.pattern}),
    }


# A model's field the domain checks against a table of the code: (model title, field) -> the table.
def _domain_fields() -> dict[tuple[str, str], Json]:
    return {("SearchSessions", "status"): {"enum": list(hub_sessions.STATUSES)}}


def _refined(schema: Json) -> Json:
    """A body's schema with the domain's own checks of its fields (``_domain_properties``,
    ``_domain_fields``)."""
    checks = _domain_properties()
    tables = _domain_fields()
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return schema
    refined = {k: checks[k](v) if k in checks else v for k, v in properties.items()}
    title = str(schema.get("title", ""))
    refined = {k: _narrowed(v, tables[(title, k)]) if (title, k) in tables else v for k, v in refined.items()}
    return {**schema, "properties": refined}


# Query parameters the domain parses (``casino.ops.reconciliation``): their patterns.
def _domain_parameters() -> dict[tuple[str, str], Json]:
    instant = {"pattern": f"{reconciliation._DATE.pattern}|{reconciliation._DATETIME.pattern}"}
    return {
        ("/api/v1/sports/fixtures", "status"): {"enum": list(sports_domain.FEED_STATUSES)},
        ("/api/v1/admin/transactions", "from"): instant,
        ("/api/v1/admin/transactions", "to"): instant,
        ("/api/v1/admin/transactions/summary", "date"): {"pattern": reconciliation._DATE.pattern},
    }


def _merge_schemas(target: Json, incoming: Json, prefix: str) -> dict[str, str]:
    """Adds ``incoming`` to ``target``; a name taken by another schema is prefixed. The renames."""
    renames: dict[str, str] = {}
    for name, schema in incoming.items():
        if name in target and target[name] != schema:
            renames[name] = prefix + name
    for name, schema in incoming.items():
        target[renames.get(name, name)] = _renamed_refs(schema, renames)
    return renames


def build() -> dict[str, Json]:
    """Every document, by name (``provider``, ``hub``, ...)."""
    _probe_provider_bounds()
    doc = tpl.load()
    found = endpoints(doc)
    missing = sorted(set(ROUTES) - {e.key for e in found})
    unknown = sorted({e.key for e in found} - set(ROUTES))
    if missing or unknown:
        raise SystemExit(f"local/openapi.py ROUTES: not in the template {missing}; not described {unknown}")
    documents: dict[str, Json] = {}
    for audience, (title, intro) in AUDIENCES.items():
        mine = sorted((e for e in found if e.audience == audience), key=lambda e: (e.route.path, e.route.method))
        rename = bridge_http.RENAME if audience == "bridge" else {}
        codes = provider_codes() if audience == "provider" else rest_codes(rename)
        schemas: Json = {}
        paths: Json = {}
        for endpoint in mine:
            app = resolver_of(endpoint.module)
            if audience == "provider":
                op = _provider_operation(endpoint, schemas)
            elif app is None:
                op = _page_operation(endpoint)
            else:
                op, own = _rest_operation(endpoint, app, ROUTES[endpoint.key])
                renames = _merge_schemas(schemas, own, re.sub(r"Function$", "", endpoint.fn.logical_id))
                op = _renamed_refs(op, renames)
            paths.setdefault(endpoint.route.path, {})[endpoint.route.method.lower()] = op
        components: Json = {}
        if audience == "provider":
            shared, components["responses"] = _provider_components(codes)
            schemas.update(shared)
        else:
            used = {s for e in paths.values() for op in e.values() for s in _statuses(op)}
            errors = {s: c for s, c in codes.items() if s in used}
            schemas.update({f"Error{s}": _error_schema(c, s) for s, c in errors.items()})
            components["responses"] = _error_responses(errors)
        components["headers"] = _headers(audience, page=any(resolver_of(e.module) is None for e in mine))
        components["schemas"] = dict(sorted(schemas.items()))
        components["securitySchemes"] = _security_schemes(audience)
        signing_text, examples = _signing(audience)
        errors_text = {"provider": PROVIDER_ERRORS_TEXT, "bridge": BRIDGE_ERRORS_TEXT}.get(audience, ERRORS_TEXT)
        document: Json = {
            "openapi": OPENAPI_VERSION,
            "info": {
                "title": title,
                "version": _version(),
                "description": "\n\n".join([intro, _CONVENTIONS, signing_text.rstrip(), errors_text]),
            },
            "servers": [
                {"url": "/", "description": "where this document is served (the local stack: http://127.0.0.1:3000)"},
                {
                    "url": "https://{api}.execute-api.{region}.amazonaws.com/{stage}",
                    "description": f"a deployed stack (its {_base_url_output(doc, mine)} output)",
                    "variables": {
                        "api": {"default": "api-id"},
                        "region": {"default": "eu-west-1"},
                        "stage": {"default": "dev"},
                    },
                },
            ],
            "tags": [{"name": t} for t in sorted({t for e in paths.values() for op in e.values() for t in op["tags"]})],
            "paths": paths,
            "components": components,
            "x-signing": examples,
        }
        documents[audience] = _walk(document, _whole_numbers)
        dangling = {r for r in _refs(document) if _target(document, r) is None}
        if dangling:
            raise SystemExit(f"{audience}.json: dangling references {sorted(dangling)}")
    return documents


def _base_url_output(doc: dict[str, Any], mine: list[Endpoint]) -> str:
    """The template output that gives a deployed stack's base URL of a document's routes: the one
    naming their API (``ApiUrl`` for the REST API, ``ProviderApiUrl`` for the provider callbacks')."""
    apis = sorted({e.route.api for e in mine})
    if len(apis) != 1:
        raise SystemExit(f"one document's routes are on one API, not {apis}")
    outputs = [name for name, out in doc.get("Outputs", {}).items() if "${" + apis[0] + "}" in json.dumps(out["Value"])]
    if len(outputs) != 1:
        raise SystemExit(f"template.yaml: {len(outputs)} outputs give {apis[0]}'s base URL: {outputs}")
    return str(outputs[0])


_CONVENTIONS = (
    "JSON in and out, UTF-8; a request body is read as JSON whatever its Content-Type; unknown fields are ignored "
    "unless a body says otherwise; bodies over 64 KiB are refused. Money is never a binary float: amounts are "
    "decimal strings (the provider protocol: JSON numbers, "
    "read as exact decimals), refused when finer than the currency's precision, never rounded. Deployed, API "
    "Gateway itself may answer before our code does (429 when throttled, a 5xx when a function fails or runs out "
    "of time); those answers are not listed per operation."
)


def _statuses(op: Json) -> Iterator[int]:
    for status in op.get("responses", {}):
        if status.isdigit():
            yield int(status)


def _target(document: Json, ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _version() -> str:
    text = (tpl.ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
    return match.group(1) if match else "0"


def render(document: Json) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def written(documents: dict[str, Json]) -> dict[Path, str]:
    return {OUT_DIR / f"{name}.json": render(doc) for name, doc in documents.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.openapi", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/openapi/ differs from the code's documents")
    args = parser.parse_args(argv)
    files = written(build())
    if args.check:
        stale = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        extra = sorted(set(OUT_DIR.glob("*.json")) - set(files))
        for path in [*stale, *extra]:
            print(f"stale: {path.relative_to(tpl.ROOT)}", file=sys.stderr)
        if stale or extra:
            print("run: python -m local.openapi", file=sys.stderr)
            return 1
        print(f"docs/openapi: {len(files)} documents up to date")
        return 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    print(f"wrote {', '.join(str(p.relative_to(tpl.ROOT)) for p in files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
