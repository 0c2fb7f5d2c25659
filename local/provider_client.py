"""A game provider's side of the callback protocol: signs requests, checks signed answers.

Both signature schemes of provider-callbacks.md: ``seed-sha1`` (the seeded ``tlt``) and
``hmac-sha256`` (the default for a new provider: ``X-Authorization`` covers the command, the
timestamp and the raw body; ``GET /ping`` signs ``X-Timestamp``; answers carry ``X-Signature``).

Used by the tests, ``python -m local.post_event`` and the provider simulator.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

import local  # noqa: F401 - the shared layer on sys.path
from casino.api.jsonio import dumps_numbers

SEED_SHA1 = "seed-sha1"
HMAC_SHA256 = "hmac-sha256"


def sha1_hex(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


_clock = threading.Lock()
_last_ms = 0


def now_ms() -> str:
    """Epoch ms, strictly increasing within this process. The seed's request hash covers only
    the command and the timestamp, and the wallet binds a hash to the first body it came with:
    two different requests of one command in one millisecond would share a hash, so a
    provider never sends two with the same timestamp."""
    global _last_ms  # noqa: PLW0603 - one clock per process
    with _clock:
        _last_ms = max(_last_ms + 1, int(time.time() * 1000))
        return str(_last_ms)


def _used(timestamp: str) -> None:
    """A timestamp given by the caller, close to now (a retry a few ms on): later ones from
    ``now_ms`` come after it. A deliberately stale or future one leaves the clock alone."""
    global _last_ms  # noqa: PLW0603
    if len(timestamp) == 13 and timestamp.isascii() and timestamp.isdigit():
        given = int(timestamp)
        if abs(given - time.time() * 1000) < 1000:
            with _clock:
                _last_ms = max(_last_ms, given)


@dataclass
class Answer:
    http_status: int
    body: dict[str, Any]
    signed: bool
    raw: str = ""
    x_signature: str | None = None

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
    signature: str = SEED_SHA1  # tlt's scheme; a provider registered without one is hmac-sha256
    timeout_s: float = 30.0
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30.0))

    def url(self, command: str) -> str:
        return f"{self.base_url.rstrip('/')}/api/v1/provider/{self.provider}/{command}"

    def authorization(self, command: str, timestamp: str = "", raw: bytes = b"") -> str:
        """``X-Authorization``: sha1(command + secret), or HMAC-SHA256 over
        command + "\\n" + timestamp + "\\n" + raw body (for ping: the empty body)."""
        if self.signature == SEED_SHA1:
            return sha1_hex(command + self.secret)
        return hmac_hex(self.secret, f"{command}\n{timestamp}\n".encode() + raw)

    def headers(self, command: str, timestamp: str = "", raw: bytes = b"") -> dict[str, str]:
        """The request headers; ``hmac-sha256`` needs the request's timestamp and raw body."""
        headers = {
            "Content-Type": "application/json",
            "X-Operator-Id": self.operator_id,
            "X-Authorization": self.authorization(command, timestamp, raw),
        }
        if self.signature == HMAC_SHA256 and command == "ping":
            headers["X-Timestamp"] = timestamp
        return headers

    def envelope(self, command: str, data: dict[str, Any], timestamp: str | None = None) -> dict[str, Any]:
        if timestamp is not None:
            _used(timestamp)
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
        """Sign and send; ``body`` sends a prepared envelope (or any text) as it is, ``headers``
        replace (or, with None, remove) the signed ones."""
        if command == "ping":
            ts = timestamp or now_ms()
            sent = self._override(self.headers(command, ts), headers)
            response = self.client.get(self.url(command), headers=sent)
        else:
            payload = body if body is not None else self.envelope(command, data or {}, timestamp)
            text = payload if isinstance(payload, str | bytes) else dumps_numbers(payload)
            raw = text if isinstance(text, bytes) else text.encode("utf-8")
            stamped = payload.get("request_timestamp") if isinstance(payload, dict) else None
            ts = stamped if isinstance(stamped, str) else (timestamp or now_ms())
            sent = self._override(self.headers(command, ts, raw), headers)
            response = self.client.post(self.url(command), content=raw, headers=sent)
        return self.answer_of(response)

    @staticmethod
    def _override(signed: dict[str, str], headers: dict[str, str | None] | None) -> dict[str, str]:
        for name, value in (headers or {}).items():
            if value is None:
                signed.pop(name, None)
            else:
                signed[name] = value
        return signed

    def answer_of(self, response: httpx.Response) -> Answer:
        """The answer, ``signed`` when its ``hash`` (and, for ``hmac-sha256``, its
        ``X-Signature`` over the raw body) checks out."""
        answer = response.json(parse_float=Decimal)
        stamp = str(answer.get("response_timestamp"))
        signed = hmac.compare_digest(
            str(answer.get("hash", "")), sha1_hex(f"{answer.get('status')}{stamp}{self.secret}")
        )
        x_signature = response.headers.get("X-Signature")
        if self.signature == HMAC_SHA256:
            expected = hmac_hex(self.secret, f"{stamp}\n".encode() + response.content)
            signed = signed and hmac.compare_digest(x_signature or "", expected)
        return Answer(response.status_code, answer, signed, response.text, x_signature)
