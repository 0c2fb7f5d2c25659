"""Operator-wallet conformance: our hub's side of operator-wallet.md, played against your wallet.

    python -m local.operator_wallet_check --base-url https://wallet.example.com/hub \\
        --app-id <your app id> --secret <your wallet secret> --player <a test user id>

An operator that implements the wallet API (``initialize_session``, ``get_user_data``,
``create_transaction``, ``finalize_session`` under its wallet base URL) runs this before going
live. Every call is made the way our hub makes it: bodies built by the hub's own contract code
(``casino.contract.domain``), signed and classified by the hub's own wallet client
(``casino.hub.wallet_client``, ``casino.hub.app_auth``). What it checks, one line each:

- auth: a request without the headers, with a wrong secret, with a signature over another body
  or another endpoint, from another app id, 301 s old or ahead, or with a nonce used before is
  refused 401 ``unauthorized``; one 60 s behind is taken;
- ``initialize_session`` / ``finalize_session`` acknowledge a Session; ``get_user_data`` lists
  the accounts with exact amounts;
- a play debits the stake once: the same body again (also four at once) answers the first
  answer and moves nothing; the same id with another body is ``duplicate_mismatch``;
- a win credits its prize once; a lose moves nothing; a win naming an unknown play, another
  contract's play or a refunded play is ``invalid_request``;
- a refund gives the stake back once; a refund of a play never received is accepted and moves
  nothing, and that play arriving later is refused; a cancel_win takes its win back once;
- amounts finer than the currency, not canonical (an exponent, non-ASCII digits, a JSON number)
  or over ``max_amount`` are ``invalid_request``; a stake over the balance is
  ``insufficient_funds`` (again on a retry); more than 20 ``prev_transactions`` or an id over 64
  characters is ``invalid_request``;
- no answer is a 5xx or slower than the hub's deadline (5 s), every refusal is
  ``{error: {code, message}}`` with a 4xx, and the balance at the end is the start plus what
  was won and lost.

The player must exist in your wallet with at least 5 stakes (``--stake``, default 1.00) and not
be blocked; a whole run costs it three stakes. ``--admin-key`` (our own platform only, e.g.
the account bridge of a local stack) creates and funds a fresh player instead. Each line is PASS
or FAIL; the exit status is 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx

import local  # noqa: F401 - the shared layer on sys.path
from casino import clock, ids
from casino.contract.domain import Contract, StepType, new_steps, split_stake
from casino.errors import DomainError
from casino.hub import app_auth, views, wallet_client
from casino.hub.wallet_client import WalletOutcomeUnknown, WalletRefused
from casino.money import Currency, currency, to_decimal_string, to_minor
from casino.registry import operators
from casino.registry.operators import EXTERNAL, Operator

CODE = "conformance-check"  # our name for the operator under test (never registered anywhere)
KIND = "instant_win"
WINDOW_S = app_auth.WINDOW_MS // 1000


class CheckFailed(Exception):
    """A check's requirement is not met: the message says what was seen."""


@dataclass(frozen=True)
class Reply:
    """An answer as the hub reads it: ``ok`` (the body), ``refused`` (a final protocol code) or
    ``unknown`` (a timeout, a 5xx, an unreadable answer: the hub would retry)."""

    outcome: str
    body: dict[str, Any] = field(default_factory=dict)
    code: str = ""
    message: str = ""
    http_status: int | None = None

    def __str__(self) -> str:
        status = f"HTTP {self.http_status} " if self.http_status is not None else ""
        if self.outcome == "ok":
            return f"{status}{json.dumps(self.body)[:200]}"
        return f"{status}{self.outcome} {self.code} {self.message}".strip()


@dataclass
class Result:
    name: str
    rule: str
    passed: bool
    detail: str = ""


_SIGNING = threading.Lock()
_SECRETS: dict[int, tuple[Operator, str]] = {}  # the runs under way: their operator and wallet secret
_ORIGINAL: list[Callable[[Operator], str]] = []


def _secret_of(operator: Operator) -> str:
    """``operators.signing_wallet_secret`` while runs are under way: a run's operator signs with
    the secret it was given; any other operator as before."""
    run = _SECRETS.get(id(operator))
    if run is not None and run[0] is operator:
        return run[1]
    return _ORIGINAL[0](operator)


