"""The integration guides' examples, made by the real code on fixed inputs (docs/integration/).

    python -m local.integration_examples                 # against `make run` (http://127.0.0.1:3000)
    python -m local.integration_examples --check         # exit 1 if docs/integration is not current

Two kinds of example, written to ``docs/integration/examples/*.json`` and into the guides'
marked blocks (``<!-- example FILE/NAME -->`` ... ``<!-- /example -->``), so neither can drift
from the code:

- **signing** (``signing.json``): each signature scheme worked through on fixed inputs by the
  platform's own signing code (``casino.hub.app_auth``, ``casino.provider.signing``) and
  verified by its own checks: the inputs, the string to sign, the signature, the headers.
- **exchanges** (``provider.json``, ``operator.json``, ``operator-wallet.json``): real requests
  and answers against a running local stack, by a provider (``local.provider_client``), an
  operator (``local.operator_client``), a player's page (the client API) and our hub calling an
  operator's wallet (the fake operator wallet of ``tests/fake_operator.py``, which records what
  the hub sent). Everything is made fresh (a provider, an operator, players, a game), so any
  stack gives the same examples: ids, tokens, hashes, times, ports and generated names are
  replaced by fixed ones in order of appearance, and every signature is then computed again
  over what is shown, with the example credentials the file lists: each example is a valid
  signed message (at its fixed time).

The test ``tests/integration/test_conformance_runners.py`` runs ``generate`` on the test stack
and fails when the files differ from what is committed.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import logging
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

import local  # noqa: F401 - the shared layer on sys.path
from casino.api.jsonio import dumps_numbers
from casino.hub import app_auth
from casino.provider import signing
from local.operator_client import SignedClient
from local.provider_client import HMAC_SHA256, SEED_SHA1, ProviderClient, now_ms

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "integration"
EXAMPLES = DOCS / "examples"
GUIDES = ("README.md", "game-provider.md", "operator.md", "operator-wallet.md")
BLOCK = re.compile(r"(<!-- example (?P<ref>[\w.-]+/[\w.-]+) -->\n)(?P<body>.*?)(<!-- /example -->)", re.S)

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z: the examples' clock
BASE_URL = "http://127.0.0.1:3000"  # the stack, as the guides call it
WALLET_URL = "http://127.0.0.1:8081/wallet"  # the fake operator wallet, as operator-wallet.md runs it
PLATFORM_URL = "http://127.0.0.1:8090"  # the provider's game-list server, as game-provider.md runs it

# The example credentials (fixed: the guides use them; generated ones are replaced by these).
PROVIDER = {"code": "acme", "operator_id": "acme-op", "secret": "acme-secret-123456", "name": "Acme Games"}
OPERATOR = {
    "code": "nicobet",
    "app_id": "nicobet-app",
    "app_secret": "nicobet-app-secret-0000000000000000000000001",
    "wallet_secret": "nicobet-wallet-secret-00000000000000000000001",
}
PROVIDER_GAME = 2001
CATALOGUE = {
    "games": [
        {
            "game_id": PROVIDER_GAME,
            "name": "Acme Fruits",
            "category": "slots",
            "enabled": True,
            "bet_limits": {"EUR": {"min_bet": "0.10", "max_bet": "100.00"}},
            "restricted_countries": [],
        },
        {
            "game_id": 2002,
            "name": "Acme Blackjack",
            "category": "table games",
            "enabled": True,
            "wagering_contribution": "0.1",
            "bet_limits": {"EUR": {"min_bet": "1.00", "max_bet": "500.00"}},
            "restricted_countries": ["US"],
        },
    ],
    "complete": True,
}
HUB_GAME = {
    "name": "Lucky Example",
    "kind": "instant_win",
    "configuration": {
        "currency": "EUR",
        "stake": "1.00",
        "tickets": 16,
        "prizes": [{"amount": "0.90", "count": 16}],  # every ticket wins 0.90: the same flow every time
        "rtp": "0.9",
        "view_timeout_s": 60,
    },
}

# ---------------------------------------------------------------- signing, worked through
EXAMPLE_TS = str(T0)
EXAMPLE_NONCE = "n0nce-3f8a1c0e9b7d4e2a"


def _app_auth_example(app_id: str, secret: str, path: str, body: dict[str, Any], what: str) -> dict[str, Any]:
    raw = json.dumps(body, separators=(",", ":"))
    endpoint = app_auth.endpoint_of(path)
    headers = app_auth.headers(app_id, secret, "POST", endpoint, raw, now_ms=T0, nonce=EXAMPLE_NONCE)
    parsed = app_auth.parse({k.lower(): v for k, v in headers.items()})
    assert parsed is not None and app_auth.valid([secret], parsed, "POST", endpoint, raw)  # the code's own check
    return {
        "what": what,
        "inputs": {
            "app_id": app_id,
            "secret": secret,
            "X-Timestamp": EXAMPLE_TS,
            "X-Nonce": EXAMPLE_NONCE,
            "method": "POST",
            "path": path,
            "endpoint": endpoint,
            "raw_body": raw,
        },
        "string_to_sign": f"{EXAMPLE_TS}\n{EXAMPLE_NONCE}\nPOST\n{endpoint}\n{raw}",
        "signature": headers["X-Signature"],
        "headers": headers,
    }


def _provider_example(scheme: str, provider: dict[str, str], what: str) -> dict[str, Any]:
    secret, command = provider["secret"], "changebalance"
    data = {
        "token": "0123456789abcdefABCDEF0123456789abcdefAB",
        "user_id": "player-1",
        "transaction_type": "BET",
        "transaction_id": 700001,
        "round_id": 900001,
        "round_finished": False,
        "game_id": PROVIDER_GAME if scheme == HMAC_SHA256 else 1001,
        "currency_code": "EUR",
        "amount": Decimal("1.50"),
        "transaction_timestamp": EXAMPLE_TS,
    }
    envelope = {
        "command": command,
        "request_timestamp": EXAMPLE_TS,
        "hash": signing.request_hash(command, EXAMPLE_TS, secret),
        "data": data,
    }
    raw = dumps_numbers(envelope)
    if scheme == HMAC_SHA256:
        authorization = signing.request_authorization(command, EXAMPLE_TS, raw.encode(), secret)
        to_sign = f"{command}\n{EXAMPLE_TS}\n{raw}"
    else:
        authorization, to_sign = signing.authorization(command, secret), f"{command}{secret}"
    answer_ts = str(T0 + 37)
    answer = {
        "status": "OK",
        "response_timestamp": answer_ts,
        "hash": signing.response_hash("OK", answer_ts, secret),
        "data": {"balance": Decimal("98.50"), "currency_code": "EUR"},
    }
    answer_raw = dumps_numbers(answer)
    example: dict[str, Any] = {
        "what": what,
        "inputs": {
            "provider": provider["code"],
            "operator_id": provider["operator_id"],
            "secret": secret,
            "signature": scheme,
            "command": command,
            "request_timestamp": EXAMPLE_TS,
        },
        "hash": {
            "string_to_hash": f"{command}{EXAMPLE_TS}{secret}",
            "value": envelope["hash"],
        },
        "raw_body": raw,
        "x_authorization": {"string_to_sign": to_sign, "value": authorization},
        "headers": {
            "Content-Type": "application/json",
            "X-Operator-Id": provider["operator_id"],
            "X-Authorization": authorization,
        },
        "answer": {
            "raw_body": answer_raw,
            "hash": {"string_to_hash": f"OK{answer_ts}{secret}", "value": answer["hash"]},
        },
    }
    if scheme == HMAC_SHA256:
        x_signature = signing.response_signature(answer_ts, answer_raw.encode(), secret)
        example["answer"]["x_signature"] = {"string_to_sign": f"{answer_ts}\n{answer_raw}", "value": x_signature}
        ping = signing.hmac_hex(secret, f"ping\n{EXAMPLE_TS}\n".encode())
        example["ping"] = {
            "request": f"GET /api/v1/provider/{provider['code']}/ping",
            "string_to_sign": f"ping\n{EXAMPLE_TS}\n",
            "headers": {"X-Operator-Id": provider["operator_id"], "X-Timestamp": EXAMPLE_TS, "X-Authorization": ping},
        }
    games = signing.authorization("games", secret)
    example["game_list"] = {
        "request": "GET <platform_url>/games",
        "string_to_hash": f"games{secret}",
        "headers": {"X-Operator-Id": provider["operator_id"], "X-Authorization": games},
    }
    return example


def signing_examples() -> dict[str, Any]:
    """Every signature scheme on fixed inputs, by the platform's own code."""
    tlt = {"code": "tlt", "operator_id": "demo-casino", "secret": "tlt-demo-secret"}
    return {
        "operator_to_hub": _app_auth_example(
            "demo-operator",
            "demo-operator-secret",
            "/api/v1/hub/create_session",
            {"user_id": "player-1", "game_id": "lucky-7"},
            "an operator calls the hub (hub-operator-api.md): signed with its app secret",
        ),
        "hub_to_operator_wallet": _app_auth_example(
            "demo-operator",
            "demo-wallet-secret",
            "/api/v1/bridge/demo/get_user_data",
            {"user_id": "player-1"},
            "the hub calls an operator's wallet (operator-wallet.md): the same scheme, the wallet secret",
        ),
        "provider_hmac_sha256": _provider_example(
            HMAC_SHA256, PROVIDER, "a provider registered with signature hmac-sha256 (the default)"
        ),
        "provider_seed_sha1": _provider_example(
            SEED_SHA1, tlt, "a provider registered with signature seed-sha1 (the seeded tlt)"
        ),
    }


