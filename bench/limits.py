"""What responsible-gaming limits cost on the hot path (player-accounts.md): a provider BET
through the handler for a player with every limit set (nine money limits in the player's time
zone, a session limit) against one with none, in the same run; DynamoDB requests per bet for
both (the totals live on the wallet item: no extra request); and the domain's own decision time
(``domain.bet``) with and without limits, where the check itself is visible."""

from __future__ import annotations

import time
import uuid
from typing import Any

from local.metering import counting
from local.stack import LocalStack

N = 200
DOMAIN_N = 20_000


def _player(limited: bool) -> str:
    from casino.wallet import admin, limits

    pid = f"bench-rg-{'on' if limited else 'off'}-{uuid.uuid4().hex[:6]}"
    admin.create_player(player_id=pid, user_name=pid, country="MT", currency="EUR")
    admin.post_transaction(pid, type="adjustment", amount="100000.00", idempotency_key="fund")
    if limited:
        high = {"day": "90000.00", "week": "95000.00", "month": "99000.00"}
        body = {"deposit": high, "loss": high, "wager": high, "session_minutes": 600, "timezone": "Europe/Malta"}
        limits.change(pid, {**body, "reason": "bench"}, by="ops")
    return pid


def _domain_rate(limited: bool) -> float:
    from casino.wallet import domain
    from casino.wallet.domain import Wallet
    from casino.wallet.responsible import Responsible

    rg = Responsible(timezone="Europe/Malta")
    if limited:
        for key in ("deposit", "loss", "wager"):
            for period in ("day", "week", "month"):
                rg.set_limit(f"{key}:{period}", 10**12, 0, "bench")
    wallet = Wallet(player_id="b", currency="EUR", country="MT", user_name="b", real=10**12, responsible=rg)
    now = int(time.time() * 1000)
    started = time.perf_counter()
    for _ in range(DOMAIN_N):
        wallet = domain.bet(wallet, 100, now=now, reference={})[0].wallet
    return DOMAIN_N / (time.perf_counter() - started)


def bench(stack: LocalStack) -> dict[str, Any]:
    from bench.__main__ import changebalance, default_provider_client, rate
    from casino.provider import sessions

    client = default_provider_client()
    ids = iter(range(5 * 10**8, 6 * 10**8))
    figures: dict[str, Any] = {}
    for label, limited in (("without_limits", False), ("with_limits", True)):
        pid = _player(limited)
        token = sessions.open_session(player_id=pid, provider=client.provider, game_id=1001, ttl_minutes=600)["token"]

        def call(transaction_id: int, pid: str = pid, token: str = token) -> None:
            answer = changebalance(stack, client, token, pid, "BET", transaction_id, transaction_id)
            assert answer["status"] == "OK", answer

        call(next(ids))  # warm
        per_s = rate(N, lambda _: call(next(ids)))
        with counting() as requests:
            call(next(ids))
        figures[label] = {
            "bets_per_s_through_handler": round(per_s, 1),
            "requests_per_bet": dict(requests),
            "domain_bets_per_s": round(_domain_rate(limited), 0),
        }
    off, on = figures["without_limits"], figures["with_limits"]
    figures["handler_ratio_with_to_without"] = round(
        on["bets_per_s_through_handler"] / off["bets_per_s_through_handler"], 3
    )
    figures["domain_us_per_bet_added"] = round(1e6 / on["domain_bets_per_s"] - 1e6 / off["domain_bets_per_s"], 1)
    figures["same_requests"] = on["requests_per_bet"] == off["requests_per_bet"]
    return figures


def markdown(r: dict[str, Any]) -> str:
    off, on = r["without_limits"], r["with_limits"]

    def requests(counts: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))

    return f"""
## Responsible-gaming limits on the hot path

A provider BET through the handler, for a player with every limit set (deposit, loss and wager
per day, week and month in the player's time zone, and a session limit) and for one with none,
in the same run. The running totals live on the wallet item, so the limit check adds no request.

| | without limits | with every limit |
| --- | ---: | ---: |
| BETs per second through the handler | {off["bets_per_s_through_handler"]} | {on["bets_per_s_through_handler"]} |
| DynamoDB requests per BET | {requests(off["requests_per_bet"])} | {requests(on["requests_per_bet"])} |
| `domain.bet` decisions per second (pure Python) | {off["domain_bets_per_s"]:.0f} | {on["domain_bets_per_s"]:.0f} |

With limits the handler runs at {r["handler_ratio_with_to_without"]} of its speed without; the
check and the totals add {r["domain_us_per_bet_added"]} µs to a decision; same requests:
{"yes" if r["same_requests"] else "NO"}.
"""
