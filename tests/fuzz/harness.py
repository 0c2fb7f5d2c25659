"""Schemathesis against the local stack: every operation of the six OpenAPI documents, over HTTP.

Each generated request is signed as a real client signs it (``local.provider_client`` for the
provider protocol, ``casino.hub.app_auth`` for the operator, wallet and feed calls, an admin key,
a client session's auth token), so the fuzz gets past authentication into validation and the
domain. Path parameters and the fields that must name real things (a player, a session, a
token, a contract, a fixture...) are chosen by each case (from a hash of the generated case, so a
run replays) among what the fuzz itself made on the stack (``World``), or left as generated (an id
nothing has). The fuzz owns everything it may change (its own players, operator, games, feed,
fixtures, keys and sessions): the session's ``running`` stack is shared with the other tests of
this worker, so nothing seeded is touched.

Checks, and why each (docs/decisions.md "Fuzzing", text in .build/handoff/fuzz.md):
- ``not_a_server_error``, ``status_code_conformance``, ``content_type_conformance``,
  ``response_schema_conformance``, ``response_headers_conformance``: every answer is one the
  document describes;
- ``negative_data_rejection``: a request the document says is invalid is refused (4xx). The
  provider protocol refuses invalid ``data`` with HTTP 200 and an ERROR envelope (OP_10,
  provider-callbacks.md), so there ``provider_negative_data_rejection`` takes its place;
- a refused request changes nothing (``World.send``): around each request of an operation that
  moves money or decides whether it may (``MONEY``), the wallets of its audience's players are read
  (one strongly consistent BatchGetItem), and after every refusal (4xx, a provider ERROR) compared;
- ``undeclared_method_refused`` (coverage phase, ``make fuzz``): a method the document does not
  declare is answered as API Gateway answers it (403 "Missing Authentication Token"; the provider
  callbacks' HTTP API 404 "Not Found"), never run;
- ``provider_answer_signed``: every answer of a known provider carries the signature a provider
  checks (its ``hash``, and ``X-Signature`` for ``hmac-sha256``).
Not used: ``positive_data_acceptance`` (the documents describe the shape of a request, not the
domain's cross-field and state rules: a schema-valid prize table or amount may still be a 400),
``unsupported_method`` (it wants 405; API Gateway answers 403, see above), ``ignored_auth``,
``use_after_free``, ``ensure_resource_availability`` and ``object_level_authorization`` (they send
probes of their own, which a signing hook would sign; authentication and ownership have tests of
their own: test_operator_auth, test_auth_storms_fuzz, test_money_ownership, test_openapi_answers).
"""

from __future__ import annotations

import collections
import copy
import hashlib
import itertools
import json
import os
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import requests
import schemathesis
from requests.adapters import HTTPAdapter
from schemathesis.checks import CheckFunction
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario

from casino import aws
from casino.contract import store as contract_store
from casino.hub import app_auth
from casino.settings import settings
from casino.wallet import store as wallet_store
from local import openapi
from local import seed as local_seed
from local.provider_client import HMAC_SHA256, SEED_SHA1, ProviderClient, hmac_hex, now_ms, sha1_hex
from tests.conftest import ADMIN_KEY, RunningStack

Json = dict[str, Any]
DOCS = ("provider", "hub", "client", "bridge", "admin", "sports")

# ---------------------------------------------------------------- how much, how long
# `make test`: FUZZ_EXAMPLES unset -> 4 examples per operation, derandomized (the same run each
# time), no coverage phase, and a wall-clock budget. `make fuzz` sets FUZZ_EXAMPLES (300): a seeded
# random run (FUZZ_SEED replays one), with the coverage phase (boundary values, missing fields,
# undeclared methods), no budget.
LONG = bool(os.environ.get("FUZZ_EXAMPLES"))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 4)
COVERAGE = os.environ.get("FUZZ_COVERAGE", "1" if LONG else "0") == "1"
SEED = int(os.environ["FUZZ_SEED"]) if os.environ.get("FUZZ_SEED") else (int(uuid.uuid4().int % 2**32) if LONG else 0)
DETERMINISTIC = not LONG
# Seconds of fuzz (all operations together) one run may spend; each xdist worker gets its share.
BUDGET_S = float(os.environ.get("FUZZ_BUDGET_S") or (0 if LONG else 60))
# Operations whose every call is slow (they read a lot by design): fewer examples.
SLOW = {("GET", "/api/v1/admin/status"): 2, ("GET", "/api/v1/admin/ledger/verify"): 3}
TRACE = os.environ.get("FUZZ_TRACE") == "1"  # prints every request and its answer (with -s)
SOURCE_IP = "127.0.0.77"  # the fuzz's own address: its failed logins lock no other test out
REPORT_DIR = Path(os.environ.get("FUZZ_REPORT_DIR") or openapi.tpl.ROOT / ".build" / "fuzz")


def config_for(name: str) -> schemathesis.Config:
    operations = [
        {"include-method": method, "include-path": path, "generation": {"max-examples": min(EXAMPLES, n)}}
        for (method, path), n in SLOW.items()
        if path.split("/")[3] == name
    ]
    data: Json = {
        "suppress-health-check": ["all"],
        "generation": {
            "max-examples": EXAMPLES,
            "database": "none",
            "deterministic": DETERMINISTIC,
            "mode": "all",
            "with-security-parameters": False,  # the signing hook adds them, to every request
        },
        "checks": {
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "response_headers_conformance": {"enabled": True},
            # the provider protocol refuses invalid data with HTTP 200 + ERROR: its own check instead
            "negative_data_rejection": {"enabled": name != "provider"},
            "missing_required_header": {"enabled": True},
            "positive_data_acceptance": {"enabled": False},
            "unsupported_method": {"enabled": False},
            "ignored_auth": {"enabled": False},
            "use_after_free": {"enabled": False},
            "ensure_resource_availability": {"enabled": False},
            "object_level_authorization": {"enabled": False},
        },
        "phases": {
            "examples": {"enabled": True},
            "fuzzing": {"enabled": True},
            "coverage": {"enabled": COVERAGE},
            "stateful": {"enabled": False},
        },
    }
    data["seed"] = SEED
    if operations:
        data["operations"] = operations
    return schemathesis.Config.from_dict(data)