# ---------------------------------------------------------------- exchanges, recorded
HEADER_NAMES = {
    name.lower(): name
    for name in (
        "Authorization",
        "Content-Type",
        "X-App-Id",
        "X-Timestamp",
        "X-Nonce",
        "X-Signature",
        "X-Operator-Id",
        "X-Authorization",
        "X-Correlation-Id",
    )
}


@dataclass
class Exchange:
    """One request and its answer as they were on the wire, and how they are signed."""

    request: dict[str, Any]
    response: dict[str, Any]
    scheme: str = ""  # app-auth, provider, or "" (a bearer token, or nothing)
    secret: str = ""
    wrong_secret: str = ""  # the request signed (deliberately) with this secret; its answer with ``secret``
    note: str = ""
    flow: str = ""  # which flow made it (its times are ranked with that flow's only)


def _headers(given: Any, keep: tuple[str, ...] = tuple(HEADER_NAMES)) -> dict[str, str]:
    return {HEADER_NAMES[name.lower()]: value for name, value in given.items() if name.lower() in keep}


def _body(raw: bytes | str) -> Any:
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    if not text:
        return None
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError:
        return text


class Recorder:
    """An httpx client that keeps its last exchange."""

    def __init__(self, scheme: str = "", secret: str = "", headers: dict[str, str] | None = None):
        self.scheme, self.secret = scheme, secret
        self.last: Exchange | None = None
        self.client = httpx.Client(timeout=60, headers=headers or {}, event_hooks={"response": [self._keep]})

    def _keep(self, response: httpx.Response) -> None:
        response.read()
        request = response.request
        self.last = Exchange(
            request={
                "method": request.method,
                "url": str(request.url),
                "headers": _headers(request.headers),
                "body": _body(request.content),
            },
            response={
                "status": response.status_code,
                "headers": _headers(response.headers, ("x-signature",)),
                "body": _body(response.content),
            },
            scheme=self.scheme,
            secret=self.secret,
        )

    def take(self, note: str = "", *, wrong_secret: str = "") -> Exchange:
        if self.last is None:
            raise RuntimeError("no request was made")
        taken, self.last = self.last, None
        taken.note, taken.wrong_secret = note, wrong_secret
        return taken


