"""Outbound HTTP with a deadline for the whole exchange.

httpx's timeouts bound each connect and each read, not the exchange: a peer that sends its
answer a byte at a time never trips them and keeps a Lambda past its time. ``fetch`` runs the
exchange on a worker thread and waits for it until ``timeout_s``: past that it raises
``httpx.ReadTimeout`` and leaves the worker to end on its own (each of its reads is still
bounded by ``timeout_s``, its answer by ``max_bytes``; nobody reads what it gets).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    status_code: int
    content: bytes
    headers: dict[str, str]


_shared: Any = None
_shared_lock = threading.Lock()


def _client() -> Any:
    """The execution environment's one ``httpx.Client``: its TLS context is built once (about
    35 ms of CPU each time, which a client per call paid on every bet and win) and its
    connections to a peer are kept alive between calls. httpx's client is safe across threads."""
    global _shared  # noqa: PLW0603
    if _shared is None:
        import httpx  # noqa: PLC0415

        with _shared_lock:
            if _shared is None:
                _shared = httpx.Client()
    return _shared


def fetch(
    method: str,
    url: str,
    *,
    timeout_s: float,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    max_bytes: int = MAX_BYTES,
) -> Answer:
    """One request, answered in full within ``timeout_s``; else ``httpx.ReadTimeout``. Errors of
    the exchange are httpx's own (``ConnectError``, ``ReadTimeout``...)."""
    import httpx  # noqa: PLC0415 - lazy: only functions that call out pay for it

    outcome: dict[str, Any] = {}

    def exchange() -> None:
        try:  # the client too is made inside the deadline (the first call's TLS context)
            with _client().stream(method, url, headers=headers or {}, content=content, timeout=timeout_s) as answer:
                body = bytearray()
                for chunk in answer.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise httpx.ReadError(f"the answer is larger than {max_bytes} bytes", request=answer.request)
                outcome["answer"] = Answer(answer.status_code, bytes(body), dict(answer.headers))
        except Exception as error:  # handed to the caller's thread
            outcome["error"] = error

    worker = threading.Thread(target=exchange, name="outbound", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if "answer" in outcome:
        found: Answer = outcome["answer"]
        return found
    if "error" in outcome:
        raise outcome["error"]
    raise httpx.ReadTimeout(f"no full answer within {timeout_s:.1f} s", request=httpx.Request(method, url))
