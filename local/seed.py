"""Seeds the demo data of local-stack.md from seed.json.

Everything goes through the same domain code the admin API uses, keyed so that seeding twice
changes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local import sports_feeds
from local.stack import LocalStack

SEED_FILE = Path(__file__).with_name("seed.json")
PLATFORM_PREFIX = "/_local/provider-platform/"


@dataclass
class Seeded:
    data: dict[str, Any]
    lines: list[str] = field(default_factory=list)


def load(path: Path = SEED_FILE) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def seed(stack: LocalStack, data: dict[str, Any] | None = None) -> Seeded:
    data = data or load()
    result = Seeded(data)
    stack.put_secret("AdminBootstrapKey", data["admin_key"])
    result.lines.append(f"admin key          {data['admin_key']}  (Authorization: Bearer ...)")

    from casino.errors import Conflict  # noqa: PLC0415

    for p in data["providers"]:
        with contextlib.suppress(Conflict):  # registered before with another body: kept as it was
            _seed_provider(stack, p)
        result.lines.append(
            f"provider {p['code']:<9} operator id {p['operator_id']}, secret {p['secret']}, "
            f"signature {p.get('signature', 'hmac-sha256')}, {len(p['catalogue'])} games in its local catalogue"
        )
    for player in data.get("players", []):
        result.lines.append(seed_player(player))
    for operator in data.get("operators", []):
        result.lines.append(seed_operator(stack, operator))
    for password_player in data.get("password_players", []):
        result.lines.append(seed_password_player(password_player))
    for game in data.get("hub_games", []):
        result.lines.append(seed_hub_game(game))
    for feed in sports_feeds.FEEDS:
        result.lines.append(seed_sports_feed(stack, feed))
    return result


def seed_sports_feed(stack: LocalStack, feed: dict[str, Any]) -> str:
    """A stub sports feed (``local/sports_feeds.py``) registered as ops would; seeded before with
    the same settings, it is the same feed again."""
    from casino import clock  # noqa: PLC0415
    from casino.sports import feeds  # noqa: PLC0415

    base_url = f"{stack.public_base_url}{sports_feeds.PREFIX}{feed['code']}"
    feeds.register({**feed, "base_url": base_url}, clock.now_ms())
    return f"sports feed {feed['code']:<7} {base_url}  secret {feed['secret']}, polled every {feed['poll_seconds']} s"


def _seed_provider(stack: LocalStack, p: dict[str, Any]) -> None:
    """A demo provider; seeded before with this very body, it is the same provider again."""
    from casino.registry import providers  # noqa: PLC0415

    providers.register(
        code=p["code"],
        name=p["name"],
        operator_id=p["operator_id"],
        secret=p["secret"],
        platform_url=f"{stack.public_base_url}{PLATFORM_PREFIX}{p['code']}",
        currencies=p["currencies"],
        signature=p.get("signature", "hmac-sha256"),
        allowed_ips=p.get("allowed_ips"),
    )


def seed_operator(stack: LocalStack, operator: dict[str, Any]) -> str:
    """A demo operator; a bridge operator's wallet is the account bridge on this very server,
    its wallet secret fixed by the seed (in AWS it is generated and never shown). Seeded before
    with the same data, it is the same operator again."""
    from casino.registry import operators  # noqa: PLC0415

    registered = operators.register(
        code=operator["code"],
        name=operator.get("name", operator["code"]),
        wallet_base_url=operator.get("wallet_base_url", ""),
        currencies=operator["currencies"],
        wallet=operator.get("wallet"),
        public_base_url=stack.public_base_url,
        app_id=operator["app_id"],
        app_secret=operator["app_secret"],
        wallet_secret=operator["wallet_secret"],
    )
    wallet = registered.answer["wallet_base_url"]
    if registered.answer["wallet"] == operators.BRIDGE:
        wallet = f"the account bridge {wallet}"
    return (
        f"operator {operator['code']:<9} app_id {operator['app_id']}, app_secret {operator['app_secret']}, "
        f"wallet secret {operator['wallet_secret']}, wallet = {wallet}"
    )


def seed_hub_game(game: dict[str, Any]) -> str:
    """A hub game through the logic of ``POST /admin/games``: its first series generated, stored
    and committed, its root published. Seeded before, it is kept as it is (its commitment shown)."""
    from casino.errors import Conflict  # noqa: PLC0415
    from casino.hub import instant_win  # noqa: PLC0415
    from casino.registry import games, store  # noqa: PLC0415

    code = game["code"]
    try:
        view, _ = instant_win.create_game(code, game.get("name", code), game["kind"], game["configuration"])
    except Conflict:
        held = store.game("hub", code)
        if held is None:
            raise
        view = games.view(held)
    config = game["configuration"]
    commitment = view.get("commitment") or {}
    return (
        f"hub game {code:<8} {game['kind']}, stake {config['stake']} {config['currency']}, "
        f"series {commitment.get('series_id')} of {commitment.get('tickets', 0):,} tickets, "
        f"commitment root {commitment.get('root')}"
    )


def seed_player(player: dict[str, Any]) -> str:
    """A demo player: created, its real balance set by an adjustment (so it is withdrawable),
    its bonus granted, its status set; every step keyed, so seeding twice changes nothing."""
    from casino import clock  # noqa: PLC0415
    from casino.errors import Conflict  # noqa: PLC0415
    from casino.wallet import admin  # noqa: PLC0415

    pid = player["player_id"]
    with contextlib.suppress(Conflict):  # seeded before: the keyed steps below change nothing
        admin.create_player(
            player_id=pid,
            user_name=pid,
            country=player["country"],
            currency=player["currency"],
            display_name=player.get("display_name", pid.replace("-", " ").title()),
        )
    admin.post_transaction(
        pid,
        type="adjustment",
        amount=player["real"],
        idempotency_key=f"seed-{pid}-real",
        note="local demo balance",
    )
    bonus = player.get("bonus")
    if bonus:
        expires = clock.now_ms() + int(bonus["expires_in_days"]) * 86_400_000
        admin.grant_bonus(
            pid,
            amount=bonus["amount"],
            mode=bonus["mode"],
            wagering_multiplier=bonus["wagering_multiplier"],
            expires_at=expires,
            idempotency_key=f"seed-{pid}-bonus",
        )
    if player.get("status", "active") != "active":
        admin.set_status(pid, player["status"])
    view = admin.get_player(pid)
    balances = view["balances"]
    return (
        f"player {pid:<11} {view['currency']} real {balances['real']}, bonus {balances['bonus']}, "
        f"{view['status']}, country {view['country']}"
    )


def seed_password_player(player: dict[str, Any]) -> str:
    """A password player of a bridge operator (player-accounts.md) through the logic of
    ``POST /client/register``, its real balance set by a keyed adjustment. Seeded before (the
    username is taken), the stored player is kept and the keyed adjustment changes nothing."""
    from casino.accounts import service  # noqa: PLC0415
    from casino.accounts import store as accounts_store  # noqa: PLC0415
    from casino.errors import Conflict  # noqa: PLC0415
    from casino.wallet import admin  # noqa: PLC0415

    fields = ("operator", "username", "password", "currency", "country", "display_name")
    with contextlib.suppress(Conflict):  # registered before: the same username, kept as it is
        service.register(**{name: player.get(name) for name in fields})
    credential = accounts_store.credential(player["operator"], player["username"].casefold())
    assert credential is not None, f"password player {player['username']} was not registered"
    pid = credential["player_id"]
    admin.post_transaction(
        pid, type="adjustment", amount=player["real"], idempotency_key=f"seed-{pid}-real", note="local demo balance"
    )
    from casino.wallet import limits  # noqa: PLC0415

    if player.get("limits"):  # a limit seeded again is no change (and its audit record is not repeated)
        limits.change(pid, {**player["limits"], "reason": "local demo limits"}, by="ops")
    balances = admin.get_player(pid)["balances"]
    shown = ", ".join(
        f"{kind} limit {amount} a {period}"
        for kind, periods in (player.get("limits") or {}).items()
        for period, amount in periods.items()
    )
    return (
        f"password player {player['username']:<4} operator {player['operator']}, password {player['password']}, "
        f"player {pid}, {player['currency']} real {balances['real']}{', ' + shown if shown else ''} "
        f"(POST /api/v1/client/password_login)"
    )


def provider_platform(data: dict[str, Any]) -> Any:
    """The stub of each provider's platform API: ``GET <prefix><code>/games``, signed like callbacks."""
    by_code = {p["code"]: p for p in data["providers"]}

    def route(method: str, rest: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        code, _, what = rest.partition("/")
        provider = by_code.get(code)
        if method != "GET" or provider is None or what != "games":
            return 404, {"Content-Type": "application/json"}, b'{"error":"not found"}'
        expected = hashlib.sha1(("games" + provider["secret"]).encode(), usedforsecurity=False).hexdigest()
        given = headers.get("X-Authorization", "")
        if headers.get("X-Operator-Id") != provider["operator_id"] or not hmac.compare_digest(given, expected):
            return 401, {"Content-Type": "application/json"}, b'{"error":"unauthorized"}'
        answer = json.dumps({"games": provider["catalogue"], "complete": True}).encode()
        return 200, {"Content-Type": "application/json"}, answer

    return route


def first_sync_and_tokens(data: dict[str, Any]) -> list[str]:
    """Sync each provider's games now, then open a game session for the first player on each
    provider's first enabled game (the token a provider's ``authenticate`` takes)."""
    from casino.errors import DomainError  # noqa: PLC0415
    from casino.provider import sessions  # noqa: PLC0415
    from casino.registry import game_sync  # noqa: PLC0415

    lines = []
    player = data["players"][0]["player_id"]
    for provider in data["providers"]:
        record = game_sync.run(provider["code"])
        lines.append(
            f"games of {provider['code']:<8}  sync {record['outcome']}: {record['created']} created, "
            f"{record['updated']} updated, {record['disabled']} disabled"
        )
        game = next(g for g in provider["catalogue"] if g.get("enabled", True))
        try:
            session = sessions.open_session(
                player_id=player, provider=provider["code"], game_id=game["game_id"], ttl_minutes=24 * 60
            )
        except DomainError as failed:
            lines.append(f"no game session for {player} on {provider['code']}: {failed.message}")
            continue
        lines.append(
            f"game session token for {player} on {provider['code']} game {game['game_id']}: {session['token']}"
        )
    lines.extend(_client_url(data, player))
    return lines


def _client_url(data: dict[str, Any], player: str) -> list[str]:
    """A ready client_url for the first player, through the first operator (the bridge)."""
    from casino.hub import sessions  # noqa: PLC0415
    from casino.registry import operators  # noqa: PLC0415
    from casino.settings import settings  # noqa: PLC0415

    if not data.get("operators"):
        return []
    operator = operators.require(data["operators"][0]["code"])
    game = (data.get("hub_games") or [{}])[0].get("code")
    body = {"user_id": player, **({"game_id": game} if game else {})}
    created = sessions.create_session(operator, body, settings().public_base_url)
    return [f"client_url for {player} (operator {operator.code}): {created['client_url']}"]
