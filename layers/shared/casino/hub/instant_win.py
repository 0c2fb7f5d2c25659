"""Instant-win hub games: created with their first series committed before they can sell.

``create_game`` validates the configuration (``prizes.parse_config``), claims the code (the
game's record, closed), generates the first series, stores it (``series_store``) and only then
publishes its commitment on the record and opens the game. A call that failed half-way is
completed by the same call again (the same name, kind and configuration); any other call with
a code that is taken is refused.
"""

from __future__ import annotations

from typing import Any

from casino import clock
from casino.errors import Conflict, NotFound, ValidationFailed
from casino.hub import prizes, series_store
from casino.registry import games
from casino.registry import store as registry

HUB = "hub"
KIND = "instant_win"
PENDING = "pending"  # the record exists, its first series is not committed yet: not playable


def _configuration(raw: dict[str, Any]) -> prizes.GameConfig:
    try:
        return prizes.parse_config(raw)
    except ValidationFailed as refused:
        field = f"configuration.{refused.field}" if refused.field else "configuration"
        raise ValidationFailed(f"configuration.{refused.message}", field=field) from None


def create_game(code: str, name: str, kind: str, configuration: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A new hub game and its first committed series: ``(game view, created)``; ``created`` is
    False when this completes a game an earlier identical call left uncommitted."""
    if kind != KIND:
        raise ValidationFailed(f"kind: must be {KIND}", field="kind")
    config = _configuration(configuration)
    record = {
        "game_id": code,
        "name": name,
        "kind": kind,
        "configuration": config.to_json(),
        "admin_status": PENDING,
        "listed": True,
        "provider_enabled": True,
        "created_at": clock.now_ms(),
    }
    existing = registry.add_hub_game(record)
    created = existing is None
    if existing is not None:
        same = all(existing.get(k) == record[k] for k in ("name", "kind", "configuration"))
        if existing.get("commitment") or not same:
            raise Conflict(f"game {code!r} already exists", field="code")
        record = existing
    series = prizes.generate(config)
    commitment = series_store.write_series(series, game=code)
    published = registry.publish_commitment(code, commitment, "active")
    if published is None:  # a concurrent identical call published first
        raise Conflict(f"game {code!r} already exists", field="code")
    return games.view(published), created


def game_ref(game_id: str) -> tuple[str, str]:
    """``hub:<code>``, a bare hub code, or ``<provider>:<game id>``, as ``GET /games`` lists ids."""
    source, sep, rest = game_id.partition(":")
    return (source, rest) if sep else (HUB, game_id)


def set_status(game_id: str, status: str) -> dict[str, Any]:
    """An admin opens or closes a game (hub or provider); a hub game opens only once committed."""
    source, ident = game_ref(game_id)
    if registry.game(source, ident) is None:
        raise NotFound(f"game {game_id!r} not found", field="id")
    updated = registry.set_game_status(source, ident, status)
    if updated is None:
        raise Conflict(f"game {game_id!r} has no committed series yet", field="status")
    return games.view(updated)
