"""casino.outbound: a deadline for the whole HTTP exchange, not for each read."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from casino import outbound
from tests.peers import peer, trickle


@pytest.fixture()
def trickling() -> Iterator[str]:
    with peer(trickle(60), drip_s=0.1) as url:
        yield url


@pytest.fixture()
def prompt() -> Iterator[str]:
    with peer(b'HTTP/1.1 201 Created\r\nContent-Length: 11\r\n\r\n{"ok":true}') as url:
        yield url


def test_a_peer_that_trickles_its_answer_is_given_up_at_the_deadline(trickling: str) -> None:
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        outbound.fetch("GET", trickling, timeout_s=1.0)  # each read is quick: httpx alone waits ~6 s
    assert time.monotonic() - started < 1.5


def test_an_answer_in_time_is_whole(prompt: str) -> None:
    answer = outbound.fetch("POST", prompt, content=b"{}", headers={"X-A": "1"}, timeout_s=10.0)
    assert (answer.status_code, answer.content) == (201, b'{"ok":true}')


def test_an_answer_too_large_is_refused(prompt: str) -> None:
    with pytest.raises(httpx.ReadError):
        outbound.fetch("GET", prompt, timeout_s=2.0, max_bytes=5)


def test_no_peer_is_httpx_own_error() -> None:
    with pytest.raises(httpx.ConnectError):
        outbound.fetch("GET", "http://127.0.0.1:9/", timeout_s=1.0)


def test_calls_to_one_peer_share_a_kept_alive_connection() -> None:
    """One client per execution environment: a call does not build a TLS context and a
    connection of its own (it cost ~35 ms of CPU on every bet and win)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    connections: list[object] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            connections.append(self.connection)

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        answers = [outbound.fetch("GET", url, timeout_s=10.0) for _ in range(3)]
    finally:
        server.shutdown()
        server.server_close()
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len(connections) == 1