class Wallet:
    """The operator's wallet as our hub calls it."""

    def __init__(self, base_url: str, app_id: str, secret: str, deadline_s: float | None = None):
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.deadline_s = deadline_s or wallet_client.deadline_s()
        self.operator = Operator(
            code=CODE,
            name="conformance check",
            app_id=app_id,
            wallet=EXTERNAL,
            wallet_base_url=self.base_url,
            currencies=(),
            allowed_ips=(),
            status="active",
            app_secret_versions=(),
            wallet_secret_versions=(),
        )
        self.slowest_s = 0.0
        self.problems: list[str] = []  # seen on any call: a 5xx, a late answer
        self.client = httpx.Client(timeout=self.deadline_s)  # the runner's own requests, kept alive

    @contextmanager
    def signing(self) -> Iterator[None]:
        """The hub's wallet client looks the wallet secret up in the platform's store; for this
        operator (and no other) it is the one given here, while the run lasts."""
        with _SIGNING:
            if not _SECRETS:
                _ORIGINAL.append(operators.signing_wallet_secret)
                operators.signing_wallet_secret = _secret_of
            _SECRETS[id(self.operator)] = (self.operator, self.secret)
        try:
            yield
        finally:
            with _SIGNING:
                del _SECRETS[id(self.operator)]
                if not _SECRETS:
                    operators.signing_wallet_secret = _ORIGINAL.pop()  # type: ignore[assignment]

    def call(self, path: str, body: dict[str, Any]) -> Reply:
        """One call exactly as the hub makes it (``wallet_client.call_once``): signed afresh,
        the whole exchange within the deadline, the answer classified."""
        started = time.monotonic()
        try:
            reply = Reply("ok", wallet_client.call_once(self.operator, path, body, self.deadline_s))
        except WalletRefused as refused:
            reply = Reply("refused", code=refused.code, message=refused.message)
        except WalletOutcomeUnknown as unknown:
            reply = Reply("unknown", message=str(unknown))
        self._timed(path, started, reply)
        return reply

    def send(self, path: str, raw: str, headers: dict[str, str]) -> Reply:
        """A request the runner crafts (a bad signature, a replay), read as the hub reads answers."""
        started = time.monotonic()
        try:
            response = self.client.post(f"{self.base_url}/{path}", content=raw.encode(), headers=headers)
        except httpx.HTTPError as failed:
            reply = Reply("unknown", message=f"{type(failed).__name__}: {failed}")
        else:
            status, text = response.status_code, response.text
            try:
                reply = Reply("ok", wallet_client._classify(status, text), http_status=status)  # the hub's reading
            except WalletRefused as refused:
                reply = Reply("refused", code=refused.code, message=refused.message, http_status=status)
            except WalletOutcomeUnknown as unknown:
                reply = Reply("unknown", message=str(unknown), http_status=status)
        self._timed(path, started, reply)
        return reply

    def read(self, path: str, body: dict[str, Any]) -> Reply:
        """A read the runner makes to check balances (``get_user_data``): signed and read as the
        hub signs and reads, over a kept-alive connection (the hub's client opens one per call)."""
        raw = raw_json(body)
        return self.send(path, raw, self.headers(path, raw))

    def headers(
        self,
        path: str,
        raw: str,
        *,
        secret: str | None = None,
        app_id: str | None = None,
        now_ms: int | None = None,
        nonce: str | None = None,
    ) -> dict[str, str]:
        signed = app_auth.headers(
            app_id or self.operator.app_id, secret or self.secret, "POST", path, raw, now_ms=now_ms, nonce=nonce
        )
        return {"Content-Type": "application/json", **signed}

    def _timed(self, path: str, started: float, reply: Reply) -> None:
        took = time.monotonic() - started
        self.slowest_s = max(self.slowest_s, took)
        if reply.http_status is not None and reply.http_status >= 500:
            self.problems.append(f"{path} answered HTTP {reply.http_status}")
        if took > self.deadline_s:
            self.problems.append(f"{path} took {took:.1f} s, over the {self.deadline_s:g} s deadline")


def raw_json(body: Any) -> str:
    """A body as the hub puts it on the wire."""
    return json.dumps(body, separators=(",", ":"), default=str)


@dataclass
class Play:
    """One contract of the run: its bet, its settlement, its refund (the hub's own bodies)."""

    contract: Contract

    @property
    def bet(self) -> dict[str, Any]:
        return self.contract.bet_request()

    @property
    def settle(self) -> dict[str, Any]:
        return self.contract.settle_request()

    @property
    def refund(self) -> dict[str, Any]:
        return self.contract.refund_request()

    def cancel_win(self) -> dict[str, Any]:
        """``<kind>.cancel_win`` naming the win, its line taken back (shaped as the hub's steps)."""
        win = self.settle
        step = ids.new_id("stp")
        lines = [
            {**line, "id": f"{step}.{i}", "amount": f"-{line['amount']}"} for i, line in enumerate(win["transactions"])
        ]
        data = {**win["data"], "contract_step_id": step}
        return {
            **win,
            "transaction_id": step,
            "type": f"{KIND}.cancel_win",
            "data": data,
            "prev_transactions": [win["transaction_id"]],
            "transactions": lines,
        }


