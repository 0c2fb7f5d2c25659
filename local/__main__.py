"""``python -m local`` (``make run``): the whole platform on 127.0.0.1 with no Docker, no AWS.

Environment: ``PORT`` (default 3000), ``HOST`` (default 127.0.0.1), ``RATE_SCALE`` (schedules
run that many times faster, and the stub sports feeds play their matches that many times faster;
default 1), ``DRAIN_SECONDS`` (shutdown bound, default 10).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

from local import seed, sports_feeds
from local import template as tpl
from local.server import Gateway, Schedules, serve
from local.stack import LocalStack


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "3000"))
    rate_scale = float(os.environ.get("RATE_SCALE", "1"))
    drain_s = float(os.environ.get("DRAIN_SECONDS", "10"))
    base_url = f"http://{host}:{port}"

    stack = LocalStack(public_base_url=base_url).start()
    data = seed.load()
    gateway = Gateway(stack, {seed.PLATFORM_PREFIX: seed.provider_platform(data)})
    server = serve(gateway, host, port)
    schedules = Schedules(stack, rate_scale)
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stopping.is_set():
            return
        stopping.set()
        schedules.halt()
        print(f"\n[local] {signal.Signals(signum).name}: draining (at most {drain_s:g} s)", flush=True)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, on_signal)  # before the first request can arrive
    signal.signal(signal.SIGTERM, on_signal)
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="http")
    serving.start()  # listening before seeding: the first game sync reads the local catalogue over HTTP
    seeded = seed.seed(stack, data)
    seeded.lines.extend(seed.first_sync_and_tokens(data))
    gateway.local_routes[sports_feeds.PREFIX] = sports_feeds.StubFeeds(rate_scale)  # the matches start now
    seeded.lines.append(
        f"sports matches     played point by point from now on, {sports_feeds.POINT_SECONDS / rate_scale:g} s a point"
    )

    print(f"[local] casino platform on {base_url}  (no Docker, moto in-process)", flush=True)
    for fn in stack.functions.values():
        for route in fn.routes:
            api = f"  ({route.api}: HTTP API, payload 1.0)" if route.kind == tpl.HTTP else ""
            print(f"  {route.method:<6} {base_url}{route.path}  -> {fn.logical_id}{api}")
    for logical, period in schedules.jobs():
        print(f"  every {period:g} s  -> {logical}")
    print("[local] seeded:")
    for line in seeded.lines:
        print(f"  {line}")
    print(f"[local] state machine: {stack.state_machine_arn}", flush=True)
    schedules.start(fire_at_start=False)
    try:
        while serving.is_alive():
            serving.join(0.5)
    finally:
        drained = gateway.drain(drain_s)
        schedules.stop()
        server.server_close()
        stack.stop()
        print(
            f"[local] stopped ({'all requests finished' if drained else 'gave up waiting on requests'})",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
