"""A fake operator wallet for tests: a real HTTP server on loopback that checks the hub's
signature, records every call, keeps its players' accounts, and can be told to misbehave."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from casino.hub import app_auth
from tests.conftest import free_port


@dataclass
class Fault:
    """What the next calls to ``path`` (or to any path, with ``*``) get."""

    mode: str  # slow, fail_5xx, drop_after_apply, refuse, malformed, ok_unapplied (a 200 that applies nothing)
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
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> FakeOperator:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/wallet"
        self._server = make_server("127.0.0.1", self.port, self._app, threaded=True)
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
        if fault and fault.mode == "malformed":
            return Response("{not json", status=200, content_type="application/json")
        if fault and fault.mode == "ok_unapplied":  # a proxy's or a broken wallet's 200: nothing applied
            return self._json(200, {"status": "temporarily unavailable", "error": {"code": "busy"}})
        with self._lock:
            status, answer = self._apply(path, body)
        if fault and fault.mode == "drop_after_apply":
            return self._json(502, {"message": "gateway lost the answer"})
        return self._json(status, answer)

    def _apply(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path in ("initialize_session", "finalize_session"):
            return 200, {"success": True}
        if path == "get_user_data":
            return 200, {"accounts": self._accounts(body["user_id"])}
        if path == "create_transaction":
            return self._transaction(body)
        return 404, {"error": {"code": "invalid_request", "message": "unknown endpoint"}}

    def _accounts(self, user: str) -> list[dict[str, str]]:
        return [{"id": k, "currency": "EUR", "amount": str(v)} for k, v in self.users.get(user, {}).items()]

    @staticmethod
    def _refusal(code: str) -> tuple[int, dict[str, Any]]:
        return 400, {"error": {"code": code, "message": code}}

    def _transaction(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The operator-wallet rules: a transaction id applied at most once (the same body
        answers the same; another body is duplicate_mismatch); a refund of a bet never applied
        moves nothing and the bet's later arrival is refused."""
        tid = body["transaction_id"]
        if tid in self.applied:
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
        if action == "play" and any(user.get(account, Decimal(0)) + amount < 0 for account, amount in lines):
            return self._refusal("insufficient_funds")
        for account, amount in lines:
            user[account] = user.get(account, Decimal(0)) + amount
        return 200, {"transaction_id": f"op-{len(self.applied) + 1}", "accounts": self._accounts(body["user_id"])}

    @staticmethod
    def _json(status: int, body: Any) -> Response:
        return Response(json.dumps(body, default=str), status=status, content_type="application/json")
