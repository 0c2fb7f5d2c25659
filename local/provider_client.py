"""A game provider's side of the callback protocol: signs requests, checks signed answers.

Used by the tests, ``python -m local.post_event`` and the provider simulator.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

import local  # noqa: F401 - the shared layer on sys.path
from casino.api.jsonio import dumps_numbers


def sha1_hex(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def now_ms() -> str:
    return str(int(time.time() * 1000))


@dataclass
class Answer:
    http_status: int
    body: dict[str, Any]
    signed: bool
    raw: str = ""

    @property
    def ok(self) -> bool:
        return self.body.get("status") == "OK"

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.body.get("data", {})
        return data

    @property
    def error_code(self) -> str | None:
        return self.data.get("error_code") if not self.ok else None


@dataclass
class ProviderClient:
    base_url: str
    provider: str = "tlt"
    operator_id: str = "demo-casino"
    secret: str = "tlt-demo-secret"  # noqa: S105 - the local demo provider's published secret
    timeout_s: float = 30.0
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30.0))

    def url(self, command: str) -> str:
        return f"{self.base_url.rstrip('/')}/api/v1/provider/{self.provider}/{command}"

    def headers(self, command: str) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "X-Operator-Id": self.operator_id,
            "X-Authorization": sha1_hex(command + self.secret),
        }

    def envelope(self, command: str, data: dict[str, Any], timestamp: str | None = None) -> dict[str, Any]:
        ts = timestamp or now_ms()
        return {"command": command, "request_timestamp": ts, "hash": sha1_hex(command + ts + self.secret), "data": data}

    def send(
        self,
        command: str,
        data: dict[str, Any] | None = None,
        *,
        body: Any = None,
        headers: dict[str, str | None] | None = None,
        timestamp: str | None = None,
    ) -> Answer:
        sent = self.headers(command)
        for name, value in (headers or {}).items():
            if value is None:
                sent.pop(name, None)
            else:
                sent[name] = value
        if command == "ping":
            response = self.client.get(self.url(command), headers=sent)
        else:
            payload = body if body is not None else self.envelope(command, data or {}, timestamp)
            text = payload if isinstance(payload, str | bytes) else dumps_numbers(payload)
            response = self.client.post(self.url(command), content=text, headers=sent)
        answer = response.json(parse_float=Decimal)
        expected = sha1_hex(f"{answer.get('status')}{answer.get('response_timestamp')}{self.secret}")
        signed = hmac.compare_digest(str(answer.get("hash", "")), expected)
        return Answer(response.status_code, answer, signed, response.text)
