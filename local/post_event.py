"""Re-sign a sample provider event with the current time and post it to a running stack.

    python -m local.post_event events/provider/changebalance-bet.json --token <from make run>

The sample is an API Gateway event (as events/ keeps them); its body is the provider's
envelope. The script sets ``request_timestamp`` to now, recomputes ``hash`` and the headers
with the provider's secret and signature scheme (``--signature``: the seeded ``tlt`` is
``seed-sha1``; a provider registered without one is ``hmac-sha256``), replaces ``data``
fields given on the command line, posts it, prints the answer and says whether the answer's
signature (its ``hash``, and ``X-Signature`` for ``hmac-sha256``) checks out.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path

from local.provider_client import HMAC_SHA256, SEED_SHA1, ProviderClient


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("event", type=Path, help="a sample under events/provider/")
    parser.add_argument("--base-url", default="http://127.0.0.1:3000")
    parser.add_argument("--provider", default="tlt")
    parser.add_argument("--operator-id", default="demo-casino")
    parser.add_argument("--secret", default="tlt-demo-secret")
    parser.add_argument("--signature", default=SEED_SHA1, choices=[HMAC_SHA256, SEED_SHA1])
    parser.add_argument("--token", help="data.token (make run prints one for player-1)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=JSON",
        help="replace a data field, e.g. --set transaction_id=123 --set amount=2.50",
    )
    args = parser.parse_args(argv)

    event = json.loads(args.event.read_text(encoding="utf-8"))
    command = event["path"].rstrip("/").rsplit("/", 1)[-1]
    client = ProviderClient(args.base_url, args.provider, args.operator_id, args.secret, args.signature)
    if event["httpMethod"] == "GET":
        answer = client.send(command)
    else:
        data = json.loads(event["body"], parse_float=Decimal)["data"]
        if args.token:
            data["token"] = args.token
        for assignment in args.set:
            name, _, value = assignment.partition("=")
            data[name] = json.loads(value, parse_float=Decimal)
        answer = client.send(command, data)
    print(f"HTTP {answer.http_status}  response signature {'valid' if answer.signed else 'INVALID'}")
    print(answer.raw)
    return 0 if answer.ok else 1


if __name__ == "__main__":
    sys.exit(main())
