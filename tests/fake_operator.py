"""A fake operator wallet for tests: a real HTTP server on loopback that checks the hub's
signature, records every call, keeps its players' accounts, and can be told to misbehave.

``strict=True`` also keeps every rule of operator-wallet.md that the hub never breaks by itself
(canonical amounts within the currency's precision, ``prev_transactions`` of the same user and
contract, a win naming an applied play that was not refunded, a reversal once): the standalone
fake and the operator-wallet conformance runner use it. Standalone, for an operator to point a
local hub at (docs/integration/operator-wallet.md):

    python -m tests.fake_operator --port 8081 --app-id <app id> --wallet-secret <wallet secret> \
        --user u-1=real:100.00,bonus:5.00
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

import local  # noqa: F401 - the shared layer on sys.path (run standalone)
from casino.errors import DomainError
from casino.hub import app_auth
from casino.money import currency, to_minor
from tests.conftest import free_port

MAX_PREV = 20  # operator-wallet.md: at most 20 ids in prev_transactions, each at most 64 characters
MAX_ID = 64


@dataclass
class Fault:
    """What the next calls to ``path`` (or to any path, with ``*``) get."""

    # slow, fail_5xx, drop_after_apply, refuse, decline (initialize/finalize_session's own refusal:
    # 200 {success: false, error}), malformed, ok_unapplied (a 200 that applies nothing),
    # reapply (a broken wallet: a transaction_id seen before is applied again, as new)
    mode: str
    seconds: float = 0.0
    code: str = "insufficient_funds"
    times: int = 1
    types: tuple[str, ...] = ()  # only create_transaction calls of these types (e.g. instant_win.play); () = any call


@dataclass
class FakeOperator:
    app_id: str = ""
    wallet_secret: str = ""
    users: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    correlations: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)  # with X-Correlation-Id
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    applied: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = field(default_factory=dict)
    tombstones: set[str] = field(default_factory=set)
    nonces: set[str] = field(default_factory=set)
    strict: bool = False  # every rule of operator-wallet.md, not only those the hub's own calls test
    exchanges: list[dict[str, Any]] = field(default_factory=list)  # as on the wire: headers, raw bodies
    reversed: set[str] = field(default_factory=set)  # strict: steps a refund or cancel_win reversed
    id_prefix: str = "op"  # its transaction ids: op-1, op-2...
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, port: int | None = None, host: str = "127.0.0.1") -> FakeOperator:
        self.port = port or free_port()
        self.url = f"http://{host}:{self.port}/wallet"
        self._server = make_server(host, self.port, self._app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def fail(self, path: str, fault: Fault) -> None:
        self.faults.setdefault(path, []).append(fault)

    def calls_to(self, path: str) -> list[dict[str, Any]]:
        return [body for p, body in self.calls if p == path]

    def correlation_ids(self, transaction_type: str) -> list[str | None]:
        """The X-Correlation-Id of each create_transaction of that type received (a retry too)."""
        calls = [(body, c) for p, body, c in self.correlations if p == "create_transaction"]
        return [c for body, c in calls if body.get("type") == transaction_type]

    def _fault(self, path: str, body: Any = None) -> Fault | None:
        kind = body.get("type") if isinstance(body, dict) else None
        with self._lock:  # concurrent calls each take one of a fault's ``times``
            for key in (path, "*"):
                queue = self.faults.get(key) or []
                index = next((i for i, f in enumerate(queue) if not f.types or kind in f.types), None)
                if index is not None:
                    fault = queue[index]
                    fault.times -= 1
                    if fault.times <= 0:
                        queue.pop(index)
                    return fault
        return None

    @Request.application  # type: ignore[misc]
    def _app(self, request: Request) -> Response:
        response = self._answer(request)
        self.exchanges.append(
            {
                "path": request.path,
                "headers": {k: v for k, v in request.headers.items() if k.lower().startswith(("x-", "content-type"))},
                "body": request.get_data().decode("utf-8", "replace"),
                "status": response.status_code,
                "answer": response.get_data().decode("utf-8", "replace"),
            }
        )
        return response

    def _answer(self, request: Request) -> Response:
        raw = request.get_data()
        path = app_auth.endpoint_of(request.path)
        signed = app_auth.parse({k.lower(): v for k, v in request.headers.items()})
        if (
            signed is None
            or signed.app_id != self.app_id
            or not app_auth.fresh(signed, int(time.time() * 1000))
            or not app_auth.valid([self.wallet_secret], signed, request.method, path, raw)
            or signed.nonce in self.nonces  # a replay: every call, a retry too, is signed afresh
        ):
            return self._json(401, {"error": {"code": "unauthorized", "message": "bad signature"}})
        self.nonces.add(signed.nonce)
        body = json.loads(raw, parse_float=Decimal)
        self.calls.append((path, body))
        self.correlations.append((path, body, request.headers.get("X-Correlation-Id")))
        fault = self._fault(path, body)
        if fault and fault.mode == "slow":
            time.sleep(fault.seconds)
        if fault and fault.mode == "fail_5xx":
            return self._json(503, {"error": {"code": "unavailable", "message": "try later"}})
        if fault and fault.mode == "refuse":
            return self._json(400, {"error": {"code": fault.code, "message": "refused"}})
        if fault and fault.mode == "decline":
            return self._json(200, {"success": False, "error": {"code": fault.code, "message": "declined"}})
        if fault and fault.mode == "malformed":
            return Response("{not json", status=200, content_type="application/json")
        if fault and fault.mode == "ok_unapplied":  # a proxy's or a broken wallet's 200: nothing applied
            return self._json(200, {"status": "temporarily unavailable", "error": {"code": "busy"}})
        with self._lock:
            status, answer = self._apply(path, body, reapply=bool(fault and fault.mode == "reapply"))
        if fault and fault.mode == "drop_after_apply":
            return self._json(502, {"message": "gateway lost the answer"})
        return self._json(status, answer)

    def _apply(self, path: str, body: dict[str, Any], reapply: bool = False) -> tuple[int, dict[str, Any]]:
        if path in ("initialize_session", "finalize_session"):
            return 200, {"success": True}
        if path == "get_user_data":
            return 200, {"accounts": self._accounts(body["user_id"])}
        if path == "create_transaction":
            return self._transaction(body, reapply)
        return 404, {"error": {"code": "invalid_request", "message": "unknown endpoint"}}

    def _accounts(self, user: str) -> list[dict[str, str]]:
        return [{"id": k, "currency": "EUR", "amount": str(v)} for k, v in self.users.get(user, {}).items()]

    @staticmethod
    def _refusal(code: str) -> tuple[int, dict[str, Any]]:
        return 400, {"error": {"code": code, "message": code}}

    def _transaction(self, body: dict[str, Any], reapply: bool = False) -> tuple[int, dict[str, Any]]:
        """The operator-wallet rules: a transaction id applied at most once (the same body
        answers the same; another body is duplicate_mismatch); a refund of a bet never applied
        moves nothing and the bet's later arrival is refused. ``reapply``: a broken wallet's."""
        if self.strict and (problem := self._invalid(body)):
            return 400, {"error": {"code": "invalid_request", "message": problem}}
        tid = body["transaction_id"]
        if tid in self.applied and not reapply:
            first, status, answer = self.applied[tid]
            return (status, answer) if first == body else self._refusal("duplicate_mismatch")
        if tid in self.tombstones:
            return self._refusal("invalid_request")
        status, answer = self._decide(body)
        self.applied[tid] = (body, status, answer)
        return status, answer

    def _decide(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        action = body["type"].rsplit(".", 1)[1]
        user = self.users.get(body["user_id"])
        if user is None:
            return self._refusal("invalid_request")
        lines = [(line["account_id"], Decimal(line["amount"])) for line in body["transactions"]]
        if action in ("refund", "cancel_win"):
            target = body["prev_transactions"][0]
            done = self.applied.get(target)
            if done is None or done[1] != 200:
                self.tombstones.add(target)
                lines = []  # nothing to reverse
            elif self.strict and target in self.reversed:
                lines = []  # reversed once already
            elif self.strict:
                self.reversed.add(target)
        if action == "play" and any(user.get(account, Decimal(0)) + amount < 0 for account, amount in lines):
            return self._refusal("insufficient_funds")
        for account, amount in lines:
            user[account] = user.get(account, Decimal(0)) + amount
        tid = f"{self.id_prefix}-{len(self.applied) + 1}"
        return 200, {"transaction_id": tid, "accounts": self._accounts(body["user_id"])}

    def _invalid(self, body: dict[str, Any]) -> str | None:
        """Strict mode: what operator-wallet.md refuses as ``invalid_request``, or None."""
        prev = body.get("prev_transactions") or []
        if not isinstance(prev, list) or len(prev) > MAX_PREV:
            return f"prev_transactions: a list of at most {MAX_PREV} ids"
        if not all(isinstance(p, str) and 0 < len(p) <= MAX_ID for p in prev):
            return f"prev_transactions: ids of 1 to {MAX_ID} characters"
        data: dict[str, Any] = body["data"] if isinstance(body.get("data"), dict) else {}
        round_: dict[str, Any] = data["round"] if isinstance(data.get("round"), dict) else {}
        try:
            cur = currency(round_.get("currency", "EUR"))
            for i, line in enumerate(body.get("transactions") or []):
                if not isinstance(line.get("amount"), str):
                    return f"transactions[{i}].amount: a decimal string"
                to_minor(line["amount"], cur, field=f"transactions[{i}].amount")
        except DomainError as refused:
            return refused.message
        action = str(body.get("type", "")).rsplit(".", 1)[-1]
        for step in prev:
            named = self.applied.get(step)
            if named is None:
                if action in ("refund", "cancel_win") and step == prev[-1]:
                    continue  # a reversal may name a step that never arrived
                return f"prev_transactions: {step} is not a step this wallet knows"
            if named[0].get("user_id") != body.get("user_id") or (named[0].get("data") or {}).get(
                "contract_id"
            ) != data.get("contract_id"):
                return f"prev_transactions: {step} is not a step of this user and contract"
        if action in ("win", "lose"):
            play = self.applied.get(prev[-1]) if prev else None
            if play is None or play[1] != 200 or not str(play[0].get("type", "")).endswith(".play"):
                return f"prev_transactions: a {action} names an applied play"
            if prev[-1] in self.reversed:
                return "prev_transactions: the play was refunded"
        return None

    @staticmethod
    def _json(status: int, body: Any) -> Response:
        return Response(json.dumps(body, default=str), status=status, content_type="application/json")


def _user(text: str) -> tuple[str, dict[str, Decimal]]:
    """``u-1=real:100.00,bonus:5.00`` -> ("u-1", {"real": 100.00, "bonus": 5.00})."""
    user, _, accounts = text.partition("=")
    held = {}
    for part in filter(None, accounts.split(",")):
        account, _, amount = part.partition(":")
        held[account.strip()] = Decimal(amount.strip())
    return user.strip(), held


def main(argv: list[str] | None = None) -> int:
    """Serve a strict fake operator wallet until Ctrl-C."""
    import argparse

    parser = argparse.ArgumentParser(description="A fake operator wallet (operator-wallet.md) on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--app-id", required=True, help="the X-App-Id the hub signs with (the operator's app id)")
    parser.add_argument("--wallet-secret", required=True, help="the operator's wallet secret")
    parser.add_argument(
        "--user", action="append", default=[], metavar="ID=ACCOUNT:AMOUNT,...", help="e.g. u-1=real:100.00,bonus:5.00"
    )
    parser.add_argument("--lenient", action="store_true", help="only the rules the hub's own calls test")
    parser.add_argument("--verbose", action="store_true", help="print a line per request")
    parser.add_argument(
        "--fault",
        choices=("reapply", "fail_5xx", "ok_unapplied"),
        help="misbehave on every create_transaction (reapply: a repeated transaction_id is applied again)",
    )
    args = parser.parse_args(argv)
    fake = FakeOperator(app_id=args.app_id, wallet_secret=args.wallet_secret, strict=not args.lenient)
    fake.users.update(_user(text) for text in args.user)
    if args.fault:
        fake.fail("create_transaction", Fault(args.fault, times=10**9))
    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    fake.start(args.port, args.host)
    print(f"fake operator wallet on {fake.url}  (app id {fake.app_id}, users: {', '.join(fake.users) or 'none'})")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
