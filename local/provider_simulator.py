"""A game provider playing realistic sessions against a running stack, then checking the books.

    python -m local.provider_simulator --players 5 --rounds 40 [--base-url http://127.0.0.1:3000]

Each player is created through the admin API with real money and a bonus, gets a game
session, authenticates, and plays rounds: bets, wins, refunds, finish rounds; with retries
(the same transaction again with a new timestamp), concurrent duplicates, cancels of bets and
wins, and out-of-order cancels (the cancel arrives before its bet, which must then be refused
with OP_42). The simulator keeps its own account of what each player should hold and, at the
end, checks: every answer was signed; every retry answered as the first time; each balance
(real + bonus) equals the simulator's account; and ``GET /ledger/verify`` finds no difference.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from local.provider_client import Answer, ProviderClient, now_ms


@dataclass
class SimPlayer:
    id: str
    token: str
    expected: Decimal  # real + bonus the player should hold
    bets: list[dict[str, Any]] = field(default_factory=list)
    wins: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Report:
    callbacks: int = 0
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def expect(self, condition: bool, problem: str) -> None:
        if not condition:
            self.problems.append(problem)


class Simulator:
    def __init__(self, base_url: str, admin_key: str, seed: int, provider: ProviderClient | None = None):
        self.base_url = base_url.rstrip("/")
        self.admin = httpx.Client(
            base_url=f"{self.base_url}/api/v1/admin", timeout=30, headers={"Authorization": f"Bearer {admin_key}"}
        )
        self.provider = provider or ProviderClient(self.base_url)
        self.random = random.Random(seed)  # noqa: S311 - a reproducible simulation, not a secret
        self.report = Report()
        self._ids = iter(range(seed * 10_000_000 + int(time.time()) % 1_000_000 * 1_000, 10**15))

    def next_id(self) -> int:
        return next(self._ids)

    def send(self, command: str, data: dict[str, Any], timestamp: str | None = None) -> Answer:
        answer = self.provider.send(command, data, timestamp=timestamp)
        self.report.callbacks += 1
        self.report.expect(answer.signed, f"{command}: answer not signed")
        self.report.expect(answer.http_status < 500, f"{command}: HTTP {answer.http_status}")
        return answer

    # ---------------------------------------------------------------- set-up
    def new_player(self, real: str, bonus: str, game_id: int) -> SimPlayer:
        pid = f"sim-{uuid.uuid4().hex[:10]}"
        self.admin.post("/players", json={"player_id": pid, "user_name": pid, "country": "MT", "currency": "EUR"})
        self.admin.post(
            f"/players/{pid}/transactions",
            json={"type": "adjustment", "amount": real, "idempotency_key": f"{pid}-real"},
        )
        self.admin.post(
            f"/players/{pid}/bonuses",
            json={
                "amount": bonus,
                "mode": "BONUS_ONLY",
                "wagering_multiplier": "30",
                "expires_at": int(now_ms()) + 30 * 86_400_000,
                "idempotency_key": f"{pid}-bonus",
            },
        )
        session = self.admin.post(
            "/game-sessions", json={"player_id": pid, "provider": self.provider.provider, "game_id": game_id}
        ).json()
        player = SimPlayer(pid, session["token"], Decimal(real) + Decimal(bonus))
        auth = self.send("authenticate", {"token": player.token})
        self.report.expect(
            auth.ok and Decimal(auth.data["balance"]) == player.expected, f"{pid}: authenticate answered {auth.body}"
        )
        return player

    # ---------------------------------------------------------------- play
    def change(
        self,
        player: SimPlayer,
        kind: str,
        amount: Decimal,
        round_id: int,
        game_id: int,
        transaction_id: int | None = None,
        **extra: Any,
    ) -> tuple[dict[str, Any], Answer]:
        data = {
            "token": player.token,
            "user_id": player.id,
            "transaction_type": kind,
            "transaction_id": transaction_id or self.next_id(),
            "round_id": round_id,
            "game_id": game_id,
            "currency_code": "EUR",
            "amount": amount,
            "transaction_timestamp": now_ms(),
            **extra,
        }
        return data, self.send("changebalance", data)

    def retry(self, data: dict[str, Any], first: Answer) -> None:
        again = self.send("changebalance", data, timestamp=str(int(now_ms()) + 7))
        self.report.count("retries")
        self.report.expect(again.body["data"] == first.body["data"], f"retry of {data['transaction_id']} differs")

    def duplicate_storm(self, data: dict[str, Any]) -> Answer:
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda _: self.send("changebalance", data), range(4)))
        self.report.count("duplicate storms")
        self.report.expect(
            all(a.data == answers[0].data for a in answers),
            f"concurrent duplicates of {data['transaction_id']} answered differently",
        )
        return answers[0]

    def play_round(self, player: SimPlayer, game_id: int) -> None:
        r = self.random
        round_id = self.next_id()
        amount = Decimal(r.randint(10, 500)) / 100
        if r.random() < 0.08:  # out-of-order: the cancel arrives before its bet
            early = self.next_id()
            cancelled = self.send(
                "cancel", {"user_id": player.id, "transaction_id": early, "round_id": round_id, "game_id": game_id}
            )
            self.report.expect(cancelled.data.get("transaction_status") == "CANCELED", "early cancel not CANCELED")
            _, late = self.change(player, "BET", amount, round_id, game_id, transaction_id=early)
            self.report.expect(late.error_code == "OP_42", f"bet after its cancel answered {late.body}")
            self.report.count("out-of-order cancels")
            return
        if r.random() < 0.1:
            data = self._bet_data(player, amount, round_id, game_id)
            placed = self.duplicate_storm(data)
        else:
            data, placed = self.change(player, "BET", amount, round_id, game_id)
        if not placed.ok:
            self.report.expect(placed.error_code == "OP_50", f"bet refused with {placed.body}")
            self.report.count("refused bets")
            return
        player.expected -= amount
        player.bets.append(data)
        if r.random() < 0.2:
            self.retry(data, placed)
        roll = r.random()
        if roll < 0.1:
            _, refunded = self.change(player, "REFUND", amount, round_id, game_id)
            if refunded.ok:
                player.expected += amount
                self.report.count("refunds")
            return
        if roll < 0.18:
            cancelled = self.send(
                "cancel",
                {
                    "user_id": player.id,
                    "transaction_id": data["transaction_id"],
                    "round_id": round_id,
                    "game_id": game_id,
                },
            )
            self.report.expect(cancelled.ok, f"cancel of a bet answered {cancelled.body}")
            player.expected += amount
            self.report.count("cancelled bets")
            return
        prize = Decimal(r.choice([0, 0, 0, 50, 100, 150, 200, 500])) * amount / 100
        prize = prize.quantize(Decimal("0.01"))
        win_data, won = self.change(player, "WIN", prize, round_id, game_id, round_finished=r.random() < 0.5)
        self.report.expect(won.ok, f"win answered {won.body}")
        player.expected += prize
        player.wins.append(win_data)
        if r.random() < 0.15:
            self.retry(win_data, won)
        if r.random() < 0.05 and prize > 0:
            cancelled = self.send(
                "cancel",
                {
                    "user_id": player.id,
                    "transaction_id": win_data["transaction_id"],
                    "round_id": round_id,
                    "game_id": game_id,
                },
            )
            if cancelled.ok:
                player.expected -= prize
                self.report.count("cancelled wins")
        finished = self.send(
            "finishround",
            {
                "round_id": round_id,
                "user_id": player.id,
                "game_id": game_id,
                "round_date": now_ms(),
                "round_ts": now_ms(),
            },
        )
        self.report.expect(finished.ok, f"finishround answered {finished.body}")

    def _bet_data(self, player: SimPlayer, amount: Decimal, round_id: int, game_id: int) -> dict[str, Any]:
        return {
            "token": player.token,
            "user_id": player.id,
            "transaction_type": "BET",
            "transaction_id": self.next_id(),
            "round_id": round_id,
            "game_id": game_id,
            "currency_code": "EUR",
            "amount": amount,
            "transaction_timestamp": now_ms(),
        }

    # ---------------------------------------------------------------- the books
    def check(self, players: list[SimPlayer]) -> None:
        for player in players:
            view = self.admin.get(f"/players/{player.id}").json()
            held = Decimal(view["balances"]["real"]) + Decimal(view["balances"]["bonus"])
            self.report.expect(held == player.expected, f"{player.id}: holds {held}, should hold {player.expected}")
            verify = self.admin.get("/ledger/verify", params={"player_id": player.id}).json()
            self.report.expect(verify["differences"] == [], f"{player.id}: ledger differences {verify}")

    def run(self, players: int, rounds: int, game_id: int = 1001) -> Report:
        sims = [self.new_player("50.00", "20.00", game_id) for _ in range(players)]

        def play(player: SimPlayer) -> None:
            for _ in range(rounds):
                self.play_round(player, game_id)

        with ThreadPoolExecutor(max_workers=max(1, players)) as pool:
            list(pool.map(play, sims))
        self.check(sims)
        return self.report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Play provider sessions against a running stack and check the books.")
    parser.add_argument("--base-url", default="http://127.0.0.1:3000")
    parser.add_argument("--admin-key", default="local-admin-key")
    parser.add_argument("--players", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.monotonic()
    report = Simulator(args.base_url, args.admin_key, args.seed).run(args.players, args.rounds)
    took = time.monotonic() - started
    print(
        f"{report.callbacks} callbacks in {took:.1f} s; "
        + ", ".join(f"{k}: {v}" for k, v in sorted(report.counts.items()))
    )
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    print("books balance" if not report.problems else f"{len(report.problems)} problem(s)")
    return 0 if not report.problems else 1


if __name__ == "__main__":
    sys.exit(main())