def schema(name: str) -> Any:
    document = json.loads((openapi.OUT_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return schemathesis.openapi.from_dict(document, config=config_for(name))


# ---------------------------------------------------------------- signing, as each real client signs
class SourceAddress(HTTPAdapter):
    """Every connection from the fuzz's own loopback address."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (SOURCE_IP, 0)
        super().init_poolmanager(*args, **kwargs)


def _raw(request: requests.PreparedRequest) -> bytes:
    body = request.body
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


class AppSigned(requests.auth.AuthBase):
    """Dynamic app auth (hub-operator-api.md): the bytes on the wire, signed afresh."""

    def __init__(self, app_id: str, secret: str) -> None:
        self.app_id, self.secret = app_id, secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        path = unquote(urlparse(request.url or "").path)  # the path as the function is handed it
        method = request.method or "GET"
        request.headers.update(
            app_auth.headers(self.app_id, self.secret, method, app_auth.endpoint_of(path), _raw(request))
        )
        return request


class Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class ProviderSigned(requests.auth.AuthBase):
    """A game provider's headers (``local.provider_client``): ``X-Operator-Id`` and ``X-Authorization``
    (``hmac-sha256`` over the raw body and the envelope's timestamp; ``ping`` with ``X-Timestamp``)."""

    def __init__(self, client: ProviderClient, command: str, *, keep_timestamp: bool = False) -> None:
        self.client, self.command, self.keep_timestamp = client, command, keep_timestamp

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        raw = _raw(request)
        stamp = ""
        if self.command == "ping":
            stamp = request.headers.get("X-Timestamp") if self.keep_timestamp else None
            stamp = stamp or now_ms()
        else:
            try:
                sent = json.loads(raw)
            except ValueError:
                sent = None
            given = sent.get("request_timestamp") if isinstance(sent, dict) else None
            stamp = given if isinstance(given, str) else ""
        request.headers.update(self.client.headers(self.command, stamp, raw))
        return request


class Chooser:
    """Choices a case makes about itself (keep a generated value, or which real one), derived from
    the generated case: the same case makes the same choices, so a derandomized run replays."""

    def __init__(self, case: schemathesis.Case) -> None:
        seen = json.dumps(
            [label(case), case.path_parameters, case.query, case.body if not isinstance(case.body, bytes) else None],
            sort_keys=True,
            default=repr,
        )
        digest = hashlib.sha256(f"{SEED}:{seen}".encode("utf-8", "surrogatepass")).digest()
        self.random = random.Random(digest)

    def integer(self, low: int, high: int) -> int:
        return self.random.randint(low, high)


# ---------------------------------------------------------------- what the fuzz owns on the stack
PROVIDER_GAMES = [1001, 1002, 1003]  # local/seed.json: slots, table, disabled
BRIDGE_TYPES = [f"instant_win.{t}" for t in ("play", "win", "lose", "refund", "cancel_win")]
FIELD = re.compile(r"[a-z][a-z0-9_]{0,40}")  # how every field of every document is named
SERVICES = ("wallet", "provider_callbacks", "hub", "contract_flow", "schedules", "sports", "bridge")
TERMINAL = {"finalized", "cancelled", "refunded", "errored"}
PASSWORDS = ["fuzz-Horse-battery-9", "fuzz-Staple-correct-8"]
DAY_MS = 86_400_000
GAME_CONFIGURATION: Json = {
    "currency": "EUR",
    "stake": "1.00",
    "tickets": 200,
    "prizes": [{"amount": "2.00", "count": 20}, {"amount": "1.00", "count": 60}],
    "rtp": "0.5",
    "view_timeout_s": 3600,  # settles on a view_done only, which the fuzz waits for
    "on_sold_out": "new_series",
}


@dataclass
class Session:
    token: str
    session_id: str
    player_id: str
    closed: bool = False
    contracts: list[str] = field(default_factory=list)


@dataclass
class Stats:
    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    statuses: dict[str, collections.Counter[str]] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter)
    )
    refusals_checked: collections.Counter[str] = field(default_factory=collections.Counter)
    seconds: collections.Counter[str] = field(default_factory=collections.Counter)
    truncated: set[str] = field(default_factory=set)


class World:
    """What the fuzz made on the stack (each audience's part made when its first operation runs),
    the pools the cases choose real values from, and the clients that sign as the real ones do."""

    def __init__(self, running: RunningStack) -> None:
        self.running = running
        self.base = running.base_url
        self.seeded = local_seed.load()
        demo = self.seeded["operators"][0]
        self.operator = demo["code"]
        self.app_id, self.app_secret, self.wallet_secret = demo["app_id"], demo["app_secret"], demo["wallet_secret"]
        tlt = self.seeded["providers"][0]
        # the same names in every run (each worker has a stack of its own): a derandomized run replays
        self.tag = tag = os.environ.get("PYTEST_XDIST_WORKER", "w")
        self.providers: dict[str, ProviderClient] = {
            tlt["code"]: ProviderClient(self.base, tlt["code"], tlt["operator_id"], tlt["secret"], SEED_SHA1),
            f"fz{tag}": ProviderClient(
                self.base, f"fz{tag}", f"fz-casino-{tag}", f"fz-provider-secret-{tag}", HMAC_SHA256
            ),
        }
        self.http = requests.Session()
        self.http.mount("http://", SourceAddress())
        self.admin_http = requests.Session()
        self.admin_http.headers["Authorization"] = f"Bearer {ADMIN_KEY}"
        self.stats = Stats()
        self.started = time.monotonic()
        self.spent_s = 0.0  # inside fuzz(): filling, signing, sending, checking
        self.setup_s = 0.0
        self.tests_s = 0.0  # whole fuzz tests, generation included (the budget's measure)
        self.test_started: float | None = None
        workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1)
        self.budget_s = BUDGET_S / workers if BUDGET_S else 0.0
        self.ready: set[str] = set()
        self.counter = itertools.count(1)
        # each audience's players: a refusal is checked against the wallets of its audience
        self.players: dict[str, list[str]] = {name: [] for name in DOCS}
        self.rg_players: list[str] = []  # the admin players ops exclude, limit and block
        self.tokens: dict[str, list[str]] = {}
        self.bonuses: list[str] = []
        self.admin_keys: list[str] = []
        self.operators: list[str] = []
        self.games: dict[str, str] = {}
        self.feed = {"code": f"fzf{tag}", "secret": f"fuzz-feed-secret-{tag}-0123"}
        self.fixtures: list[str] = []
        self.refs: list[str] = []
        self.hub_sessions: list[Json] = []
        self.transactions: list[Json] = []  # hub transactions: {transaction_id, is_our_id}
        self.provider_tx: list[int] = []
        self.provider_rounds: list[int] = []
        self.bridge_tx: list[str] = []
        self.bridge_contracts: list[str] = []
        self.idempotency_keys: list[str] = []
        self.pending: list[tuple[str, str]] = []  # (session, contract) settling after a view_done
        self.client: Session | None = None
        self.password_session: Session | None = None
        self.password_user = {"operator": self.operator, "username": f"fz-{tag}", "password": PASSWORDS[0]}

    # ------------------------------------------------------------ setup, through the APIs
    def admin(self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = (200, 201)) -> Any:
        answer = self.admin_http.request(method, f"{self.base}/api/v1/admin{path}", json=body, timeout=60)
        assert answer.status_code in ok, f"{method} {path}: {answer.status_code} {answer.text[:300]}"
        return answer.json()

    def new_player(self, pid: str, real: str, *, bonus: str | None = None, blocked: bool = False) -> str:
        self.admin("POST", "/players", {"player_id": pid, "user_name": pid, "country": "MT", "currency": "EUR"})
        key = f"fz-{pid}-real"
        self.admin("POST", f"/players/{pid}/transactions", {"type": "deposit", "amount": real, "idempotency_key": key})
        if bonus:
            granted = self.admin(
                "POST",
                f"/players/{pid}/bonuses",
                {
                    "amount": bonus,
                    "mode": "BONUS_ONLY",
                    "wagering_multiplier": 5,
                    "expires_at": int(time.time() * 1000) + 30 * DAY_MS,
                    "idempotency_key": f"fz-{pid}-bonus",
                },
            )
            self.bonuses.append(granted["id"])
        if blocked:
            self.admin("POST", f"/players/{pid}/status", {"status": "blocked"})
        return pid

    def three_players(self, audience: str) -> list[str]:
        prefix = f"fz{audience[0]}-{self.tag}"
        return [
            self.new_player(f"{prefix}-rich", "100.00", bonus="20.00"),
            self.new_player(f"{prefix}-poor", "1.00"),
            self.new_player(f"{prefix}-blocked", "10.00", blocked=True),
        ]

    def ensure(self, audience: str) -> None:
        """The fuzz's own things an audience's operations name, made once (timed apart)."""
        if audience in self.ready:
            return
        started = time.monotonic()
        {
            "provider": self._provider,
            "hub": self._hub,
            "client": self._client,
            "bridge": self._bridge,
            "admin": self._admin,
            "sports": self._sports,
        }[audience]()
        self.ready.add(audience)
        self.setup_s += time.monotonic() - started

    def _provider(self) -> None:
        self.admin("POST", f"/providers/{self.seeded['providers'][0]['code']}/sync")
        self._fuzz_provider()
        self.players["provider"] = self.three_players("provider")
        for pid in self.players["provider"][:2]:
            for game in (1001, 1002):
                opened = self.admin("POST", "/game-sessions", {"player_id": pid, "provider": "tlt", "game_id": game})
                self.tokens.setdefault(pid, []).append(opened["token"])

    def _fuzz_provider(self) -> None:
        """A provider of the default scheme (hmac-sha256), registered as ops register one."""
        if "fuzz-provider" in self.ready:
            return
        mac = self.providers[f"fz{self.tag}"]
        self.admin(
            "POST",
            "/providers",
            {
                "code": mac.provider,
                "name": "Fuzz Games",
                "operator_id": mac.operator_id,
                "secret": mac.secret,
                "platform_url": "http://127.0.0.1:9/unreachable",
                "currencies": ["EUR"],
                "signature": HMAC_SHA256,
            },
        )
        self.ready.add("fuzz-provider")

    def _game(self, role: str) -> str:
        if role not in self.games:
            code = f"fz-{role}-{self.tag}"
            body = {"code": code, "name": f"Fuzz {role}", "kind": "instant_win", "configuration": GAME_CONFIGURATION}
            self.admin("POST", "/games", body)
            self.games[role] = code
        return self.games[role]

    def _hub(self) -> None:
        self._game("play")
        self.players["hub"] = self.three_players("hub")
        for pid in self.players["hub"][:2]:
            self.hub_session(pid, session_id=f"fz-their-{pid}")

    def _client(self) -> None:
        self._game("play")
        answer = self.http.post(
            f"{self.base}/api/v1/client/register",
            json={**self.password_user, "currency": "EUR", "country": "MT"},
            timeout=60,
        )
        assert answer.status_code == 201, answer.text

    def _bridge(self) -> None:
        self.players["bridge"] = self.three_players("bridge")

    def _admin(self) -> None:
        self.players["admin"] = self.three_players("admin")
        self.rg_players = [self.new_player(f"fzr-{self.tag}-{n}", "30.00") for n in (1, 2)]
        self.players["admin"] += self.rg_players
        for label_ in ("one", "two"):
            self.admin_keys.append(self.admin("POST", "/admin-keys", {"label": f"fuzz {label_}"})["key_id"])
        made = self.admin(
            "POST",
            "/operators",
            {
                "code": f"fzop{self.tag}",
                "name": "Fuzz",
                "wallet_base_url": "http://127.0.0.1:9/w",
                "currencies": ["EUR"],
            },
        )
        self.operators.append(made["code"])
        self._game("admin")
        self._fuzz_provider()
        self._sports()

    def _sports(self) -> None:
        if "feed" in self.ready:
            return
        self.admin(
            "POST",
            "/sports/feeds",
            {
                "code": self.feed["code"],
                "name": "Fuzz feed",
                "base_url": "http://127.0.0.1:9/feed",
                "secret": self.feed["secret"],
                "sports": ["tennis", "volleyball"],
            },
        )
        start, tag = self.sports_time(), self.tag
        fixture = {"sport": "tennis", "competition": "Fuzz Open", "away": "Bea Fuzz"}
        events = [
            {**fixture, "ref_id": f"{tag}-a", "home": "Ann Fuzz", "start_time": start, "status": "live"},
            {**fixture, "ref_id": f"{tag}-b", "home": "Ann Fuzzy", "start_time": start + 60_000},
            {"fixture_ref": f"{tag}-a", "seq": 1, "ts": start + 1000, "winner": "home", "server": "home"},
        ]
        pushed = self.http.post(
            f"{self.base}/api/v1/sports/feeds/{self.feed['code']}/events",
            data=json.dumps(events),
            headers={"Content-Type": "application/json"},
            auth=AppSigned(self.feed["code"], self.feed["secret"]),
            timeout=60,
        )
        assert pushed.status_code == 200, pushed.text
        self.fixtures.extend(pushed.json()["fixture_ids"])
        self.refs.extend([f"{tag}-a", f"{tag}-b"])
        self.ready.add("feed")

    @staticmethod
    def sports_time() -> int:
        """About 400 days ago: within the five years a feed may name, far from any other test's fixtures."""
        return int(time.time() * 1000) - 400 * DAY_MS

    def hub_session(self, pid: str, session_id: str | None = None) -> Json:
        body: Json = {"user_id": pid, "game_id": self._game("play"), "currency": "EUR"}
        if session_id:
            body["session_id"] = session_id
        answer = self.http.post(
            f"{self.base}/api/v1/hub/create_session",
            data=json.dumps(body),
            headers={"Content-Type": "application/json"},
            auth=AppSigned(self.app_id, self.app_secret),
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        created: Json = answer.json()
        self.hub_sessions.append({"session_id": created["session"]["id"], "is_our_id": True})
        if session_id:
            self.hub_sessions.append({"session_id": session_id, "is_our_id": False})
        return created

    # ------------------------------------------------------------ client sessions
    def client_token(self) -> str:
        """A fresh client_token (one-time, from create_session) for the current client player."""
        session = self.live_client()
        created = self.hub_session(session.player_id)
        return str(created["client_url"].split("token=", 1)[1])

    def live_client(self) -> Session:
        """The cross-login session client operations run in; once it has ended, a new one (of a new
        player: the last one may be excluded)."""
        if self.client is not None and not self.client.closed:
            return self.client
        answer: requests.Response | None = None
        for _ in range(3):
            pid = self.new_player(f"fzc-{self.tag}-{next(self.counter)}", "50.00")
            created = self.hub_session(pid)
            token = created["client_url"].split("token=", 1)[1]
            answer = self.http.post(f"{self.base}/api/v1/client/login", json={"client_token": token}, timeout=60)
            if answer.status_code == 200:
                body = answer.json()
                self.client = Session(body["auth_token"], body["session"]["id"], pid)
                self.players["client"] = [pid, *([self.password_session.player_id] if self.password_session else [])]
                return self.client
        raise AssertionError(
            f"no client session: {answer.status_code if answer else '-'} {answer.text[:300] if answer else ''}"
        )

    def live_password_session(self) -> Session | None:
        if self.password_session is not None and not self.password_session.closed:
            return self.password_session
        answer = self.http.post(f"{self.base}/api/v1/client/password_login", json=self.password_user, timeout=60)
        if answer.status_code != 200:
            return None  # locked by the fuzz's own failed logins: the cross-login session then
        body = answer.json()
        pid = str(body["session"]["user"].get("ref_id") or body["session"]["user"]["id"])
        self.password_session = Session(body["auth_token"], body["session"]["id"], pid)
        self.players["client"] = [*([self.client.player_id] if self.client else []), pid]
        return self.password_session

    def session_contracts(self) -> list[str]:
        """Contracts of the live session, one played first when it has none."""
        session = self.live_client()
        if not session.contracts:
            answer = self.http.post(
                f"{self.base}/api/v1/client/play",
                json={"game_id": self._game("play"), "stake": "1.00", "play_id": f"fz-play-{next(self.counter):06d}"},
                auth=Bearer(session.token),
                timeout=60,
            )
            if answer.status_code == 200:
                session.contracts.append(answer.json()["contract"]["id"])
        return session.contracts[-10:]

    # ------------------------------------------------------------ pools
    def fresh_key(self) -> list[str]:
        key = f"fz-key-{self.tag}-{next(self.counter)}"
        self.idempotency_keys.append(key)
        return [key, key, key, *self.idempotency_keys[-3:]]  # mostly new, sometimes a key used before

    def pool(self, name: str, case: schemathesis.Case) -> list[Any]:
        body = case.body if isinstance(case.body, dict) else {}
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        now = int(time.time() * 1000)
        n = next(self.counter)
        pools: dict[str, Callable[[], list[Any]]] = {
            "provider": lambda: list(self.providers),
            "provider_player": lambda: self.players["provider"],
            "token": lambda: (
                self.tokens.get(str(data.get("user_id")), []) or [t for ts in self.tokens.values() for t in ts]
            ),
            "currency": lambda: ["EUR"],
            "provider_game": lambda: PROVIDER_GAMES,
            "provider_amount": lambda: [0, 0.1, 1, 2.5, 20],
            "provider_tx": lambda: self.provider_tx[-20:],
            "provider_round": lambda: self.provider_rounds[-20:],
            "operator": lambda: [self.operator],
            "bridge_player": lambda: self.players["bridge"],
            "bridge_type": lambda: BRIDGE_TYPES,
            "bridge_tx": lambda: self.bridge_tx[-20:],
            "bridge_prev": lambda: [[t] for t in self.bridge_tx[-20:]],
            "bridge_contract": lambda: self.bridge_contracts[-20:],
            "bridge_amount": lambda: ["-1.00", "1.00", "-0.50", "2.00", "0.00"],
            "hub_player": lambda: self.players["hub"],
            "hub_game": lambda: [self._game("play")],
            "hub_session": lambda: self.hub_sessions[-20:],
            "hub_transaction": lambda: self.transactions[-20:],
            "recent_ms": lambda: [now - 3_600_000, now - DAY_MS],
            "stake": lambda: ["1.00", "1", "2.00"],
            "contract": self.session_contracts,
            "client_token": lambda: [self.client_token()],
            "password_user": lambda: [self.password_user],
            "register": lambda: [{"operator": self.operator, "currency": "EUR", "country": "MT"}],
            "username": lambda: [f"fz-{self.tag}-user-{n}"],
            "old_password": lambda: [self.password_user["password"]],
            "new_password": lambda: PASSWORDS,
            "admin_player": lambda: self.players["admin"],
            "rg_player": lambda: self.rg_players,
            "bonus": lambda: self.bonuses[-20:],
            "admin_key": lambda: self.admin_keys[-20:],
            "admin_operator": lambda: self.operators[-20:],
            "provider_code": lambda: list(self.providers),
            "admin_game": lambda: [self._game("admin")],
            "game_config": lambda: [GAME_CONFIGURATION],
            "wallet_url": lambda: ["http://127.0.0.1:9/wallet"],
            "game_session": lambda: [
                {"player_id": p, "provider": "tlt", "game_id": 1001} for p in self.players["admin"]
            ],
            "credentials": lambda: [
                {"operator": self.operator, "username": f"fz-{self.tag}-{n}", "password": PASSWORDS[0]}
            ],
            "service": lambda: list(SERVICES),
            "feed": lambda: [self.feed["code"]],
            "feed_url": lambda: ["http://127.0.0.1:9/feed"],
            "fixture": lambda: self.fixtures[-20:],
            "unlink": lambda: [{"feed": self.feed["code"], "ref_id": r} for r in self.refs],
            "money": lambda: ["1.00", "5.00", "0.50", "-1.00"],
            "future_ms": lambda: [now + 7 * DAY_MS],
            "multiplier": lambda: [1, 5, 10],
            "idempotency_key": self.fresh_key,
            "timezone": lambda: ["Europe/Malta", "UTC"],
            "reason": lambda: ["fuzz: ops decision"],
        }
        return pools[name]()

    # ------------------------------------------------------------ one generated request
    def fill(self, case: schemathesis.Case, data: Chooser) -> None:
        """Values that must name real things, chosen by the case (or the generated one kept)."""
        for location, path, pool in FILL.get(label(case), []):
            if negated(case, location):
                continue
            choice = data.integer(0, 9)
            if choice == 0:
                continue  # keep what was generated: an id nothing has, a value the domain refuses
            values = self.pool(pool, case)
            if not values:
                continue
            kept = copy.deepcopy(case.get_container(location))
            put(case, location, path, values[choice % len(values)])
            if case.meta is not None and case.meta.is_negative_at(location):  # never: pools hold valid values
                restore(case, location, kept)

    @staticmethod
    def plain(case: schemathesis.Case, data: Chooser) -> None:
        """Half the valid bodies lose the unknown fields the generator adds (any JSON, under names
        no field has): they are ignored by convention, and their huge numbers or lone surrogates
        are refused before the domain is reached (tests of their own: test_bad_input)."""
        if not isinstance(case.body, dict | list) or data.integer(0, 1) == 0:
            return
        if negated(case, "body"):
            return

        def prune(node: Any) -> None:
            if isinstance(node, dict):
                for key in [k for k in node if not FIELD.fullmatch(k)]:
                    del node[key]
                for value in node.values():
                    prune(value)
            elif isinstance(node, list):
                for item in node:
                    prune(item)

        prune(case.body)

    def provider_envelope(self, case: schemathesis.Case, data: Chooser) -> None:
        """The envelope a provider sends: its command, a fresh timestamp and its hash; a negative
        body keeps its own envelope once in four (a malformed envelope is refused as such)."""
        body = case.body
        if not isinstance(body, dict):
            return
        if negated(case, "body") and data.integer(0, 3) == 0:
            return
        command = case.path.rsplit("/", 1)[-1]
        client = self.providers.get(str(case.path_parameters.get("provider")), self.providers["tlt"])
        fresh = client.envelope(command, {})
        body.update({k: fresh[k] for k in ("command", "request_timestamp", "hash")})

    def sports_body(self, case: schemathesis.Case, data: Chooser) -> None:
        """Feed events name the fuzz's fixtures and start within the five years a feed may name."""
        if negated(case, "body"):
            return
        start = self.sports_time()

        def visit(node: Any) -> None:
            if isinstance(node, list):
                for item in node:
                    visit(item)
            elif isinstance(node, dict):
                for key in ("events", "fixtures", "points"):
                    visit(node.get(key))
                if "start_time" in node and data.integer(0, 4):
                    node["start_time"] = start + data.integer(0, DAY_MS)
                for key in ("ref_id", "fixture_ref"):
                    if key in node and data.integer(0, 2):
                        node[key] = self.refs[data.integer(0, len(self.refs) - 1)]

        visit(case.body)

    def auth_for(self, case: schemathesis.Case) -> requests.auth.AuthBase | None:
        doc = document_of(case)
        path = case.path
        if doc == "provider":
            client = self.providers.get(str(case.path_parameters.get("provider")), self.providers["tlt"])
            # a ping's generated X-Timestamp is signed as sent when it is the negated part
            keep = negated(case, "header")
            return ProviderSigned(client, path.rsplit("/", 1)[-1], keep_timestamp=keep)
        if doc == "hub":
            return AppSigned(self.app_id, self.app_secret)
        if doc == "bridge":
            return AppSigned(self.app_id, self.wallet_secret)
        if doc == "sports":
            if path.startswith("/api/v1/sports/feeds/"):
                return AppSigned(self.feed["code"], self.feed["secret"])
            return AppSigned(self.app_id, self.app_secret)
        if doc == "admin":
            return Bearer(ADMIN_KEY)
        if not case.operation.definition.raw.get("security"):
            return None
        session = self.live_password_session() if path.endswith("/password") else None
        return Bearer((session or self.live_client()).token)

    def snapshot(self, players: list[str]) -> dict[str, Json | None]:
        table = settings().wallet_table
        return aws.batch_get({pid: (table, wallet_store.wallet_key(pid)) for pid in players}) if players else {}

    def settle_pending(self) -> None:
        """Contracts whose view_done was taken settle in the background: wait for them, so that
        the next request's before/after wallets compare only what that request did."""
        deadline = time.monotonic() + 30
        while self.pending and time.monotonic() < deadline:
            session_id, contract_id = self.pending[0]
            found = contract_store.load(session_id, contract_id)
            if found is None or found.status in TERMINAL:
                self.pending.pop(0)
            else:
                time.sleep(0.05)
        assert not self.pending, f"contracts still settling after 30 s: {self.pending}"

    # ------------------------------------------------------------ the call
    def over_budget(self) -> bool:
        """The fuzz tests of this worker, generation included, have spent their share of the budget."""
        if not self.budget_s:
            return False
        running = time.monotonic() - self.test_started if self.test_started is not None else 0.0
        return self.tests_s + running > self.budget_s

    def timing(self) -> Iterator[None]:
        """Around each fuzz test: its whole time counts against the budget."""
        self.test_started = time.monotonic()
        try:
            yield
        finally:
            self.tests_s += time.monotonic() - self.test_started
            self.test_started = None

    def send(self, case: schemathesis.Case) -> schemathesis.Response:
        """Sign and send; when refused, the wallets of the request's audience are as they were."""
        self.settle_pending()
        auth = self.auth_for(case)
        players = list(self.players[document_of(case)]) if label(case) in MONEY else []
        before = self.snapshot(players)
        started = time.monotonic()
        response = case.call(base_url=self.base, session=self.http, auth=auth, timeout=60)
        took = time.monotonic() - started
        key = label(case)
        if TRACE:
            mode = case.meta.generation.mode.value if case.meta else "?"
            sent = (
                json.dumps(case.body, default=repr)[:160]
                if isinstance(case.body, dict | list)
                else repr(case.body)[:80] + f" ({case.media_type})"
            )
            answer = f"{response.status_code} {response.text[:400]}"
            print(f"FUZZ {key} [{mode}] {case.formatted_path} {case.query or ''} {sent} -> {answer}")
        self.stats.calls[key] += 1
        self.stats.statuses[key][str(response.status_code)] += 1
        self.stats.seconds[key] += took
        if refused(case, response):
            after = self.snapshot(players)
            changed = {pid: (before[pid], after[pid]) for pid in players if before[pid] != after[pid]}
            self.stats.refusals_checked[key] += 1
            assert not changed, (
                f"a refused request changed a wallet: {case.method} {case.formatted_path} -> "
                f"{response.status_code} {response.text[:300]}\nbody: {json.dumps(case.body, default=str)[:500]}\n"
                + "\n".join(f"{pid}: {wallet_diff(b, a)}" for pid, (b, a) in changed.items())
            )
        self.learn(case, response)
        return response

    def learn(self, case: schemathesis.Case, response: schemathesis.Response) -> None:
        """Ids the answers name, for later requests to name; sessions that ended; settings restored."""
        key = label(case)
        body = case.body if isinstance(case.body, dict) else {}
        try:
            answer = response.json()
        except ValueError:
            answer = None
        ok = 200 <= response.status_code < 300
        if key == f"POST {P}/changebalance":
            data = body.get("data") if isinstance(body.get("data"), dict) else {}
            for value, into in (
                (data.get("transaction_id"), self.provider_tx),
                (data.get("round_id"), self.provider_rounds),
            ):
                if isinstance(value, int) and not isinstance(value, bool) and value not in into:
                    into.append(value)
        if key == "POST /api/v1/bridge/{operator}/create_transaction" and ok:
            self.bridge_tx.append(str(body.get("transaction_id")))
            contract = body.get("data", {}).get("contract_id") if isinstance(body.get("data"), dict) else None
            if contract:
                self.bridge_contracts.append(str(contract))
        if key == "POST /api/v1/hub/create_session" and ok and isinstance(answer, dict):
            self.hub_sessions.append({"session_id": answer["session"]["id"], "is_our_id": True})
            if body.get("session_id"):
                self.hub_sessions.append({"session_id": body["session_id"], "is_our_id": False})
        learned = {
            "POST /api/v1/admin/players/{player_id}/bonuses": (self.bonuses, "id"),
            "POST /api/v1/admin/admin-keys": (self.admin_keys, "key_id"),
            "POST /api/v1/admin/operators": (self.operators, "code"),
        }
        if key in learned and ok and isinstance(answer, dict):
            into, name = learned[key]
            into.append(answer[name])
        if key == "POST /api/v1/sports/feeds/{code}/events" and ok and isinstance(answer, dict):
            self.fixtures.extend(i for i in answer.get("fixture_ids", []) if i not in self.fixtures)
        if key == "POST /api/v1/admin/status/{service}" and ok:  # the stack is shared: reopened at once
            self.admin("POST", f"/status/{case.path_parameters['service']}", {"maintenance": False})
        if key == "POST /api/v1/admin/sports/feeds/{code}/maintenance" and ok:
            self.admin("POST", f"/sports/feeds/{case.path_parameters['code']}/maintenance", {"maintenance": False})
        if document_of(case) == "client":
            self.learn_client(case, response, answer)

    def learn_client(self, case: schemathesis.Case, response: schemathesis.Response, answer: Any) -> None:
        key = label(case)
        ok = 200 <= response.status_code < 300
        session = self.password_session if key == "POST /api/v1/client/password" else self.client
        contract = answer.get("contract") if isinstance(answer, dict) else None
        if isinstance(contract, dict) and contract.get("id") and session is not None:
            if contract["id"] not in session.contracts:
                session.contracts.append(contract["id"])
            for step in contract.get("steps") or []:
                for trx in step.get("transactions") or []:
                    self.transactions.append({"transaction_id": trx["id"], "is_our_id": True})
                    if trx.get("ref_id"):
                        self.transactions.append({"transaction_id": trx["ref_id"], "is_our_id": False})
        if key == "POST /api/v1/client/view_done" and ok and session is not None:
            self.pending.append((session.session_id, str(case.body["contract_id"])))
        if key == "POST /api/v1/client/password" and ok and isinstance(case.body, dict):
            self.password_user["password"] = str(case.body["new_password"])
        error = answer.get("error") if isinstance(answer, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        ending = ("POST /api/v1/client/exit", "POST /api/v1/client/self_exclusion", "POST /api/v1/client/password")
        if session is not None and ((key in ending and ok) or code in ("session_closed", "unauthorized")):
            session.closed = True
        if key == "POST /api/v1/client/password" and ok and self.client is not None:
            self.client.closed = True  # "every other session of the user ends": not this one, but be safe

    def write_report(self) -> Path:
        REPORT_DIR.mkdir(parents=True, exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        path = REPORT_DIR / f"summary-{worker}.json"
        report = {
            "examples": EXAMPLES,
            "deterministic": DETERMINISTIC,
            "seed": None if DETERMINISTIC else SEED,
            "coverage_phase": COVERAGE,
            "seconds": round(time.monotonic() - self.started, 1),
            "setup_seconds": round(self.setup_s, 1),
            "fuzz_seconds": round(self.spent_s, 1),
            "test_seconds": round(self.tests_s, 1),
            "budget_s": self.budget_s,
            "truncated": sorted(self.stats.truncated),
            "operations": {
                key: {
                    "calls": self.stats.calls[key],
                    "statuses": dict(sorted(self.stats.statuses[key].items())),
                    "past_auth": past_auth(key, self.stats.statuses[key]),
                    "refusals_checked": self.stats.refusals_checked[key],
                    "seconds": round(self.stats.seconds[key], 2),
                }
                for key in sorted(self.stats.calls)
            },
        }
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        return path

    def close(self) -> None:
        for client in self.providers.values():
            client.client.close()
        self.http.close()
        self.admin_http.close()


# ---------------------------------------------------------------- which values name real things
Slot = tuple[str, tuple[Any, ...], str]  # location, the field's path (``*``: every item), pool


def _provider(extra: list[Slot]) -> list[Slot]:
    return [("path", ("provider",), "provider"), *extra]


PROVIDER_DATA: list[Slot] = [
    ("body", ("data", "user_id"), "provider_player"),
    ("body", ("data", "token"), "token"),
    ("body", ("data", "currency_code"), "currency"),
    ("body", ("data", "game_id"), "provider_game"),
]
P = "/api/v1/provider/{provider}"
FILL: dict[str, list[Slot]] = {
    f"GET {P}/ping": _provider([]),
    f"POST {P}/authenticate": _provider([("body", ("data", "token"), "token")]),
    f"POST {P}/balance": _provider(PROVIDER_DATA[:3]),
    f"POST {P}/changebalance": _provider(
        [
            *PROVIDER_DATA,
            ("body", ("data", "amount"), "provider_amount"),
            ("body", ("data", "round_id"), "provider_round"),
            ("body", ("data", "transaction_id"), "provider_tx"),
        ]
    ),
    f"POST {P}/status": _provider(
        [
            ("body", ("data", "user_id"), "provider_player"),
            ("body", ("data", "transaction_id"), "provider_tx"),
            ("body", ("data", "round_id"), "provider_round"),
        ]
    ),
    f"POST {P}/cancel": _provider(
        [
            ("body", ("data", "user_id"), "provider_player"),
            ("body", ("data", "transaction_id"), "provider_tx"),
            ("body", ("data", "round_id"), "provider_round"),
            ("body", ("data", "game_id"), "provider_game"),
        ]
    ),
    f"POST {P}/finishround": _provider(
        [
            ("body", ("data", "user_id"), "provider_player"),
            ("body", ("data", "round_id"), "provider_round"),
            ("body", ("data", "game_id"), "provider_game"),
        ]
    ),
    "POST /api/v1/hub/create_session": [
        ("body", ("user_id",), "hub_player"),
        ("body", ("game_id",), "hub_game"),
        ("body", ("currency",), "currency"),
    ],
    "POST /api/v1/hub/search_sessions": [("body", ("from_date",), "recent_ms"), ("body", ("user_id",), "hub_player")],
    "POST /api/v1/hub/get_session": [("body", (), "hub_session")],
    "POST /api/v1/hub/terminate_session": [("body", (), "hub_session")],
    "POST /api/v1/hub/get_transaction": [("body", (), "hub_transaction")],
    "POST /api/v1/client/login": [("body", ("client_token",), "client_token")],
    "POST /api/v1/client/password_login": [("body", (), "password_user")],
    "POST /api/v1/client/register": [("body", (), "register"), ("body", ("username",), "username")],
    "POST /api/v1/client/password": [
        ("body", ("old_password",), "old_password"),
        ("body", ("new_password",), "new_password"),
    ],
    "POST /api/v1/client/play": [("body", ("game_id",), "hub_game"), ("body", ("stake",), "stake")],
    "PUT /api/v1/client/limits": [("body", ("timezone",), "timezone")],
    "GET /api/v1/client/contracts/{id}": [("path", ("id",), "contract")],
    "GET /api/v1/client/contracts/{id}/proof": [("path", ("id",), "contract")],
    "POST /api/v1/client/view_done": [("body", ("contract_id",), "contract")],
    "POST /api/v1/bridge/{operator}/create_transaction": [
        ("path", ("operator",), "operator"),
        ("body", ("user_id",), "bridge_player"),
        ("body", ("type",), "bridge_type"),
        ("body", ("transaction_id",), "bridge_tx"),
        ("body", ("data", "contract_id"), "bridge_contract"),
        ("body", ("prev_transactions",), "bridge_prev"),
        ("body", ("transactions", "*", "amount"), "bridge_amount"),
    ],
    "POST /api/v1/bridge/{operator}/get_user_data": [
        ("path", ("operator",), "operator"),
        ("body", ("user_id",), "bridge_player"),
    ],
    "POST /api/v1/bridge/{operator}/initialize_session": [("path", ("operator",), "operator")],
    "POST /api/v1/bridge/{operator}/finalize_session": [("path", ("operator",), "operator")],
    "POST /api/v1/admin/admin-keys/{key_id}/revoke": [("path", ("key_id",), "admin_key")],
    "POST /api/v1/admin/bonuses/{bonus_id}/forfeit": [("path", ("bonus_id",), "bonus")],
    "POST /api/v1/admin/game-sessions": [("body", (), "game_session")],
    "POST /api/v1/admin/games/{game_id}/status": [("path", ("game_id",), "admin_game")],
    "POST /api/v1/admin/games": [("body", ("configuration",), "game_config")],
    "POST /api/v1/admin/operators": [("body", ("wallet_base_url",), "wallet_url")],
    "POST /api/v1/admin/sports/feeds": [("body", ("base_url",), "feed_url")],
    "GET /api/v1/admin/ledger/verify": [("query", ("player_id",), "admin_player")],
    "POST /api/v1/admin/operators/{code}/retire": [("path", ("code",), "admin_operator")],
    "POST /api/v1/admin/operators/{code}/rotate": [("path", ("code",), "admin_operator")],
    **{
        f"{method} /api/v1/admin/players/{{player_id}}{rest}": [("path", ("player_id",), "admin_player")]
        for method, rest in (("GET", ""), ("GET", "/ledger"), ("GET", "/limits/history"))
    },
    # what ops restrict (limits, exclusion, status) lands on players of their own, also in the money pool
    "POST /api/v1/admin/players/{player_id}/limits": [
        ("path", ("player_id",), "rg_player"),
        ("body", ("timezone",), "timezone"),
        ("body", ("reason",), "reason"),
    ],
    "POST /api/v1/admin/players/{player_id}/self_exclusion": [("path", ("player_id",), "rg_player")],
    "POST /api/v1/admin/players/{player_id}/status": [("path", ("player_id",), "rg_player")],
    "POST /api/v1/admin/players/{player_id}/transactions": [
        ("path", ("player_id",), "admin_player"),
        ("body", ("amount",), "money"),
        ("body", ("currency",), "currency"),
        ("body", ("idempotency_key",), "idempotency_key"),
    ],
    "POST /api/v1/admin/players/{player_id}/bonuses": [
        ("path", ("player_id",), "admin_player"),
        ("body", ("amount",), "money"),
        ("body", ("currency",), "currency"),
        ("body", ("expires_at",), "future_ms"),
        ("body", ("wagering_multiplier",), "multiplier"),
        ("body", ("idempotency_key",), "idempotency_key"),
    ],
    "POST /api/v1/admin/players/{player_id}/credentials": [
        ("path", ("player_id",), "admin_player"),
        ("body", (), "credentials"),
    ],
    "POST /api/v1/admin/providers/{code}/sync": [("path", ("code",), "provider_code")],
    "GET /api/v1/admin/providers/{code}/sync-history": [("path", ("code",), "provider_code")],
    "POST /api/v1/admin/sports/feeds/{code}/maintenance": [("path", ("code",), "feed")],
    "GET /api/v1/admin/sports/fixtures/{id}/history": [("path", ("id",), "fixture")],
    "POST /api/v1/admin/sports/fixtures/{id}/link": [
        ("path", ("id",), "fixture"),
        ("body", ("duplicate_id",), "fixture"),
    ],
    "POST /api/v1/admin/sports/fixtures/{id}/unlink": [("path", ("id",), "fixture"), ("body", (), "unlink")],
    "POST /api/v1/admin/status/{service}": [("path", ("service",), "service")],
    "GET /api/v1/admin/transactions": [("query", ("provider",), "provider_code")],
    "GET /api/v1/admin/transactions/summary": [("query", ("provider",), "provider_code")],
    "POST /api/v1/sports/feeds/{code}/events": [("path", ("code",), "feed")],
    "GET /api/v1/sports/fixtures/{id}": [("path", ("id",), "fixture")],
    "GET /api/v1/sports/fixtures/{id}/points": [("path", ("id",), "fixture")],
}


# The operations that move money or decide whether it may move (a bet, a win, a refund, a deposit, a
# bonus, a block, an exclusion, a limit): each of their refusals is checked to have changed no wallet
# of its audience. (Reading the wallets around every request of every operation doubled the fuzz's time.)
MONEY = {
    f"POST {P}/changebalance",
    f"POST {P}/cancel",
    f"POST {P}/finishround",
    "POST /api/v1/bridge/{operator}/create_transaction",
    "POST /api/v1/bridge/{operator}/finalize_session",
    "POST /api/v1/client/play",
    "POST /api/v1/client/view_done",
    "POST /api/v1/client/exit",
    "POST /api/v1/client/self_exclusion",
    "PUT /api/v1/client/limits",
    "POST /api/v1/admin/players",
    "POST /api/v1/admin/players/{player_id}/transactions",
    "POST /api/v1/admin/players/{player_id}/bonuses",
    "POST /api/v1/admin/bonuses/{bonus_id}/forfeit",
    "POST /api/v1/admin/players/{player_id}/status",
    "POST /api/v1/admin/players/{player_id}/self_exclusion",
    "POST /api/v1/admin/players/{player_id}/limits",
    "POST /api/v1/admin/game-sessions",
}


def past_auth(key: str, statuses: collections.Counter[str]) -> int:
    """Answers given once the caller was known: a provider's HTTP 200 (an envelope that passed
    its signature), any other API's answer but 401 and 403."""
    if key.split(" ")[1].startswith("/api/v1/provider/"):
        return statuses.get("200", 0)
    return sum(n for status, n in statuses.items() if status not in ("401", "403"))


def negated(case: schemathesis.Case, location: str) -> bool:
    """Whether the generator made this component invalid (kept as it is, then)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    if meta.is_negative_at(location):
        return True
    data = meta.phase.data
    where = {getattr(data, "parameter_location", None)}
    where |= {m.parameter_location for m in getattr(data, "mutations", ())}
    return location in where  # ParameterLocation is a str enum: "path" == ParameterLocation.PATH


def label(case: schemathesis.Case) -> str:
    return f"{case.method.upper()} {case.operation.path}"


def document_of(case: schemathesis.Case) -> str:
    path = case.operation.path
    if path.startswith("/play"):
        return "client"
    return path.split("/")[3]


def put(case: schemathesis.Case, location: str, path: tuple[Any, ...], value: Any) -> None:
    """``value`` at ``path`` of a component; a dict at the empty path is merged into the body."""
    if location == "body":
        if not isinstance(case.body, dict):
            return
        targets: list[Any] = [case.body]
        for part in path[:-1]:
            nxt: list[Any] = []
            for target in targets:
                if part == "*" and isinstance(target, list):
                    nxt.extend(target)
                elif isinstance(target, dict) and part in target:
                    nxt.append(target[part])
            targets = nxt
        for target in targets:
            if not path:
                if isinstance(value, dict):
                    target.update(value)
            elif isinstance(target, dict):
                target[path[-1]] = value
    elif location == "path":
        case.path_parameters = {**case.path_parameters, path[0]: value}
    elif location == "query":
        case.query = {**(case.query or {}), path[0]: value}


def restore(case: schemathesis.Case, location: str, kept: Any) -> None:
    """A component as it was before ``put``."""
    if location == "body":
        case.body = kept
    elif location == "path":
        case.path_parameters = dict(kept or {})
    elif location == "query":
        case.query = dict(kept or {})


def refused(case: schemathesis.Case, response: schemathesis.Response) -> bool:
    if response.status_code >= 400:
        return True
    if document_of(case) == "provider":
        try:
            return bool(response.json().get("status") == "ERROR")
        except (ValueError, AttributeError):
            return False
    return False


def wallet_diff(before: Json | None, after: Json | None) -> str:
    if before is None or after is None:
        return f"{before} -> {after}"
    keys = sorted(set(before) | set(after))
    return ", ".join(f"{k}: {before.get(k)!r} -> {after.get(k)!r}" for k in keys if before.get(k) != after.get(k))


# ---------------------------------------------------------------- checks of our own
def provider_negative_data_rejection(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """Provider protocol: a request the document calls invalid is refused, as the protocol refuses
    it: HTTP 400 (envelope), 401 or 404, or HTTP 200 with an ERROR envelope (OP_10, ...)."""
    if case.meta is None or not case.meta.generation.mode.is_negative or refused(case, response):
        return None
    if content_type_only(case):
        return None  # every API reads the body as JSON whatever its Content-Type (the documents say so)
    raise AssertionError(
        f"a request the document calls invalid ({negation(case)}) was answered OK: {response.text[:300]}"
    )


def content_type_only(case: schemathesis.Case) -> bool:
    """The generator's only change is the request's Content-Type."""
    meta = case.meta
    if meta is None or any(info.mode.is_negative for loc, info in meta.components.items() if loc != "header"):
        return False
    data = meta.phase.data
    said = f"{getattr(data, 'description', '') or ''} {getattr(data, 'parameter', '') or ''}"
    return "content-type" in said.lower()


def negation(case: schemathesis.Case) -> str:
    """What the generator made invalid, as it tells it."""
    meta = case.meta
    if meta is None:
        return "?"
    data = meta.phase.data
    parts = [getattr(data, "description", None) or ""]
    parts += [f"{m}" for m in getattr(data, "mutations", ())]
    negative = [str(location) for location, info in meta.components.items() if info.mode.is_negative]
    return "; ".join(p for p in parts if p) + f" [negative: {', '.join(negative)}]"


def provider_answer_signed(world: World) -> CheckFunction:
    def check(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
        client = world.providers.get(str(case.path_parameters.get("provider")))
        if client is None or response.status_code == 404:
            return None
        answer = response.json()
        stamp = str(answer.get("response_timestamp"))
        assert answer.get("hash") == sha1_hex(f"{answer.get('status')}{stamp}{client.secret}"), "answer hash"
        if client.signature == HMAC_SHA256:
            signature = response.headers.get("X-Signature") or response.headers.get("x-signature")
            given = signature[0] if isinstance(signature, list) else signature
            assert given == hmac_hex(client.secret, f"{stamp}\n".encode() + response.content), "answer X-Signature"
        return None

    return check


def undeclared_method_refused(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """A method the document does not declare is answered as its API Gateway API answers it: the
    REST API 403 "Missing Authentication Token", the provider callbacks' HTTP API 404 "Not Found"."""
    meta = case.meta
    if meta is None or not isinstance(meta.phase.data, CoveragePhaseData):
        return None
    if meta.phase.data.scenario != CoverageScenario.UNSPECIFIED_HTTP_METHOD:
        return None
    status, message = (404, "Not Found") if document_of(case) == "provider" else (403, "Missing Authentication Token")
    assert response.status_code == status, f"undeclared method {response.request.method}: {response.status_code}"
    assert response.json() == {"message": message}, response.text[:200]
    return None


def checks_for(case: schemathesis.Case, world: World) -> list[CheckFunction]:
    """Ours, beside the built-in ones the document's config enables."""
    if document_of(case) == "provider":
        return [provider_negative_data_rejection, provider_answer_signed(world)]
    return []


def is_undeclared_method(case: schemathesis.Case) -> bool:
    meta = case.meta
    return (
        meta is not None
        and isinstance(meta.phase.data, CoveragePhaseData)
        and meta.phase.data.scenario == CoverageScenario.UNSPECIFIED_HTTP_METHOD
    )


def fuzz(case: schemathesis.Case, world: World) -> None:
    """One generated request: filled, signed, sent, its answer checked."""
    key = label(case)
    if world.over_budget():
        world.stats.truncated.add(key)
        return
    world.ensure(document_of(case))
    started = time.monotonic()
    data = Chooser(case)
    try:
        if not is_undeclared_method(case):
            world.plain(case, data)
            world.fill(case, data)
            if document_of(case) == "provider" and case.method.upper() == "POST":
                world.provider_envelope(case, data)
            if document_of(case) == "sports" and key.endswith("/events"):
                world.sports_body(case, data)
        response = world.send(case)
        if is_undeclared_method(case):
            undeclared_method_refused(None, response, case)
            return
        case.validate_response(response, additional_checks=checks_for(case, world))
    finally:
        world.spent_s += time.monotonic() - started


def operations(name: str) -> Iterator[str]:
    document = json.loads((openapi.OUT_DIR / f"{name}.json").read_text(encoding="utf-8"))
    for path, item in document["paths"].items():
        for method in item:
            yield f"{method.upper()} {path}"
