"""Provider game sessions: the token a provider's ``authenticate`` takes (admin-api.md)."""

from __future__ import annotations

import secrets
import string
from typing import Any

from casino import clock
from casino.errors import Conflict, GameUnavailable, NotFound
from casino.provider import store
from casino.registry import games, providers

TOKEN_ALPHABET = string.ascii_letters + string.digits
TOKEN_LENGTH = 40  # 40 x log2(62) = 238 bits; the protocol allows 20 to 50 alphanumerics


def new_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def open_session(*, player_id: str, provider: str, game_id: int, ttl_minutes: int) -> dict[str, Any]:
    known = providers.get(provider)
    if known is None:
        raise NotFound(f"provider {provider!r} not found", field="provider")
    snap = store.read(provider=provider, player_id=player_id, game_id=game_id)
    if snap.wallet is None:
        raise NotFound(f"player {player_id!r} not found", field="player_id")
    if snap.wallet.status != "active":
        raise Conflict(f"player {player_id!r} is blocked", field="player_id")
    game = snap.game
    if game is None:
        raise NotFound(f"game {game_id} of {provider} not found", field="game_id")
    if not games.playable(game):
        raise GameUnavailable(f"game {game_id} is disabled", field="game_id")
    now = clock.now_ms()
    token = new_token()
    expires_at = now + ttl_minutes * 60_000
    store.put_game_session(
        token,
        {"player_id": player_id, "provider": provider, "game_id": game_id, "started_at": now, "expires_at": expires_at},
    )
    return {"token": token, "player_id": player_id, "provider": provider, "game_id": game_id, "expires_at": expires_at}
