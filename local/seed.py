"""Seeds the demo data of local-stack.md from seed.json, as far as the platform can hold it.

Everything goes through the same domain code the admin API uses; what a later part of the
platform will hold (players, operators, hub games) is reported as not seeded yet.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.stack import LocalStack

SEED_FILE = Path(__file__).with_name("seed.json")
PLATFORM_PREFIX = "/_local/provider-platform/"


@dataclass
class Seeded:
    data: dict[str, Any]
    lines: list[str] = field(default_factory=list)
    not_yet: list[str] = field(default_factory=list)


def load(path: Path = SEED_FILE) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def seed(stack: LocalStack, data: dict[str, Any] | None = None) -> Seeded:
    data = data or load()
    result = Seeded(data)
    stack.put_secret("AdminBootstrapKey", data["admin_key"])
    result.lines.append(f"admin key          {data['admin_key']}  (Authorization: Bearer ...)")

    from casino.registry import providers  # noqa: PLC0415

    for p in data["providers"]:
        providers.register(
            code=p["code"],
            name=p["name"],
            operator_id=p["operator_id"],
            secret=p["secret"],
            platform_url=f"{stack.public_base_url}{PLATFORM_PREFIX}{p['code']}",
            currencies=p["currencies"],
        )
        result.lines.append(
            f"provider {p['code']:<9} operator id {p['operator_id']}, secret {p['secret']}, "
            f"{len(p['catalogue'])} games in its local catalogue"
        )
    for kind in ("players", "operators", "hub_games"):
        if data.get(kind):
            result.not_yet.append(f"{kind}: {', '.join(_name(x) for x in data[kind])}")
    return result


def _name(item: dict[str, Any]) -> str:
    return str(item.get("player_id") or item.get("code"))


def provider_platform(data: dict[str, Any]) -> Any:
    """The stub of each provider's platform API: ``GET <prefix><code>/games``, signed like callbacks."""
    by_code = {p["code"]: p for p in data["providers"]}

    def route(
        method: str, rest: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        code, _, what = rest.partition("/")
        provider = by_code.get(code)
        if method != "GET" or provider is None or what != "games":
            return 404, {"Content-Type": "application/json"}, b'{"error":"not found"}'
        expected = hashlib.sha1(("games" + provider["secret"]).encode(), usedforsecurity=False).hexdigest()
        given = headers.get("X-Authorization", "")
        if headers.get("X-Operator-Id") != provider["operator_id"] or not hmac.compare_digest(
            given, expected
        ):
            return 401, {"Content-Type": "application/json"}, b'{"error":"unauthorized"}'
        answer = json.dumps({"games": provider["catalogue"], "complete": True}).encode()
        return 200, {"Content-Type": "application/json"}, answer

    return route