class Checker:
    """Plays the checks in order against one player; each records a PASS or a FAIL."""

    def __init__(
        self,
        wallet: Wallet,
        player: str,
        stake: str,
        cur: str | None = None,
        out: Callable[[str], None] = print,
        only: frozenset[str] = frozenset(),
    ):
        self.wallet = wallet
        self.player = player
        self.stake_text = stake
        self.currency_code = cur
        self.out = out
        self.results: list[Result] = []
        self.accounts: list[dict[str, Any]] = []
        self.session_id = ids.new_id("ses")
        self.session_token = f"conformance-{uuid.uuid4().hex[:16]}"
        self.user_id = ids.new_id("usr")
        self.start_minor: int | None = None
        self._known: int | None = None  # the balance get_user_data last gave (None: read it again)
        self.net_minor = 0  # what the run should have moved, signed
        self.plays: dict[str, Play] = {}
        self.bets: dict[str, Reply] = {}
        self.wins: dict[str, Reply] = {}
        self.refunds: dict[str, Reply] = {}
        self.only = only

    # ---------------------------------------------------------------- helpers
    @property
    def cur(self) -> Currency:
        return currency(self.currency_code or "EUR")

    @property
    def stake(self) -> int:
        return to_minor(self.stake_text, self.cur, field="--stake")

    def money(self, minor: int) -> str:
        return f"{to_decimal_string(minor, self.cur)} {self.cur.code}"

    def check(self, name: str, rule: str, run: Callable[[], str | None]) -> bool:
        try:
            detail = run() or ""
            passed = True
        except CheckFailed as failed:
            detail, passed = str(failed), False
        except (DomainError, KeyError, TypeError, ValueError) as broken:
            detail, passed = f"{type(broken).__name__}: {broken}", False
        if not passed:
            self._known = None  # a check that stopped half-way may have moved money since the last read
        result = Result(name, rule, passed, detail)
        self.results.append(result)
        line = f"{'PASS' if passed else 'FAIL'}  {name:<28} {rule}"
        self.out(line + (f"\n      -> {detail}" if detail and not passed else ""))
        return passed

    @staticmethod
    def expect(condition: bool, problem: str) -> None:
        if not condition:
            raise CheckFailed(problem)

    def session(self, status: str = "active") -> dict[str, Any]:
        now = clock.now_ms()
        item: dict[str, Any] = {
            "id": self.session_id,
            "user": {"id": self.user_id, "ref_id": self.player, "status": "active"},
            "accounts": [],
            "status": status,
            "start_date": now,
        }
        if status != "active":
            item["end_date"] = now
        return views.session(item)

    def user_data(self, *, as_the_hub: bool = False) -> list[dict[str, Any]]:
        """The player's accounts: as the hub asks (``wallet_client.call_once``), or as the
        runner reads them between checks (the same signing and reading, a kept connection)."""
        body = {"user_id": self.player}
        reply = self.wallet.call("get_user_data", body) if as_the_hub else self.wallet.read("get_user_data", body)
        self.expect(reply.outcome == "ok", f"get_user_data answered {reply}")
        accounts = reply.body.get("accounts")
        self.expect(isinstance(accounts, list), f"get_user_data: no accounts list in {reply}")
        return list(accounts)  # type: ignore[arg-type]

    def held(self, accounts: list[dict[str, Any]] | None = None) -> int:
        """The player's total in the run's currency, in minor units (every amount exact)."""
        listed = self.user_data() if accounts is None else accounts
        total = 0
        for account in listed:
            if account.get("currency") == self.cur.code:
                total += to_minor(account.get("amount"), self.cur, field=f"accounts[{account.get('id')}].amount")
        if accounts is None:
            self.accounts, self._known = listed, total
        return total

    @property
    def known(self) -> int:
        """The balance as last read (each check's "before": the previous check's "after")."""
        return self.held() if self._known is None else self._known

    def unchanged(self, before: int, what: str) -> None:
        after = self.held()
        self.expect(after == before, f"{what} moved money: {self.money(before)} -> {self.money(after)}")

    def new_play(self, key: str, *, stake: int | None = None, prize: int | None = None) -> Play:
        now = clock.now_ms()
        step_ids: dict[StepType, str] = {
            "place_bet": ids.new_id("stp", now),
            "pay_winnings": ids.new_id("stp", now),
            "refund_bet": ids.new_id("stp", now),
        }
        stake = self.stake if stake is None else stake
        balances = [
            (str(a.get("id")), to_minor(a.get("amount"), self.cur))
            for a in self.accounts
            if a.get("currency") == self.cur.code
        ]
        contract = Contract(
            id=ids.new_id("con", now),
            session_id=self.session_id,
            operator=CODE,
            user_id=self.user_id,
            wallet_user=self.player,
            session_token=self.session_token,
            game_id="conformance-check",
            currency_code=self.cur.code,
            stake=stake,
            prize=2 * self.stake if prize is None else prize,
            series_id=f"ser_{uuid.uuid4().hex}",
            tickets=16,
            position=len(self.plays),
            salt=uuid.uuid4().hex * 2,
            path="",
            sides="",
            root=uuid.uuid4().hex * 2,
            play_id=f"conformance-{uuid.uuid4().hex[:12]}",
            view_timeout_s=60,
            bet_lines=split_stake(stake, balances),
            steps=new_steps(step_ids, now),
            start_date=now,
            line_data=True,
        )
        play = Play(contract)
        self.plays[key] = play
        return play

    def applied(self, body: dict[str, Any], what: str) -> Reply:
        reply = self.wallet.call("create_transaction", body)
        self._known = None  # money may have moved: the next "before" is read again
        self.expect(reply.outcome == "ok", f"{what} answered {reply}")
        return reply

    def refused(
        self, body: dict[str, Any], codes: tuple[str, ...], what: str, path: str = "create_transaction"
    ) -> Reply:
        reply = self.wallet.call(path, body)
        self.expect(
            reply.outcome == "refused" and (not codes or reply.code in codes),
            f"{what}: expected {' or '.join(codes) or 'a refusal'} (4xx {{error: {{code, message}}}}), got {reply}",
        )
        return reply

    def moved(self, reply: Reply, before: int, by: int, what: str) -> None:
        """The answer's accounts and a fresh get_user_data both show ``before + by``."""
        listed = reply.body.get("accounts")
        self.expect(isinstance(listed, list), f"{what}: the answer has no accounts")
        told = self.held(listed)
        self.expect(
            told == before + by, f"{what}: the answer shows {self.money(told)}, expected {self.money(before + by)}"
        )
        now = self.held()
        self.expect(
            now == before + by, f"{what}: get_user_data shows {self.money(now)}, expected {self.money(before + by)}"
        )

    def bet(self, key: str) -> tuple[Play, Reply]:
        """The play ``key`` placed (once per run: a later check reuses it)."""
        if key not in self.bets:
            play = self.new_play(key)
            self.bets[key] = self.applied(play.bet, f"the play {key!r}")
            self.net_minor -= play.contract.stake
        return self.plays[key], self.bets[key]

    # ---------------------------------------------------------------- the checks
    def run(self) -> list[Result]:
        with self.wallet.signing():
            try:
                self._run()
            finally:
                self.wallet.client.close()
        return self.results

    def checks(self) -> list[tuple[str, str, Callable[[], str | None]]]:
        """Every check in order: (name, rule, run). A group (the name before its first dot) needs
        nothing from another group."""
        return [
            ("auth.missing", "a request without the auth headers: 401 unauthorized", self.c_auth_missing),
            ("auth.wrong_secret", "signed with another secret: 401 unauthorized", self.c_auth_wrong_secret),
            ("auth.other_body", "a signature over another body: 401 unauthorized", self.c_auth_other_body),
            ("auth.other_endpoint", "a signature for another endpoint: 401 unauthorized", self.c_auth_other_endpoint),
            ("auth.other_app_id", "another X-App-Id: 401 unauthorized", self.c_auth_other_app),
            ("auth.stale", f"X-Timestamp {WINDOW_S + 1} s old: 401 unauthorized", self.c_auth_stale),
            ("auth.future", f"X-Timestamp {WINDOW_S + 1} s ahead: 401 unauthorized", self.c_auth_future),
            ("auth.skew_within_window", "X-Timestamp 60 s behind: taken", self.c_auth_skew),
            ("auth.replayed_nonce", "the same signed request twice: the second 401 unauthorized", self.c_auth_replay),
            ("initialize_session", "a Session acknowledged {success: true}", self.c_initialize),
            ("play", "<kind>.play debits the stake: {transaction_id, accounts}", self.c_play),
            ("play.repeat", "the same play again: the first answer, nothing moves", self.c_play_repeat),
            ("play.concurrent_repeats", "the same new play four times at once: applied once", self.c_play_concurrent),
            ("play.duplicate_mismatch", "the same transaction_id, another body: duplicate_mismatch", self.c_mismatch),
            ("win", "<kind>.win naming its play credits the prize", self.c_win),
            ("win.repeat", "the same win again: the first answer, credited once", self.c_win_repeat),
            ("win.unknown_play", "a win naming a play never applied: invalid_request", self.c_win_unknown),
            ("win.other_contract", "a win naming another contract's play: invalid_request", self.c_win_other_contract),
            ("lose", "<kind>.lose (a zero line) closes its play, nothing moves", self.c_lose),
            ("refund", "<kind>.refund gives its play's stake back", self.c_refund),
            ("refund.repeat", "the same refund again: the first answer, credited once", self.c_refund_repeat),
            ("refund.second", "another refund of the same play moves nothing", self.c_refund_second),
            ("refund.then_win", "a win naming a refunded play: invalid_request", self.c_win_after_refund),
            (
                "refund.unknown_play",
                "a refund of a play never received: accepted, moves nothing",
                self.c_refund_unknown,
            ),
            ("refund.unknown_play.arrives", "that play arriving later: refused, moves nothing", self.c_late_play),
            ("cancel_win", "<kind>.cancel_win takes its win back, once", self.c_cancel_win),
            ("amount.too_precise", "an amount finer than the currency: invalid_request", self.c_amount_precise),
            ("amount.exponent", "an amount with an exponent: invalid_request", self.c_amount_exponent),
            ("amount.non_ascii_digits", "an amount in non-ASCII digits: invalid_request", self.c_amount_digits),
            ("amount.json_number", "an amount as a JSON number: invalid_request", self.c_amount_number),
            ("amount.over_max", "an amount over max_amount: invalid_request", self.c_amount_max),
            ("insufficient_funds", "a stake over the balance: insufficient_funds, again on a retry", self.c_short),
            ("prev.too_many", "more than 20 prev_transactions: invalid_request", self.c_prev_many),
            ("prev.id_too_long", "a prev_transactions id over 64 characters: invalid_request", self.c_prev_long),
            ("finalize_session", "a Session acknowledged {success: true}", self.c_finalize),
        ]

    def _run(self) -> None:
        rule = "lists the player's accounts {id, currency, amount}, amounts exact"
        if not self.check("get_user_data", rule, self.c_user_data):
            self.out("      (nothing else can be checked without the player's accounts)")
            return
        for name, rule, run in self.checks():
            if not self.only or name.split(".", 1)[0] in self.only:
                self.check(name, rule, run)
        self.check("balance.end", "the balance at the end: the start plus what the run won and lost", self.c_end)
        self.check("answers", f"no 5xx, every answer within {self.wallet.deadline_s:g} s", self.c_answers)

    def c_user_data(self) -> str:
        accounts = self.user_data(as_the_hub=True)
        self.expect(bool(accounts), "get_user_data lists no account")
        for account in accounts:
            self.expect(
                isinstance(account, dict)
                and isinstance(account.get("id"), str)
                and isinstance(account.get("currency"), str),
                f"an account without its id or currency: {account}",
            )
            self.expect(isinstance(account.get("amount"), str), f"an amount that is not a decimal string: {account}")
        if self.currency_code is None:
            self.currency_code = str(accounts[0]["currency"])
        currency(self.currency_code)  # a currency we know
        self.start_minor = self.held()
        needed = 5 * self.stake
        self.expect(
            self.start_minor >= needed,
            f"the player holds {self.money(self.start_minor)}; the run needs 5 stakes ({self.money(needed)})",
        )
        return self.money(self.start_minor)

    # auth
    def _probe_body(self) -> str:
        return raw_json({"user_id": self.player})

    def _unauthorized(self, reply: Reply, what: str) -> None:
        self.expect(
            reply.http_status == 401 and reply.code == "unauthorized",
            f"{what}: expected HTTP 401 {{error: {{code: unauthorized}}}}, got {reply}",
        )

    def _probe(self, what: str, raw: str | None = None, **signing: Any) -> None:
        """get_user_data signed with ``signing`` changed (over ``raw`` when given): refused 401."""
        body = self._probe_body()
        headers = self.wallet.headers(signing.pop("endpoint", "get_user_data"), raw or body, **signing)
        self._unauthorized(self.wallet.send("get_user_data", body, headers), what)

    def c_auth_missing(self) -> None:
        headers = {"Content-Type": "application/json"}
        self._unauthorized(self.wallet.send("get_user_data", self._probe_body(), headers), "no headers")

    def c_auth_wrong_secret(self) -> None:
        self._probe("wrong secret", secret=f"{self.wallet.secret}-not")

    def c_auth_other_body(self) -> None:
        self._probe("another body", raw=raw_json({"user_id": f"{self.player}-other"}))

    def c_auth_other_endpoint(self) -> None:
        self._probe("another endpoint", endpoint="initialize_session")

    def c_auth_other_app(self) -> None:
        self._probe("another app id", app_id=f"{self.wallet.operator.app_id}-other")

    def c_auth_stale(self) -> None:
        self._probe("stale", now_ms=clock.now_ms() - (WINDOW_S + 1) * 1000)

    def c_auth_future(self) -> None:
        self._probe("future", now_ms=clock.now_ms() + (WINDOW_S + 1) * 1000)

    def c_auth_skew(self) -> None:
        raw = self._probe_body()
        headers = self.wallet.headers("get_user_data", raw, now_ms=clock.now_ms() - 60_000)
        reply = self.wallet.send("get_user_data", raw, headers)
        self.expect(reply.outcome == "ok", f"a request 60 s behind (inside the {WINDOW_S} s window) answered {reply}")

    def c_auth_replay(self) -> None:
        raw = self._probe_body()
        headers = self.wallet.headers("get_user_data", raw)
        first = self.wallet.send("get_user_data", raw, headers)
        self.expect(first.outcome == "ok", f"the first request answered {first}")
        self._unauthorized(self.wallet.send("get_user_data", raw, headers), "the same nonce again")

    # sessions
    def c_initialize(self) -> None:
        reply = self.wallet.call("initialize_session", self.session())
        self.expect(reply.outcome == "ok" and reply.body.get("success") is True, f"answered {reply}")

    def c_finalize(self) -> None:
        reply = self.wallet.call("finalize_session", self.session("finished"))
        self.expect(reply.outcome == "ok" and reply.body.get("success") is True, f"answered {reply}")

    # plays
    def c_play(self) -> str:
        before = self.known
        _, reply = self.bet("won")
        tid = reply.body.get("transaction_id")
        self.expect(isinstance(tid, str) and bool(tid), f"no transaction_id in {reply}")
        self.moved(reply, before, -self.stake, "the play")
        return f"transaction_id {tid}"

    def c_play_repeat(self) -> None:
        play, first = self.bet("won")
        before = self.known
        again = self.wallet.call("create_transaction", play.bet)
        self.expect(again.outcome == "ok" and again.body == first.body, f"the repeat: {again}; the first: {first}")
        self.unchanged(before, "the repeat")

    def c_play_concurrent(self) -> None:
        before = self.known
        play = self.new_play("concurrent")
        with ThreadPoolExecutor(max_workers=4) as pool:
            replies = list(pool.map(lambda _: self.wallet.call("create_transaction", play.bet), range(4)))
        self.expect(all(r.outcome == "ok" for r in replies), f"answers: {[str(r) for r in replies]}")
        self.bets["concurrent"] = replies[0]
        self.net_minor -= self.stake
        named = {str(r.body.get("transaction_id")) for r in replies}
        self.expect(len(named) == 1, f"four answers name {len(named)} transactions: {sorted(named)}")
        after = self.held()
        debited = self.money(before - after)
        self.expect(after == before - self.stake, f"debited {debited}, the stake is {self.money(self.stake)}")
        self.settle_lost("concurrent")

    def settle_lost(self, key: str) -> None:
        """A play left open is closed with a lose, as the hub settles a losing ticket."""
        lose = replace(self.plays[key].contract, prize=0).settle_request()
        self.applied(lose, f"the lose of {key!r}")

    def c_mismatch(self) -> None:
        play, _ = self.bet("won")
        before = self.known
        body = play.bet
        amount = f"-{to_decimal_string(2 * self.stake, self.cur)}"
        changed = {**body, "transactions": [{**body["transactions"][0], "amount": amount}]}
        self.refused(changed, ("duplicate_mismatch",), "the same id with another amount")
        self.unchanged(before, "the mismatch")

    def c_win(self) -> None:
        play, _ = self.bet("won")
        before = self.known
        reply = self.applied(play.settle, "the win")
        self.expect(isinstance(reply.body.get("transaction_id"), str), f"no transaction_id in {reply}")
        self.wins["won"] = reply
        self.net_minor += play.contract.prize
        self.moved(reply, before, play.contract.prize, "the win")

    def c_win_repeat(self) -> None:
        if "won" not in self.wins:
            self.c_win()
        before = self.known
        again = self.wallet.call("create_transaction", self.plays["won"].settle)
        self.expect(again.outcome == "ok" and again.body == self.wins["won"].body, f"the repeat answered {again}")
        self.unchanged(before, "the repeat")

    def c_win_unknown(self) -> None:
        ghost = self.new_play("ghost")
        before = self.known
        self.refused(ghost.settle, ("invalid_request",), "a win naming a play never sent")
        self.unchanged(before, "the refused win")

    def c_win_other_contract(self) -> None:
        play, _ = self.bet("other-contract")
        before = self.known
        other = play.settle
        other = {**other, "data": {**other["data"], "contract_id": ids.new_id("con")}}
        self.refused(other, ("invalid_request",), "a win naming another contract's play")
        self.unchanged(before, "the refused win")
        self.settle_lost("other-contract")

    def c_lose(self) -> None:
        play, _ = self.bet("lost")
        before = self.known
        lose = replace(play.contract, prize=0).settle_request()
        self.expect(lose["type"] == f"{KIND}.lose", f"built {lose['type']}")
        reply = self.applied(lose, "the lose")
        self.moved(reply, before, 0, "the lose")

    def c_refund(self) -> None:
        play, _ = self.bet("refunded")
        before = self.known
        reply = self.applied(play.refund, "the refund")
        self.refunds["refunded"] = reply
        self.net_minor += self.stake
        self.moved(reply, before, self.stake, "the refund")

    def c_refund_repeat(self) -> None:
        if "refunded" not in self.refunds:
            self.c_refund()
        before = self.known
        again = self.wallet.call("create_transaction", self.plays["refunded"].refund)
        first = self.refunds["refunded"]
        self.expect(again.outcome == "ok" and again.body == first.body, f"the repeat answered {again}")
        self.unchanged(before, "the repeat")

    def c_refund_second(self) -> None:
        if "refunded" not in self.refunds:
            self.c_refund()
        before = self.known
        second = self.plays["refunded"].refund
        step = ids.new_id("stp")
        second = {**second, "transaction_id": step, "data": {**second["data"], "contract_step_id": step}}
        second["transactions"] = [{**line, "id": f"{step}.{i}"} for i, line in enumerate(second["transactions"])]
        reply = self.wallet.call("create_transaction", second)
        self.expect(reply.outcome in ("ok", "refused"), f"answered {reply}")
        self.unchanged(before, "a second refund of one play")

    def c_win_after_refund(self) -> None:
        if "refunded" not in self.refunds:
            self.c_refund()
        before = self.known
        self.refused(self.plays["refunded"].settle, ("invalid_request",), "a win naming a refunded play")
        self.unchanged(before, "the refused win")

    def c_refund_unknown(self) -> None:
        play = self.new_play("never-arrived")
        before = self.known
        reply = self.applied(play.refund, "a refund of a play never received")
        self.expect(isinstance(reply.body.get("transaction_id"), str), f"no transaction_id in {reply}")
        self.unchanged(before, "a refund of a play never received")

    def c_late_play(self) -> None:
        if "never-arrived" not in self.plays:
            self.c_refund_unknown()
        before = self.known
        codes = tuple(sorted(wallet_client.FINAL_CODES))
        self.refused(self.plays["never-arrived"].bet, codes, "the refunded play arriving")
        self.unchanged(before, "the late play")

    def c_cancel_win(self) -> None:
        play, _ = self.bet("cancelled-win")
        self.applied(play.settle, "its win")
        self.net_minor += play.contract.prize
        after_win = self.held()
        cancel = play.cancel_win()
        reply = self.applied(cancel, "the cancel_win")
        self.net_minor -= play.contract.prize
        self.moved(reply, after_win, -play.contract.prize, "the cancel_win")
        again = self.wallet.call("create_transaction", cancel)
        self.expect(again.outcome == "ok" and again.body == reply.body, f"the repeat answered {again}")
        self.unchanged(after_win - play.contract.prize, "the repeated cancel_win")

    def _bad_amount(self, amount: Any, what: str) -> None:
        play = self.new_play(f"amount-{len(self.plays)}")
        body = play.bet
        body["transactions"] = [{**body["transactions"][0], "amount": amount}]
        before = self.known
        self.refused(body, ("invalid_request",), what)
        self.unchanged(before, what)

    def c_amount_precise(self) -> None:
        finer = f"-{to_decimal_string(self.stake, self.cur)}{'' if self.cur.precision else '.'}1"
        self._bad_amount(finer, f"the amount {finer}")

    def c_amount_exponent(self) -> None:
        self._bad_amount(f"-{self.stake}E-{self.cur.precision}", "an exponent")

    def c_amount_digits(self) -> None:
        arabic = to_decimal_string(self.stake, self.cur).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        self._bad_amount(f"-{arabic}", "non-ASCII digits")

    def c_amount_number(self) -> None:
        self._bad_amount(-float(to_decimal_string(self.stake, self.cur)), "a JSON number")

    def c_amount_max(self) -> None:
        self._bad_amount(f"-{to_decimal_string(self.cur.max_amount + 1, self.cur)}", "over max_amount")

    def c_short(self) -> None:
        before = self.known
        play = self.new_play("too-big", stake=before + 1)
        self.refused(play.bet, ("insufficient_funds",), f"a stake of {self.money(before + 1)}")
        self.unchanged(before, "the refused play")
        self.refused(play.bet, ("insufficient_funds",), "the same play again")
        self.unchanged(before, "the refused play's retry")

    def c_prev_many(self) -> None:
        body = self.new_play("many-prev").refund
        body["prev_transactions"] = [ids.new_id("stp") for _ in range(20)] + body["prev_transactions"]
        before = self.known
        self.refused(body, ("invalid_request",), "21 prev_transactions")
        self.unchanged(before, "21 prev_transactions")

    def c_prev_long(self) -> None:
        body = self.new_play("long-prev").refund
        body["prev_transactions"] = ["s" * 65]
        before = self.known
        self.refused(body, ("invalid_request",), "a 65-character id")
        self.unchanged(before, "a 65-character id")

    def c_end(self) -> str:
        self.expect(self.start_minor is not None, "no start balance")
        now = self.held()
        start = self.start_minor or 0
        expected = start + self.net_minor
        self.expect(now == expected, f"holds {self.money(now)}, expected {self.money(expected)}")
        return f"{self.money(start)} -> {self.money(now)}"

    def c_answers(self) -> str:
        self.expect(not self.wallet.problems, "; ".join(self.wallet.problems[:5]))
        return f"slowest {self.wallet.slowest_s:.2f} s"


