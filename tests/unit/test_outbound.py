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
    answer = outbound.fetch("POST", prompt, content=b"{}", headers={"X-A": "1"}, timeout_s=2.0)
    assert (answer.status_code, answer.content) == (201, b'{"ok":true}')


def test_an_answer_too_large_is_refused(prompt: str) -> None:
    with pytest.raises(httpx.ReadError):
        outbound.fetch("GET", prompt, timeout_s=2.0, max_bytes=5)


def test_no_peer_is_httpx_own_error() -> None:
    with pytest.raises(httpx.ConnectError):
        outbound.fetch("GET", "http://127.0.0.1:9/", timeout_s=1.0)
