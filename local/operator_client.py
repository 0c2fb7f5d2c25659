"""Dynamic app auth from the caller's side: an operator calling the hub, or a hub calling an
operator wallet (the account bridge). Used by the tests and by anyone integrating by hand."""

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

    def post(
        self, path: str, body: Any, *, timestamp: int | None = None, headers: dict[str, str | None] | None = None
    ) -> httpx.Response:
        raw = body if isinstance(body, str) else json.dumps(body)
        sent: dict[str, str] = {
            "Content-Type": "application/json",
            **app_auth.headers(self.app_id, self.secret, raw, timestamp),
        }
        for name, value in (headers or {}).items():
            if value is None:
                sent.pop(name, None)
            else:
                sent[name] = value
        return self.client.post(f"{self.base_url.rstrip('/')}{path}", content=raw, headers=sent)