def _serve(route: Callable[[str, dict[str, str]], tuple[int, bytes]]) -> tuple[str, Callable[[], None]]:
    """A small HTTP server on loopback: ``route(path, headers)`` answers each GET."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = route(self.path, dict(self.headers.items()))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_address[1]}", stop


class Run:
    """One generation against a stack: the names it made and the exchanges it kept."""

    def __init__(self, base_url: str, admin_key: str):
        self.base_url = base_url.rstrip("/")
        self.tag = uuid.uuid4().hex[:8]
        self.started_ms = int(time.time() * 1000)
        self.names: dict[str, str] = {self.base_url: BASE_URL}  # a generated value -> its fixed name
        self.examples: dict[str, dict[str, Exchange]] = {}
        self.hub_game = f"ex-{self.tag}"
        self.names[self.hub_game] = "lucky-example"
        self.admin_key = admin_key
        self.admin = Recorder(headers={"Authorization": f"Bearer {admin_key}"})
        self.admin_lock = threading.Lock()
        self.flow = threading.local()

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def keep(self, file: str, name: str, exchange: Exchange) -> Exchange:
        exchange.flow = getattr(self.flow, "name", "")
        self.examples.setdefault(file, {})[name] = exchange
        return exchange

    def in_flow(self, flow: Callable[[Run], None]) -> None:
        """Run ``flow``, each exchange it keeps marked with its name."""
        self.flow.name = flow.__name__
        flow(self)

    def admin_call(self, method: str, path: str, body: Any = None, note: str = "") -> tuple[Exchange, Any]:
        with self.admin_lock:  # the flows share the admin client
            self.admin.client.request(method, self.url(f"/api/v1/admin{path}"), json=body)
            exchange = self.admin.take(note)
        return exchange, exchange.response["body"]


# ---------------------------------------------------------------- a provider
def provider_flow(run: Run) -> None:
    """A provider registered with hmac-sha256: its game list synced, a player's session played."""
    code = f"ex{run.tag}"
    seen: list[dict[str, str]] = []

    def catalogue(path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        seen.append(_headers(headers))
        expected = signing.authorization("games", PROVIDER["secret"])
        if headers.get("X-Operator-Id") != PROVIDER["operator_id"] or headers.get("X-Authorization") != expected:
            return 401, b'{"error": "unauthorized"}'
        return 200, json.dumps(CATALOGUE).encode()

    platform, stop = _serve(catalogue)
    run.names.update({platform: PLATFORM_URL, code: PROVIDER["code"]})
    try:
        body = {
            "code": code,
            "name": PROVIDER["name"],
            "operator_id": PROVIDER["operator_id"],
            "secret": PROVIDER["secret"],
            "platform_url": platform,
            "currencies": ["EUR"],
        }
        run.keep("provider", "register", run.admin_call("POST", "/providers", body, "ops register you")[0])
        synced, record = run.admin_call("POST", f"/providers/{code}/sync", note="the game-list sync, on demand")
        if record.get("outcome") != "ok":
            raise RuntimeError(f"the game-list sync failed: {record}")
        run.keep("provider", "sync", synced)
        request = {"method": "GET", "url": f"{platform}/games", "headers": seen[-1], "body": None}
        answer = {"status": 200, "headers": {}, "body": CATALOGUE}
        note = "what the sync asks your platform, and what you answer"
        run.keep("provider", "game_list", Exchange(request, answer, "games", PROVIDER["secret"], note=note))
    finally:
        stop()
    player = f"ex-{run.tag}-p"
    run.names[player] = "p-1001"
    run.admin_call("POST", "/players", {"player_id": player, "user_name": "ana", "country": "MT", "currency": "EUR"})
    fund = {"type": "deposit", "amount": "50.00", "idempotency_key": "fund"}
    run.admin_call("POST", f"/players/{player}/transactions", fund)
    opened, session = run.admin_call(
        "POST",
        "/game-sessions",
        {"player_id": player, "provider": code, "game_id": PROVIDER_GAME},
        "the casino opens a game session: the token your game client hands you",
    )
    run.keep("provider", "game_session", opened)
    token = session["token"]

    recorder = Recorder("provider", PROVIDER["secret"])
    client = ProviderClient(
        run.base_url, code, PROVIDER["operator_id"], PROVIDER["secret"], HMAC_SHA256, client=recorder.client
    )

    def call(name: str, command: str, data: dict[str, Any] | None = None, note: str = "", stamp: str = "") -> None:
        """Send, with ``request_timestamp`` and the data's own times the same moment."""
        now = now_ms()
        fields = ("transaction_timestamp", "transaction_date", "transaction_ts", "round_date", "round_ts")
        stamped = {k: (now if k in fields else v) for k, v in (data or {}).items()} if data is not None else None
        client.send(command, stamped, timestamp=stamp or now)
        run.keep("provider", name, recorder.take(note))

    def change(kind: str, tid: int, rnd: int, amount: str, **extra: Any) -> dict[str, Any]:
        return {
            "token": token,
            "user_id": player,
            "transaction_type": kind,
            "transaction_id": tid,
            "round_id": rnd,
            "game_id": PROVIDER_GAME,
            "currency_code": "EUR",
            "amount": Decimal(amount),
            "transaction_timestamp": "",  # the request's moment (call)
            **extra,
        }

    balance = {"token": token, "currency_code": "EUR", "user_id": player}
    call("authenticate", "authenticate", {"token": token})
    call("balance", "balance", balance)
    bet = change("BET", 700001, 900001, "1.50", round_finished=False)
    call("bet", "changebalance", bet)
    call("bet_retry", "changebalance", bet, "the same BET again, with a new request_timestamp: the first answer")
    call("win", "changebalance", change("WIN", 700002, 900001, "2.40", round_finished=True))
    stamp = ""  # the request's moment (call)
    status = {
        "user_id": player,
        "transaction_id": 700001,
        "transaction_type": "BET",
        "transaction_date": stamp,
        "transaction_ts": stamp,
        "round_id": 900001,
    }
    call("status", "status", status)
    finish = {"round_id": 900001, "user_id": player, "game_id": PROVIDER_GAME, "round_date": stamp, "round_ts": stamp}
    call("finishround", "finishround", finish)
    call("bet_to_cancel", "changebalance", change("BET", 700003, 900002, "1.00"))
    cancel = {"user_id": player, "transaction_id": 700003, "round_id": 900002, "game_id": PROVIDER_GAME}
    call("cancel", "cancel", cancel, "the BET 700003 cancelled: its stake back")
    call("bet_to_refund", "changebalance", change("BET", 700004, 900003, "2.00"))
    call("refund", "changebalance", change("REFUND", 700005, 900003, "2.00", round_finished=True))
    call("ping", "ping")
    call("error_insufficient_funds", "changebalance", change("BET", 700006, 900004, "60.00"), "OP_50")
    mismatch = {**bet, "amount": Decimal("1.60")}
    call("error_duplicate_mismatch", "changebalance", mismatch, "OP_40: 700001 again with another amount")
    early = {"user_id": player, "transaction_id": 700007, "round_id": 900005, "game_id": PROVIDER_GAME}
    call("cancel_unknown", "cancel", early, "a cancel before its BET: CANCELED, and the id is spent")
    late = change("BET", 700007, 900005, "1.00")
    call("error_cancelled_before", "changebalance", late, "OP_42: the cancelled BET arrives late")
    precise = change("BET", 700008, 900006, "1.005")
    call("error_precision", "changebalance", precise, "OP_10: finer than EUR's 2 decimal places")
    unknown_game = {**change("BET", 700009, 900007, "1.00"), "game_id": 999}
    call("error_unknown_game", "changebalance", unknown_game, "OP_33")
    call("error_status_unknown", "status", {**status, "transaction_id": 799999}, "OP_41")
    stale = str(int(now_ms()) - 301_000)
    call("error_stale", "balance", balance, "OP_21: request_timestamp 301 s old", stale)
    wrong = ProviderClient(
        run.base_url, code, PROVIDER["operator_id"], WRONG_SECRET, HMAC_SHA256, client=recorder.client
    )
    wrong.send("balance", balance)
    note = f"OP_20, HTTP 401: signed with a wrong secret ({WRONG_SECRET!r}); the answer is signed with yours"
    run.keep("provider", "error_bad_signature", recorder.take(note, wrong_secret=WRONG_SECRET))
    recorder.client.close()


# ---------------------------------------------------------------- an operator, its players, its wallet
def _wait(check: Callable[[], bool], what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting: {what}")
        time.sleep(0.1)


def _fake_operator() -> Any:
    """The fake operator wallet of the tests (``tests/fake_operator.py``), which records what the
    hub sends it: imported by name, so that ``local`` does not depend on ``tests`` to type-check."""
    return importlib.import_module("tests.fake_operator")


class Operator:
    """A third-party operator registered for the run, its wallet a fresh (strict) fake operator
    wallet, with one user; its calls to the hub and its player's page recorded."""

    def __init__(self, run: Run, code: str, keep: bool, ids: str = "op"):
        self.run = run
        self.fake = _fake_operator().FakeOperator(strict=True, id_prefix=ids).start()
        registered, self.info = run.admin_call(
            "POST",
            "/operators",
            {"code": code, "name": "Nicobet", "wallet_base_url": self.fake.url, "currencies": ["EUR"]},
            "ops register you: your app secret and wallet secret are shown once",
        )
        run.names.update(
            {
                self.fake.url: WALLET_URL,
                self.info["app_id"]: OPERATOR["app_id"],
                self.info["app_secret"]: OPERATOR["app_secret"],
                self.info["wallet_secret"]: OPERATOR["wallet_secret"],
                code: OPERATOR["code"],
            }
        )
        if keep:
            run.keep("operator", "register", registered)
        self.fake.app_id, self.fake.wallet_secret = self.info["app_id"], self.info["wallet_secret"]
        self.fake.users["u-1001"] = {"real": Decimal("50.00"), "bonus": Decimal("5.00")}
        self.recorder = Recorder("app-auth", self.info["app_secret"])
        self.hub = SignedClient(run.base_url, self.info["app_id"], self.info["app_secret"], client=self.recorder.client)
        self.page_recorder = Recorder()

    def post(self, name: str, endpoint: str, body: Any, note: str = "", secret: str = "") -> Any:
        """A signed call to the hub (with ``secret``: a wrong one), kept as ``name`` if given."""
        hub = self.hub if not secret else SignedClient(self.run.base_url, self.info["app_id"], secret, self.hub.client)
        hub.post(f"/api/v1/hub/{endpoint}", json.dumps(body, separators=(",", ":")))
        exchange = self.recorder.take(note, wrong_secret=secret)
        if name:
            self.run.keep("operator", name, exchange)
        return exchange.response["body"]

    def page(self, name: str, method: str, path: str, body: Any = None, note: str = "", shown: Any = None) -> Any:
        """The player's page calling the client API, kept as ``name`` if given (its answer's body
        shown as ``shown`` when that is given: an answer that depends on timing)."""
        self.page_recorder.client.request(method, self.run.url(f"/api/v1/client/{path}"), json=body)
        exchange = self.page_recorder.take(note)
        answer = exchange.response["body"]
        if name:
            if shown is not None:
                exchange.response = {**exchange.response, "body": shown}
            self.run.keep("operator", name, exchange)
        return answer

    def login(self, created: dict[str, Any], name: str = "") -> None:
        token = parse_qs(urlparse(created["client_url"]).query)["token"][0]
        login = self.page(name, "POST", "login", {"client_token": token}, "the page, opened at client_url, logs in")
        self.page_recorder.client.headers["Authorization"] = f"Bearer {login['auth_token']}"

    def play(self, name: str, play_id: str, note: str = "") -> Any:
        return self.page(
            name, "POST", "play", {"game_id": self.run.hub_game, "stake": "1.00", "play_id": play_id}, note
        )

    def status_of(self, play_id: str) -> str:
        contracts = self.page("", "GET", "history")["contracts"]
        return next((str(c.get("status")) for c in contracts if c.get("play_id") == play_id), "")

    def wallet(self, name: str, endpoint: str, kind: str, status: int | None, note: str) -> None:
        """What the hub sent the wallet: the first call to ``endpoint`` (of that type and answer)."""
        sent = [
            e
            for e in self.fake.exchanges
            if e["path"].endswith(f"/{endpoint}")
            and (not kind or (_body(e["body"]) or {}).get("type") == kind)
            and (status is None or e["status"] == status)
        ]
        if not sent:
            raise RuntimeError(f"the hub never sent the wallet's {name}")
        request = {
            "method": "POST",
            "url": f"{self.fake.url}/{endpoint}",
            "headers": _headers(sent[0]["headers"]),
            "body": _body(sent[0]["body"]),
        }
        answer = {"status": sent[0]["status"], "headers": {}, "body": _body(sent[0]["answer"])}
        secret = self.info["wallet_secret"]
        self.run.keep("operator-wallet", name, Exchange(request, answer, "app-auth", secret, note=note))

    def close(self) -> None:
        self.recorder.client.close()
        self.page_recorder.client.close()
        self.fake.stop()


VIEW_DONE = {"contract": "(the contract as it stands, as GET /contracts/{id} shows it: settling or settled, by timing)"}
SESSION = {
    "user_id": "u-1001",
    "session_id": "nb-session-1001",
    "session_token": "nb-token-1001",
    "currency": "EUR",
    "language": "en",
    "return_url": "https://nicobet.example/lobby",
}


def operator_flow(run: Run) -> None:
    """A session, the player's page playing (a win, a refused bet), the operator's reads and
    errors, and what the hub sent the wallet meanwhile."""
    op = Operator(run, f"nb{run.tag}", keep=True)
    try:
        session = {**SESSION, "game_id": run.hub_game}
        created = op.post("create_session", "create_session", session)
        op.post("create_session_retry", "create_session", session, "the same session_id and payload: the same session")
        op.post(
            "error_conflict", "create_session", {**session, "game_id": "lucky-7"}, "the same session_id, another body"
        )
        op.login(created, "client_login")
        contract = op.play("client_play", "play-0001")["contract"]["id"]
        viewing = "the player has seen the prize: the settlement follows"
        op.page("client_view_done", "POST", "view_done", {"contract_id": contract}, viewing, shown=VIEW_DONE)
        _wait(lambda: op.status_of("play-0001") == "finalized", "the win settled")
        op.page("client_contract", "GET", f"contracts/{contract}", note="settled: the win paid")
        op.fake.users["u-1001"] = {"real": Decimal("0.50"), "bonus": Decimal("0.00")}
        op.play("client_play_refused", "play-0003", "the wallet refused the bet (insufficient_funds)")

        op.post("get_session", "get_session", {"session_id": "nb-session-1001"}, "by your id (is_our_id false)")
        search = {"from_date": run.started_ms - 60_000, "user_id": "u-1001", "limit": 10}
        op.post("search_sessions", "search_sessions", search)
        op.post("get_transaction", "get_transaction", {"transaction_id": "op-1"}, "by your wallet's transaction id")
        ours = {"session_id": created["session"]["id"], "is_our_id": True}
        op.post("terminate_session", "terminate_session", ours, "by our id: no new plays; finalize_session called")
        op.post("error_not_found", "get_session", {"session_id": "nb-session-9999"})
        op.post("error_game_unavailable", "create_session", {"user_id": "u-1001", "game_id": "no-such-game"})
        op.post("error_validation", "search_sessions", {"user_id": "u-1001"}, "from_date missing")
        bad = {"session_id": "nb-session-1001"}
        op.post("error_unauthorized", "get_session", bad, "a wrong signature", secret="not-the-app-secret")  # noqa: S106

        op.wallet("initialize_session", "initialize_session", "", None, "at the player's login, first")
        op.wallet("get_user_data", "get_user_data", "", None, "at the login, then: the accounts and balances")
        op.wallet("play", "create_transaction", "instant_win.play", 200, "the stake, real first, then bonus")
        op.wallet("win", "create_transaction", "instant_win.win", 200, "the prize, naming its play")
        refused = "a final refusal: never retried, the play is cancelled"
        op.wallet("play_refused", "create_transaction", "instant_win.play", 400, refused)
        op.wallet("finalize_session", "finalize_session", "", None, "once, when the session ends (terminate_session)")
    finally:
        op.close()


def refund_flow(run: Run) -> None:
    """A bet whose every answer is lost (HTTP 503): retried with the same body, then refunded.
    Its own operator (and wallet), so that it runs beside ``operator_flow``."""
    op = Operator(run, f"nc{run.tag}", keep=False, ids="op-r")
    try:
        op.login(op.post("", "create_session", {**SESSION, "session_id": "nb-session-1002", "game_id": run.hub_game}))
        op.fake.fail("create_transaction", _fake_operator().Fault("fail_5xx", times=1000, types=("instant_win.play",)))
        contract = op.play("", "play-0002")["contract"]["id"]
        _wait(lambda: op.status_of("play-0002") == "refunded", "the lost bet refunded")
        note = "the wallet answered 503 to every attempt of the bet: no prize shown, the bet refunded"
        op.page("client_play_unknown", "GET", f"contracts/{contract}", note=note)
        lost = "the wallet answered 503 (outcome unknown): the hub sent this same body again and again"
        op.wallet("play_lost", "create_transaction", "instant_win.play", 503, lost)
        op.wallet("refund", "create_transaction", "instant_win.refund", None, "then the refund, naming the bet")
    finally:
        op.close()


ORDER = {  # the examples of each file, in the order the files show them
    "provider": (
        "register",
        "sync",
        "game_list",
        "game_session",
        "authenticate",
        "balance",
        "bet",
        "bet_retry",
        "win",
        "status",
        "finishround",
        "bet_to_cancel",
        "cancel",
        "bet_to_refund",
        "refund",
        "ping",
        "error_insufficient_funds",
        "error_duplicate_mismatch",
        "cancel_unknown",
        "error_cancelled_before",
        "error_precision",
        "error_unknown_game",
        "error_status_unknown",
        "error_stale",
        "error_bad_signature",
    ),
    "operator": (
        "register",
        "create_session",
        "create_session_retry",
        "error_conflict",
        "client_login",
        "client_play",
        "client_view_done",
        "client_contract",
        "client_play_unknown",
        "client_play_refused",
        "get_session",
        "search_sessions",
        "get_transaction",
        "terminate_session",
        "error_not_found",
        "error_game_unavailable",
        "error_validation",
        "error_unauthorized",
    ),
    "operator-wallet": (
        "initialize_session",
        "get_user_data",
        "play",
        "win",
        "play_lost",
        "refund",
        "play_refused",
        "finalize_session",
    ),
}


# ---------------------------------------------------------------- fixed values
ULID = re.compile(r"\b([a-z]{2,4})_([0-9A-HJKMNP-TV-Z]{26})\b")
SERIES = re.compile(r"\bser_[0-9a-f]{32}\b")
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
HEX40 = re.compile(r"\b[0-9a-f]{40}\b")
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
TOKENS = ("token", "client_token", "auth_token", "X-Nonce")


SENT = frozenset(  # times a sender stamps: never merged with an answer's or a record's
    {"request_timestamp", "transaction_timestamp", "transaction_date", "transaction_ts", "round_date", "round_ts"}
    | {"X-Timestamp"}
)


def _kind_of(key: str) -> str:
    return "sent" if key in SENT else "answered" if key == "response_timestamp" else "stored"


class Fixer:
    """Replaces what changes from run to run with fixed values: ids, tokens and hashes in order of
    appearance, times in the order they happened within their flow, one fixed second each; the
    same value is replaced by the same fixed value everywhere."""

    def __init__(self, run: Run):
        self.started = run.started_ms
        self.admin_key = run.admin_key
        self.names = sorted(run.names.items(), key=lambda kv: -len(kv[0]))
        self.seen: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        self.found: dict[str, set[tuple[int, str]]] = {}  # flow -> the moments (ms, kind) seen in it
        self.shown: dict[tuple[str, int, str], int] = {}  # (flow, ms, kind) -> the examples' second
        self.flow = ""

    def collect(self, value: Any, key: str = "") -> None:
        """First pass: every moment of the current flow."""
        if isinstance(value, dict):
            for k, v in value.items():
                self.collect(v, k)
        elif isinstance(value, list):
            for v in value:
                self.collect(v, key)
        elif (ms := self._ms(value, key)) is not None and abs(ms - self.started) < 1_800_000:
            self.found.setdefault(self.flow, set()).add((ms, _kind_of(key)))

    def rank(self) -> None:
        """Each flow's moments, in the order they happened, one second apart from T0."""
        for flow, moments in self.found.items():
            for i, (ms, kind) in enumerate(sorted(moments)):
                self.shown[(flow, ms, kind)] = T0 + (i + 1) * 1000

    def _ms(self, value: Any, key: str) -> int | None:
        if isinstance(value, bool) or key in TOKENS:
            return None
        if isinstance(value, int):
            return value if self.is_time(value) else None
        if isinstance(value, str) and len(value) == 13 and value.isdigit() and self.is_time(int(value)):
            return int(value)
        if isinstance(value, str) and ISO.fullmatch(value):
            ms = int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
            return ms if self.is_time(ms) else None
        return None

    def _next(self, kind: str) -> int:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return self.counts[kind]

    def _once(self, value: str, make: Callable[[], str]) -> str:
        if value not in self.seen:
            self.seen[value] = make()
        return self.seen[value]

    def is_time(self, ms: int) -> bool:
        return self.started - 2 * 86_400_000 < ms < self.started + 60 * 86_400_000

    def time(self, ms: int, key: str = "") -> int:
        """A moment of the run: its second on the examples' clock (``rank``); an expiry hours
        ahead: as many whole hours after the examples' start."""
        delta = ms - self.started
        if abs(delta) >= 1_800_000:
            return T0 + round(delta / 3_600_000) * 3_600_000
        return self.shown[(self.flow, ms, _kind_of(key))]

    def value(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, key) for v in value]
        if isinstance(value, bool) or not isinstance(value, int | str):
            return value
        if isinstance(value, int):
            return self.time(value, key) if self.is_time(value) else value
        return self.text(value, key)

    def token(self, value: str) -> str:
        def make() -> str:
            digest = hashlib.sha256(f"example-token-{self._next('token')}".encode()).hexdigest()
            return (digest * 2)[: len(value)]

        return self._once(value, make)

    def text(self, value: str, key: str = "") -> str:
        if key in TOKENS:
            return self.token(value)
        if key == "Authorization" and value.startswith("Bearer "):
            bearer = value.removeprefix("Bearer ")
            return f"Bearer {self.admin_key if bearer == self.admin_key else self.token(bearer)}"
        ms = self._ms(value, key)
        if ms is not None and value.isdigit():
            return str(self.time(ms, key))
        if ms is not None:
            moment = datetime.fromtimestamp(self.time(ms, key) / 1000, tz=UTC)
            return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        for generated, name in self.names:
            value = value.replace(generated, name)
        value = re.sub(r"token=([A-Za-z0-9_-]+)", lambda m: f"token={self.token(m.group(1))}", value)
        value = ULID.sub(
            lambda m: self._once(m.group(0), lambda: f"{m.group(1)}_01J{self._next(m.group(1)):023d}"), value
        )
        value = SERIES.sub(lambda m: self._once(m.group(0), lambda: f"ser_{self._next('ser'):032d}"), value)
        value = UUID.sub(lambda m: self._once(m.group(0), lambda: str(uuid.UUID(int=self._next("uuid")))), value)
        value = HEX64.sub(lambda m: self._once(m.group(0), lambda: self._hex("64", hashlib.sha256)), value)
        return HEX40.sub(lambda m: self._once(m.group(0), lambda: self._hex("40", hashlib.sha1)), value)

    def _hex(self, kind: str, algorithm: Callable[[bytes], Any]) -> str:
        text: str = algorithm(f"example-{kind}-{self._next(kind)}".encode()).hexdigest()
        return text


def _ticket(body: Any) -> Any:
    """A ticket's place in its series fixed at 0 (the proof's steps then all have their sibling
    on the right, in the series of 16), so that every run shows the same ticket."""
    if isinstance(body, dict):
        fixed = {k: _ticket(v) for k, v in body.items()}
        if isinstance(fixed.get("path"), list) and "position" in fixed:
            fixed["position"] = 0
            fixed["path"] = [{**step, "side": "right"} for step in fixed["path"]]
        if isinstance(fixed.get("prize_id"), str):
            fixed["prize_id"] = re.sub(r":\d+$", ":0", fixed["prize_id"])
        return fixed
    if isinstance(body, list):
        return [_ticket(v) for v in body]
    return body


def _only_game(response: dict[str, Any], game: str) -> dict[str, Any]:
    """A login's games: only the example's (a stack may hold others)."""
    body = response.get("body")
    if isinstance(body, dict) and isinstance(body.get("games"), list):
        return {**response, "body": {**body, "games": [g for g in body["games"] if g.get("id") == game]}}
    return response


def _resign(exchange: Exchange) -> None:
    """Every signature computed again over what the example shows, with the example's secret (a
    request of a wrong-signature example with the wrong secret it was sent with)."""
    request, response = exchange.request, exchange.response
    secret = exchange.wrong_secret or exchange.secret
    headers = request["headers"]
    if exchange.scheme == "app-auth" and "X-Signature" in headers:
        raw = json.dumps(request["body"], separators=(",", ":"))
        endpoint = app_auth.endpoint_of(request["url"])
        headers["X-Signature"] = app_auth.signature(
            secret, headers["X-Timestamp"], headers["X-Nonce"], request["method"], endpoint, raw
        )
    if exchange.scheme == "games":
        headers["X-Authorization"] = signing.authorization("games", secret)
    if exchange.scheme != "provider":
        return
    body = request["body"]
    if isinstance(body, dict):
        body["hash"] = signing.request_hash(body["command"], body["request_timestamp"], secret)
        raw_body = dumps_numbers(body).encode()
        headers["X-Authorization"] = signing.request_authorization(
            body["command"], body["request_timestamp"], raw_body, secret
        )
    elif "X-Timestamp" in headers:
        headers["X-Authorization"] = signing.hmac_hex(secret, f"ping\n{headers['X-Timestamp']}\n".encode())
    answer, secret = response["body"], exchange.secret  # we sign our answers with the real secret
    if isinstance(answer, dict) and "response_timestamp" in answer:
        answer["hash"] = signing.response_hash(str(answer.get("status")), answer["response_timestamp"], secret)
        if "X-Signature" in response["headers"]:
            raw_answer = dumps_numbers(answer).encode()
            response["headers"]["X-Signature"] = signing.response_signature(
                answer["response_timestamp"], raw_answer, secret
            )


ABOUT = {
    "provider": {
        "what": "a provider's callbacks and game list (docs/integration/game-provider.md)",
        "credentials": {**PROVIDER, "signature": HMAC_SHA256, "platform_url": PLATFORM_URL},
    },
    "operator": {
        "what": "an operator calling the hub, and its player's page (docs/integration/operator.md)",
        "credentials": {k: OPERATOR[k] for k in ("code", "app_id", "app_secret")},
    },
    "operator-wallet": {
        "what": "our hub calling an operator's wallet (docs/integration/operator-wallet.md)",
        "credentials": {k: OPERATOR[k] for k in ("app_id", "wallet_secret")} | {"wallet_base_url": WALLET_URL},
    },
}
FIXED_NOTE = (
    "Real exchanges with a local stack (python -m local.integration_examples), with ids, tokens, hashes, "
    f"times (from {T0}, 2026-01-01) and generated names replaced by fixed ones, and every signature computed "
    "again with the credentials above: each is a validly signed message at its fixed time."
)


def fixed(run: Run) -> dict[str, dict[str, Any]]:
    """The run's examples, their changing values fixed and their signatures computed again, in
    the order of ``ORDER`` (whatever order the flows ran in)."""
    shown: dict[str, list[tuple[str, Exchange]]] = {}
    for file, names in ORDER.items():
        kept = run.examples.get(file, {})
        if set(kept) != set(names):
            raise RuntimeError(f"{file}: kept {sorted(kept)}, expected {sorted(names)}")
        for name in names:
            exchange = kept[name]
            response = _only_game(exchange.response, run.hub_game) if name == "client_login" else exchange.response
            exchange = replace(exchange, request=_ticket(exchange.request), response=_ticket(response))
            shown.setdefault(file, []).append((name, exchange))
    fixer = Fixer(run)
    for exchanges in shown.values():
        for _, exchange in exchanges:
            fixer.flow = exchange.flow
            fixer.collect(exchange.request)
            fixer.collect(exchange.response)
    fixer.rank()
    files: dict[str, dict[str, Any]] = {}
    for file, exchanges in shown.items():
        out: dict[str, Any] = {"_about": {**ABOUT[file], "note": FIXED_NOTE}}
        for name, exchange in exchanges:
            fixer.flow = exchange.flow
            copy = replace(
                exchange,
                request=fixer.value(exchange.request),
                response=fixer.value(exchange.response),
                secret=fixer.text(exchange.secret),
            )
            _resign(copy)
            out[name] = {**({"note": copy.note} if copy.note else {}), "request": copy.request}
            out[name]["response"] = copy.response
        files[file] = out
    return files


def verify(files: dict[str, dict[str, Any]]) -> list[str]:
    """Each example's signatures checked by the platform's own checks, with the credentials its
    file lists: what does not check out, but for the examples of a wrong signature."""
    problems = []
    for file, examples in files.items():
        credentials = examples.get("_about", {}).get("credentials", {})
        for name, example in examples.items():
            if name == "_about" or "request" not in example:
                continue
            if name in WRONG_SIGNATURE:  # its request must not check out; its answer must
                if _unverified(example["request"], {"body": None}, credentials) is None:
                    problems.append(f"{file}/{name}: the wrong signature checks out")
                problem = _unverified(example["request"], example["response"], credentials, check_request=False)
            else:
                problem = _unverified(example["request"], example["response"], credentials)
            if problem:
                problems.append(f"{file}/{name}: {problem}")
    return problems


WRONG_SECRET = "not-the-secret"  # noqa: S105 - the wrong-signature examples' deliberately wrong secret
WRONG_SIGNATURE = ("error_bad_signature", "error_unauthorized")


def _unverified(
    request: dict[str, Any], response: dict[str, Any], credentials: dict[str, str], *, check_request: bool = True
) -> str | None:
    """What of an exchange's signatures does not check out with its file's credentials (the
    request's only when ``check_request``; the answer's always)."""
    headers, body = request["headers"], request["body"]
    if check_request and "X-App-Id" in headers:
        secret = credentials.get("wallet_secret") or credentials.get("app_secret", "")
        parsed = app_auth.parse({k.lower(): v for k, v in headers.items()})
        raw = json.dumps(body, separators=(",", ":"))
        endpoint = app_auth.endpoint_of(request["url"])
        if parsed is None or not app_auth.valid([secret], parsed, request["method"], endpoint, raw):
            return "X-Signature does not check out"
    if "X-Operator-Id" not in headers:
        return None
    secret = credentials["secret"]
    problem = _provider_request_unverified(request, secret) if check_request else None
    if problem or request["url"].endswith("/games"):
        return problem
    answer = response["body"]
    if isinstance(answer, dict) and "response_timestamp" in answer:
        stamp = answer["response_timestamp"]
        if not signing.same(answer["hash"], signing.response_hash(answer["status"], stamp, secret)):
            return "the answer's hash does not check out"
        expected = signing.response_signature(stamp, dumps_numbers(answer).encode(), secret)
        if not signing.same(response["headers"].get("X-Signature"), expected):
            return "the answer's X-Signature does not check out"
    return None


def _provider_request_unverified(request: dict[str, Any], secret: str) -> str | None:
    headers, body = request["headers"], request["body"]
    if request["url"].endswith("/games"):
        ok = signing.same(headers.get("X-Authorization"), signing.authorization("games", secret))
        return None if ok else "the game list's X-Authorization does not check out"
    if isinstance(body, dict):
        raw_body = dumps_numbers(body).encode()
        expected = signing.request_authorization(body["command"], body["request_timestamp"], raw_body, secret)
        if not signing.same(headers.get("X-Authorization"), expected):
            return "X-Authorization does not check out"
        if not signing.same(body["hash"], signing.request_hash(body["command"], body["request_timestamp"], secret)):
            return "the request hash does not check out"
    elif "X-Timestamp" in headers:
        ping = signing.hmac_hex(secret, f"ping\n{headers['X-Timestamp']}\n".encode())
        if not signing.same(headers.get("X-Authorization"), ping):
            return "the ping's X-Authorization does not check out"
    return None


# ---------------------------------------------------------------- the files
_MARK = "\u0000number:"


def pretty(value: Any) -> str:
    """JSON, indented, a Decimal written as the number it is (``1.50``, not ``1.5``)."""

    def number(item: Any) -> str:
        if isinstance(item, Decimal):
            return f"{_MARK}{item}"
        raise TypeError(f"not JSON: {type(item).__name__}")

    text = json.dumps(value, indent=2, ensure_ascii=False, default=number)
    return re.sub(r'"\\u0000number:(-?[0-9.Ee+-]+)"', r"\1", text)


def render(example: dict[str, Any]) -> str:
    """An example as a guide shows it: the request, then the answer, as on the wire."""
    if "request" not in example:
        return f"```json\n{pretty(example)}\n```\n"
    request, response = example["request"], example["response"]
    lines = [f"# {example['note']}"] if example.get("note") else []
    lines.append(f"{request['method']} {request['url']}")
    lines += [f"{name}: {value}" for name, value in request["headers"].items()]
    if request.get("body") is not None:
        lines += ["", pretty(request["body"])]
    lines += ["", f"HTTP {response['status']}"]
    lines += [f"{name}: {value}" for name, value in response["headers"].items()]
    if response.get("body") is not None:
        lines.append(pretty(response["body"]))
    return "```http\n" + "\n".join(lines) + "\n```\n"


def documents(files: dict[str, dict[str, Any]]) -> dict[Path, str]:
    """Every file the examples make: the JSON files and the guides with their blocks filled."""
    texts = {EXAMPLES / f"{name}.json": pretty(content) + "\n" for name, content in files.items()}
    texts[EXAMPLES / "provider-platform" / "games"] = json.dumps(CATALOGUE, indent=2) + "\n"
    for guide in GUIDES:
        path = DOCS / guide
        if not path.exists():
            continue

        def fill(match: re.Match[str], path: Path = path) -> str:
            file, _, name = match.group("ref").partition("/")
            example = files.get(file, {}).get(name)
            if example is None:
                raise KeyError(f"{path.name}: no example {match.group('ref')}")
            return f"{match.group(1)}{render(example)}{match.group(4)}"

        texts[path] = BLOCK.sub(fill, path.read_text(encoding="utf-8"))
    return texts


def generate(base_url: str = BASE_URL, admin_key: str = "local-admin-key") -> dict[Path, str]:
    """Run the flows (at once: they share nothing) against the stack at ``base_url``; every
    file's text, as it should be."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fake wallets' request lines
    run = Run(base_url, admin_key)
    _, game = run.admin_call("POST", "/games", {"code": run.hub_game, **HUB_GAME})
    if game.get("status") != "active":
        raise RuntimeError(f"the example game was not created: {game}")
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            for done in [pool.submit(run.in_flow, flow) for flow in (operator_flow, refund_flow, provider_flow)]:
                done.result()
    finally:
        run.admin.client.close()
    return documents({"signing": signing_examples(), **fixed(run)})


def stale(texts: dict[Path, str]) -> list[Path]:
    """The files whose text on disk is not the one given."""
    return [p for p, text in texts.items() if not p.exists() or p.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Make the integration guides' examples from a running local stack.")
    parser.add_argument("--base-url", default=BASE_URL, help="a running local stack (make run)")
    parser.add_argument("--admin-key", default="local-admin-key")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is not current")
    args = parser.parse_args(argv)
    texts = generate(args.base_url, args.admin_key)
    changed = stale(texts)
    for path in changed:
        print(f"{'not current' if args.check else 'wrote'}: {path.relative_to(ROOT)}")
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(texts[path], encoding="utf-8")
    if not changed:
        print(f"{len(texts)} files current")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