def create_player(admin_url: str, admin_key: str, code: str, amount: str) -> str:
    """A fresh, funded casino player on our own platform (the account bridge's wallet)."""
    player = f"owc-{uuid.uuid4().hex[:10]}"
    with httpx.Client(
        base_url=admin_url.rstrip("/"), headers={"Authorization": f"Bearer {admin_key}"}, timeout=30
    ) as admin:
        created = admin.post(
            "/players", json={"player_id": player, "user_name": player, "country": "MT", "currency": code}
        )
        if created.status_code != 201:
            raise SystemExit(f"creating a player answered HTTP {created.status_code}: {created.text}")
        funded = admin.post(
            f"/players/{player}/transactions",
            json={"type": "adjustment", "amount": amount, "idempotency_key": f"{player}-fund"},
        )
        if funded.status_code != 200:
            raise SystemExit(f"funding the player answered HTTP {funded.status_code}: {funded.text}")
    return player


def run(
    base_url: str,
    app_id: str,
    secret: str,
    player: str,
    *,
    stake: str = "1.00",
    currency_code: str | None = None,
    deadline_s: float | None = None,
    only: frozenset[str] = frozenset(),
    out: Callable[[str], None] = print,
) -> list[Result]:
    """Every check (or those of the groups ``only``) against the wallet at ``base_url``; the
    results, also printed through ``out``."""
    wallet = Wallet(base_url, app_id, secret, deadline_s)
    out(f"operator-wallet conformance: {wallet.base_url} as app {app_id}, player {player}")
    return Checker(wallet, player, stake, currency_code, out, only).run()


