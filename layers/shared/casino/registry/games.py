"""Games in the registry: provider games (synced) and, later, the hub's own."""

from __future__ import annotations

from typing import Any

from casino.money import currency, to_decimal_string
from casino.registry import store


def playable(game: dict[str, Any]) -> bool:
    """The one place that decides whether a game takes bets: an admin has not disabled it,
    and its provider lists it and enables it."""
    return bool(
        game.get("admin_status", "active") == "active"
        and game.get("listed", True)
        and game.get("provider_enabled", True)
    )


def status_of(game: dict[str, Any]) -> str:
    return "active" if playable(game) else "disabled"


def view(game: dict[str, Any]) -> dict[str, Any]:
    limits = {
        code: {name: to_decimal_string(int(value), currency(code)) for name, value in lim.items()}  # minor units
        for code, lim in (game.get("bet_limits") or {}).items()
    }
    return {
        "id": f"{game['source']}:{game['game_id']}",
        "provider": game["source"],
        "game_id": game["game_id"],
        "name": game["name"],
        "kind": game.get("kind", "provider"),
        "category": game.get("category"),
        "status": status_of(game),
        "admin_status": game.get("admin_status", "active"),
        "listed": game.get("listed", True),
        "provider_enabled": game.get("provider_enabled", True),
        "bet_limits": limits,
        "restricted_countries": game.get("restricted_countries", []),
        "wagering_contribution": game.get("wagering_contribution", "1"),
        "configuration": game.get("configuration"),
        **({"commitment": game["commitment"]} if game.get("commitment") else {}),
    }


def listing(*, provider: str | None, status: str | None, kind: str | None) -> list[dict[str, Any]]:
    """One index query per provider (GSI1 ``GAMES#<provider>``); status and kind filter the result."""
    sources = (
        [provider] if provider else ["hub", *(p["code"] for p in store.query_index("GSI1", "PROVIDERS", limit=1000))]
    )
    found = [view(g) for source in sources for g in store.games_of(source)]
    return [g for g in found if (status is None or g["status"] == status) and (kind is None or g["kind"] == kind)]
