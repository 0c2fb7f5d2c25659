"""The actors of ``make soak`` (``bench/soak.py``): who calls the platform, and the faulty wallet.

- ``FaultyOperator``: ``tests/fake_operator.py``'s operator wallet (imported, not copied) whose
  answers go wrong at a configurable rate: slow (past the hub's deadline too: the answer is lost
  and the call lands later), HTTP 5xx (nothing applied), dropped after applying (applied, the
  answer lost); and, for an outage, every call for a while.
- ``ProviderActor``: a game provider on the signed callbacks, through ``local/provider_simulator``'s
  ``Simulator`` (BET/WIN/REFUND/cancel/finishround, retries, concurrent duplicates, cancels before
  their bet), some of its players under a wager or loss limit (``OP_36``).
- ``OperatorActor``: a third-party operator (the faulty wallet) opening hub sessions and playing
  through the client API, so the Step Functions contract flow runs against its wallet.
- ``PlayerActor``: password players of the bridge operator ``demo`` with a deposit limit (set by
  ops) and a wager or loss limit (set by themselves), playing until their limits refuse them.

Every call is counted by kind and outcome with its latency (``Tally``); a 5xx other than 503
``upstream_unavailable`` (the operator's wallet did not answer) is noted as unexpected.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from local.operator_client import SignedClient
from local.provider_client import Answer, ProviderClient
from local.provider_simulator import SimPlayer, Simulator
from tests.fake_operator import FakeOperator, Fault

ADMIN_KEY = "local-admin-key"
HUB = "/api/v1/hub"
CLIENT = "/api/v1/client"
ADMIN = "/api/v1/admin"
STAKE = Decimal("1.00")
PASSWORD = "soak-Password-for-limits-1"
EXPECTED_5XX = frozenset({"upstream_unavailable"})  # 503: the operator's wallet did not answer (its fault)
LIMIT_MESSAGE = re.compile(r"the (\w+)'s (\w+) limit")
MAX_PROBLEMS = 200


# ---------------------------------------------------------------- counting
class Tally:
    """Calls by kind and outcome with their latencies, events, problems; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[tuple[str, str]] = Counter()
        self.latency: dict[str, list[float]] = {}
        self.events: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()  # by limit: wager.day, deposit.day, OP_36, ...
        self.problems: list[str] = []
        self.problem_count = 0
        self.unexpected_5xx: list[str] = []
        self.unexpected_5xx_count = 0

    def call(self, kind: str, outcome: str, seconds: float) -> None:
        with self._lock:
            self.calls[(kind, outcome)] += 1
            self.latency.setdefault(kind, []).append(seconds)

    def event(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.events[name] += n

    def refused(self, limit: str) -> None:
        with self._lock:
            self.refusals[limit] += 1

    def problem(self, text: str) -> None:
        with self._lock:
            self.problem_count += 1
            if len(self.problems) < MAX_PROBLEMS:
                self.problems.append(text)

    def server_error(self, text: str) -> None:
        with self._lock:
            self.unexpected_5xx_count += 1
            if len(self.unexpected_5xx) < MAX_PROBLEMS:
                self.unexpected_5xx.append(text)


class Budget:
    """The run's bound: a deadline and a number of actions (rounds, plays, deposits) in all."""

    def __init__(self, seconds: float, actions: int) -> None:
        self.deadline = time.monotonic() + seconds
        self.limit = actions
        self.used = 0
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def alive(self) -> bool:
        if self.stop.is_set():
            return False
        if time.monotonic() >= self.deadline:
            self.stop.set()
            return False
        return True

    def take(self) -> bool:
        if not self.alive():
            return False
        with self._lock:
            if self.used >= self.limit:
                self.stop.set()
                return False
            self.used += 1
            return True


def limit_of(message: str) -> str:
    """``the day's wager limit would be exceeded`` -> ``wager.day``; else the message's start."""
    found = LIMIT_MESSAGE.search(message or "")
    return f"{found.group(2)}.{found.group(1)}" if found else (message or "unnamed")[:40]


def error_of(body: Any) -> dict[str, Any]:
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


class Api:
    """One actor's HTTP client: each call counted by kind and outcome, with its latency."""

    def __init__(self, base_url: str, tally: Tally) -> None:
        self.base_url = base_url.rstrip("/")
        self.tally = tally
        self.http = httpx.Client(base_url=self.base_url, timeout=60.0)

    def measure(self, kind: str, send: Callable[[], httpx.Response]) -> tuple[int, Any]:
        started = time.perf_counter()
        try:
            response = send()
        except httpx.HTTPError as failed:
            self.tally.call(kind, f"transport {type(failed).__name__}", time.perf_counter() - started)
            self.tally.problem(f"{kind}: {type(failed).__name__}: {failed}")
            return 0, None
        took = time.perf_counter() - started
        try:
            body = response.json()
        except ValueError:
            body = None
        code = error_of(body).get("code")
        retryable = " (retryable)" if error_of(body).get("retryable") else ""
        self.tally.call(kind, f"{response.status_code}{' ' + code if code else ''}{retryable}", took)
        if response.status_code >= 500 and code not in EXPECTED_5XX:
            self.tally.server_error(f"{kind}: HTTP {response.status_code} {response.text[:300]}")
        return response.status_code, body

    def send(
        self, kind: str, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        return self.measure(kind, lambda: self.http.request(method, path, json=body, headers=headers))

    def admin(self, kind: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return self.send(kind, method, f"{ADMIN}{path}", body, headers={"Authorization": f"Bearer {ADMIN_KEY}"})

    def close(self) -> None:
        self.http.close()


# ---------------------------------------------------------------- the faulty operator wallet
MODES = ("slow", "fail_5xx", "drop_after_apply", "ok_unapplied", "malformed")


@dataclass
class FaultPlan:
    """What goes wrong at the operator's wallet: ``rate`` of the calls to ``paths``, the mode
    drawn by ``mix``'s weights; a slow answer takes ``slow_s`` (uniform), so past the hub's
    deadline some are lost and land later."""

    rate: float = 0.1
    mix: dict[str, float] = field(default_factory=lambda: {"slow": 1.0, "fail_5xx": 1.0, "drop_after_apply": 1.0})
    slow_s: tuple[float, float] = (0.2, 3.0)
    paths: tuple[str, ...] = ("create_transaction", "initialize_session", "get_user_data", "finalize_session")
    held_wins: int = 0  # wins whose every delivery fails until released: past the retry budget, errored
    outage_slow_s: tuple[float, float] = (2.5, 3.5)  # in an outage, a slow answer comes after the hub gave up


@dataclass
class FaultyOperator(FakeOperator):
    """The fake operator wallet with faults drawn at random (``plan``) while ``active``, and an
    outage (every call fails: a 5xx, an answer dropped after applying, or one past the hub's deadline)
    until ``outage_until``.
    The first ``plan.held_wins`` wins sent before ``hold_until`` fail at every delivery until
    ``release()``: their contracts spend the Settle retry budget and are flagged errored, for the
    sweep to re-drive."""

    strict: bool = True  # every rule of operator-wallet.md: the hub must never break one
    plan: FaultPlan = field(default_factory=FaultPlan)
    seed: int = 0
    active: bool = False
    outage_until: float = 0.0
    hold_until: float = 0.0
    held: set[str] = field(default_factory=set)
    released: bool = False
    injected: Counter[tuple[str, str]] = field(default_factory=Counter)  # (mode, path or type)
    _draw: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def _fault(self, path: str, body: Any = None) -> Fault | None:
        kind = body.get("type") if isinstance(body, dict) and path == "create_transaction" else None
        label = str(kind or path)
        queued = super()._fault(path, body)  # faults queued by hand (fail()) first, as the tests do
        held = None if queued else self._held(path, body)
        fault = queued or held or self._drawn(path)
        if fault is not None:
            with self._draw:
                self.injected[(fault.mode + (" (a win held)" if held else ""), label)] += 1
        return fault

    def _held(self, path: str, body: Any) -> Fault | None:
        if path != "create_transaction" or not isinstance(body, dict) or self.released:
            return None
        tid = str(body.get("transaction_id"))
        with self._draw:
            if tid in self.held:
                return Fault("fail_5xx")
            if (
                self.active
                and str(body.get("type", "")).endswith(".win")
                and len(self.held) < self.plan.held_wins
                and time.monotonic() < self.hold_until
            ):
                self.held.add(tid)
                return Fault("fail_5xx")
        return None

    def release(self) -> None:
        """The held wins are answered again."""
        self.released = True

    def _drawn(self, path: str) -> Fault | None:
        if not self.active or path not in self.plan.paths:
            return None
        with self._draw:
            if time.monotonic() < self.outage_until:  # down: a 5xx, an answer lost, or one too late
                mode = self._rng.choice(("fail_5xx", "drop_after_apply", "slow"))
                return Fault(mode, seconds=self._rng.uniform(*self.plan.outage_slow_s))
            if self._rng.random() >= self.plan.rate:
                return None
            modes = [m for m, w in self.plan.mix.items() if w > 0]
            mode = self._rng.choices(modes, weights=[self.plan.mix[m] for m in modes])[0]
            return Fault(mode, seconds=self._rng.uniform(*self.plan.slow_s))

    def moved(self) -> dict[str, dict[str, Any]]:
        """Each applied transaction id: its body, status and the lines that really moved money
        (a refund or cancel_win of a step never applied moves nothing)."""
        with self._lock:
            applied = dict(self.applied)  # in the order applied
        out: dict[str, dict[str, Any]] = {}
        reversed_once: set[str] = set()
        for tid, (body, status, _answer) in applied.items():
            action = str(body.get("type", "")).rsplit(".", 1)[-1]
            lines = [(str(t["account_id"]), Decimal(str(t["amount"]))) for t in body.get("transactions", [])]
            if status != 200:
                lines = []
            elif action in ("refund", "cancel_win"):
                target = str((body.get("prev_transactions") or [None])[-1])
                first = applied.get(target)
                if first is None or first[1] != 200 or (self.strict and target in reversed_once):
                    lines = []
                reversed_once.add(target)
            out[tid] = {"body": body, "status": status, "action": action, "lines": lines}
        return out

    def refusals_of_the_protocol(self) -> list[str]:
        """Answers that say the hub broke the protocol: a bad signature, a body the strict rules
        refuse, a transaction id sent again with another body."""
        found = []
        for exchange in list(self.exchanges):
            with contextlib.suppress(ValueError, AttributeError):
                if json.loads(exchange["body"]).get("transaction_id") in self.tombstones:
                    continue  # a bet arriving after its refund: refused, as the protocol says
            if exchange["status"] in (400, 401) and any(
                f'"{code}"' in exchange["answer"] for code in ("unauthorized", "invalid_request", "duplicate_mismatch")
            ):
                found.append(
                    f"{exchange['path']}: HTTP {exchange['status']} {exchange['answer'][:200]} to {exchange['body'][:300]}"
                )
        return found


# ---------------------------------------------------------------- the world the actors share
@dataclass
class Played:
    """A play the client API answered with a contract."""

    contract_id: str
    session_id: str
    play_id: str
    who: str  # operator | player


@dataclass
class PasswordPlayer:
    pid: str
    username: str
    limits: dict[str, Decimal] = field(default_factory=dict)  # wager.day, loss.day, deposit.day
    deposited: Decimal = Decimal(0)
    sessions: list[str] = field(default_factory=list)


@dataclass
class World:
    base_url: str
    tally: Tally
    budget: Budget
    game: str  # the hub game every hub play plays
    operator: FaultyOperator
    operator_code: str
    app_id: str
    app_secret: str
    seed: int
    view_share: float = 0.7  # of the prizes revealed, those the page says it has shown (view_done)
    sessions: set[str] = field(default_factory=set)
    fake_starts: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    players: list[PasswordPlayer] = field(default_factory=list)
    played: list[Played] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)  # a retry answered differently
    lock: threading.Lock = field(default_factory=threading.Lock)

    def session(self, session_id: str) -> None:
        with self.lock:
            self.sessions.add(session_id)

    def mismatch(self, text: str) -> None:
        with self.lock:
            self.mismatches.append(text)


# ---------------------------------------------------------------- providers
class SoakSimulator(Simulator):
    """The provider simulator with every callback counted by command, type and outcome, and a
    responsible-gaming refusal (``OP_36``) accepted beside insufficient funds."""

    refusals = frozenset({"OP_50", "OP_36"})

    def __init__(self, base_url: str, seed: int, provider: ProviderClient, tally: Tally) -> None:
        super().__init__(base_url, ADMIN_KEY, seed, provider)
        self.tally = tally
        self.label = provider.provider

    def send(self, command: str, data: dict[str, Any], timestamp: str | None = None) -> Answer:
        started = time.perf_counter()
        answer = super().send(command, data, timestamp)
        kind = f"provider.{command}" + (f".{data.get('transaction_type')}" if command == "changebalance" else "")
        outcome = "OK" if answer.ok else str(answer.error_code or f"HTTP {answer.http_status}")
        self.tally.call(kind, outcome, time.perf_counter() - started)
        if answer.error_code == "OP_36":
            self.tally.refused(f"provider OP_36 ({limit_of(str(answer.data.get('error_message', '')))})")
        if answer.http_status >= 500:
            self.tally.server_error(f"{kind} on {self.label}: HTTP {answer.http_status} {answer.raw[:300]}")
        return answer


@dataclass
class ProviderActor:
    """One provider thread: new players (some under a limit), each playing a number of rounds."""

    sim: SoakSimulator
    game_id: int
    budget: Budget
    tally: Tally
    seed: int
    rounds_per_player: int = 25
    limited_share: float = 0.4
    players: list[SimPlayer] = field(default_factory=list)
    tainted: set[str] = field(default_factory=set)  # a call without an answer: the simulator's account unsure

    def run(self) -> None:
        rng = random.Random(self.seed)
        while self.budget.alive():
            try:
                player = self.sim.new_player("50.00", "20.00", self.game_id)
            except httpx.HTTPError as failed:
                self.tally.problem(f"provider {self.sim.label}: new player: {type(failed).__name__}: {failed}")
                continue
            self.players.append(player)
            if rng.random() < self.limited_share:
                limit = rng.choice([{"wager": {"day": "15.00"}}, {"loss": {"day": "8.00"}}])
                answer = self.sim.admin.post(f"/players/{player.id}/limits", json={**limit, "reason": "soak"})
                self.tally.call("admin.players_limits", str(answer.status_code), answer.elapsed.total_seconds())
                self.tally.event("provider players with a limit")
            for _ in range(self.rounds_per_player):
                if not self.budget.take():
                    break
                try:
                    self.sim.play_round(player, self.game_id)
                    self.tally.event(f"provider rounds ({self.sim.label})")
                except httpx.HTTPError as failed:
                    self.tainted.add(player.id)
                    self.tally.problem(f"provider {self.sim.label}: {player.id}: {type(failed).__name__}: {failed}")
                    break


# ---------------------------------------------------------------- hub plays (operators and players)
EXPECTED_REFUSALS = frozenset({"insufficient_funds", "limit_exceeded", "session_closed"})
ENDS_A_SESSION = frozenset({"insufficient_funds", "session_closed", "unauthorized", "session_expired"})


class HubPlayer:
    """A client session's plays: retries of a busy series with the same play id, a retry of an
    answered play (the same contract, never a second bet), the view or the view timeout."""

    def __init__(self, world: World, api: Api, auth: str, session_id: str, who: str, rng: random.Random) -> None:
        self.world, self.api, self.rng, self.who = world, api, rng, who
        self.session_id = session_id
        self.headers = {"Authorization": f"Bearer {auth}"}

    def play(self) -> tuple[int, dict[str, Any]]:
        """One play: (HTTP status, error or {}); 200 with a contract recorded."""
        play_id = f"soak-{uuid.uuid4().hex[:20]}"
        body = {"game_id": self.world.game, "stake": str(STAKE), "play_id": play_id}
        status, answer = 0, None
        for attempt in range(6):
            status, answer = self.api.send(f"{self.who}.play", "POST", f"{CLIENT}/play", body, headers=self.headers)
            error = error_of(answer)
            if status == 409 and error.get("retryable"):  # a busy series: the same play id again
                self.world.tally.event("plays retried on a busy series")
                time.sleep(0.05 * (attempt + 1))
                continue
            if status >= 500 or status == 0:
                time.sleep(0.2 * (attempt + 1))  # the client page retries a 5xx with the same play id
                continue
            break
        if status != 200:
            error = error_of(answer)
            if error.get("code") not in EXPECTED_REFUSALS:  # named in the results: what refused a good play
                self.world.tally.event(f"{self.who} plays refused {status} {error.get('code')}: {error.get('message')}")
            return status, error
        contract = answer["contract"]
        with self.world.lock:
            self.world.played.append(Played(contract["id"], self.session_id, play_id, self.who))
        if self.rng.random() < 0.1:  # the page lost the answer and sends the play again
            again_status, again = self.api.send(
                f"{self.who}.play (same play_id)", "POST", f"{CLIENT}/play", body, headers=self.headers
            )
            if again_status == 200 and again["contract"]["id"] != contract["id"]:
                self.world.mismatch(f"play {play_id}: {contract['id']} then {again['contract']['id']}")
        if "reveal" not in contract:
            self.world.tally.event(f"{self.who} plays answered before their bet's outcome")
        elif self.rng.random() < self.world.view_share:  # else the view timeout settles it
            self.api.send(
                f"{self.who}.view_done",
                "POST",
                f"{CLIENT}/view_done",
                {"contract_id": contract["id"]},
                headers=self.headers,
            )
        if self.rng.random() < 0.1:
            self.api.send(f"{self.who}.contract", "GET", f"{CLIENT}/contracts/{contract['id']}", headers=self.headers)
        return 200, {}

    def leave(self) -> None:
        self.api.send(f"{self.who}.exit", "POST", f"{CLIENT}/exit", {}, headers=self.headers)


@dataclass
class OperatorActor:
    """A third-party operator (the faulty wallet): a user, a hub session, a login, plays."""

    world: World
    index: int

    def run(self) -> None:
        rng = random.Random(self.world.seed * 1000 + self.index)
        api = Api(self.world.base_url, self.world.tally)
        hub = SignedClient(self.world.base_url, self.world.app_id, self.world.app_secret)
        try:
            while self.world.budget.alive():
                try:
                    self.session(rng, api, hub)
                except (httpx.HTTPError, KeyError, TypeError) as failed:
                    self.world.tally.problem(f"operator {self.index}: {type(failed).__name__}: {failed}")
                    time.sleep(0.5)
        finally:
            api.close()
            hub.client.close()

    def session(self, rng: random.Random, api: Api, hub: SignedClient) -> None:
        world = self.world
        user = f"soak-{uuid.uuid4().hex[:12]}"
        start = {
            "real": Decimal(rng.choice(["3.00", "20.00", "40.00"])),
            "bonus": Decimal(rng.choice(["0.00", "2.00"])),
        }
        with world.lock:
            world.fake_starts[user] = dict(start)
        world.operator.users[user] = dict(start)
        body: dict[str, Any] = {"user_id": user, "game_id": world.game}
        if rng.random() < 0.3:
            body["session_id"] = f"ref-{uuid.uuid4().hex[:16]}"
        status, created = api.measure("hub.create_session", lambda: hub.post(f"{HUB}/create_session", body))
        if status != 200:
            return
        session_id = created["session"]["id"]
        world.session(session_id)
        if "session_id" in body:  # the operator retries: the same session, never a second one
            again_status, again = api.measure(
                "hub.create_session (retry)", lambda: hub.post(f"{HUB}/create_session", body)
            )
            if again_status == 200 and again["session"]["id"] != session_id:
                world.mismatch(f"create_session {body['session_id']}: {session_id} then {again['session']['id']}")
        token = parse_qs(urlparse(created["client_url"]).query)["token"][0]
        auth = None
        for attempt in range(6):  # the wallet may not answer initialize_session or get_user_data
            status, login = api.send("client.login", "POST", f"{CLIENT}/login", {"client_token": token})
            if status == 200:
                auth = login["auth_token"]
                break
            if status != 503:
                break
            time.sleep(0.2 * (attempt + 1))
        if auth is None:
            world.tally.event("operator sessions never logged in")
            return
        page = HubPlayer(world, api, auth, session_id, "operator", rng)
        for _ in range(rng.randint(4, 14)):
            if not world.budget.take():
                break
            status, error = page.play()
            if status == 409:
                world.tally.event(f"operator plays refused: {error.get('code')}")
            if error.get("code") in ENDS_A_SESSION:
                break
        if rng.random() < 0.15:
            api.measure(
                "hub.get_session",
                lambda: hub.post(f"{HUB}/get_session", {"session_id": session_id, "is_our_id": True}),
            )
        ending = rng.random()
        if ending < 0.4:
            page.leave()
        elif ending < 0.8:
            api.measure(
                "hub.terminate_session",
                lambda: hub.post(f"{HUB}/terminate_session", {"session_id": session_id, "is_our_id": True}),
            )
        # else: left open, for the session-expiry schedule


@dataclass
class PlayerActor:
    """Password players of the bridge operator ``demo``: a deposit limit set by ops, deposits
    until it refuses one, a wager or loss limit set by the player, plays until it refuses them."""

    world: World
    index: int
    deposit_limit: Decimal = Decimal("25.00")

    def run(self) -> None:
        rng = random.Random(self.world.seed * 2000 + self.index)
        api = Api(self.world.base_url, self.world.tally)
        try:
            while self.world.budget.alive():
                try:
                    self.one(rng, api)
                except (httpx.HTTPError, KeyError, TypeError) as failed:
                    self.world.tally.problem(f"player {self.index}: {type(failed).__name__}: {failed}")
                    time.sleep(0.5)
        finally:
            api.close()

    def one(self, rng: random.Random, api: Api) -> None:
        world = self.world
        username = f"soak{uuid.uuid4().hex[:12]}"
        status, registered = api.send(
            "client.register",
            "POST",
            f"{CLIENT}/register",
            {"operator": "demo", "username": username, "password": PASSWORD, "currency": "EUR", "country": "MT"},
        )
        if status != 201:
            return
        player = PasswordPlayer(registered["user"]["ref_id"], username)
        with world.lock:
            world.players.append(player)
        status, _ = api.admin(
            "admin.players_limits",
            "POST",
            f"/players/{player.pid}/limits",
            {"deposit": {"day": str(self.deposit_limit)}, "reason": "soak"},
        )
        if status == 200:
            player.limits["deposit.day"] = self.deposit_limit
        for n in range(3):  # 10.00 each against 25.00 a day: the third is refused
            if not world.budget.take():
                return
            key = f"soak-{player.pid}-{n}"
            body = {"type": "deposit", "amount": "10.00", "idempotency_key": key}
            status, answer = api.admin("admin.deposit", "POST", f"/players/{player.pid}/transactions", body)
            if status == 200:
                player.deposited += Decimal("10.00")
                if rng.random() < 0.3:  # ops retry: the same answer, credited once
                    again, same = api.admin(
                        "admin.deposit (retry)", "POST", f"/players/{player.pid}/transactions", body
                    )
                    if again != 200 or same.get("id") != answer.get("id"):
                        world.mismatch(f"deposit {key} retried: {again} {same}")
            elif error_of(answer).get("code") == "limit_exceeded":
                world.tally.refused(f"admin deposit ({limit_of(error_of(answer).get('message', ''))})")
        status, signed = api.send(
            "client.password_login",
            "POST",
            f"{CLIENT}/password_login",
            {"operator": "demo", "username": username, "password": PASSWORD},
        )
        if status != 200:
            return
        session_id = signed["session"]["id"]
        player.sessions.append(session_id)
        world.session(session_id)
        page = HubPlayer(world, api, signed["auth_token"], session_id, "player", rng)
        own = rng.choice(
            [{"wager": {"day": "3.00"}}, {"loss": {"day": "2.00"}}, {"wager": {"day": "4.00"}, "loss": {"day": "2.00"}}]
        )
        status, _ = api.send("client.limits_put", "PUT", f"{CLIENT}/limits", own, headers=page.headers)
        if status == 200:
            for kind, periods in own.items():
                for period, amount in periods.items():
                    player.limits[f"{kind}.{period}"] = Decimal(amount)
        refused = 0
        for _ in range(20):
            if not world.budget.take():
                break
            status, error = page.play()
            code = error.get("code")
            if code == "limit_exceeded":
                world.tally.refused(f"hub play ({limit_of(str(error.get('message', '')))})")
                refused += 1
                if refused >= 2:
                    break
            elif code in ENDS_A_SESSION:
                world.tally.event(f"player plays refused: {code}")
                break
        page.leave()