def groups() -> list[str]:
    """The check groups, in order (``--only`` takes them)."""
    checker = Checker(Wallet("http://unused", "unused", "unused"), "unused", "1.00", out=lambda _: None)
    return list(dict.fromkeys(name.split(".", 1)[0] for name, _, _ in checker.checks()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check an operator wallet against operator-wallet.md, as our hub calls it.",
        epilog="Exit status 0: every check passed; 1: a check failed.",
    )
    parser.add_argument(
        "--base-url", required=True, help="your wallet base URL: the hub POSTs to <base-url>/<endpoint>"
    )
    parser.add_argument("--app-id", required=True, help="your operator app id (the hub's X-App-Id)")
    parser.add_argument("--secret", required=True, help="your wallet secret (the hub signs with it)")
    parser.add_argument("--player", help="a test user of your wallet, with at least 5 stakes and not blocked")
    parser.add_argument("--stake", default="1.00", help="the stake of each play (default 1.00)")
    parser.add_argument("--currency", help="the currency to play in (default: the player's first account's)")
    parser.add_argument("--deadline", type=float, help="seconds an answer may take (default: the hub's, 5)")
    parser.add_argument("--admin-key", help="our own platform only: create and fund a fresh player with this admin key")
    parser.add_argument("--admin-url", help="the admin API (default: <origin of --base-url>/api/v1/admin)")
    parser.add_argument("--only", help=f"run only these groups, comma-separated: {', '.join(groups())}")
    args = parser.parse_args(argv)
    only = frozenset(g.strip() for g in (args.only or "").split(",") if g.strip())
    if only - set(groups()):
        parser.error(f"unknown group(s) {', '.join(sorted(only - set(groups())))}; the groups: {', '.join(groups())}")
    player = args.player
    if player is None:
        if not args.admin_key:
            parser.error("give --player (a test user of your wallet), or --admin-key to create one on our platform")
        origin = urlsplit(args.base_url)
        admin_url = args.admin_url or f"{origin.scheme}://{origin.netloc}/api/v1/admin"
        funds = str(Decimal(args.stake) * 20)
        player = create_player(admin_url, args.admin_key, args.currency or "EUR", funds)
    results = run(
        args.base_url,
        args.app_id,
        args.secret,
        player,
        stake=args.stake,
        currency_code=args.currency,
        deadline_s=args.deadline,
        only=only,
    )
    failed = [r for r in results if not r.passed]
    print(f"{len(results)} checks: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
