"""Slow HTTP peers for time-budget tests: one that takes the connection and never answers, and
one that answers its head at once and then its body a byte at a time."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def peer(answer: bytes | None, drip_s: float = 0.0) -> Iterator[str]:
    """A local HTTP peer's base URL. ``answer`` None: it never answers; else its head is sent at
    once and its body a byte every ``drip_s`` seconds."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    stop = threading.Event()

    def one(conn: socket.socket) -> None:
        try:
            _read_request(conn)
            if answer is None:
                stop.wait()
                return
            head, _, body = answer.partition(b"\r\n\r\n")
            conn.sendall(head + b"\r\n\r\n")
            for byte in body:
                if stop.is_set():
                    return
                conn.sendall(bytes([byte]))
                time.sleep(drip_s)
        except OSError:
            pass
        finally:
            conn.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=one, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        server.close()


def _read_request(conn: socket.socket) -> None:
    """The whole request, its head and then its body by ``Content-Length``, before any answer: a
    peer that closes with part of a request unread resets the connection, and the caller may see
    that reset before the answer (a POST's body can arrive after its head)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk


def trickle(length: int = 60) -> bytes:
    """A 200 whose body (``length`` spaces) is to be sent a byte at a time."""
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % length + b" " * length
