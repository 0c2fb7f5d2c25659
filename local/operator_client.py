"""Dynamic app auth from the caller's side: an operator calling the hub, or a hub calling an
operator wallet (the account bridge). Used by the tests and by anyone integrating by hand.

Every request is signed afresh: the current time, a new nonce, the method, the endpoint (the
path's last segment) and the exact body sent (hub-operator-api.md, "Auth")."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

import local  # noqa: F401 - the shared layer on sys.path
from casino.hub import app_auth


@dataclass
class SignedClient:
    base_url: str
    app_id: str
    secret: str
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30.0))

    def signed_headers(
        self, path: str, raw: str, *, timestamp: int | None = None, nonce: str | None = None
    ) -> dict[str, str]:
        """The auth headers of a POST to ``path`` with body ``raw``."""
        return app_auth.headers(
            self.app_id, self.secret, "POST", app_auth.endpoint_of(path), raw, now_ms=timestamp, nonce=nonce
        )

    def post(
        self,
        path: str,
        body: Any,
        *,
        timestamp: int | None = None,
        headers: dict[str, str | None] | None = None,
        nonce: str | None = None,
    ) -> httpx.Response:
        """POST ``body`` (JSON, or a string sent as is), signed; ``timestamp`` (unix ms) and
        ``nonce`` fix what is otherwise fresh; ``headers`` replace (or, with None, remove) any
        header after signing."""
        raw = body if isinstance(body, str) else json.dumps(body)
        sent: dict[str, str] = {
            "Content-Type": "application/json",
            **self.signed_headers(path, raw, timestamp=timestamp, nonce=nonce),
        }
        for name, value in (headers or {}).items():
            if value is None:
                sent.pop(name, None)
            else:
                sent[name] = value
        return self.client.post(f"{self.base_url.rstrip('/')}{path}", content=raw, headers=sent)

    def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """GET ``path`` (with ``params`` as its query), signed: the endpoint and an empty body."""
        headers = app_auth.headers(self.app_id, self.secret, "GET", app_auth.endpoint_of(path), "")
        return self.client.get(f"{self.base_url.rstrip('/')}{path}", params=params, headers=headers)

    def replay(self, path: str, request: httpx.Request) -> httpx.Response:
        """Send a captured request's headers and body again, to ``path`` (a replay)."""
        return self.client.post(f"{self.base_url.rstrip('/')}{path}", content=request.content, headers=request.headers)
